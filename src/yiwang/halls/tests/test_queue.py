"""Check-in and the window's calls: tickets by identity code, appointment code or ID number; the
priority rule without starving walk-ins; next, recall (up to N), skip and one re-queue, transfer,
pause and resume, finish; the window's business types; the "your turn is near" notice; the
rating device and the case the ticket belongs to."""

from __future__ import annotations

import pytest
import time_machine

from yiwang.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from yiwang.core.testing import make_ric
from yiwang.evaluations.models import WindowServing
from yiwang.halls import rules, selectors, services
from yiwang.halls.models import AppointmentStatus, CallEvent, Ticket, TicketStatus, WindowState
from yiwang.identity import services as identity
from yiwang.notifications.models import Notification

from .conftest import MON, at

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(at(7, 9, 30))]


def issue(w, actor=None, business="market", **kw):
    if not any(k in kw for k in ("identity_code", "appointment_code", "id_number")):
        kw["id_number"] = make_ric(serial=500 + Ticket.objects.count())
    return services.ticket_issue(actor=actor or w.reception, hall=w.hall, business_code=business, **kw).ticket


def call(w, action="next", window=None, actor=None, **kw):
    window = window or w.window
    actor = actor or (w.clerk if window == w.window else w.clerk_w2)
    return services.window_call(actor=actor, window=window, action=action, **kw)


def test_ticket_numbers_per_business_type(world):
    assert [issue(world).number for _ in range(3)] == ["A001", "A002", "A003"]
    assert issue(world, business="health").number == "B001"
    assert CallEvent.objects.filter(action="issue").count() == 4


def test_checkin_by_identity_code_names_the_person_and_a_replay_is_refused(world):
    code = identity.code_issue(user=world.citizen).code
    t = issue(world, identity_code=code)
    assert t.person == world.citizen and t.number == "A001"
    with pytest.raises(DomainError) as e:
        issue(world, identity_code=code)
    assert e.value.code == "replayed" and e.value.status == 422
    assert Ticket.objects.count() == 1


def test_expired_identity_code_is_refused(world):
    with time_machine.travel(at(7, 9, 0)):
        code = identity.code_issue(user=world.citizen).code
    with pytest.raises(DomainError) as e:
        issue(world, identity_code=code)
    assert e.value.code == "expired"
    assert Ticket.objects.count() == 0


def test_appointment_code_within_its_slot_is_priority(world):
    with time_machine.travel(MON - __import__("datetime").timedelta(days=3)):  # Friday before
        appt = services.appointment_book(
            person=world.citizen, hall=world.hall, business=world.biz_a, start=at(7, 10).isoformat()
        )
    t = services.ticket_issue(
        actor=world.reception, hall=world.hall, appointment_code=appt.code.lower()
    ).ticket
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CHECKED_IN
    assert t.priority and t.appointment == appt and t.person == world.citizen
    with pytest.raises(ValidationFailed) as e:  # the code again
        services.ticket_issue(actor=world.reception, hall=world.hall, appointment_code=appt.code)
    assert e.value.code == "appointment_not_valid"


def test_appointment_checked_in_too_late_is_a_walk_in(world):
    with time_machine.travel(MON):
        appt = services.appointment_book(
            person=world.citizen, hall=world.hall, business=world.biz_a, start=at(7, 9).isoformat()
        )
    with time_machine.travel(at(7, 10, 5)):
        t = services.ticket_issue(actor=world.reception, hall=world.hall, appointment_code=appt.code).ticket
    assert not t.priority


def test_identity_code_of_a_person_with_an_appointment_checks_it_in(world):
    with time_machine.travel(MON):
        appt = services.appointment_book(
            person=world.citizen, hall=world.hall, business=world.biz_a, start=at(7, 10).isoformat()
        )
    t = issue(world, identity_code=identity.code_issue(user=world.citizen).code)
    assert t.appointment_id == appt.pk and t.priority


def test_green_channel_by_staff_and_by_age(world):
    assert issue(world, green_channel=True).priority
    old = make_ric(serial=7, born=__import__("datetime").date(1950, 1, 1))
    young = make_ric(serial=8, born=__import__("datetime").date(1990, 1, 1))
    assert issue(world, id_number=old).green_channel
    assert not issue(world, id_number=young).priority


def test_bad_id_number_and_two_identifiers(world):
    with pytest.raises(ValidationFailed):
        issue(world, id_number="123")
    with pytest.raises(ValidationFailed):
        issue(world, id_number=make_ric(serial=1), appointment_code="ABCDEFGH")
    assert Ticket.objects.count() == 0


def test_only_hall_staff_issue_tickets(world):
    with pytest.raises(PermissionDenied):
        issue(world, actor=world.clerk_other_hall)
    with pytest.raises(PermissionDenied):
        issue(world, actor=world.citizen)
    assert rules.may_issue_tickets(world.clerk, world.hall)
    assert rules.may_issue_tickets(world.hall_admin, world.hall)


def test_priority_rule_does_not_starve_walk_ins(world):
    walk = [issue(world) for _ in range(3)]
    prio = [issue(world, green_channel=True) for _ in range(5)]
    called = [call(world).ticket.number for _ in range(8)]
    p, w = [t.number for t in prio], [t.number for t in walk]
    # priority_run = 2: two priority tickets, then the longest-waiting walk-in, and so on
    assert called == [p[0], p[1], w[0], p[2], p[3], w[1], p[4], w[2]]


def test_pick_next_unit():
    class T:
        def __init__(self, pk, priority, target=None):
            self.pk, self.priority, self.target_window_id, self.queued_at = pk, priority, target, pk

    ts = [T(1, False), T(2, True), T(3, True), T(4, False, target=9)]
    assert [t.pk for t in rules.pick_next(ts, window_id=9, recent_priority=[], run=2)] == [4, 2, 3, 1]
    assert [t.pk for t in rules.pick_next(ts[:3], window_id=9, recent_priority=[True, True], run=2)] == [
        1,
        2,
        3,
    ]
    assert [t.pk for t in rules.pick_next(ts[:3], window_id=9, recent_priority=[True, False], run=2)] == [
        2,
        3,
        1,
    ]
    assert [t.pk for t in rules.pick_next(ts[1:3], window_id=9, recent_priority=[True, True], run=2)] == [
        2,
        3,
    ]


def test_next_finishes_the_current_ticket_and_tells_the_rating_device(world):
    a1, a2 = issue(world), issue(world)
    r = call(world)
    assert r.ticket.pk == a1.pk and r.ticket.status == TicketStatus.CALLED and r.ticket.window == world.window
    assert WindowServing.objects.get(window=world.window).ticket == a1.number
    r2 = call(world)
    a1.refresh_from_db()
    assert a1.status == TicketStatus.DONE and a1.finished_at is not None and r2.ticket.pk == a2.pk
    assert WindowServing.objects.get(window=world.window).ticket == a2.number


def test_nothing_waiting(world):
    with pytest.raises(Conflict) as e:
        call(world)
    assert e.value.code == "nothing_waiting"


def test_window_serves_only_its_business_types(world):
    issue(world, business="health")
    with pytest.raises(Conflict):
        call(world)  # window 1 serves A only
    assert call(world, window=world.window2).ticket.number == "B001"


def test_recall_up_to_n_times(world):
    issue(world)
    call(world)
    for _ in range(3):
        assert call(world, "recall").ticket.recalls >= 1
    with pytest.raises(DomainError) as e:
        call(world, "recall")
    assert e.value.code == "recall_limit"
    assert CallEvent.objects.filter(action="recall").count() == 3


def test_skip_and_requeue_once(world):
    t = issue(world)
    call(world)
    assert call(world, "skip").ticket.status == TicketStatus.SKIPPED
    assert WindowState.objects.get(window=world.window).current is None
    assert call(world, "requeue", ticket_number=t.number).ticket.status == TicketStatus.WAITING
    assert call(world).ticket.pk == t.pk
    call(world, "skip")
    with pytest.raises(DomainError) as e:
        call(world, "requeue", ticket_number=t.number)
    assert e.value.code == "invalid_transition"
    t.refresh_from_db()
    assert t.status == TicketStatus.SKIPPED


def test_transfer_to_business_type_and_to_window(world):
    first, second, third = issue(world), issue(world), issue(world)
    call(world)
    t = call(world, "transfer", to="health").ticket
    assert t.business == world.biz_b and t.status == TicketStatus.WAITING and t.priority
    assert call(world, window=world.window2).ticket.pk == first.pk  # window 2 serves health
    with pytest.raises(ValidationFailed):  # window 1 does not serve health
        call(world, "transfer", window=world.window2, to="window:1")
    call(world, "finish", window=world.window2)
    assert call(world, window=world.window2).ticket.pk == second.pk
    t = call(world, "transfer", window=world.window2, to="window:1").ticket
    assert t.target_window == world.window and t.status == TicketStatus.WAITING
    assert call(world).ticket.pk == second.pk  # window 1 takes its transfer first
    assert call(world, window=world.window2).ticket.pk == third.pk  # not the ticket sent to window 1
    with pytest.raises(ValidationFailed):
        call(world, "transfer", to="window:99")


def test_pause_needs_a_reason_and_a_paused_window_does_not_call(world):
    issue(world)
    with pytest.raises(ValidationFailed):
        call(world, "pause")
    call(world, "pause", reason="午休")
    with pytest.raises(Conflict) as e:
        call(world)
    assert e.value.code == "window_paused"
    assert Ticket.objects.get().status == TicketStatus.WAITING
    call(world, "resume")
    assert call(world).ticket.number == "A001"


def test_finish(world):
    issue(world)
    call(world)
    r = call(world, "finish")
    assert r.ticket.status == TicketStatus.DONE and r.state.current is None
    assert WindowServing.objects.get(window=world.window).ticket == ""


def test_only_the_windows_clerk(world):
    issue(world)
    with pytest.raises(PermissionDenied):
        services.window_call(actor=world.clerk_w2, window=world.window, action="next")
    assert Ticket.objects.get().status == TicketStatus.WAITING


def test_turn_near_notice_when_three_are_ahead(world):
    people = [
        issue(world, identity_code=identity.code_issue(user=u).code) for u in (world.citizen, world.citizen2)
    ]
    for _ in range(3):
        issue(world)
    call(world)  # citizen's ticket called; citizen2 has 0 ahead
    n = Notification.objects.get(recipient=world.citizen2, kind="halls.turn_near")
    assert people[1].number in n.title and n.link == f"/halls/q/{people[1].token}/"
    call(world)
    assert Notification.objects.filter(kind="halls.turn_near").count() == 1


def test_turn_near_waits_until_three_ahead(world):
    for _ in range(5):
        issue(world)
    mine = issue(world, identity_code=identity.code_issue(user=world.citizen).code)
    call(world)
    call(world)
    assert selectors.waiting_before(Ticket.objects.get(pk=mine.pk)) == 3
    assert Notification.objects.filter(recipient=world.citizen, kind="halls.turn_near").count() == 1


def test_display_state_has_no_personal_data(world):
    issue(world, identity_code=identity.code_issue(user=world.citizen).code)
    issue(world, business="health")
    call(world)
    state = selectors.display_state(world.hall)
    assert state["calling"][0]["number"] == "A001" and state["calling"][0]["window"] == "1"
    assert state["waiting"] == {"market": 0, "health": 1}
    assert "张伟" not in str(state)


def test_ticket_follows_the_case_filed_at_the_window_and_the_rating_belongs_to_it(world):
    from yiwang.cases import followers
    from yiwang.cases import services as cases
    from yiwang.core.testing import good_form
    from yiwang.evaluations import services as evaluations
    from yiwang.evaluations.models import Evaluation

    t = issue(world, identity_code=identity.code_issue(user=world.citizen).code)
    call(world)
    case = cases.case_submit(
        actor=world.clerk,
        item_code=world.item.code,
        form=good_form(**{"applicant.id_number": world.citizen.id_number, "applicant.name": "张伟"}),
        channel="window",
        parties={"applicant": {"name": "张伟", "id_number": world.citizen.id_number, "phone": "13800138000"}},
    )
    followers.notify(case_id=case.pk, action="submit")  # what cases.tasks.case_changed does after commit
    t.refresh_from_db()
    assert t.case == case
    case = cases.case_apply_action(case=case, actor=world.clerk, action="accept")
    followers.notify(case_id=case.pk, action="accept")
    t.refresh_from_db()
    assert t.case == case
    serving = WindowServing.objects.get(window=world.window)
    assert serving.case == case and serving.ticket == t.number
    device, _token = evaluations.device_register(window=world.window)
    ev = evaluations.evaluation_submit_device(device=device, serving_version=serving.version, level="5")
    assert isinstance(ev, Evaluation) and ev.ticket == t.number and ev.case == case
    followers.notify(case_id=case.pk, action="submit")  # again: idempotent
    assert Ticket.objects.get(pk=t.pk).case == case


def test_an_online_case_accepted_at_the_window_belongs_to_its_applicants_ticket(world):
    from yiwang.cases import followers
    from yiwang.cases import services as cases
    from yiwang.core.testing import good_form, good_materials

    online = cases.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
    )
    other = issue(world)  # somebody else's ticket first
    call(world)
    cases.case_apply_action(case=online, actor=world.clerk, action="accept")
    followers.notify(case_id=online.pk, action="accept")
    other.refresh_from_db()
    assert other.case is None  # the window was serving somebody else
    mine = issue(world, identity_code=identity.code_issue(user=world.citizen).code)
    call(world)
    followers.notify(case_id=online.pk, action="accept")
    mine.refresh_from_db()
    assert mine.case == online
    assert WindowServing.objects.get(window=world.window).case == online


def test_turn_near_counts_priority_tickets_ahead_as_the_position_page_does(world):
    """The notice's "ahead" is `selectors.waiting_before` (priority tickets go first): a walk-in
    with three walk-ins before it and two later green-channel tickets hears nothing while a green
    ticket still waits before it (4 ahead), and hears "3 ahead" once both are called."""
    for _ in range(3):
        issue(world)
    mine = issue(world, identity_code=identity.code_issue(user=world.citizen).code)
    issue(world, green_channel=True)
    issue(world, green_channel=True)
    call(world)  # a green-channel ticket; the other still goes before mine
    assert selectors.waiting_before(Ticket.objects.get(pk=mine.pk)) == 4
    assert not Notification.objects.filter(recipient=world.citizen, kind="halls.turn_near").exists()
    call(world)  # the second green-channel ticket
    mine = Ticket.objects.get(pk=mine.pk)
    assert selectors.waiting_before(mine) == 3 and mine.turn_near_sent
    n = Notification.objects.get(recipient=world.citizen, kind="halls.turn_near")
    assert "前面还有 3 位" in n.body
