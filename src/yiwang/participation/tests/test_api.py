"""/api/v1/proposals: every endpoint with its permissions (anonymous reads published posts only;
another department cannot answer; a citizen cannot moderate), masking of proposers, idempotency."""

from yiwang.participation import services
from yiwang.participation.models import Proposal

from .conftest import propose

BASE = "/api/v1/proposals"


def test_create_list_detail_and_masking(world, api):
    c = api(world.citizen)
    body = {
        "kind": "proposal",
        "title": "增加自助打印",
        "body": "大厅缺少自助打印机",
        "item": world.item.code,
    }
    r = c.post(BASE, body, headers={"Idempotency-Key": "k1"})
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["status"] == "submitted" and out["status_label"] == "已提交" and out["author"] == "张*"
    assert c.post(BASE, body, headers={"Idempotency-Key": "k1"}).json()["number"] == out["number"]
    assert Proposal.objects.count() == 1
    anon = api()
    listing = anon.get(BASE).json()
    assert listing["count"] == 1 and listing["items"][0]["author"] == "张*" and "张伟" not in str(listing)
    d = anon.get(f"{BASE}/{out['number']}").json()
    assert d["answers"] == [] and d["results"]["count"] == 0 and d["warning_level"] == "normal"


def test_anonymous_reads_published_only_and_cannot_write(world, api):
    held = propose(world, body="有人代开发票")
    shown = propose(world, title="公开的")
    anon = api()
    assert [i["number"] for i in anon.get(BASE).json()["items"]] == [shown.number]
    assert anon.get(f"{BASE}/{held.number}").status_code == 404
    assert anon.get(f"{BASE}/{held.number}/comments").status_code == 404
    assert api(world.citizen2).get(f"{BASE}/{held.number}").status_code == 404
    assert api(world.citizen).get(f"{BASE}/{held.number}").status_code == 200  # the author
    assert api(world.supervisor).get(f"{BASE}/{held.number}").status_code == 200  # a moderator
    assert anon.post(BASE, {"title": "x", "body": "y", "item": world.item.code}).status_code == 401
    for path in ("comments", "supports", "answers", "result-ratings", "moderation"):
        assert anon.post(f"{BASE}/{shown.number}/{path}", {"body": "x"}).status_code == 401


def test_comments_endpoint(world, api):
    p = propose(world)
    r = api(world.citizen2).post(f"{BASE}/{p.number}/comments", {"body": "同意，周末也可以"})
    assert r.status_code == 201 and r.json()["author"] == "李*"
    assert api(world.citizen2).post(f"{BASE}/{p.number}/comments", {"body": "<b>x</b>"}).status_code == 422
    r = api(world.citizen2).post(f"{BASE}/{p.number}/comments", {"body": "去死吧"})
    assert r.status_code == 201 and r.json()["moderation"] == "held"
    assert api().get(f"{BASE}/{p.number}/comments").json()["count"] == 1
    assert api(world.citizen2).get(f"{BASE}/{p.number}/comments").json()["count"] == 2  # own held one


def test_supports_endpoint_one_per_person(world, api):
    p = propose(world)
    c = api(world.citizen2)
    r = c.post(f"{BASE}/{p.number}/supports")
    assert r.status_code == 201 and r.json()["support_count"] == 1
    r = c.post(f"{BASE}/{p.number}/supports")
    assert r.status_code == 409 and r.json()["code"] == "already_supported"
    assert api(world.clerk).post(f"{BASE}/{p.number}/supports").status_code == 403


def test_answers_endpoint_permissions(world, api):
    p = propose(world)
    body = {"action": "accept", "body": "采纳，下月起实施"}
    assert api(world.dept2_admin).post(f"{BASE}/{p.number}/answers", body).status_code == 403
    assert api(world.citizen).post(f"{BASE}/{p.number}/answers", body).status_code == 403
    r = api(world.dept_admin).post(f"{BASE}/{p.number}/answers", {**body, "version": 1})
    assert r.status_code == 201 and r.json()["status"] == "accepted" and r.json()["version"] == 2
    r = api(world.dept_admin).post(f"{BASE}/{p.number}/answers", {**body, "version": 1})
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = api(world.dept_admin).post(f"{BASE}/{p.number}/answers", {"action": "decline", "body": "晚了"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    answers = api().get(f"{BASE}/{p.number}/answers").json()
    assert answers["count"] == 1 and answers["items"][0]["department"] == world.dept.name


def test_result_ratings_endpoint(world, api):
    p = propose(world)
    services.support_add(actor=world.citizen2, proposal=p)
    url = f"{BASE}/{p.number}/result-ratings"
    assert api(world.citizen).post(url, {"level": "1"}).status_code == 409  # not done yet
    for action in ("accept", "complete"):
        services.proposal_answer(
            actor=world.dept_admin, proposal=Proposal.objects.get(pk=p.pk), action=action, body="好"
        )
    assert api(world.citizen).post(url, {"level": "2", "comment": "好"}).status_code == 201
    assert api(world.citizen2).post(url, {"level": "4"}).status_code == 201
    assert api(world.company).post(url, {"level": "1"}).status_code == 403
    assert api(world.citizen).post(url, {"level": "1"}).status_code == 409
    summary = api().get(url).json()
    assert summary["count"] == 2 and summary["satisfaction_rate"] == 0.5


def test_moderation_endpoints(world, api):
    p = propose(world, body="门口有人赌博")
    url = f"{BASE}/{p.number}/moderation"
    assert api(world.citizen).post(url, {"action": "publish", "reason": "x"}).status_code in (403, 404)
    assert (
        api(world.dept_admin).post(url, {"action": "publish", "reason": "x"}).status_code == 404
    )  # not visible
    assert api(world.supervisor).post(url, {"action": "publish"}).status_code == 422  # reason required
    r = api(world.supervisor).post(url, {"action": "publish", "reason": "举报线索，可公开"})
    assert r.status_code == 200 and r.json()["moderation"] == "published"
    c = services.comment_add(actor=world.citizen2, proposal=Proposal.objects.get(pk=p.pk), body="诈骗电话")
    curl = f"/api/v1/proposal-comments/{c.pk}/moderation"
    assert api(world.citizen2).post(curl, {"action": "publish", "reason": "x"}).status_code == 403
    r = api(world.supervisor).post(curl, {"action": "reject", "reason": "含不实信息"})
    assert r.status_code == 200 and r.json()["moderation"] == "rejected"


def test_drafts_endpoint(world, api):
    body = {
        "title": "流程调整草案",
        "body": "拟取消现场核查",
        "target": "process",
        "department": str(world.dept.pk),
    }
    assert api(world.dept2_admin).post(f"{BASE}/drafts", body).status_code == 403
    r = api(world.dept_admin).post(f"{BASE}/drafts", body)
    assert r.status_code == 201 and r.json()["kind"] == "draft" and r.json()["author"] == world.dept.name
