"""The halls' demo: business types, a week of slots, the hall admin, a past morning for the
statistics, and the demo clerk's window 1 open, idle and bookable on each of the next 5 working
days. Idempotent."""

from __future__ import annotations

import pytest

from yiwang.accounts.models import User
from yiwang.demo import halls as halls_demo
from yiwang.demo.services import demo_load
from yiwang.halls import rules, selectors
from yiwang.halls.models import BusinessType, Slot, Ticket, WindowState
from yiwang.organizations.models import ServiceHall, Window

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine("2026-12-07T08:00+08:00")]


def test_demo_halls():
    result = demo_load(password="demo-pass-1234")
    part = result.parts["halls"]
    assert part["business_types"] >= 10 and part["tickets"] > 20 and part["hall_admin"]
    city = ServiceHall.objects.get(code="smzj")
    assert {h.code for h in ServiceHall.objects.exclude(code=None)} >= {"smzj", "jiangan", "hongshan"}
    clerk = User.objects.get(username="clerk")
    w1 = Window.objects.get(hall=city, number="1")
    assert rules.may_staff_window(clerk, w1)
    state = WindowState.objects.get(window=w1)
    assert state.status == "open" and state.current is None
    served = BusinessType.objects.filter(windows=w1)
    assert served.exists()
    days = selectors.bookable_days(city)
    assert len(days) == 6
    for day in days[1:]:
        assert any(v.available > 0 for b in served for v in selectors.slots_for(b, day)), day
    admin = User.objects.get(username="hall_admin")
    assert rules.may_admin_hall(admin, city) and not rules.may_admin_hall(clerk, city)
    stats = selectors.hall_stats(city, Ticket.objects.filter(hall=city).first().day)
    assert stats["total"]["tickets"] > 10 and stats["total"]["avg_wait_minutes"] > 0
    counts = (BusinessType.objects.count(), Slot.objects.count(), Ticket.objects.count())
    again = halls_demo.demo_load()
    assert again["business_types"] == 0 and again["tickets"] == 0
    assert (BusinessType.objects.count(), Slot.objects.count(), Ticket.objects.count()) == counts
