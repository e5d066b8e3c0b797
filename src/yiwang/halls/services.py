"""Writes of the halls app: booking and cancelling appointments, reminders and no-shows, check-in
(tickets), the window's calls, closures and the hall's administration. Every state change is one
transaction; exactly-one-wins by conditional UPDATE (slots' `booked`, tickets' `status`, windows'
`version`), never by row locks. docs/halls.md has the rules."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.accounts.services import id_number_hash
from yiwang.core import broadcast
from yiwang.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from yiwang.core.identifiers import is_valid_ric
from yiwang.notifications.services import notification_send
from yiwang.organizations.models import Role, ServiceHall, StaffRole, Window
from yiwang.organizations.services import staff_role_grant

from . import rules, selectors
from .models import (
    Appointment,
    AppointmentStatus,
    BusinessType,
    CallAction,
    CallEvent,
    Closure,
    HallRole,
    HallSettings,
    Slot,
    SlotCapacity,
    Ticket,
    TicketCounter,
    TicketStatus,
    WindowState,
    WindowStatus,
)

log = logging.getLogger("yiwang.halls")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
EARLY_CHECKIN = timedelta(minutes=30)  # an appointment checked in from 30 min before its slot is "within"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _fmt(dt: datetime) -> str:
    return selectors.local(dt).strftime("%Y-%m-%d %H:%M")


# --- appointments ----------------------------------------------------------------------------------
def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def _parse_start(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            fields={"start": ["时间格式应为 ISO 8601，例如 2026-12-07T09:00:00+08:00"]}
        ) from exc
    if timezone.is_naive(dt):
        dt = timezone.make_aware(dt)
    return dt


@transaction.atomic
def appointment_book(
    *,
    person: User,
    hall: ServiceHall,
    business: BusinessType,
    start: str | datetime,
    now: datetime | None = None,
) -> Appointment:
    """Real-name booking of one slot: a person or business account; one booking per account,
    business type and day; only a slot that is bookable now (working day within the booking
    window, not started); not while blocked for no-shows. 409 slot_full when the slot is taken."""
    now = _now(now)
    if person.kind not in (AccountKind.PERSON, AccountKind.LEGAL):
        raise PermissionDenied("只有实名登录的个人和企业可以预约", code="forbidden")
    if business.hall_id != hall.pk:
        raise ValidationFailed(fields={"business": ["该大厅没有这个业务类型"]})
    start_dt = start if isinstance(start, datetime) else _parse_start(start)
    day = selectors.local(start_dt).date()
    close = timedelta(minutes=selectors.hall_settings(hall).book_close_minutes)
    if day not in selectors.bookable_days(hall, now=now) or start_dt - close <= now:
        raise ValidationFailed(
            "该时段不在可预约范围内",
            code="outside_booking_window",
            fields={"start": ["请选择可预约的日期和时段"]},
        )
    selectors.slots_ensure(business, day)
    slot = Slot.objects.filter(business=business, start=start_dt).first()
    if slot is None:
        raise ValidationFailed(
            "没有这个预约时段", code="outside_booking_window", fields={"start": ["没有这个预约时段"]}
        )
    block = selectors.booking_block(hall, person, now=now)
    if block is not None:
        raise ValidationFailed(
            f"您近期多次预约未到，{block[0]:%Y-%m-%d} 前不能在本大厅预约，可直接到大厅取号",
            code="booking_blocked",
        )
    if Appointment.objects.filter(
        person=person,
        business=business,
        day=day,
        status__in=[AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN],
    ).exists():
        raise ValidationFailed("您当天已预约过该业务，每人每天每项业务限约一次", code="duplicate_booking")
    if not Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1):
        raise Conflict("该时段已约满，请选择其他时段", code="slot_full")
    for _ in range(5):
        try:
            with transaction.atomic():
                appt = Appointment.objects.create(
                    hall=hall, business=business, slot=slot, person=person, day=day, code=_new_code()
                )
            break
        except IntegrityError as exc:
            if Appointment.objects.filter(
                person=person,
                business=business,
                day=day,
                status__in=[AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN],
            ).exists():
                raise ValidationFailed(
                    "您当天已预约过该业务，每人每天每项业务限约一次", code="duplicate_booking"
                ) from exc
    else:  # pragma: no cover - five random 8-character codes colliding
        raise Conflict("预约码生成失败，请重试")
    notification_send(
        event_kind="halls.booked",
        recipient=person,
        context={"hall": hall.name, "business": business.name, "start": _fmt(slot.start), "code": appt.code},
        key=f"halls:appointment:{appt.pk}:booked",
        link=reverse("halls:appointment", args=[appt.pk]),
        now=now,
    )
    log.info("appointment %s booked hall=%s business=%s slot=%s", appt.pk, hall.pk, business.code, slot.pk)
    return appt


def _release(appt: Appointment) -> None:
    Slot.objects.filter(pk=appt.slot_id, booked__gt=0).update(booked=F("booked") - 1)


@transaction.atomic
def appointment_cancel(*, person: User, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """The person cancels their booking, until `cancel_hours` before the slot (409 too_late_to_cancel)."""
    now = _now(now)
    if appointment.person_id != person.pk:
        raise NotFound("没有这个预约")
    s = selectors.hall_settings(appointment.hall)
    if appointment.status != AppointmentStatus.BOOKED:
        raise InvalidTransition("该预约已不能取消")
    if now > appointment.slot.start - timedelta(hours=s.cancel_hours):
        raise Conflict(f"距预约时间不足 {s.cancel_hours} 小时，已不能取消", code="too_late_to_cancel")
    n = Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).update(
        status=AppointmentStatus.CANCELLED, cancelled_at=now
    )
    if not n:
        raise InvalidTransition("该预约已不能取消")
    _release(appointment)
    appointment.refresh_from_db()
    log.info("appointment %s cancelled", appointment.pk)
    return appointment


@transaction.atomic
def appointments_mark_no_shows(*, now: datetime | None = None) -> int:
    """Bookings whose slot has ended without a check-in become no-shows; a person who reaches the
    hall's limit is told they are blocked (once per block)."""
    now = _now(now)
    due = list(
        Appointment.objects.filter(status=AppointmentStatus.BOOKED, slot__end__lte=now).select_related("hall")
    )
    n = 0
    for appt in due:
        if Appointment.objects.filter(pk=appt.pk, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.NO_SHOW
        ):
            n += 1
            block = selectors.booking_block(appt.hall, appt.person, now=now)
            if block is not None:
                s = selectors.hall_settings(appt.hall)
                notification_send(
                    event_kind="halls.blocked",
                    recipient=appt.person,
                    context={
                        "hall": appt.hall.name,
                        "until": block[0].isoformat(),
                        "count": block[1],
                        "days": s.noshow_days,
                    },
                    key=f"halls:blocked:{appt.hall_id}:{block[0].isoformat()}",
                    link=reverse("halls:my_appointments"),
                    now=now,
                )
    if n:
        log.info("appointments marked no-show: %s", n)
    return n


def appointments_remind(*, now: datetime | None = None) -> int:
    """Reminders: the day before (from 08:00 of the previous calendar day) and an hour before the
    slot, each once (the notification key and a flag)."""
    now = _now(now)
    local_now = selectors.local(now)
    sent = 0
    tomorrow = local_now.date() + timedelta(days=1)
    day_q = Q(day=tomorrow, reminded_day=False) if local_now.hour >= 8 else Q(pk__in=[])
    hour_q = Q(reminded_hour=False, slot__start__gt=now, slot__start__lte=now + timedelta(hours=1))
    for appt in Appointment.objects.filter(day_q | hour_q, status=AppointmentStatus.BOOKED).select_related(
        "hall", "business", "slot", "person"
    ):
        is_hour = appt.slot.start <= now + timedelta(hours=1)
        kind, flag = (
            ("halls.remind_hour", "reminded_hour") if is_hour else ("halls.remind_day", "reminded_day")
        )
        with transaction.atomic():
            if not Appointment.objects.filter(pk=appt.pk, **{flag: False}).update(**{flag: True}):
                continue
            notification_send(
                event_kind=kind,
                recipient=appt.person,
                context={
                    "hall": appt.hall.name,
                    "business": appt.business.name,
                    "start": _fmt(appt.slot.start),
                    "code": appt.code,
                },
                key=f"halls:appointment:{appt.pk}:{flag}",
                link=reverse("halls:appointment", args=[appt.pk]),
                now=now,
            )
            sent += 1
    return sent


# --- tickets (check-in) ------------------------------------------------------------------------------
def _age(id_number: str, today: date) -> int | None:
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except (ValueError, IndexError):
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _next_number(business: BusinessType, day: date) -> tuple[int, str]:
    counter, _ = TicketCounter.objects.get_or_create(business=business, day=day)
    # The UPDATE holds the row until commit on PostgreSQL (SQLite: one writer), so the value read
    # back is ours.
    TicketCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    seq = TicketCounter.objects.values_list("last", flat=True).get(pk=counter.pk)
    return seq, f"{business.prefix}{seq:03d}"


@dataclass(frozen=True)
class Checkin:
    ticket: Ticket
    waiting_before: int


def _identify(*, actor: User, identity_code: str | None, id_number: str | None) -> tuple[User | None, str]:
    """The person behind an identity code (checked once through identity.code_verify, outside
    the ticket's transaction so a rejected code stays logged) or an ID number typed by staff."""
    if identity_code:
        from yiwang.identity import services as identity

        check = identity.code_verify(code=identity_code, verifier=actor)
        if check.outcome != "valid":
            raise identity.rejection(check)
        person = check.person
        return person, (person.id_number if person else "")
    if id_number:
        value = id_number.strip().upper()
        if not is_valid_ric(value):
            raise ValidationFailed("身份证号码格式有误", fields={"id_number": ["身份证号码格式有误"]})
        person = User.objects.filter(id_number_hash=id_number_hash(value), kind=AccountKind.PERSON).first()
        return person, value
    return None, ""


def ticket_issue(
    *,
    actor: User,
    hall: ServiceHall,
    business_code: str | None = None,
    identity_code: str | None = None,
    appointment_code: str | None = None,
    id_number: str | None = None,
    green_channel: bool = False,
    now: datetime | None = None,
) -> Checkin:
    """Check-in at the reception desk or a kiosk: one of an 电子身份码, an appointment code or an ID
    number typed by staff. An appointment of today for this hall (named by its code, or found
    for the person) is checked in; within its slot (from 30 minutes before) the ticket is a
    priority one. The green channel (marked by staff, or the person's age from the hall's
    `green_age`) is priority too."""
    now = _now(now)
    if not rules.may_issue_tickets(actor, hall):
        raise PermissionDenied("只有本大厅工作人员和自助终端可以取号", code="forbidden")
    given = [v for v in (identity_code, appointment_code, id_number) if v]
    if len(given) != 1:
        raise ValidationFailed(
            "请提供电子身份码、预约码或身份证号码其中之一",
            fields={"identity_code": ["电子身份码、预约码、身份证号码须且只须提供一项"]},
        )
    business = selectors.business_by_code(hall, business_code) if business_code else None
    appt = None
    if appointment_code:
        appt = selectors.appointment_by_code(appointment_code)
        if appt is None or appt.hall_id != hall.pk:
            raise ValidationFailed(
                "没有这个预约码",
                code="unknown_appointment",
                fields={"appointment_code": ["本大厅没有这个预约"]},
            )
        if business is not None and business.pk != appt.business_id:
            raise ValidationFailed(fields={"business": ["与预约的业务类型不一致"]})
        business = appt.business
    if business is None:
        raise ValidationFailed(fields={"business": ["请选择业务类型"]})
    person, ric = (
        (appt.person, "")
        if appt
        else _identify(actor=actor, identity_code=identity_code, id_number=id_number)
    )
    with transaction.atomic():
        return _ticket_create(
            actor=actor,
            hall=hall,
            business=business,
            person=person,
            ric=ric,
            appt=appt,
            green_channel=green_channel,
            now=now,
        )


def _ticket_create(
    *, actor, hall, business, person, ric, appt, green_channel: bool, now: datetime
) -> Checkin:
    s = selectors.hall_settings(hall)
    today = selectors.local(now).date()
    if appt is None and person is not None:
        appt = (
            Appointment.objects.filter(
                person=person, hall=hall, business=business, day=today, status=AppointmentStatus.BOOKED
            )
            .select_related("slot")
            .first()
        )
    in_slot = False
    if appt is not None:
        if appt.day != today or appt.status != AppointmentStatus.BOOKED:
            raise ValidationFailed(
                "该预约不是今天的有效预约",
                code="appointment_not_valid",
                fields={"appointment_code": ["预约不是今天的，或已签到、取消"]},
            )
        if not Appointment.objects.filter(pk=appt.pk, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.CHECKED_IN, checked_in_at=now
        ):
            raise ValidationFailed("该预约已签到", code="appointment_not_valid")
        in_slot = appt.slot.start - EARLY_CHECKIN <= now <= appt.slot.end
    if not green_channel and ric:
        age = _age(ric, today)
        green_channel = age is not None and age >= s.green_age
    seq, number = _next_number(business, today)
    ticket = Ticket.objects.create(
        hall=hall,
        business=business,
        day=today,
        seq=seq,
        number=number,
        person=person,
        appointment=appt,
        priority=in_slot or green_channel,
        green_channel=green_channel,
        issued_at=now,
        queued_at=now,
        issued_by=actor,
    )
    CallEvent.objects.create(hall=hall, ticket=ticket, action=CallAction.ISSUE, at=now, actor=actor)
    _publish(hall)
    log.info(
        "ticket %s issued hall=%s priority=%s appointment=%s",
        ticket.number,
        hall.pk,
        ticket.priority,
        bool(appt),
    )
    return Checkin(ticket=ticket, waiting_before=selectors.waiting_before(ticket))


# --- the window ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CallResult:
    ticket: Ticket | None
    state: WindowState


def _publish(
    hall: ServiceHall, call: tuple[Ticket, Window, datetime] | None = None, counts: bool = True
) -> None:
    """After commit, in one round trip: the call (number, window, time) if there is one, then (unless
    `counts` is false: a recall changes no count) the waiting counts per business type — both
    public, no personal data — to the hall's screens."""
    code = hall.code
    payload = None
    if call is not None:
        ticket, window, at = call
        payload = {"number": ticket.number, "window": window.number, "at": selectors.iso(at)}

    def send() -> None:
        events = [("call", payload)] if payload is not None else []
        if counts:
            events.append(("queue", selectors.waiting_counts(hall, selectors.local(timezone.now()).date())))
        broadcast.publish_many(f"hall:{code}", events)

    transaction.on_commit(send, robust=True)


def _serving_set(actor: User, window: Window, ticket: Ticket | None) -> None:
    """Tell the window's rating device (evaluations' 评价器) which ticket (and case) it serves."""
    from yiwang.evaluations.services import window_serving_set

    window_serving_set(
        actor=actor,
        window=window,
        case=ticket.case if ticket is not None else None,
        ticket=ticket.number if ticket is not None else "",
    )


def _turn_near(
    hall: ServiceHall, business_ids: list[int], now: datetime, settings: HallSettings | None = None
) -> None:
    """Tell each person whose ticket has exactly `turn_near_ahead` tickets before it (or fewer,
    once), by the notification channel. Only the head of each business type's queue can be that
    near: its first `turn_near_ahead + 1` tickets in `selectors.waiting_before`'s order (priority
    first, then time in the queue), read in one query per type — the i-th has i tickets ahead."""
    s = settings or selectors.hall_settings(hall)
    today = selectors.local(now).date()
    for business_id in business_ids:
        head = (
            Ticket.objects.filter(selectors.waiting_q(hall, today), business_id=business_id)
            .select_related("person")
            .order_by("-priority", "queued_at", "pk")[: s.turn_near_ahead + 1]
        )
        for ahead, t in enumerate(head):
            if t.person is None or t.turn_near_sent:
                continue
            if not Ticket.objects.filter(pk=t.pk, turn_near_sent=False).update(turn_near_sent=True):
                continue
            notification_send(
                event_kind="halls.turn_near",
                recipient=t.person,
                context={"hall": hall.name, "number": t.number, "ahead": ahead},
                key=f"halls:ticket:{t.pk}:turn_near",
                link=reverse("halls:position", args=[t.token]),
                now=now,
            )


def _event(
    window: Window, ticket: Ticket | None, action: str, actor: User, now: datetime, note: str = ""
) -> None:
    CallEvent.objects.create(
        hall_id=window.hall_id, window=window, ticket=ticket, action=action, at=now, actor=actor, note=note
    )


def _claim_window(state: WindowState, **changes) -> None:
    """Move the window's row from the version read to the next one (the changes set on `state` as
    well: the row is this transaction's now, no need to read it back)."""
    n = WindowState.objects.filter(pk=state.pk, version=state.version).update(
        version=F("version") + 1, **changes
    )
    if not n:
        from yiwang.core.errors import StaleVersion

        raise StaleVersion("窗口状态已被另一终端改变，请刷新后重试")
    for name, value in changes.items():
        setattr(state, name, value)
    state.version += 1


# Actions that start serving someone: refused to a clerk the window's hall does not accept today
# (organizations.hooks.window_assignment_check — training's 持证上岗). Skip, finish, transfer and
# pause stay open, so a ticket already called is never stranded at the window.
SERVING_ACTIONS = frozenset({"next", "recall", "resume"})


@transaction.atomic
def window_call(
    *,
    actor: User,
    window: Window,
    action: str,
    ticket_number: str | None = None,
    to: str | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> CallResult:
    """One action of a window terminal: next | recall | skip | requeue | transfer | pause | resume |
    finish. A window calls only tickets of the business types it serves; two windows calling at
    once never get the same ticket (conditional UPDATE of the ticket's status, next candidate
    on a miss); the window's own row moves by version, so two terminals of one window do not
    both act. Calling (next, recall, resume) first runs the window assignment checks for the
    actor today (持证上岗, `rules.window_service_check`)."""
    now = _now(now)
    if not rules.may_staff_window(actor, window):
        raise PermissionDenied("只能操作本人所在窗口", code="forbidden")
    hall = window.hall
    state = selectors.window_state(window)
    reason = (reason or "").strip()[:100]
    handler = _ACTIONS.get(action)
    if handler is None:
        raise ValidationFailed(
            fields={"action": ["操作应为 next、recall、skip、requeue、transfer、pause、resume、finish 之一"]}
        )
    if state.status == WindowStatus.PAUSED and action not in ("resume", "finish", "pause"):
        raise Conflict("窗口已暂停，请先恢复服务", code="window_paused")
    if action in SERVING_ACTIONS:  # 持证上岗: checked when serving, not only when assigned
        rules.window_service_check(actor, window)
    ticket = handler(
        actor=actor,
        window=window,
        hall=hall,
        state=state,
        number=ticket_number,
        to=to,
        reason=reason,
        now=now,
    )
    return CallResult(ticket=ticket, state=state)


def _close_current(state: WindowState, status: str, now: datetime) -> Ticket | None:
    cur = state.current
    if cur is None or cur.status != TicketStatus.CALLED:
        return None
    # the window's row is claimed by this transaction (`_claim_window` follows), and only the
    # window serving a called ticket changes it: the ticket is as read, plus these changes
    if Ticket.objects.filter(pk=cur.pk, status=TicketStatus.CALLED).update(
        status=status, finished_at=now, version=F("version") + 1
    ):
        cur.status, cur.finished_at, cur.version = status, now, cur.version + 1
    else:
        cur.refresh_from_db()
    return cur


CANDIDATE_HEAD = 20  # candidates read per attempt (the head of the queue, not the whole day)
CANDIDATE_ROUNDS = 50


def _candidates(hall: ServiceHall, today: date, business_ids: list[int], window: Window) -> list[Ticket]:
    """The head of the window's queue by `rules.queue_key` (ordered in the database), plus the
    longest-waiting walk-ins (for the anti-starvation step): `rules.pick_next` over these gives
    the same first choices as over the whole queue, without loading hundreds of rows per call."""
    base = Ticket.objects.filter(selectors.waiting_q(hall, today), business_id__in=business_ids).filter(
        Q(target_window__isnull=True) | Q(target_window=window)
    )
    head = list(
        base.annotate(
            _mine=Case(
                When(target_window=window, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        ).order_by("_mine", "-priority", "queued_at", "pk")[:CANDIDATE_HEAD]
    )
    seen = {t.pk for t in head}
    walk_ins = base.filter(priority=False, target_window__isnull=True).order_by("queued_at", "pk")
    return head + [t for t in walk_ins[:CANDIDATE_HEAD] if t.pk not in seen]


def _next(*, actor, window, hall, state, now, **_) -> Ticket:
    s = selectors.hall_settings(hall)
    today = selectors.local(now).date()
    business_ids = selectors.window_business_ids(window)
    if not business_ids:
        raise Conflict("本窗口未设置业务类型", code="nothing_waiting")
    done = _close_current(state, TicketStatus.DONE, now)
    if done is not None:
        _event(window, done, CallAction.FINISH, actor, now)
    recent = list(
        CallEvent.objects.filter(
            window=window, action=CallAction.NEXT, at__gte=selectors.at_local(today, datetime.min.time())
        )
        .order_by("-at", "-id")
        .values_list("ticket__priority", flat=True)[: max(s.priority_run, 1)]
    )
    for _attempt in range(CANDIDATE_ROUNDS):
        candidates = _candidates(hall, today, business_ids, window)
        if not candidates:
            break
        for t in rules.pick_next(candidates, window_id=window.pk, recent_priority=recent, run=s.priority_run):
            won = Ticket.objects.filter(pk=t.pk, status=TicketStatus.WAITING).update(
                status=TicketStatus.CALLED,
                window=window,
                served_by=actor,
                called_at=now,
                version=F("version") + 1,
            )
            if won:  # the conditional UPDATE moved exactly these fields of the row as read
                t.status, t.window, t.served_by, t.called_at = TicketStatus.CALLED, window, actor, now
                t.version += 1
                _claim_window(state, current=t, staff=actor)
                _event(window, t, CallAction.NEXT, actor, now)
                _serving_set(actor, window, t)
                _publish(hall, (t, window, now))  # and one fewer waiting
                _turn_near(hall, [t.business_id], now, settings=s)
                log.info("window %s called %s", window.pk, t.number)
                return t
        # every candidate was taken by other windows meanwhile: read the queue's head again
    # nothing to call: the whole action rolls back (the ticket being served stays called; the
    # clerk finishes it with `finish`)
    raise Conflict("当前没有等候的号码", code="nothing_waiting")


def _current(state: WindowState, number: str | None) -> Ticket:
    cur = state.current
    if cur is None or cur.status != TicketStatus.CALLED or (number and cur.number != number):
        raise InvalidTransition("窗口当前没有正在叫的号码", code="invalid_transition")
    return cur


def _recall(*, actor, window, hall, state, number, now, **_) -> Ticket:
    s = selectors.hall_settings(hall)
    cur = _current(state, number)
    if not Ticket.objects.filter(pk=cur.pk, status=TicketStatus.CALLED, recalls__lt=s.recall_max).update(
        recalls=F("recalls") + 1, version=F("version") + 1
    ):
        raise InvalidTransition(f"已重呼 {s.recall_max} 次，请过号", code="recall_limit")
    cur.refresh_from_db()
    _event(window, cur, CallAction.RECALL, actor, now)
    _publish(hall, (cur, window, now), counts=False)
    return cur


def _skip(*, actor, window, hall, state, number, now, **_) -> Ticket:
    cur = _current(state, number)
    _close_current(state, TicketStatus.SKIPPED, now)
    _claim_window(state, current=None)
    _event(window, cur, CallAction.SKIP, actor, now)
    _serving_set(actor, window, None)
    _publish(hall)
    return cur


def _requeue(*, actor, window, hall, state, number, now, **_) -> Ticket:
    """A skipped ticket (the person came back) goes back in the queue, once, at the end."""
    today = selectors.local(now).date()
    t = Ticket.objects.filter(hall=hall, day=today, number=(number or "").upper()).first()
    if t is None:
        raise NotFound("今天没有这个号码")
    if t.business_id not in selectors.window_business_ids(window):
        raise PermissionDenied("本窗口不办理该业务类型", code="forbidden")
    if not Ticket.objects.filter(pk=t.pk, status=TicketStatus.SKIPPED, requeued=False).update(
        status=TicketStatus.WAITING,
        requeued=True,
        queued_at=now,
        called_at=None,
        finished_at=None,
        window=None,
        version=F("version") + 1,
    ):
        raise InvalidTransition("只有过号的号码可以重新排队，且只能一次", code="invalid_transition")
    t.refresh_from_db()
    _event(window, t, CallAction.REQUEUE, actor, now)
    _publish(hall)
    return t


def _transfer(*, actor, window, hall, state, number, to, reason, now, **_) -> Ticket:
    """To another business type (`to` = its code) or window (`to` = "window:<number>"): the ticket
    keeps its place in time and becomes a priority ticket there; a window transfer is called
    first by that window."""
    cur = _current(state, number)
    to = (to or "").strip()
    changes: dict = {
        "status": TicketStatus.WAITING,
        "transferred": True,
        "priority": True,
        "called_at": None,
        "window": None,
    }
    if to.startswith("window:"):
        target = Window.objects.filter(hall=hall, number=to.split(":", 1)[1]).first()
        if target is None or target.pk == window.pk:
            raise ValidationFailed(fields={"to": ["本大厅没有这个窗口"]})
        if cur.business_id not in selectors.window_business_ids(target):
            raise ValidationFailed(fields={"to": ["该窗口不办理这个业务类型"]})
        changes["target_window"] = target
    else:
        target_b = BusinessType.objects.filter(hall=hall, code=to, active=True).first()
        if target_b is None or target_b.pk == cur.business_id:
            raise ValidationFailed(fields={"to": ["请选择另一个业务类型或窗口"]})
        changes["business"] = target_b
        changes["target_window"] = None
    if not Ticket.objects.filter(pk=cur.pk, status=TicketStatus.CALLED).update(
        version=F("version") + 1, **changes
    ):
        raise InvalidTransition("号码状态已改变")
    _claim_window(state, current=None)
    cur.refresh_from_db()
    _event(window, cur, CallAction.TRANSFER, actor, now, note=f"{to} {reason}".strip())
    _serving_set(actor, window, None)
    _publish(hall)
    return cur


def _pause(*, actor, window, hall, state, reason, now, **_) -> None:
    if not reason:
        raise ValidationFailed(fields={"reason": ["请填写暂停原因"]})
    if state.status == WindowStatus.PAUSED:
        raise InvalidTransition("窗口已暂停")
    done = _close_current(state, TicketStatus.DONE, now)
    if done is not None:
        _event(window, done, CallAction.FINISH, actor, now)
        _serving_set(actor, window, None)
    _claim_window(state, status=WindowStatus.PAUSED, reason=reason, current=None, staff=actor)
    _event(window, None, CallAction.PAUSE, actor, now, note=reason)
    _publish(hall)
    return None


def _resume(*, actor, window, hall, state, reason, now, **_) -> None:
    if state.status != WindowStatus.PAUSED:
        raise InvalidTransition("窗口未暂停")
    _claim_window(state, status=WindowStatus.OPEN, reason="", staff=actor)
    _event(window, None, CallAction.RESUME, actor, now, note=reason)
    _publish(hall)
    return None


def _finish(*, actor, window, hall, state, number, now, **_) -> Ticket:
    cur = _current(state, number)
    _close_current(state, TicketStatus.DONE, now)
    _claim_window(state, current=None)
    _event(window, cur, CallAction.FINISH, actor, now)
    _serving_set(actor, window, None)
    _publish(hall)
    return cur


_ACTIONS = {
    "next": _next,
    "recall": _recall,
    "skip": _skip,
    "requeue": _requeue,
    "transfer": _transfer,
    "pause": _pause,
    "resume": _resume,
    "finish": _finish,
}


# --- the ticket and the case -------------------------------------------------------------------------
def ticket_link_case(*, case_id: int, action: str) -> None:
    """Case follower (`cases.followers`): a case filed (`submit`) or accepted (`accept`) at a window
    while the window is serving a called ticket belongs to that ticket; the window's rating
    device then rates this case for this ticket. A case filed at a window goes to that window's
    ticket (if the ticket names a person, only that person's case); a case filed elsewhere and
    accepted at a window goes to the ticket being served there only when the ticket names the
    case's applicant. Idempotent."""
    from yiwang.cases.models import Case, CaseEvent
    from yiwang.organizations.selectors import staff_scope

    if action not in ("submit", "accept"):
        return
    case = Case.objects.filter(pk=case_id).only("pk", "window_id", "owner_id", "channel").first()
    if case is None:
        return
    candidates: list[tuple[int, bool]] = []  # (window id, the ticket must name the applicant)
    filed_here = case.channel == "window" and case.window_id is not None
    if filed_here:
        candidates.append((case.window_id, False))
    event = (
        CaseEvent.objects.filter(case=case, action=action)
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    windows = (
        set(staff_scope(event.actor).window_ids) if event is not None and event.actor is not None else set()
    )
    if case.window_id is not None:
        windows.add(case.window_id)
    candidates += [(w, True) for w in sorted(windows) if not (filed_here and w == case.window_id)]
    for window_id, strict in candidates:
        with transaction.atomic():
            state = (
                WindowState.objects.filter(window_id=window_id).select_related("current", "window").first()
            )
            if state is None or state.current is None or state.current.status != TicketStatus.CALLED:
                continue
            ticket = state.current
            if ticket.case_id not in (None, case.pk):
                continue
            if ticket.person_id != case.owner_id and (strict or ticket.person_id is not None):
                continue  # the window is serving somebody else
            Ticket.objects.filter(pk=ticket.pk, case__isnull=True).update(case=case)
            ticket.refresh_from_db()
            actor = ticket.served_by or state.staff
            if actor is not None and rules.may_staff_window(actor, state.window):
                _serving_set(actor, state.window, ticket)
            return


# --- closures and administration ----------------------------------------------------------------------
@transaction.atomic
def closure_create(
    *,
    actor: User,
    hall: ServiceHall,
    first_day: date,
    last_day: date,
    reason: str,
    now: datetime | None = None,
) -> tuple[Closure, int]:
    """Close the hall on these days: every booking in them is cancelled, its seat released, and its
    person told (with a link to book again). Returns the closure and how many were told."""
    now = _now(now)
    if not rules.may_admin_hall(actor, hall):
        raise PermissionDenied("只有大厅管理员可以安排闭厅", code="forbidden")
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationFailed(fields={"reason": ["请填写闭厅原因"]})
    if last_day < first_day:
        raise ValidationFailed(fields={"last_day": ["结束日期不能早于起始日期"]})
    closure = Closure.objects.create(
        hall=hall, first_day=first_day, last_day=last_day, reason=reason, created_by=actor
    )
    told = 0
    for appt in Appointment.objects.filter(
        hall=hall, day__gte=first_day, day__lte=last_day, status=AppointmentStatus.BOOKED
    ).select_related("business", "slot", "person"):
        if not Appointment.objects.filter(pk=appt.pk, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.CLOSED, cancelled_at=now
        ):
            continue
        _release(appt)
        notification_send(
            event_kind="halls.closure",
            recipient=appt.person,
            context={
                "hall": hall.name,
                "day": appt.day.isoformat(),
                "reason": reason,
                "start": _fmt(appt.slot.start),
                "business": appt.business.name,
            },
            key=f"halls:appointment:{appt.pk}:closed",
            link=reverse("halls:book", args=[hall.code]) + f"?business={appt.business.code}",
            now=now,
        )
        told += 1
    log.info("closure %s hall=%s days=%s..%s told=%s", closure.pk, hall.pk, first_day, last_day, told)
    return closure, told


def _require_admin(actor: User, hall: ServiceHall) -> None:
    if not rules.may_admin_hall(actor, hall):
        raise PermissionDenied("只有大厅管理员可以修改大厅设置", code="forbidden")


@transaction.atomic
def business_type_save(
    *,
    actor: User,
    hall: ServiceHall,
    code: str,
    name: str,
    prefix: str,
    item_ids: list[int] | None = None,
    window_ids: list[int] | None = None,
    active: bool = True,
) -> BusinessType:
    _require_admin(actor, hall)
    code, name, prefix = (code or "").strip(), (name or "").strip(), (prefix or "").strip().upper()
    errors: dict[str, list[str]] = {}
    if (
        not code
        or len(code) > 32
        or not code.replace("-", "").replace("_", "").isalnum()
        or not code.isascii()
    ):
        errors["code"] = ["编码为 1-32 位英文字母、数字、- 或 _"]
    if not name or len(name) > 100:
        errors["name"] = ["请填写名称（100 字以内）"]
    if not (1 <= len(prefix) <= 2) or not prefix.isalpha() or not prefix.isascii():
        errors["prefix"] = ["号码字头为 1-2 个英文字母"]
    if errors:
        raise ValidationFailed(fields=errors)
    if BusinessType.objects.filter(hall=hall, prefix=prefix).exclude(code=code).exists():
        raise ValidationFailed(fields={"prefix": ["该字头已被其他业务类型使用"]})
    bt, _ = BusinessType.objects.update_or_create(
        hall=hall, code=code, defaults={"name": name, "prefix": prefix, "active": active}
    )
    if window_ids is not None:
        bt.windows.set(Window.objects.filter(hall=hall, pk__in=window_ids))
    if item_ids is not None:
        from yiwang.catalog.models import Item

        bt.items.set(Item.objects.filter(pk__in=item_ids))
    return bt


@transaction.atomic
def capacity_set(*, actor: User, business: BusinessType, rows: list[tuple[str, str, int]]) -> int:
    """Replace the business type's hourly capacities: rows of ("09:00", "10:00", capacity). Slots
    already made keep their capacity (bookings stand); new days use the new capacities."""
    _require_admin(actor, business.hall)
    parsed = []
    for i, (a, b, cap) in enumerate(rows):
        try:
            start, end = datetime.strptime(a, "%H:%M").time(), datetime.strptime(b, "%H:%M").time()
            cap = int(cap)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(fields={f"rows.{i}": ["时间格式应为 HH:MM，人数为整数"]}) from exc
        if end <= start or not (0 <= cap <= 999):
            raise ValidationFailed(fields={f"rows.{i}": ["结束时间应晚于开始时间，人数 0-999"]})
        parsed.append(SlotCapacity(business=business, start=start, end=end, capacity=cap))
    SlotCapacity.objects.filter(business=business).delete()
    SlotCapacity.objects.bulk_create(parsed)
    return len(parsed)


SETTING_FIELDS = (
    "opens",
    "closes",
    "book_days_ahead",
    "book_close_minutes",
    "cancel_hours",
    "noshow_limit",
    "noshow_days",
    "block_days",
    "turn_near_ahead",
    "recall_max",
    "priority_run",
    "green_age",
    "wait_target_minutes",
)


@transaction.atomic
def hall_settings_update(*, actor: User, hall: ServiceHall, values: dict) -> HallSettings:
    _require_admin(actor, hall)
    s = selectors.hall_settings(hall)
    errors: dict[str, list[str]] = {}
    for f in SETTING_FIELDS:
        if f not in values:
            continue
        v = values[f]
        try:
            if f in ("opens", "closes"):
                v = v if not isinstance(v, str) else datetime.strptime(v, "%H:%M").time()
            else:
                v = int(v)
                if not 0 <= v <= 365:
                    raise ValueError
        except (TypeError, ValueError):
            errors[f] = ["取值有误"]
            continue
        setattr(s, f, v)
    if not errors and s.closes <= s.opens:
        errors["closes"] = ["关门时间应晚于开门时间"]
    if errors:
        raise ValidationFailed(fields=errors)
    s.save()
    return s


@transaction.atomic
def window_staff_set(*, actor: User, window: Window, user: User, on: bool) -> None:
    """Put a staff member on a window (a clerk role there) or take them off."""
    _require_admin(actor, window.hall)
    if user.kind != AccountKind.STAFF:
        raise ValidationFailed(fields={"user": ["只能安排工作人员"]})
    if on:  # through organizations, so the window assignment checks (持证上岗) apply
        staff_role_grant(user=user, role=Role.CLERK, window=window)
    else:
        StaffRole.objects.filter(user=user, role=Role.CLERK, window=window).delete()


@transaction.atomic
def hall_role_grant(*, user: User, hall: ServiceHall, role: str) -> HallRole:
    """Platform set-up and the demo: make a staff member a hall admin or reception."""
    return HallRole.objects.get_or_create(user=user, hall=hall, role=role)[0]
