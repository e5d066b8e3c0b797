"""The supervision pages on the fixed Q3 data set: who sees what, drill-down, 下发整改 from an
overdue case, task actions, assessments and bulletins; each chart followed by its table."""

from __future__ import annotations

from django.test import Client

from yiwang.supervision import services
from yiwang.supervision.models import Task

from .test_services import _dept2_admin


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_dashboard_and_drill_down(dataset):
    w, cases = dataset.world, dataset.cases
    services.assessment_run(period="2026-Q3", level="department")
    sup = _client(w.supervisor)
    r = sup.get("/supervision/?period=2026-Q3")
    assert r.status_code == 200
    html = r.content.decode()
    assert (
        'data-chart="bar"' in html
        and 'id="rank-department-data"' in html
        and "各部门考核排名（图表的文字版）" in html
    )
    assert "echarts.min.js" in html and "cdn" not in html.lower()
    unit_url = f"/supervision/units/department:{w.dept2.uscc}/?period=2026-Q3"
    assert unit_url in html
    r = sup.get(unit_url)
    assert r.status_code == 200 and "13.0 分（第 1 名）" in r.content.decode()
    r = sup.get(f"/supervision/units/department:{w.dept2.uscc}/overdue/")
    assert r.status_code == 200 and cases["C5"].number in r.content.decode()
    r = sup.get(
        f"/supervision/records/?indicator=on_time_completion_rate&period=2026-Q3&unit=department:{w.dept.uscc}"
    )
    body = r.content.decode()
    assert r.status_code == 200 and cases["C2"].number in body and "75.00%" in body
    r = sup.get(
        f"/supervision/records/download.xlsx?indicator=on_time_completion_rate&period=2026-Q3&unit=city:{w.city.code}"
    )
    # sent from a spooled temporary file in blocks, with its length
    body = b"".join(r.streaming_content)
    assert r.status_code == 200 and r.streaming and body[:2] == b"PK"
    assert int(r["Content-Length"]) == len(body) and "attachment" in r["Content-Disposition"]


def test_departments_see_their_own_unit_only(dataset):
    w = dataset.world
    admin = _client(w.dept_admin)
    r = admin.get("/supervision/")
    assert r.status_code == 302 and r["Location"] == f"/supervision/units/department:{w.dept.uscc}/"
    assert admin.get(f"/supervision/units/department:{w.dept2.uscc}/").status_code == 404
    assert admin.get(f"/supervision/units/city:{w.city.code}/").status_code == 404
    assert _client(w.citizen).get("/supervision/").status_code == 403


def test_issue_a_task_from_an_overdue_case_and_act_on_it(dataset):
    w, c5 = dataset.world, dataset.cases["C5"]
    admin2 = _dept2_admin(w)
    sup = _client(w.supervisor)
    r = sup.post("/supervision/tasks/new/", {"case": c5.number, "limit_days": "3"})
    task = Task.objects.get(case=c5)
    assert r.status_code == 302 and r["Location"] == f"/supervision/tasks/{task.pk}/"
    assert task.limit_days == 3
    page = _client(admin2).get(f"/supervision/tasks/{task.pk}/").content.decode()
    assert "报送整改情况" in page
    _client(admin2).post(
        f"/supervision/tasks/{task.pk}/", {"action": "submit", "evidence": "已办结", "version": "1"}
    )
    task.refresh_from_db()
    assert task.status == "submitted"
    sup.post(f"/supervision/tasks/{task.pk}/", {"action": "close", "version": str(task.version)})
    task.refresh_from_db()
    assert task.status == "closed"
    assert _client(w.dept_admin).get(f"/supervision/tasks/{task.pk}/").status_code == 404
    assert "已下发整改" in sup.get(f"/supervision/units/department:{w.dept2.uscc}/overdue/").content.decode()


def test_assessment_and_bulletin_pages(dataset):
    w = dataset.world
    a = services.assessment_run(period="2026-Q3", level="department")
    sup = _client(w.supervisor)
    assert "定稿（冻结结果）" in sup.get(f"/supervision/assessments/{a.pk}/").content.decode()
    sup.post(f"/supervision/assessments/{a.pk}/", {"action": "publish"})
    a.refresh_from_db()
    assert a.status == "published"
    admin = _client(w.dept_admin)
    page = admin.get(f"/supervision/assessments/{a.pk}/").content.decode()
    assert "提交申诉" in page and w.dept2.name not in page
    admin.post(
        f"/supervision/assessments/{a.pk}/",
        {"unit": w.dept.uscc, "line": "completed_late", "claimed": "0", "evidence": "延期已批准"},
    )
    appeal = a.appeals.get()
    sup.post(
        f"/supervision/assessments/{a.pk}/",
        {"appeal": appeal.pk, "accept": "1", "reason": "手续齐全", "value": "0"},
    )
    appeal.refresh_from_db()
    assert appeal.status == "accepted"
    assert sup.get(f"/supervision/assessments/{a.pk}/download.pdf").content.startswith(b"%PDF")
    r = sup.post("/supervision/bulletins/", {"kind": "monthly", "period": "2026-08"})
    assert r.status_code == 302
    b_url = r["Location"]
    assert "一、主要指标" in sup.get(b_url).content.decode()
    assert admin.get(b_url).status_code == 404  # not published
    for action in ("review", "publish"):
        sup.post(b_url, {"action": action})
    assert admin.get(b_url).status_code == 200
    assert admin.get(b_url + "download.pdf").content.startswith(b"%PDF")
    assert sup.get("/supervision/bulletins/").status_code == 200
