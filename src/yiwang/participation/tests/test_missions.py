"""办事体验: a department admin plans a mission, a staff member does the service as a citizen
would and records findings; findings become public proposals (answered on the clock) or
rectification items with a deadline. Services, API, pages and who may do what."""

from datetime import timedelta

import pytest
from django.test import Client

from yiwang.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from yiwang.participation import selectors, services
from yiwang.participation.models import Finding, Mission, Proposal, RectificationItem


def plan(world, **kw):
    args = {
        "actor": world.dept_admin, "department": None, "title": "体验食品经营许可网上申请",
        "task": "以个体户身份在网上申请食品经营许可，记录每一步。", "channel": "online",
        "item_code": world.item.code, "staff": world.reviewer,
    }  # fmt: skip
    args.update(kw)
    return services.mission_create(**args)


def test_mission_findings_become_proposal_and_rectification(world):
    m = plan(world)
    assert m.number.startswith("BS") and m.department == world.dept and m.staff == world.reviewer
    problem = services.mission_finding_add(
        actor=world.reviewer, mission=m, kind="problem", step="查看办事指南", body="指南未写明平面图比例要求"
    )
    idea = services.mission_finding_add(
        actor=world.reviewer, mission=m, kind="suggestion", step="上传材料", body="建议支持手机拍照上传"
    )
    good = services.mission_finding_add(actor=world.reviewer, mission=m, kind="good", body="表单自动带出信息")
    assert [f.seq for f in (problem, idea, good)] == [1, 2, 3]

    p = services.finding_to_proposal(actor=world.dept_admin, finding=idea)
    assert (p.kind, p.status, p.department, p.moderation) == (
        "proposal",
        "submitted",
        world.dept,
        "published",
    )
    assert p.answer_due is not None and m.number in p.body and p.item == world.item
    assert selectors.author_label(p) == "工作人员"
    assert p in selectors.department_queue(user=world.dept_admin)  # answered like any proposal

    item = services.finding_to_rectification(actor=world.dept_admin, finding=problem)
    assert item.number.startswith("ZG") and item.status == "open" and item.department == world.dept
    assert item.due_date > services.today()
    assert Finding.objects.get(pk=problem.pk).outcome == "rectification"

    with pytest.raises(Conflict):
        services.finding_to_proposal(actor=world.dept_admin, finding=Finding.objects.get(pk=problem.pk))
    with pytest.raises(InvalidTransition):
        services.finding_to_rectification(actor=world.dept_admin, finding=good)
    with pytest.raises(PermissionDenied):  # the performer records; the department decides
        services.finding_to_rectification(actor=world.reviewer, finding=Finding.objects.get(pk=good.pk))
    assert Proposal.objects.count() == 1 and RectificationItem.objects.count() == 1

    with pytest.raises(PermissionDenied):
        services.rectification_complete(actor=world.reviewer, item=item, note="改了")
    item = services.rectification_complete(actor=world.dept_admin, item=item, note="指南已补充比例要求")
    assert item.status == "done" and item.done_on == services.today()
    with pytest.raises(InvalidTransition):
        services.rectification_complete(actor=world.dept_admin, item=item, note="again")

    m = services.mission_finish(
        actor=world.reviewer, mission=m, summary="整体顺畅，指南需完善。", version=m.version
    )
    assert m.status == "done" and m.finished_on == services.today()
    with pytest.raises(InvalidTransition):
        services.mission_finding_add(actor=world.reviewer, mission=m, kind="problem", body="晚了")


def test_who_may_plan_and_record_and_bad_input(world):
    with pytest.raises(PermissionDenied):
        plan(world, actor=world.reviewer)  # not an admin of the department
    with pytest.raises(PermissionDenied):
        plan(world, actor=world.dept2_admin)
    with pytest.raises(ValidationFailed):
        plan(world, channel="fax")
    with pytest.raises(ValidationFailed):
        plan(world, title="<script>alert(1)</script>")
    with pytest.raises(ValidationFailed):
        plan(world, task="x" * 10_000)
    with pytest.raises(ValidationFailed):
        plan(world, staff=world.citizen)
    assert not Mission.objects.exists()
    m = plan(world, actor=world.supervisor)
    with pytest.raises(PermissionDenied):
        services.mission_finding_add(actor=world.approver, mission=m, kind="problem", body="不是我的任务")
    with pytest.raises(ValidationFailed):
        services.mission_finding_add(actor=world.reviewer, mission=m, kind="problem", body="")
    f = services.mission_finding_add(actor=world.reviewer, mission=m, kind="problem", body="叫号屏看不清")
    with pytest.raises(ValidationFailed):
        services.finding_to_rectification(
            actor=world.dept_admin, finding=f, deadline=services.today() - timedelta(days=1)
        )
    with pytest.raises(ValidationFailed):
        services.finding_to_rectification(actor=world.dept_admin, finding=f, deadline="明天")
    assert not RectificationItem.objects.exists() and Finding.objects.get(pk=f.pk).outcome == ""
    with pytest.raises(NotFound):
        selectors.mission_for(user=world.approver2, number=m.number)
    assert selectors.mission_for(user=world.reviewer, number=m.number) == m


def test_mission_api(world, api):
    dept_admin, reviewer = api(world.dept_admin), api(world.reviewer)
    r = dept_admin.post(
        "/api/v1/missions",
        {"title": "窗口办理体验", "task": "到市民之家窗口办理", "channel": "hall", "item": world.item.code,
         "staff": "reviewer"},
        headers={"Idempotency-Key": "m1"},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    again = dept_admin.post(
        "/api/v1/missions",
        {"title": "窗口办理体验", "task": "到市民之家窗口办理", "channel": "hall", "item": world.item.code,
         "staff": "reviewer"},
        headers={"Idempotency-Key": "m1"},
    )  # fmt: skip
    assert again.json()["number"] == number and Mission.objects.count() == 1
    assert api(world.citizen).post("/api/v1/missions", {"title": "x", "task": "y", "channel": "hall",
                                                         "item": world.item.code}).status_code == 403  # fmt: skip
    r = reviewer.post(
        f"/api/v1/missions/{number}/findings", {"kind": "problem", "step": "取号", "body": "取号机故障"}
    )
    assert r.status_code == 201, r.content
    fid = r.json()["id"]
    assert reviewer.post(f"/api/v1/mission-findings/{fid}/rectification", {}).status_code == 403
    assert api(world.citizen).get(f"/api/v1/missions/{number}").status_code == 404
    r = dept_admin.post(f"/api/v1/mission-findings/{fid}/rectification", {"deadline": "2099-01-01"})
    assert r.status_code == 201 and r.json()["due_date"] == "2099-01-01"
    rect = r.json()["number"]
    assert dept_admin.post(f"/api/v1/mission-findings/{fid}/proposal", {}).status_code == 409
    items = dept_admin.get("/api/v1/rectification-items?status=open").json()
    assert [i["number"] for i in items["items"]] == [rect]
    assert api(world.dept2_admin).get("/api/v1/rectification-items").json()["count"] == 0
    r = dept_admin.post(f"/api/v1/rectification-items/{rect}/complete", {"note": "已更换取号机"})
    assert r.status_code == 200 and r.json()["status"] == "done"
    out = reviewer.post(f"/api/v1/missions/{number}/finish", {"summary": "取号环节需改进"})
    assert out.status_code == 200 and out.json()["status"] == "done"
    detail = dept_admin.get(f"/api/v1/missions/{number}").json()
    assert (
        detail["findings"][0]["outcome"] == "rectification" and detail["findings"][0]["rectification"] == rect
    )


def test_mission_pages(world):
    c = Client()
    c.force_login(world.dept_admin)
    assert c.get("/workbench/participation/missions/").status_code == 200
    r = c.post(
        "/workbench/participation/missions/",
        {"department": world.dept.pk, "channel": "mobile", "item": world.item.code, "title": "掌上办体验",
         "task": "用手机办一遍"},
    )  # fmt: skip
    m = Mission.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/missions/{m.number}/")
    url = f"/workbench/participation/missions/{m.number}/"
    r = c.post(url, {"do": "finding", "kind": "suggestion", "step": "登录", "body": "建议支持扫码登录"})
    assert r.status_code == 302
    f = Finding.objects.get()
    assert c.post(url, {"do": "to_proposal", "finding": f.pk}).status_code == 302
    p = Proposal.objects.get()
    page = c.get(url).content.decode()
    assert p.number in page and "已转为改进建议" in page
    assert c.post(url, {"do": "finish", "summary": ""}).status_code == 422
    assert c.post(url, {"do": "finish", "summary": "完成", "version": m.version}).status_code == 302
    assert Mission.objects.get().status == "done"
    other = Client()
    other.force_login(world.dept2_admin)
    assert other.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # login first


def test_admin_lists_render(world, admin_client):
    m = plan(world)
    services.mission_finding_add(actor=world.reviewer, mission=m, kind="problem", body="问题")
    for url in (
        "/admin/participation/sensitiveword/",
        "/admin/participation/proposal/",
        "/admin/participation/mission/",
        f"/admin/participation/mission/{m.pk}/change/",
        "/admin/participation/rectificationitem/",
    ):
        assert admin_client.get(url).status_code == 200, url
