"""The supervision API of API.md on the fixed Q3 data set: values, drill-down (departments see
only their own), assessments with appeals, bulletins with Excel and PDF, tasks."""

from __future__ import annotations

import io

import time_machine
from openpyxl import load_workbook

from yiwang.supervision import services

from .conftest import d
from .test_services import _dept2_admin

V1 = "/api/v1/supervision"


def test_indicators_and_values(dataset, api):
    w = dataset.world
    sup = api(w.supervisor)
    r = sup.get(f"{V1}/indicators")
    assert r.status_code == 200
    codes = {i["code"] for i in r.json()["items"]}
    assert {
        "on_time_completion_rate",
        "promise_compression_ratio",
        "immediate_item_share",
        "satisfaction_rate",
        "proactive_rating_rate",
        "bad_review_timely_rate",
    } <= codes
    r = sup.get(f"{V1}/values", indicator="on_time_completion_rate", period="2026-Q3", level="department")
    assert r.status_code == 200
    by = {i["unit"]["code"]: i for i in r.json()["items"]}
    assert (by[w.dept.uscc]["numerator"], by[w.dept.uscc]["denominator"], by[w.dept.uscc]["value"]) == (
        3,
        4,
        0.75,
    )
    assert sup.get(f"{V1}/values", period="2026-Q9", level="city").status_code == 422
    assert api(w.citizen).get(f"{V1}/indicators").status_code == 403
    assert api().get(f"{V1}/indicators").status_code == 401


def test_drill_down_and_department_scope(dataset, api):
    w, c = dataset.world, dataset.cases
    sup = api(w.supervisor)
    r = sup.get(
        f"{V1}/values/records",
        indicator="on_time_completion_rate",
        period="2026-Q3",
        unit=f"department:{w.dept.uscc}",
        side="denominator",
    )
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 4 and body["value"]["value"] == 0.75
    assert {i["ref"] for i in body["items"]} == {c[k].number for k in ("C1", "C2", "C3", "C6")}
    assert all("applicant" not in i for i in body["items"])
    # the department sees its own records, not another department's
    own = api(w.dept_admin)
    assert (
        own.get(
            f"{V1}/values/records",
            indicator="on_time_completion_rate",
            period="2026-Q3",
            unit=f"department:{w.dept.uscc}",
        ).status_code
        == 200
    )
    assert (
        own.get(
            f"{V1}/values/records",
            indicator="on_time_completion_rate",
            period="2026-Q3",
            unit=f"department:{w.dept2.uscc}",
        ).status_code
        == 404
    )
    assert (
        own.get(
            f"{V1}/values/records",
            indicator="on_time_completion_rate",
            period="2026-Q3",
            unit=f"city:{w.city.code}",
        ).status_code
        == 404
    )
    x = sup.get(
        f"{V1}/values/records",
        indicator="on_time_completion_rate",
        period="2026-Q3",
        unit=f"city:{w.city.code}",
        format="xlsx",
    )
    assert x.status_code == 200 and x.streaming  # a FileResponse from a spooled temporary file
    wb = load_workbook(io.BytesIO(b"".join(x.streaming_content)), read_only=True)
    rows = list(wb.worksheets[1].iter_rows(values_only=True))
    assert len(rows) == 1 + 5  # header and the five completed cases


def test_assessment_api_with_appeal(dataset, api):
    w = dataset.world
    sup, admin = api(w.supervisor), api(w.dept_admin)
    r = sup.get(f"{V1}/assessments", period="2026-Q3", level="department")
    assert r.status_code == 200
    a = r.json()
    assert [i["unit"]["code"] for i in a["items"]] == [w.dept2.uscc, w.dept.uscc]
    assert admin.post(f"{V1}/assessments/{a['id']}/transitions", {"action": "publish"}).status_code == 403
    r = sup.post(f"{V1}/assessments/{a['id']}/transitions", {"action": "publish", "version": a["version"]})
    assert r.status_code == 200 and r.json()["status"] == "published"
    r = admin.post(
        f"{V1}/assessments/{a['id']}/appeals",
        {"unit": w.dept.uscc, "line": "completed_late", "claimed": 0, "evidence": "延期已批准"},
    )
    assert r.status_code == 201
    appeal = r.json()
    r = sup.post(f"{V1}/appeals/{appeal['id']}/decision", {"accept": True, "reason": "手续齐全"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = sup.get(f"{V1}/assessments", period="2026-Q3", level="department")
    assert {i["unit"]["code"]: i["total"] for i in r.json()["items"]}[w.dept.uscc] == 1.0
    pdf = sup.get(f"{V1}/assessments/{a['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xl = sup.get(f"{V1}/assessments/{a['id']}/xlsx")
    assert xl.status_code == 200
    ws = load_workbook(io.BytesIO(xl.content), read_only=True)["排名"]
    assert [r[:2] for r in ws.iter_rows(min_row=2, values_only=True)] == [(1, w.dept2.uscc), (2, w.dept.uscc)]


def test_bulletins_api(dataset, api):
    w = dataset.world
    sup = api(w.supervisor)
    with time_machine.travel("2026-10-02 09:00 +0800", tick=False):
        r = sup.post(f"{V1}/bulletins", {"kind": "quarterly", "period": "2026-Q3"})
        assert r.status_code == 201
        b = r.json()
        assert b["content"]["indicators"][0]["code"] == "on_time_completion_rate"
        assert api(w.dept_admin).get(f"{V1}/bulletins/{b['id']}").status_code == 404  # not published yet
        for action in ("review", "publish"):
            assert sup.post(f"{V1}/bulletins/{b['id']}/transitions", {"action": action}).status_code == 200
        listed = api(w.dept_admin).get(f"{V1}/bulletins", kind="quarterly").json()
        assert [x["id"] for x in listed["items"]] == [b["id"]]
        assert listed["items"][0]["pdf"] == f"{V1}/bulletins/{b['id']}/pdf"
        pdf = api(w.dept_admin).get(listed["items"][0]["pdf"])
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        xl = api(w.dept_admin).get(listed["items"][0]["xlsx"])
        assert load_workbook(io.BytesIO(xl.content), read_only=True).sheetnames == [
            "指标",
            "区排名",
            "超期整改",
        ]
        counts = sup.get(f"{V1}/bulletins/counts", year=2026).json()["items"]
        assert {c["kind"]: c["published"] for c in counts} == {
            "daily": 0,
            "weekly": 0,
            "monthly": 0,
            "quarterly": 1,
        }
        assert sup.get(f"{V1}/bulletins", kind="yearly").status_code == 422


def test_tasks_api(dataset, api):
    w = dataset.world
    admin2 = _dept2_admin(w)
    sup = api(w.supervisor)
    with time_machine.travel("2026-09-15 09:00 +0800", tick=False):
        key = {"Idempotency-Key": "task-c5"}
        r = sup.client.post(
            f"{V1}/tasks",
            {"case": dataset.cases["C5"].number, "limit_days": 5},
            content_type="application/json",
            headers={**sup.headers, **key},
        )
        assert r.status_code == 201, r.content
        t = r.json()
        again = sup.client.post(
            f"{V1}/tasks",
            {"case": dataset.cases["C5"].number, "limit_days": 5},
            content_type="application/json",
            headers={**sup.headers, **key},
        )
        assert again.status_code == 201 and again.json()["id"] == t["id"]
        assert sup.post(f"{V1}/tasks", {"case": dataset.cases["C5"].number}).status_code == 409
        assert t["due_date"] == "2026-09-21" and t["case"] == dataset.cases["C5"].number
        assert api(w.dept_admin).get(f"{V1}/tasks/{t['id']}").status_code == 404
        dept2 = api(admin2)
        assert dept2.post(f"{V1}/tasks/{t['id']}/transitions", {"action": "close"}).status_code == 403
        r = dept2.post(f"{V1}/tasks/{t['id']}/transitions", {"action": "submit", "evidence": "已办结"})
        assert r.status_code == 200 and r.json()["status"] == "submitted"
        assert (
            sup.post(f"{V1}/tasks/{t['id']}/transitions", {"action": "close", "version": 1}).status_code
            == 409
        )
        r = sup.post(f"{V1}/tasks/{t['id']}/transitions", {"action": "close", "version": r.json()["version"]})
        assert r.status_code == 200 and r.json()["status"] == "closed"
        steps = sup.get(f"{V1}/tasks/{t['id']}").json()["steps"]
        assert [s["action"] for s in steps] == ["assign", "submit", "close"]
        listed = dept2.get(f"{V1}/tasks").json()
        assert listed["count"] == 1
        assert sup.post(f"{V1}/tasks", {"department": "", "title": "x", "body": "y"}).status_code == 422
    services.tasks_escalate_overdue(on=d(9, 22))  # closed: nothing to escalate
    assert sup.get(f"{V1}/tasks/{t['id']}").json()["escalated"] is False


def test_task_list_queries_do_not_grow_with_the_page(dataset, api, django_assert_max_num_queries):
    from yiwang.supervision.models import TaskSource

    w = dataset.world
    for n in range(12):
        services.task_create(
            source=TaskSource.MANUAL,
            title=f"整改{n}",
            body="说明",
            department=w.dept,
            actor=w.supervisor,
            on=d(9, 1),
        )
    sup = api(w.supervisor)
    sup.get(f"{V1}/tasks")  # warm the token and the scope
    with django_assert_max_num_queries(8):
        r = sup.get(f"{V1}/tasks", page_size=50)
    assert r.json()["count"] == 12
