"""The two clocks of a case (issue 12): the promised and the statutory due date; the §42
extension in two recorded steps by the item's own rule (once; none for 即办件 or where the law
allows none); §45 special procedures only as the item declares them, with the expected duration
and a planned end that lights the warning; acceptance after a supplement bounded by the item's
acceptance limit (黄灯/红灯, no deemed acceptance). Dates are pinned (`on=`, time-machine)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yiwang.cases import presenters, selectors, services
from yiwang.cases.clock import clock_view
from yiwang.cases.models import Case, ClockStop, Notice, Status
from yiwang.catalog.models import ItemVersion
from yiwang.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from yiwang.core.testing import good_form, good_materials
from yiwang.ledger.models import PendingEntry
from yiwang.notifications.models import Notification
from yiwang.workdays import selectors as workdays

MON = date(2026, 11, 2)  # a Monday in a month without holidays; the world's item: 5 promised, 20 statutory


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("Asia/Shanghai")))


def submit(world, item=None, on=MON):
    return services.case_submit(
        actor=world.citizen,
        item_code=(item or world.item).code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
        on=on,
    )


def act(case, user, action, on=MON, **kw):
    return services.case_apply_action(
        case=Case.objects.get(pk=case.pk), actor=user, action=action, on=on, **kw
    )


def accepted(world, item=None):
    return act(submit(world, item=item), world.clerk, "accept")


def version_of(item) -> ItemVersion:
    return ItemVersion.objects.get(item=item, version=1)


def snapshot(case) -> tuple:
    c = Case.objects.get(pk=case.pk)
    return (
        c.version,
        c.status,
        c.due_date,
        c.statutory_due_date,
        c.extension_days,
        c.extension_requested_on,
        c.events.count(),
        c.notices.count(),
        c.stops.count(),
        PendingEntry.objects.count(),
        Notification.objects.count(),
    )


def test_both_due_dates_are_tracked_from_acceptance(world):
    case = accepted(world)
    assert case.limit_days == 5 and case.statutory_limit_days == 20
    assert case.due_date == date(2026, 11, 9)  # 5th working day after Mon 2 Nov
    assert case.statutory_due_date == date(2026, 11, 30)  # 20th
    assert case.events.get(action="accept").data["statutory_due_date"] == "2026-11-30"
    notice = case.notices.get(kind="acceptance")
    assert notice.data["statutory_due_date"] == "2026-11-30"
    view = clock_view(case, today=MON)
    assert view.statutory_due_date == date(2026, 11, 30)


def test_a_case_accepted_before_the_statutory_clock_shows_it_from_the_item(world):
    case = accepted(world)
    Case.objects.filter(pk=case.pk).update(statutory_limit_days=None, statutory_due_date=None)
    view = clock_view(Case.objects.get(pk=case.pk), today=MON)
    assert view.statutory_due_date == date(2026, 11, 30)


def test_a_stop_moves_both_due_dates(world):
    case = accepted(world)
    case = act(case, world.approver, "suspend", on=date(2026, 11, 3), reason="等待申请人确认")
    case = act(case, world.approver, "resume", on=date(2026, 11, 5))
    assert case.due_date == date(2026, 11, 11) and case.statutory_due_date == date(2026, 12, 2)


def test_extension_is_requested_by_the_reviewer_and_approved_by_the_head(world):
    case = accepted(world)
    case = act(case, world.reviewer, "request_extension", on=date(2026, 11, 4), reason="需组织现场核查")
    assert case.extension_requested_on == date(2026, 11, 4) and case.extension_days == 0
    assert case.due_date == date(2026, 11, 9)  # nothing moves before the approval
    assert not case.notices.filter(kind="extension").exists()
    case = act(case, world.approver, "approve_extension", on=date(2026, 11, 5))
    assert case.extension_days == 10
    assert case.due_date == date(2026, 11, 23) and case.statutory_due_date == date(2026, 12, 14)
    steps = list(case.events.filter(action__in=["request_extension", "approve_extension"]).order_by("seq"))
    assert [(e.action, e.actor_role) for e in steps] == [
        ("request_extension", "reviewer"),
        ("approve_extension", "approver"),
    ]
    assert all(e.ledger_entry for e in steps)  # ledgered like every step
    assert steps[1].data == {
        "reason": "需组织现场核查",
        "days": 10,
        "due_date": "2026-11-23",
        "statutory_due_date": "2026-12-14",
    }
    # the applicant is told the reason and the new date: a notice and a message
    notice = case.notices.get(kind="extension")
    assert notice.ledger_entry
    from yiwang.cases.notices import render_html

    html = render_html(notice)
    assert "需组织现场核查" in html and "延长10个工作日" in html and "2026-11-23" in html
    message = Notification.objects.get(kind="case.extended", recipient=world.citizen)
    assert case.number in message.title and "需组织现场核查" in message.body and "2026-11-23" in message.body


def test_extending_twice_is_refused_and_changes_nothing(world):
    case = act(accepted(world), world.approver, "extend", on=date(2026, 11, 4), reason="情况复杂")
    assert case.extension_days == 10 and case.statutory_due_date == date(2026, 12, 14)
    before = snapshot(case)
    for user, action in [(world.approver, "extend"), (world.reviewer, "request_extension")]:
        with pytest.raises(InvalidTransition, match="只能延长一次"):
            act(case, user, action, on=date(2026, 11, 5), reason="再次延长")
    assert snapshot(case) == before


def test_the_steps_are_for_their_roles_and_in_order(world):
    case = accepted(world)
    with pytest.raises(InvalidTransition, match="没有待批准"):
        act(case, world.approver, "approve_extension")
    with pytest.raises(PermissionDenied):
        act(case, world.approver, "request_extension", reason="x")
    with pytest.raises(PermissionDenied):
        act(case, world.reviewer, "extend", reason="x")
    with pytest.raises(ValidationFailed):
        act(case, world.reviewer, "request_extension")  # the reason is required
    case = act(case, world.reviewer, "request_extension", reason="需专家论证")
    with pytest.raises(PermissionDenied):
        act(case, world.reviewer, "approve_extension")
    with pytest.raises(InvalidTransition, match="等待负责人批准"):
        act(case, world.reviewer, "request_extension", reason="再申请")


def test_the_head_may_decline_the_request_and_the_reviewer_may_ask_again(world):
    case = accepted(world)
    case = act(case, world.reviewer, "request_extension", on=date(2026, 11, 4), reason="需组织现场核查")
    before = snapshot(case)
    with pytest.raises(PermissionDenied):
        act(case, world.reviewer, "reject_extension", on=date(2026, 11, 5), reason="x")
    with pytest.raises(ValidationFailed):
        act(case, world.approver, "reject_extension", on=date(2026, 11, 5))  # the reason is required
    assert snapshot(case) == before
    assert "reject_extension" in selectors.allowed_actions(actor=world.approver, case=case)
    case = act(
        case, world.approver, "reject_extension", on=date(2026, 11, 5), reason="现场核查可在期限内完成"
    )
    # nothing moves: the limits stay, no 延期告知书, no message to the applicant
    assert (case.extension_requested_on, case.extension_reason, case.extension_days) == (None, "", 0)
    assert case.due_date == date(2026, 11, 9) and case.statutory_due_date == before[3]
    assert not case.notices.filter(kind="extension").exists()
    assert not Notification.objects.filter(kind="case.extended").exists()
    event = case.events.get(action="reject_extension")
    assert event.actor_role == "approver" and event.ledger_entry  # recorded and ledgered
    assert event.data == {
        "reason": "现场核查可在期限内完成",
        "requested_on": "2026-11-04",
        "request": "需组织现场核查",
    }
    fresh = Case.objects.get(pk=case.pk)
    assert "reject_extension" not in selectors.allowed_actions(actor=world.approver, case=fresh)
    for action in ("reject_extension", "approve_extension"):
        with pytest.raises(InvalidTransition, match="没有待批准"):
            act(case, world.approver, action, on=date(2026, 11, 5), reason="x")
    # the reviewer may ask again, and this time the head approves
    case = act(case, world.reviewer, "request_extension", on=date(2026, 11, 6), reason="另需专家评审")
    case = act(case, world.approver, "approve_extension", on=date(2026, 11, 6))
    assert case.extension_days == 10 and case.notices.get(kind="extension").data["reason"] == "另需专家评审"


def test_the_extension_follows_the_items_rule(world):
    ItemVersion.objects.filter(pk=version_of(world.item).pk).update(extension_days=15)
    case = act(accepted(world), world.approver, "extend", reason="情况复杂")
    assert case.extension_days == 15 and case.due_date == date(2026, 11, 30)

    ItemVersion.objects.filter(pk=version_of(world.item).pk).update(extension_days=0)
    case = accepted(world)
    before = snapshot(case)
    with pytest.raises(InvalidTransition, match="依法不得延长"):
        act(case, world.approver, "extend", reason="x")
    with pytest.raises(InvalidTransition, match="依法不得延长"):
        act(case, world.reviewer, "request_extension", reason="x")
    assert snapshot(case) == before


def test_an_immediate_item_is_never_extended(world):
    case = accepted(world, item=world.item_immediate)
    with pytest.raises(PermissionDenied):
        act(case, world.clerk, "extend", reason="x")
    with pytest.raises(InvalidTransition, match="即办件不得延长"):
        act(case, world.approver, "extend", reason="x")


def test_no_extension_once_the_statutory_limit_has_run_out(world):
    case = accepted(world)
    with pytest.raises(InvalidTransition, match="2026-11-30届满"):
        act(case, world.reviewer, "request_extension", on=date(2026, 12, 1), reason="x")
    with at(date(2026, 11, 4)):
        assert "request_extension" in selectors.allowed_actions(actor=world.reviewer, case=case)
    with at(date(2026, 12, 1)):
        assert "request_extension" not in selectors.allowed_actions(actor=world.reviewer, case=case)


# --- special procedures (§45) -------------------------------------------------------------------------
def test_an_undeclared_procedure_is_refused_naming_the_declared_ones(world):
    case = accepted(world)
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as err:
        act(case, world.reviewer, "start_special_procedure", kind="hearing", expected_days=10)
    message = err.value.fields["kind"][0]
    assert "expert_review（专家评审）" in message and "site_inspection（现场核查）" in message
    assert "hearing" not in message
    assert snapshot(case) == before
    assert not ClockStop.objects.filter(case=case).exists()


def test_an_item_that_declares_no_procedure_cannot_stop_its_clock(world):
    ItemVersion.objects.filter(pk=version_of(world.item).pk).update(
        special_procedures=[
            {"kind": "1", "name": "延长审批", "basis": "《中华人民共和国行政许可法》第四十二条"},
            {"kind": "2", "name": "专家评审", "basis": ""},  # no legal basis: not declared
        ]
    )
    case = accepted(world)
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as err:
        act(case, world.reviewer, "start_special_procedure", kind="expert_review", expected_days=5)
    assert "未列明任何特别程序" in err.value.fields["kind"][0]
    assert snapshot(case) == before


def test_the_notice_states_the_expected_duration_and_the_basis(world):
    case = accepted(world)
    case = act(
        case,
        world.reviewer,
        "start_special_procedure",
        on=date(2026, 11, 3),
        kind="expert_review",
        expected_days=4,
    )
    stop = case.stops.get()
    assert stop.legal_basis == "《中华人民共和国行政许可法》第四十五条"
    assert stop.planned_end == date(2026, 11, 9)  # 4 working days after Tue 3 Nov
    notice = case.notices.get(kind="special_procedure")
    assert notice.data["expected_days"] == 4 and notice.data["planned_end"] == "2026-11-09"
    from yiwang.cases.notices import render_html

    html = render_html(notice)
    assert "专家评审" in html and "预计所需时间：4个工作日" in html and "2026-11-09" in html
    message = Notification.objects.get(kind="case.special_procedure", recipient=world.citizen)
    assert "专家评审" in message.body and "4个工作日" in message.body


def test_the_expected_duration_comes_from_the_catalogue_or_is_required(world):
    case = accepted(world)
    with pytest.raises(ValidationFailed) as err:
        act(case, world.reviewer, "start_special_procedure", kind="expert_review")
    assert "expected_days" in err.value.fields
    with pytest.raises(ValidationFailed):
        act(case, world.reviewer, "start_special_procedure", kind="expert_review", expected_days=0)
    # 现场核查 declares 5 working days in the catalogue
    case = act(case, world.reviewer, "start_special_procedure", on=date(2026, 11, 3), kind="site_inspection")
    assert case.stops.get().planned_end == date(2026, 11, 10)


def test_a_procedure_past_its_planned_end_lights_the_warning(world):
    case = accepted(world)
    case = act(
        case,
        world.reviewer,
        "start_special_procedure",
        on=date(2026, 11, 3),
        kind="expert_review",
        expected_days=5,
    )
    assert clock_view(case, today=date(2026, 11, 4)).procedure_warning == "normal"
    view = clock_view(case, today=date(2026, 11, 9))
    assert view.procedure_end == date(2026, 11, 10) and view.procedure_warning == "yellow"
    view = clock_view(case, today=date(2026, 11, 11))
    assert view.procedure_warning == "red" and view.warning_level == "red"
    # the due date itself is pushed while the procedure lasts: the red comes from the procedure
    assert view.due_date > date(2026, 11, 11)
    # the lists (staff queue, supervisor) show it from one annotated query
    row = selectors.case_list(user=world.supervisor).get(pk=case.pk)
    summary = presenters.case_summary(row, today=date(2026, 11, 11), cal=workdays.calendar())
    assert summary["special_procedure_planned_end"] == "2026-11-10"
    assert summary["special_procedure_warning_level"] == "red" and summary["warning_level"] == "red"
    # ended: the light goes out
    case = act(case, world.reviewer, "end_special_procedure", on=date(2026, 11, 11))
    assert clock_view(case, today=date(2026, 11, 11)).procedure_end is None


# --- acceptance after a supplement (§32 ⑤) ------------------------------------------------------------
def test_acceptance_after_a_supplement_is_bounded_by_the_items_limit(world):
    case = submit(world)
    case = act(case, world.clerk, "request_supplement", on=date(2026, 11, 3), missing=["平面图"])
    assert clock_view(case, today=date(2026, 11, 3)).acceptance_due_date is None  # waiting for the applicant
    case = act(case, world.citizen, "supplement", on=date(2026, 11, 10), materials=[good_materials()[1]])
    view = clock_view(case, today=date(2026, 11, 10))
    assert view.acceptance_due_date == date(2026, 11, 17)  # 5 working days after receipt
    assert (view.acceptance_warning, view.warning_level, view.clock) == ("normal", "normal", "not_started")
    assert clock_view(case, today=date(2026, 11, 16)).acceptance_warning == "yellow"
    late = clock_view(case, today=date(2026, 11, 18))
    assert late.acceptance_warning == "red" and late.warning_level == "red"
    # no deemed acceptance: the case still waits for the clerk, who may still refuse or accept
    assert late.due_date is None and Case.objects.get(pk=case.pk).status == Status.SUBMITTED
    row = selectors.case_list(user=world.clerk).get(pk=case.pk)
    summary = presenters.case_summary(row, today=date(2026, 11, 18), cal=workdays.calendar())
    assert summary["acceptance_due_date"] == "2026-11-17" and summary["acceptance_warning_level"] == "red"
    case = act(case, world.clerk, "accept", on=date(2026, 11, 18))
    assert case.accepted_on == date(2026, 11, 18)
    assert clock_view(case, today=date(2026, 11, 18)).acceptance_due_date is None


def test_the_acceptance_limit_is_the_items(world):
    ItemVersion.objects.filter(pk=version_of(world.item).pk).update(acceptance_limit_days=2)
    case = act(submit(world), world.clerk, "request_supplement", on=date(2026, 11, 3), missing=["平面图"])
    case = act(case, world.citizen, "supplement", on=date(2026, 11, 10), materials=[good_materials()[1]])
    assert clock_view(case, today=date(2026, 11, 10)).acceptance_due_date == date(2026, 11, 12)
    assert Notice.objects.filter(case=case, kind="acceptance").count() == 0


def test_the_supervisors_counts_take_every_light(world):
    """The hourly counts for the supervisors (`sweep_overdue` → `selectors.warning_counts`) see
    the same lights as the queue: a case late for acceptance after a supplement and a special
    procedure past its planned end count as 红灯 too — each case once, by its worst light."""
    from yiwang.cases.tasks import sweep_overdue

    waiting = act(submit(world), world.clerk, "request_supplement", on=date(2026, 11, 3), missing=["平面图"])
    act(waiting, world.citizen, "supplement", on=date(2026, 11, 10), materials=[good_materials()[1]])
    act(
        accepted(world),
        world.reviewer,
        "start_special_procedure",
        on=date(2026, 11, 3),
        kind="expert_review",
        expected_days=5,
    )  # planned to end 10 Nov
    accepted(world)  # due 9 Nov
    on = date(2026, 11, 16)
    act(submit(world, on=on), world.clerk, "accept", on=on)  # due 23 Nov: normal on the 16th
    counts = selectors.warning_counts(today=date(2026, 11, 16))
    assert counts["acceptance"] == {"red": 0, "yellow": 1}  # accept by 17 Nov
    assert counts["procedure"] == {"red": 1, "yellow": 0}
    assert (counts["red"], counts["yellow"]) == (2, 1)
    counts = selectors.warning_counts(today=date(2026, 11, 18))
    assert counts["acceptance"] == {"red": 1, "yellow": 0}
    assert (counts["red"], counts["yellow"]) == (3, 0)  # the last case has 3 working days left
    with at(date(2026, 11, 18)):
        assert sweep_overdue()["red"] == 3
