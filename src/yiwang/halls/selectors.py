"""Reads of the halls app: halls and their settings, bookable days and slots, booking blocks, the
queue (positions, the public display state) and the statistics. Times are Asia/Shanghai."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from yiwang.core.errors import NotFound
from yiwang.organizations.models import ServiceHall, Window
from yiwang.workdays import selectors as workdays

from .models import (
    ACTIVE_APPOINTMENT,
    Appointment,
    AppointmentStatus,
    BusinessType,
    CallAction,
    CallEvent,
    Closure,
    HallSettings,
    Slot,
    SlotCapacity,
    Ticket,
    TicketStatus,
    WindowState,
)


def local(dt: datetime) -> datetime:
    return timezone.localtime(dt)


def iso(dt: datetime | None) -> str | None:
    return local(dt).isoformat(timespec="seconds") if dt else None


def at_local(day: date, t) -> datetime:
    return timezone.make_aware(datetime.combine(day, t))


# --- halls -------------------------------------------------------------------------------------
def halls_public():
    return (
        ServiceHall.objects.filter(code__isnull=False)
        .select_related("region")
        .order_by("region__code", "name")
    )


def hall_by_code(code: str) -> ServiceHall:
    hall = ServiceHall.objects.filter(code=code).select_related("region").first() if code else None
    if hall is None:
        raise NotFound("没有这个大厅", code="not_found")
    return hall


def hall_settings(hall: ServiceHall) -> HallSettings:
    found = HallSettings.objects.filter(hall=hall).first()
    if found is None:
        found, _ = HallSettings.objects.get_or_create(hall=hall)
    return found


def business_types(hall: ServiceHall):
    return BusinessType.objects.filter(hall=hall, active=True).prefetch_related("items", "windows")


def business_by_code(hall: ServiceHall, code: str, *, field: str = "business") -> BusinessType:
    from yiwang.core.errors import ValidationFailed

    found = BusinessType.objects.filter(hall=hall, code=code or "", active=True).first()
    if found is None:
        raise ValidationFailed("没有这个业务类型", fields={field: ["该大厅没有这个业务类型"]})
    return found


def window_business_ids(window: Window) -> list[int]:
    return list(BusinessType.objects.filter(windows=window, active=True).values_list("pk", flat=True))


# --- booking window ------------------------------------------------------------------------------
def closed_days(hall: ServiceHall, first: date, last: date) -> set[date]:
    out: set[date] = set()
    for c in Closure.objects.filter(hall=hall, first_day__lte=last, last_day__gte=first):
        d = max(c.first_day, first)
        while d <= min(c.last_day, last):
            out.add(d)
            d += timedelta(days=1)
    return out


def is_open_day(hall: ServiceHall, day: date) -> bool:
    return workdays.is_workday(day) and not closed_days(hall, day, day)


def bookable_days(hall: ServiceHall, *, now: datetime | None = None) -> list[date]:
    """Today (if a working day) and the next `book_days_ahead` working days (调休 Saturdays count,
    holidays do not), minus the hall's closures."""
    s = hall_settings(hall)
    today = local(now or timezone.now()).date()
    days: list[date] = [today] if workdays.is_workday(today) else []
    d = today
    ahead = 0
    while ahead < s.book_days_ahead and d < today + timedelta(days=60):
        d += timedelta(days=1)
        if workdays.is_workday(d):
            days.append(d)
            ahead += 1
    closed = closed_days(hall, days[0], days[-1]) if days else set()
    return [d for d in days if d not in closed]


@dataclass(frozen=True)
class SlotView:
    slot: Slot
    available: int
    bookable: bool


def slots_ensure(business: BusinessType, day: date) -> list[Slot]:
    """The day's slots of a business type, made from its capacities the first time they are
    asked for (only on a working day within the hall's hours)."""
    existing = list(Slot.objects.filter(business=business, day=day).order_by("start"))
    if existing or not workdays.is_workday(day):
        return existing
    s = hall_settings(business.hall)
    rows = [
        Slot(
            business=business,
            day=day,
            start=at_local(day, c.start),
            end=at_local(day, c.end),
            capacity=c.capacity,
        )
        for c in SlotCapacity.objects.filter(business=business).order_by("start")
        if c.start >= s.opens and c.end <= s.closes
    ]
    Slot.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Slot.objects.filter(business=business, day=day).order_by("start"))


def slots_for(business: BusinessType, day: date, *, now: datetime | None = None) -> list[SlotView]:
    now = now or timezone.now()
    if day not in bookable_days(business.hall, now=now):
        return [
            SlotView(s, 0, False) for s in Slot.objects.filter(business=business, day=day).order_by("start")
        ]
    close = timedelta(minutes=hall_settings(business.hall).book_close_minutes)
    out = []
    for s in slots_ensure(business, day):
        open_ = s.start - close > now
        out.append(SlotView(s, max(s.capacity - s.booked, 0) if open_ else 0, open_))
    return out


def booking_block(hall: ServiceHall, person, *, now: datetime | None = None) -> tuple[date, int] | None:
    """(blocked until, no-shows counted) when the person may not book in this hall: `noshow_limit`
    no-shows within `noshow_days` days block booking for `block_days` days from the last of them."""
    s = hall_settings(hall)
    today = local(now or timezone.now()).date()
    since = today - timedelta(days=s.noshow_days + s.block_days)
    days = sorted(
        Appointment.objects.filter(
            hall=hall, person=person, status=AppointmentStatus.NO_SHOW, day__gte=since
        ).values_list("day", flat=True)
    )
    for i in range(len(days) - 1, -1, -1):
        window = [d for d in days[: i + 1] if d > days[i] - timedelta(days=s.noshow_days)]
        until = days[i] + timedelta(days=s.block_days)
        if len(window) >= s.noshow_limit and until > today:
            return until, len(window)
    return None


def appointments_of(person):
    return (
        Appointment.objects.filter(person=person)
        .select_related("hall", "business", "slot")
        .order_by("-slot__start")
    )


def appointment_by_code(code: str) -> Appointment | None:
    return (
        Appointment.objects.filter(code=(code or "").strip().upper())
        .select_related("hall", "business", "slot")
        .first()
    )


# --- the queue -------------------------------------------------------------------------------------
def waiting_q(hall: ServiceHall, day: date) -> Q:
    return Q(hall=hall, day=day, status=TicketStatus.WAITING)


def waiting_before(ticket: Ticket) -> int:
    """Tickets of the same business type that go before this one by the queue order (transfers to
    a window first, then priority tickets, then by time in the queue). An estimate for the person:
    the anti-starvation rule (`rules.pick_next`) may call a walk-in a little earlier."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    same = Ticket.objects.filter(waiting_q(ticket.hall, ticket.day), business_id=ticket.business_id).exclude(
        pk=ticket.pk
    )
    earlier = Q(queued_at__lt=ticket.queued_at) | Q(queued_at=ticket.queued_at, pk__lt=ticket.pk)
    if ticket.priority:
        return same.filter(Q(priority=True) & earlier).count()
    return same.filter(Q(priority=True) | earlier).count()


def ticket_by_token(token: str) -> Ticket:
    t = Ticket.objects.filter(token=token or "").select_related("hall", "business", "window").first()
    if t is None:
        raise NotFound("没有这个排队号", code="not_found")
    return t


def window_state(window: Window) -> WindowState:
    found = WindowState.objects.filter(window=window).select_related("current", "current__business").first()
    if found is None:
        found, _ = WindowState.objects.get_or_create(window=window)
    return found


def waiting_counts(hall: ServiceHall, day: date) -> dict[str, int]:
    """Waiting tickets per active business type of the hall (0 where none wait), in one query:
    published after every call, so it is on the window's path."""
    waiting = Count("tickets", filter=Q(tickets__day=day, tickets__status=TicketStatus.WAITING))
    rows = (
        BusinessType.objects.filter(hall=hall, active=True)
        .annotate(n=waiting)
        .order_by("prefix", "pk")
        .values_list("code", "n")
    )
    return dict(rows)


def display_state(hall: ServiceHall, *, now: datetime | None = None, last: int = 8) -> dict:
    """The public display data: the latest calls (number, window number, time) newest first, and
    the waiting count per business type. No personal data. The hall display page and the event
    stream's snapshot use this."""
    today = local(now or timezone.now()).date()
    start = at_local(today, datetime.min.time())
    calls = (
        CallEvent.objects.filter(
            hall=hall, action__in=[CallAction.NEXT, CallAction.RECALL], at__gte=start, ticket__isnull=False
        )
        .select_related("ticket", "window")
        .order_by("-at", "-id")[:last]
    )
    return {
        "calling": [
            {"number": e.ticket.number, "window": e.window.number if e.window else "", "at": iso(e.at)}
            for e in calls
        ],
        "waiting": waiting_counts(hall, today),
    }


def windows_of_staff(user) -> list[Window]:
    from yiwang.organizations.selectors import staff_scope

    ids = staff_scope(user).window_ids
    return list(Window.objects.filter(pk__in=ids).select_related("hall").order_by("hall__name", "number"))


# --- statistics -------------------------------------------------------------------------------------
def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return round(v[max(math.ceil(0.9 * len(v)) - 1, 0)], 1)


def _avg(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _group_stats(tickets: list[Ticket], target_min: int) -> dict:
    waits = [(t.called_at - t.issued_at).total_seconds() / 60 for t in tickets if t.called_at]
    services = [
        (t.finished_at - t.called_at).total_seconds() / 60
        for t in tickets
        if t.status == TicketStatus.DONE and t.called_at and t.finished_at
    ]
    over = [w for w in waits if w > target_min]
    return {
        "tickets": len(tickets),
        "served": sum(1 for t in tickets if t.status == TicketStatus.DONE),
        "no_shows": sum(1 for t in tickets if t.status == TicketStatus.SKIPPED),
        "waiting": sum(1 for t in tickets if t.status == TicketStatus.WAITING),
        "avg_wait_minutes": _avg(waits),
        "p90_wait_minutes": _p90(waits),
        "avg_service_minutes": _avg(services),
        "p90_service_minutes": _p90(services),
        "over_target_share": round(len(over) / len(waits), 3) if waits else None,
    }


def hall_stats(hall: ServiceHall, day: date) -> dict:
    """Per hall, window and business type for one day: tickets, served, no-shows (skipped), average
    and 90th-percentile waiting time (issue → call) and service time (call → finish), the share
    of waits over the hall's target (GB/T 32169 practice), and booking use (booked seats / offered
    seats; checked-in / booked)."""
    s = hall_settings(hall)
    tickets = list(
        Ticket.objects.filter(hall=hall, day=day).select_related("business", "window").order_by("issued_at")
    )
    by_business: dict[str, list[Ticket]] = {}
    by_window: dict[str, list[Ticket]] = {}
    for t in tickets:
        by_business.setdefault(t.business.code, []).append(t)
        if t.window_id:
            by_window.setdefault(t.window.number, []).append(t)
    names = {b.code: b.name for b in BusinessType.objects.filter(hall=hall)}
    slots = Slot.objects.filter(business__hall=hall, day=day)
    offered = sum(sl.capacity for sl in slots)
    appts = Appointment.objects.filter(hall=hall, day=day)
    booked = appts.filter(status__in=[*ACTIVE_APPOINTMENT, AppointmentStatus.NO_SHOW]).count()
    checked_in = appts.filter(status=AppointmentStatus.CHECKED_IN).count()
    return {
        "hall": hall.code,
        "date": day.isoformat(),
        "wait_target_minutes": s.wait_target_minutes,
        "total": _group_stats(tickets, s.wait_target_minutes),
        "business_types": [
            {"code": code, "name": names.get(code, code), **_group_stats(ts, s.wait_target_minutes)}
            for code, ts in sorted(by_business.items())
        ],
        "windows": [
            {"window": number, **_group_stats(ts, s.wait_target_minutes)}
            for number, ts in sorted(by_window.items(), key=lambda kv: (len(kv[0]), kv[0]))
        ],
        "booking": {
            "offered": offered,
            "booked": booked,
            "checked_in": checked_in,
            "no_shows": appts.filter(status=AppointmentStatus.NO_SHOW).count(),
            "use": round(booked / offered, 3) if offered else None,
            "show_rate": round(checked_in / booked, 3) if booked else None,
        },
    }
