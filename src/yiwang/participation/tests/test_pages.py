"""Pages: the public list and detail with discussion, the propose form, the workbench answer page."""

from django.test import Client

from yiwang.participation.models import Answer, Comment, Proposal, Support

from .conftest import propose


def _client(user=None):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_public_list_and_detail_mask_the_proposer(world):
    p = propose(world)
    held = propose(world, title="待审", body="赌博")
    r = _client().get("/participation/")
    text = r.content.decode()
    assert (
        r.status_code == 200
        and p.title in text
        and "待审" not in text
        and "张*" in text
        and "张伟" not in text
    )
    r = _client().get(f"/participation/{p.number}/")
    assert r.status_code == 200 and "群众议" in r.content.decode() and "登录" in r.content.decode()
    assert _client().get(f"/participation/{held.number}/").status_code == 404


def test_propose_form_comment_and_support(world):
    c = _client(world.citizen)
    assert c.get("/participation/new/").status_code == 200
    r = c.post(
        "/participation/new/",
        {
            "kind": "proposal",
            "target": "item",
            "item": world.item.code,
            "title": "网上预约",
            "body": "希望可以网上预约",
        },
    )
    assert r.status_code == 302
    p = Proposal.objects.get(title="网上预约")
    bad = c.post(
        "/participation/new/", {"kind": "proposal", "item": world.item.code, "title": "<script>", "body": "x"}
    )
    assert bad.status_code == 422 and "HTML" in bad.content.decode()
    c2 = _client(world.citizen2)
    assert c2.post(f"/participation/{p.number}/", {"do": "comment", "body": "赞同"}).status_code == 302
    assert c2.post(f"/participation/{p.number}/", {"do": "support"}).status_code == 302
    assert c2.post(f"/participation/{p.number}/", {"do": "support"}).status_code == 422
    assert Comment.objects.filter(proposal=p).count() == 1 and Support.objects.filter(proposal=p).count() == 1
    assert _client().get("/participation/new/").status_code == 302  # login first


def test_workbench_answer_page(world):
    p = propose(world)
    c = _client(world.dept_admin)
    r = c.get("/workbench/participation/")
    assert r.status_code == 200 and p.title in r.content.decode()
    r = c.get(f"/workbench/participation/{p.number}/")
    assert r.status_code == 200 and 'name="action"' in r.content.decode()
    r = c.post(
        f"/workbench/participation/{p.number}/",
        {"do": "answer", "action": "accept", "body": "采纳", "version": "1"},
    )
    assert r.status_code == 302 and Answer.objects.filter(proposal=p, action="accept").exists()
    assert _client(world.dept2_admin).get(f"/workbench/participation/{p.number}/").status_code == 403
    assert _client(world.citizen).get("/workbench/participation/").status_code == 403


def test_moderation_on_the_workbench(world):
    p = propose(world, body="办假证")
    c = _client(world.supervisor)
    assert p.number in c.get("/workbench/participation/").content.decode()
    r = c.post(
        f"/workbench/participation/{p.number}/", {"do": "moderate", "action": "reject", "reason": "不实"}
    )
    assert r.status_code == 302 and Proposal.objects.get(pk=p.pk).moderation == "rejected"
