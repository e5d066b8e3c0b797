"""Scoring and assessments (frozen once closed), appeals and bonuses, rectification tasks on the
workflow (escalated exactly once, findings and bad reviews absorbed), bulletins and their
scheduled production — on the fixed Q3 data set of conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.core.errors import InvalidTransition, PermissionDenied, StaleVersion, ValidationFailed
from yiwang.notifications.models import Notification
from yiwang.participation.models import RectificationItem
from yiwang.supervision import selectors, services
from yiwang.supervision.models import AssessmentStatus, BulletinStatus, Task, TaskSource, TaskStatus
from yiwang.supervision.scoring import step_points

from .conftest import at, d, make_case


def test_step_points():
    steps = [[0.95, 1], [0.99, 1.5], [1.0, 2]]
    assert step_points(0.94, steps, "higher") == (0.0, None)
    assert step_points(0.95, steps, "higher") == (1.0, 0.95)
    assert step_points(0.995, steps, "higher") == (1.5, 0.99)
    assert step_points(1.0, steps, "higher") == (2.0, 1.0)
    assert step_points(0.4, [[1.0, 1], [0.5, 1.5], [0.2, 2]], "lower") == (1.5, 0.5)
    assert step_points(None, steps, "higher") == (0.0, None)


def _row(assessment, uscc):
    return selectors.unit_row(assessment=assessment, code=uscc)


def test_department_assessment_ranks_and_explains(dataset):
    w = dataset.world
    a = services.assessment_run(period="2026-Q3", level="department")
    dept2, dept = _row(a, w.dept2.uscc), _row(a, w.dept.uscc)
    # dept2: on time 1/1 → 2 × 3; satisfaction 1/1 → 2 × 3; visits 1.0 → 1 × 1
    assert dept2["total"] == 13 and dept2["rank"] == 1
    # dept: proactive 4/4 → 2 × 1; visits 0.75 → 1; late C2 −0.5; bad reviews late E3, E5 −2
    assert dept["total"] == 0.5 and dept["rank"] == 2
    lines = {ln["code"]: ln for ln in dept["lines"]}
    assert lines["on_time_completion_rate"]["explanation"] == "按时办结率 75.00%，未达最低档 95.00%，得 0 分"
    assert (
        lines["proactive_rating_rate"]["explanation"]
        == "主动评价率 100.00%，达到 70.00% 档，得 2 分 × 权重 1 = 2 分"
    )
    assert lines["completed_late"]["score"] == -0.5
    assert (
        lines["bad_not_handled_in_time"]["explanation"] == "未按期处置的差评 2 件 × 1 分，上限 5 分，扣 2 分"
    )
    assert a.inputs["ruleset_version"] == 1


def test_department_ranking_leaves_out_enterprises(dataset):
    """公共服务企业 (a water company) runs no item here and the rules do not assess it: it is not
    ranked with the departments (it would rank last with zeros); a rule set naming the kind does."""
    from yiwang.core.testing import make_uscc
    from yiwang.organizations.models import DepartmentKind
    from yiwang.organizations.tests.factories import DepartmentFactory
    from yiwang.supervision.models import RuleSet

    w = dataset.world
    water = DepartmentFactory(
        name="武汉市自来水公司", uscc=make_uscc("water"), region=w.city, kind=DepartmentKind.ENTERPRISE
    )
    a = services.assessment_run(period="2026-Q3", level="department")
    ranked = {r["unit"]["code"] for r in a.results}
    assert water.uscc not in ranked and {w.dept.uscc, w.dept2.uscc} <= ranked
    # a rule set that covers enterprises ranks them (a draft keeps its rule version: start anew)
    a.delete()
    rules = {**RuleSet.objects.get(version=1).rules, "department_kinds": ["government", "enterprise"]}
    services.ruleset_create(name="含企业", valid_from=dt.date(2026, 1, 1), rules=rules)
    b = services.assessment_run(period="2026-Q3", level="department")
    assert water.uscc in {r["unit"]["code"] for r in b.results}


def test_closed_assessment_is_frozen(dataset):
    w = dataset.world
    a = services.assessment_run(period="2026-Q3", level="department")
    services.assessment_act(assessment=a, actor=w.supervisor, action="close")
    a.refresh_from_db()
    frozen = a.results
    assert a.status == AssessmentStatus.CLOSED
    # a late case completed in Q3 arrives afterwards: the closed period does not move
    make_case(
        w,
        ref="late",
        item=w.item2,
        region=w.city,
        channel="window",
        status="completed",
        received=d(8, 1),
        due=d(8, 5),
        completed=at(8, 20),
    )
    again = services.assessment_run(period="2026-Q3", level="department")
    assert again.pk == a.pk and again.results == frozen and again.version == a.version
    # while an open quarter follows the records
    b = services.assessment_run(period="2026-Q3", level="district")
    assert b.status == AssessmentStatus.DRAFT


def test_only_supervisors_close_and_only_quarters_are_assessed(dataset):
    w = dataset.world
    a = services.assessment_run(period="2026-Q3", level="department")
    with pytest.raises(PermissionDenied):
        services.assessment_act(assessment=a, actor=w.dept_admin, action="close")
    with pytest.raises(ValidationFailed):
        services.assessment_run(period="2026-08", level="department")


def test_appeal_of_a_deduction_changes_the_score_with_its_reason(dataset):
    w = dataset.world
    a = services.assessment_run(period="2026-Q3", level="department")
    with pytest.raises(InvalidTransition):  # not published yet
        services.appeal_file(
            assessment=a,
            actor=w.dept_admin,
            unit_code=w.dept.uscc,
            line="completed_late",
            claimed=0,
            evidence="C2 的延期已获批准",
        )
    a = services.assessment_act(assessment=a, actor=w.supervisor, action="publish")
    with pytest.raises(PermissionDenied):  # another department's admin may not appeal for it
        services.appeal_file(
            assessment=a,
            actor=w.dept_admin,
            unit_code=w.dept2.uscc,
            line="completed_late",
            claimed=0,
            evidence="x",
        )
    appeal = services.appeal_file(
        assessment=a,
        actor=w.dept_admin,
        unit_code=w.dept.uscc,
        line="completed_late",
        claimed=0,
        evidence="C2 的延期已获批准，见延期告知书",
    )
    assert appeal.original == 1 and appeal.kind == "deduction"
    with pytest.raises(PermissionDenied):
        services.appeal_decide(appeal=appeal, actor=w.dept_admin, accept=True, reason="x")
    with pytest.raises(ValidationFailed):
        services.appeal_decide(appeal=appeal, actor=w.supervisor, accept=True, reason=" ")
    decided = services.appeal_decide(
        appeal=appeal, actor=w.supervisor, accept=True, reason="延期审批手续齐全"
    )
    assert (decided.status, decided.decided_value, decided.reason) == ("accepted", 0, "延期审批手续齐全")
    with pytest.raises(StaleVersion):
        services.appeal_decide(appeal=appeal, actor=w.supervisor, accept=False, reason="again")
    a.refresh_from_db()
    row = _row(a, w.dept.uscc)
    assert row["total"] == 1.0
    line = next(ln for ln in row["lines"] if ln["code"] == "completed_late")
    assert line["score"] == 0 and "申诉成立" in line["explanation"]
    assert a.inputs["appeals"] == [appeal.pk]
    # a bonus with its reason
    services.bonus_award(
        assessment=a, actor=w.supervisor, unit_code=w.dept.uscc, points=1, reason="获评省级示范窗口"
    )
    a.refresh_from_db()
    assert _row(a, w.dept.uscc)["total"] == 2.0


def test_value_appeal_rejected_keeps_the_value(dataset):
    w = dataset.world
    a = services.assessment_run(period="2026-Q3", level="department")
    a = services.assessment_act(assessment=a, actor=w.supervisor, action="publish")
    appeal = services.appeal_file(
        assessment=a,
        actor=w.dept_admin,
        unit_code=w.dept.uscc,
        line="on_time_completion_rate",
        claimed=1.0,
        evidence="C2 系申请人原因",
    )
    services.appeal_decide(appeal=appeal, actor=w.supervisor, accept=False, reason="申请人原因不影响办结期限")
    a.refresh_from_db()
    assert _row(a, w.dept.uscc)["total"] == 0.5


# --- tasks -------------------------------------------------------------------------------------
def _overdue_task(ds):
    w = ds.world
    return services.task_from_case(case=ds.cases["C5"], actor=w.supervisor, limit_days=5, on=d(9, 15))


def test_overdue_case_task_lifecycle(dataset):
    w = dataset.world
    admin2 = _dept2_admin(w)
    task = _overdue_task(dataset)
    assert task.number.startswith("ZG2026") and task.department == w.dept2
    # 5 working days after Tue 15 September: 16, 17, 18, Sunday 20 (a 调休 make-up day), 21
    assert task.due_date == dt.date(2026, 9, 21)
    assert task.case == dataset.cases["C5"] and task.source == TaskSource.OVERDUE_CASE
    with pytest.raises(InvalidTransition):  # one task per overdue case
        _overdue_task(dataset)
    with pytest.raises(PermissionDenied):  # another department
        services.task_act(task=task, actor=w.dept_admin, action="submit", evidence="x")
    with pytest.raises(ValidationFailed):
        services.task_act(task=task, actor=admin2, action="submit", evidence=" ")
    task = services.task_act(
        task=task, actor=admin2, action="submit", evidence="已办结并约谈责任人", on=d(9, 18)
    )
    assert task.status == TaskStatus.SUBMITTED
    with pytest.raises(ValidationFailed):
        services.task_act(task=task, actor=w.supervisor, action="return")
    with pytest.raises(StaleVersion):
        services.task_act(task=task, actor=w.supervisor, action="close", version=1)
    task = services.task_act(task=task, actor=w.supervisor, action="return", note="缺少办结通知书")
    assert task.status == TaskStatus.RETURNED
    task = services.task_act(task=task, actor=admin2, action="submit", evidence="附办结通知书")
    task = services.task_act(task=task, actor=w.supervisor, action="close", version=task.version)
    assert task.status == TaskStatus.CLOSED
    assert list(task.steps.values_list("action", flat=True)) == [
        "assign",
        "submit",
        "return",
        "submit",
        "close",
    ]
    assert list(task.steps.values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    assert Notification.objects.filter(recipient=admin2, kind="supervision.task_assigned").count() == 1
    assert Notification.objects.filter(recipient=admin2, kind="supervision.task_returned").count() == 1


def _dept2_admin(w):
    from yiwang.accounts.tests.factories import StaffFactory
    from yiwang.organizations.tests.factories import StaffRoleFactory

    user = StaffFactory(username="dept2_admin", display_name="卫健管理员")
    StaffRoleFactory(user=user, role="dept_admin", department=w.dept2)
    return user


def test_overdue_tasks_are_escalated_exactly_once(dataset):
    w = dataset.world
    admin2 = _dept2_admin(w)
    task = _overdue_task(dataset)
    assert services.tasks_escalate_overdue(on=d(9, 21)) == 0  # due that day: not yet
    assert services.tasks_escalate_overdue(on=d(9, 22)) == 1
    assert services.tasks_escalate_overdue(on=d(9, 23)) == 0
    task.refresh_from_db()
    assert task.escalated_at is not None and task.status == TaskStatus.ASSIGNED
    assert task.steps.filter(action="escalate").count() == 1
    assert Notification.objects.filter(kind="supervision.task_escalated", recipient=w.supervisor).count() == 1
    assert Notification.objects.filter(kind="supervision.task_escalated", recipient=admin2).count() == 1
    # the next bulletin lists it
    b = services.bulletin_generate(kind="daily", period="2026-09-22", on=d(9, 23))
    assert [t["number"] for t in b.content["tasks"]["overdue"]] == [task.number]
    assert b.content["tasks"]["overdue"][0]["escalated"] is True


def test_findings_and_escalated_bad_reviews_are_absorbed_once(dataset):
    w = dataset.world
    item = RectificationItem.objects.create(
        department=w.dept,
        region=w.city,
        title="窗口指引不清",
        body="体验员两次问路",
        due_date=d(9, 30),
        created_by=w.supervisor,
        created_at=at(9, 1),
    )
    order = dataset.orders["W5"]
    order.escalated_at = at(9, 22)
    order.save(update_fields=["escalated_at"])
    made = services.tasks_absorb(on=d(9, 23))
    assert made == {"findings": 1, "bad_reviews": 1, "submitted": 0}
    assert services.tasks_absorb(on=d(9, 23)) == {"findings": 0, "bad_reviews": 0, "submitted": 0}
    t_find = Task.objects.get(finding_item=item)
    assert (t_find.source, t_find.due_date, t_find.department) == ("finding", d(9, 30), w.dept)
    t_bad = Task.objects.get(work_order=order)
    assert t_bad.source == "bad_review" and order.number in t_bad.title
    # the department marks the finding done: the task goes to verification with its note
    RectificationItem.objects.filter(pk=item.pk).update(
        status="done", done_on=d(9, 25), done_note="已增设指引牌"
    )
    assert services.tasks_absorb(on=d(9, 26))["submitted"] == 1
    t_find.refresh_from_db()
    assert (t_find.status, t_find.evidence) == ("submitted", "已增设指引牌")


def test_tasks_from_indicators_below_target(dataset):
    w = dataset.world
    a = services.assessment_run(period="2026-Q3", level="department")
    made = services.tasks_from_assessment(assessment=a, actor=w.supervisor, on=d(10, 9))
    by = {(t.department_id, t.indicator) for t in made}
    assert (w.dept.pk, "on_time_completion_rate") in by  # 75 % < 100 %
    assert (w.dept2.pk, "on_time_completion_rate") not in by  # 100 %
    assert services.tasks_from_assessment(assessment=a, actor=w.supervisor, on=d(10, 9)) == []


# --- bulletins ---------------------------------------------------------------------------------
def test_bulletin_generated_reviewed_published_and_counted(dataset):
    w = dataset.world
    b = services.bulletin_generate(kind="monthly", period="2026-07", on=d(8, 1))
    assert b.issue == 1 and b.title == "月通报（2026年第1期）：2026年7月"
    on_time = next(x for x in b.content["indicators"] if x["code"] == "on_time_completion_rate")
    # July: C1, C2, C3, C6 completed; C2 late
    assert (on_time["numerator"], on_time["denominator"], on_time["value"], on_time["met"]) == (
        3,
        4,
        0.75,
        False,
    )
    assert [r["unit"]["code"] for r in b.content["districts"]] == [w.district.code]
    with pytest.raises(InvalidTransition):
        services.bulletin_act(bulletin=b, actor=w.supervisor, action="publish")
    with pytest.raises(PermissionDenied):
        services.bulletin_act(bulletin=b, actor=w.dept_admin, action="review")
    b = services.bulletin_act(bulletin=b, actor=w.supervisor, action="review")
    b = services.bulletin_act(bulletin=b, actor=w.supervisor, action="publish")
    assert b.status == BulletinStatus.PUBLISHED and b.published_at is not None
    # a rerun leaves the published bulletin as it was
    make_case(
        w,
        ref="x",
        item=w.item,
        region=w.city,
        channel="online",
        status="completed",
        received=d(7, 20),
        due=d(7, 27),
        completed=at(7, 21),
    )
    again = services.bulletin_generate(kind="monthly", period="2026-07", on=d(8, 2))
    assert again.pk == b.pk and again.content == b.content
    second = services.bulletin_generate(kind="monthly", period="2026-08", on=d(9, 1))
    assert second.issue == 2
    counts = {c["kind"]: c for c in selectors.bulletin_counts(user=w.supervisor, year=2026)}
    assert (counts["monthly"]["published"], counts["monthly"]["total"]) == (1, 2)
    assert counts["monthly"]["by_month"][6] == 1
    # departments see published bulletins only
    assert {c["kind"]: c["total"] for c in selectors.bulletin_counts(user=w.dept_admin, year=2026)}[
        "monthly"
    ] == 1
    with pytest.raises(ValidationFailed):
        services.bulletin_generate(kind="weekly", period="2026-07", on=d(8, 1))


def test_scheduled_production_is_idempotent(dataset):
    first = services.reports_produce(on=d(10, 1))  # a Thursday, first day of Q4
    assert set(first) == {"daily", "monthly", "assessment_district", "assessment_department", "quarterly"}
    assert services.reports_produce(on=d(10, 1)) == first
    monday = services.reports_produce(on=d(10, 5))
    assert set(monday) == {"daily", "weekly"}
    from yiwang.supervision.models import Bulletin

    q = Bulletin.objects.get(kind="quarterly", period="2026-Q3")
    assert q.content["assessments"]["department"][0]["total"] == 13
