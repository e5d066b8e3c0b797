"""The API of API.md with permission checks: the owner, another citizen, another department,
anonymous callers."""

import pytest

from yiwang.evaluations.models import Evaluation, WorkOrder
from yiwang.organizations.services import staff_create

from .conftest import case_for


@pytest.fixture
def admin2(world):
    return staff_create(
        username="dept_admin2",
        password="pass-1234-word",
        name="卫健管理员",
        roles=[{"role": "dept_admin", "department": world.dept2}],
    )


def body(case, **kw):
    return {"case": case.number, "stage": "complete", "level": "5", "tags": ["slow"], **kw}


def test_post_evaluation_owner_201(world, completed, api):
    r = api(world.citizen).post("/api/v1/evaluations", body(completed, comment="太慢了"))
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["level"] == "5" and out["level_label"] == "非常不满意"
    assert out["channel_class_label"] == "一事一评" and out["tags"] == [
        {"code": "slow", "label": "办理时间长"}
    ]
    assert out["work_order"] == WorkOrder.objects.get().pk


def test_post_evaluation_permissions(world, completed, api):
    assert api().post("/api/v1/evaluations", body(completed)).status_code == 401
    assert api(world.citizen2).post("/api/v1/evaluations", body(completed)).status_code == 404
    assert api(world.reviewer2).post("/api/v1/evaluations", body(completed)).status_code == 404
    assert api(world.reviewer).post("/api/v1/evaluations", body(completed)).status_code == 403
    assert not Evaluation.objects.exists()


def test_post_evaluation_errors_and_idempotency(world, completed, api):
    c = api(world.citizen)
    r = c.post("/api/v1/evaluations", body(completed, comment="x" * 10_000))
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = c.post("/api/v1/evaluations", body(completed, level=5))
    assert r.status_code == 422
    first = c.post("/api/v1/evaluations", body(completed), headers={"Idempotency-Key": "k1"})
    again = c.post("/api/v1/evaluations", body(completed), headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    r = c.post("/api/v1/evaluations", body(completed, level="1", tags=[]))
    assert r.status_code == 409 and r.json()["code"] == "already_rated"
    r = c.post("/api/v1/evaluations", body(case_for(world, until="accept")))
    assert r.status_code == 409 and r.json()["code"] == "stage_not_reached"
    assert Evaluation.objects.count() == 1


def test_stats_permissions(world, completed, api, admin2):
    api(world.citizen).post("/api/v1/evaluations", body(completed, level="2", tags=[]))
    url = "/api/v1/evaluations/stats"
    assert api().get(url).status_code == 401
    assert api(world.citizen).get(url).status_code == 403
    assert api(admin2).get(url, department=world.dept.uscc).status_code == 403
    r = api(admin2).get(url)
    assert r.status_code == 200 and r.json()["counts"]["ratings"] == 0  # only its own department
    r = api(world.dept_admin).get(url, department=world.dept.uscc, **{"from": "2020-01-01"})
    assert r.status_code == 200 and r.json()["indicators"]["satisfaction_rate"] == 1.0
    r = api(world.supervisor).get(url, group_by="staff")
    assert r.status_code == 200 and r.json()["groups"][0]["name"] == "窗口甲"
    assert api(world.supervisor).get(url, group_by="nothing").status_code == 422
    assert api(world.supervisor).get(url, **{"from": "2026-13-01"}).status_code == 422


def test_rectifications_list_and_transitions(world, completed, api, admin2):
    api(world.citizen).post("/api/v1/evaluations", body(completed))
    order = WorkOrder.objects.get()
    assert api().get("/api/v1/rectifications").status_code == 401
    assert api(world.citizen2).get("/api/v1/rectifications").json()["count"] == 0
    assert api(admin2).get("/api/v1/rectifications").json()["count"] == 0
    assert api(world.citizen).get("/api/v1/rectifications").json()["count"] == 1
    listed = api(world.dept_admin).get("/api/v1/rectifications").json()
    assert listed["count"] == 1 and listed["items"][0]["status_label"] == "差评受理"
    url = f"/api/v1/rectifications/{order.pk}/transitions"
    verify = {"action": "verify", "note": "核实属实", "version": 1}
    assert api().post(url, verify).status_code == 401
    assert api(world.citizen2).post(url, verify).status_code == 404
    assert api(admin2).post(url, verify).status_code == 404
    assert api(world.citizen).post(url, verify).status_code == 403  # visible, not theirs to verify
    r = api(world.dept_admin).post(url, {"action": "dispose", "note": "x", "disposal": "fixed"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    r = api(world.dept_admin).post(url, verify)
    assert r.status_code == 200 and r.json()["status"] == "verified" and r.json()["version"] == 2
    assert [s["action"] for s in r.json()["steps"]] == ["receive", "verify"]
    r = api(world.supervisor).post(url, {"action": "assign", "version": 1})
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = api(world.dept_admin).get(f"/api/v1/rectifications/{order.pk}")
    assert r.status_code == 200 and r.json()["steps"][1]["actor"] == "部门管理员"
    assert api(world.citizen2).get(f"/api/v1/rectifications/{order.pk}").status_code == 404


def test_rectification_list_query_count(world, api, django_assert_max_num_queries):
    for _ in range(3):
        c = case_for(world)
        api(world.citizen).post("/api/v1/evaluations", body(c))
    client = api(world.dept_admin)
    with django_assert_max_num_queries(9):
        r = client.get("/api/v1/rectifications")
    assert r.json()["count"] == 3


def test_odd_numbers_in_queries_are_422_not_500(world, api):
    c = api(world.dept_admin)
    assert c.get("/api/v1/evaluations/stats", department="²").status_code == 422
    assert c.get("/api/v1/evaluations/stats", hall=str(2**70)).status_code == 422
