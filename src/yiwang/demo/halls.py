"""Demo data of 预约叫号: business types, windows and hourly capacities of 武汉市民之家 and the
district halls, the bookable slots of the coming week, the hall admin (`hall_admin`), and a past
morning's tickets and calls at 武汉市民之家 for the statistics. The demo `clerk` staffs window 1
of 武汉市民之家, which is left open and idle and serves 市场准入 (A), bookable on each of the next
five working days. Idempotent: a second run changes nothing that is there."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.catalog.models import Item
from yiwang.halls import selectors, services
from yiwang.halls.models import (
    BusinessType,
    CallAction,
    CallEvent,
    HallRoleKind,
    SlotCapacity,
    Ticket,
    TicketCounter,
    TicketStatus,
    WindowState,
    WindowStatus,
)
from yiwang.organizations.models import ServiceHall, Window
from yiwang.workdays import selectors as workdays

from . import orgdata

HALL_ADMIN = "hall_admin"
# hall -> [(code, name, prefix, window numbers)]
BUSINESS_TYPES: dict[str, list[tuple[str, str, str, list[str]]]] = {
    orgdata.CITY_HALL: [
        ("market", "市场准入·经营许可", "A", ["1", "4", "11"]),
        ("social", "社会事务（户政·社保·医保）", "B", ["2", "12", "14", "15"]),
        ("housing", "不动产·住房·税务", "C", ["3", "16", "17", "18"]),
        ("onething", "高效办成一件事", "D", ["4"]),
        ("health", "卫生健康", "E", ["13", "2"]),
    ],
    orgdata.JIANGAN_HALL: [
        ("general", "综合受理", "A", ["1"]),
        ("social", "社会事务", "B", ["2"]),
        ("approval", "行政审批", "C", ["5"]),
        ("market", "市场监管", "D", ["6", "1"]),
    ],
    orgdata.HONGSHAN_HALL: [
        ("general", "综合受理", "A", ["1"]),
        ("approval", "行政审批", "B", ["5"]),
        ("hr", "人力资源", "C", ["6"]),
    ],
}
# Hourly slots of the halls' hours (9:00—12:00, 13:30—17:00) and their capacity per business type.
SLOTS = [(time(9), time(10)), (time(10), time(11)), (time(11), time(12)),
         (time(13, 30), time(14, 30)), (time(14, 30), time(15, 30)), (time(15, 30), time(16, 30))]  # fmt: skip
CAPACITY = 6


def _items_for(windows: list[Window]) -> list[int]:
    ids: list[int] = []
    for w in windows:
        ids += list(
            Item.objects.filter(department__in=w.departments.all())
            .order_by("code")
            .values_list("pk", flat=True)[:8]
        )
        ids += list(w.items.values_list("pk", flat=True)[:8])
    return list(dict.fromkeys(ids))[:20]


def _previous_workday(day: date) -> date:
    d = day - timedelta(days=1)
    while not workdays.is_workday(d):
        d -= timedelta(days=1)
    return d


def _past_morning(hall: ServiceHall, day: date, clerk: User | None) -> int:
    """About 60 tickets of a morning (8:50—11:30) called at the business types' windows with
    realistic waits and service times; a few skipped. Written as rows (no live events)."""
    if Ticket.objects.filter(hall=hall, day=day).exists():
        return 0
    rng = random.Random(f"{hall.code}-{day}")  # the same morning every run
    made = 0
    free_at: dict[int, datetime] = {}
    for bt in BusinessType.objects.filter(hall=hall).prefetch_related("windows").order_by("prefix"):
        windows = list(bt.windows.all())
        if not windows:
            continue
        t = selectors.at_local(day, time(8, 50))
        for seq in range(1, rng.randint(8, 16) + 1):
            t += timedelta(minutes=rng.randint(2, 12))
            if t.hour >= 12:
                break
            w = rng.choice(windows)
            called = max(t + timedelta(minutes=rng.randint(2, 25)), free_at.get(w.pk, t))
            skipped = rng.random() < 0.08
            finished = called + timedelta(minutes=1 if skipped else rng.randint(4, 18))
            free_at[w.pk] = finished
            ticket = Ticket.objects.create(
                hall=hall, business=bt, day=day, seq=seq, number=f"{bt.prefix}{seq:03d}", priority=rng.random() < 0.2,
                status=TicketStatus.SKIPPED if skipped else TicketStatus.DONE, issued_at=t, queued_at=t,
                called_at=called, finished_at=finished, window=w, served_by=clerk if w.number == "1" else None,
            )  # fmt: skip
            CallEvent.objects.bulk_create(
                [
                    CallEvent(hall=hall, ticket=ticket, action=CallAction.ISSUE, at=t),
                    CallEvent(hall=hall, window=w, ticket=ticket, action=CallAction.NEXT, at=called),
                    CallEvent(
                        hall=hall,
                        window=w,
                        ticket=ticket,
                        action=CallAction.SKIP if skipped else CallAction.FINISH,
                        at=finished,
                    ),
                ]
            )
            TicketCounter.objects.update_or_create(business=bt, day=day, defaults={"last": seq})
            made += 1
    return made


@transaction.atomic
def demo_load(*, now: datetime | None = None) -> dict:
    """Returns what was made: {"business_types", "slots", "tickets", "hall_admin"}."""
    now = now or timezone.now()
    out = {"business_types": 0, "slots": 0, "tickets": 0, "hall_admin": False}
    halls = {h.name: h for h in ServiceHall.objects.filter(name__in=list(BUSINESS_TYPES), code__isnull=False)}
    clerk = User.objects.filter(username="clerk").first()
    for hall_name, types in BUSINESS_TYPES.items():
        hall = halls.get(hall_name)
        if hall is None:
            continue
        selectors.hall_settings(hall)
        windows = {w.number: w for w in Window.objects.filter(hall=hall).prefetch_related("departments")}
        for code, name, prefix, numbers in types:
            serving = [windows[n] for n in numbers if n in windows]
            bt, created = BusinessType.objects.get_or_create(
                hall=hall, code=code, defaults={"name": name, "prefix": prefix}
            )
            if created:
                bt.windows.set(serving)
                bt.items.set(_items_for(serving))
                SlotCapacity.objects.bulk_create(
                    [SlotCapacity(business=bt, start=a, end=b, capacity=CAPACITY) for a, b in SLOTS]
                )
                out["business_types"] += 1
            for day in selectors.bookable_days(hall, now=now):
                out["slots"] += len(selectors.slots_ensure(bt, day))
        out["tickets"] += _past_morning(hall, _previous_workday(selectors.local(now).date()), clerk)
    city = halls.get(orgdata.CITY_HALL)
    admin = User.objects.filter(username=HALL_ADMIN).first()
    if city is not None and admin is not None:
        services.hall_role_grant(user=admin, hall=city, role=HallRoleKind.ADMIN)
        out["hall_admin"] = True
    if city is not None:  # the demo clerk's window 1 starts open and idle
        w1 = Window.objects.filter(hall=city, number="1").first()
        if w1 is not None:
            WindowState.objects.update_or_create(
                window=w1, defaults={"status": WindowStatus.OPEN, "reason": "", "current": None}
            )
    return out
