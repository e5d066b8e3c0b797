"""The halls' test world: 武汉市民之家 (world.hall, code hall-smzj) with business types A (served by
windows 1 and 2) and B (window 2), hourly capacities, a hall admin, a reception desk clerk and a
second window clerk. Tests run on Monday 2026-12-07 unless they say otherwise."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from yiwang.accounts.tests.factories import StaffFactory
from yiwang.halls import services
from yiwang.halls.models import BusinessType, HallRoleKind, SlotCapacity
from yiwang.organizations.tests.factories import StaffRoleFactory, WindowFactory

SH = ZoneInfo("Asia/Shanghai")
MON = datetime(2026, 12, 7, 8, 0, tzinfo=SH)  # Monday, before opening


def at(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def world(world):
    w = world
    w.hall.code = "smzj"
    w.hall.save()
    w.window2 = WindowFactory(hall=w.hall, number="2", departments=[w.dept])
    w.clerk_w2 = StaffFactory(username="clerk_w2", display_name="窗口丙")
    StaffRoleFactory(user=w.clerk_w2, role="clerk", window=w.window2, department=None)
    w.hall_admin = StaffFactory(username="hall_admin", display_name="大厅管理员")
    services.hall_role_grant(user=w.hall_admin, hall=w.hall, role=HallRoleKind.ADMIN)
    w.reception = StaffFactory(username="reception", display_name="导办台")
    services.hall_role_grant(user=w.reception, hall=w.hall, role=HallRoleKind.RECEPTION)
    w.biz_a = BusinessType.objects.create(hall=w.hall, code="market", name="市场准入", prefix="A")
    w.biz_a.windows.set([w.window, w.window2])
    w.biz_a.items.set([w.item, w.item_immediate])
    w.biz_b = BusinessType.objects.create(hall=w.hall, code="health", name="卫生健康", prefix="B")
    w.biz_b.windows.set([w.window2])
    w.biz_b.items.set([w.item2])
    for b in (w.biz_a, w.biz_b):
        SlotCapacity.objects.create(business=b, start=time(9), end=time(10), capacity=2)
        SlotCapacity.objects.create(business=b, start=time(10), end=time(11), capacity=2)
        SlotCapacity.objects.create(business=b, start=time(14), end=time(15), capacity=1)
    return w
