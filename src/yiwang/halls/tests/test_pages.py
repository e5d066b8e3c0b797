"""The halls' pages through Django's test client: booking, my appointment (code, QR, guide links,
cancel), the phone position page, the window terminal, check-in, administration and statistics."""

from __future__ import annotations

import pytest
import time_machine

from yiwang.core.testing import make_ric
from yiwang.halls import services
from yiwang.halls.models import (
    Appointment,
    BusinessType,
    Closure,
    HallSettings,
    SlotCapacity,
    Ticket,
    TicketStatus,
)
from yiwang.organizations.models import StaffRole

from .conftest import MON, at

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(MON)]


def test_citizen_books_and_cancels_on_the_pages(world, client):
    client.force_login(world.citizen)
    r = client.get("/halls/")
    assert r.status_code == 200 and "武汉市民之家" in r.content.decode()
    r = client.get("/halls/smzj/book/", {"business": "market", "date": "2026-12-08"})
    page = r.content.decode()
    assert r.status_code == 200 and 'value="2026-12-08T09:00:00+08:00"' in page and "剩余 2 / 2" in page
    r = client.post(
        "/halls/smzj/book/?business=market", {"business": "market", "start": "2026-12-08T09:00:00+08:00"}
    )
    appt = Appointment.objects.get(person=world.citizen)
    assert r.status_code == 302 and r.url == f"/halls/appointments/{appt.pk}/"
    page = client.get(r.url).content.decode()
    assert appt.code in page and "<svg" in page and f"/items/{world.item.code}/" in page
    r = client.post("/halls/smzj/book/", {"business": "market", "start": "2026-12-08T10:00:00+08:00"})
    assert "每人每天每项业务限约一次" in r.content.decode()
    assert client.get("/halls/appointments/").status_code == 200
    r = client.post(f"/halls/appointments/{appt.pk}/")
    appt.refresh_from_db()
    assert r.status_code == 302 and appt.status == "cancelled"
    client.force_login(world.citizen2)
    assert client.get(f"/halls/appointments/{appt.pk}/").status_code == 404


def test_staff_are_sent_away_from_booking(world, client):
    client.force_login(world.clerk)
    assert client.get("/halls/smzj/book/").status_code == 302


def test_position_page_is_public_and_has_no_personal_data(world, client):
    with time_machine.travel(at(7, 9, 30)):
        t = services.ticket_issue(
            actor=world.reception, hall=world.hall, business_code="market", id_number=world.citizen.id_number
        ).ticket
        page = client.get(f"/halls/q/{t.token}/").content.decode()
        assert "A001" in page and "前面还有 <strong>0</strong> 位" in page
        assert "张伟" not in page and world.citizen.id_number not in page
        assert client.get("/halls/q/nope/").status_code == 404
        printed = client.get(f"/halls/q/{t.token}/print/").content.decode()
        assert "A001" in printed and "<svg" in printed


def test_window_terminal(world, client):
    with time_machine.travel(at(7, 9, 30)):
        services.ticket_issue(
            actor=world.reception, hall=world.hall, business_code="market", id_number=make_ric(serial=71)
        )
        client.force_login(world.clerk)
        page = client.get("/workbench/halls/").content.decode()
        assert f"/workbench/halls/windows/{world.window.pk}/" in page
        page = client.get(f"/workbench/halls/windows/{world.window.pk}/").content.decode()
        assert "叫下一位" in page and "暂停原因" in page
        r = client.post(f"/workbench/halls/windows/{world.window.pk}/", {"action": "next"})
        assert r.status_code == 302
        page = client.get(r.url).content.decode()
        assert "已叫号：A001" in page and "重呼 A001" in page
        client.post(f"/workbench/halls/windows/{world.window.pk}/", {"action": "finish", "ticket": "A001"})
        assert Ticket.objects.get().status == TicketStatus.DONE
        r = client.post(f"/workbench/halls/windows/{world.window.pk}/", {"action": "next"})
        assert "当前没有等候的号码" in r.content.decode()
        client.force_login(world.clerk_w2)
        assert client.get(f"/workbench/halls/windows/{world.window.pk}/").status_code == 404


def test_checkin_page(world, client):
    with time_machine.travel(at(7, 9, 30)):
        client.force_login(world.reception)
        r = client.post(
            "/workbench/halls/smzj/checkin/",
            {"business": "market", "method": "id_number", "value": make_ric(serial=5), "green_channel": "1"},
        )
        page = r.content.decode()
        assert '已取号：<strong class="ticket-number">A001</strong>（优先）' in page
        r = client.post(
            "/workbench/halls/smzj/checkin/",
            {"business": "market", "method": "identity_code", "value": "garbage"},
        )
        assert "身份码格式有误" in r.content.decode()
        assert Ticket.objects.count() == 1
        client.force_login(world.clerk_other_hall)
        assert client.get("/workbench/halls/smzj/checkin/").status_code == 403


def test_admin_pages(world, client):
    client.force_login(world.hall_admin)
    assert client.get("/workbench/halls/smzj/admin/").status_code == 200
    client.post(
        "/workbench/halls/smzj/admin/",
        {"do": "settings", "opens": "08:30", "closes": "17:30", "recall_max": "2", "green_age": "65"},
    )
    s = HallSettings.objects.get(hall=world.hall)
    assert (s.opens.hour, s.opens.minute, s.recall_max, s.green_age) == (8, 30, 2, 65)
    client.post(
        "/workbench/halls/smzj/admin/",
        {
            "do": "business",
            "code": "tax",
            "name": "税务",
            "prefix": "T",
            "items": world.item2.code,
            "windows": [str(world.window2.pk)],
        },
    )
    bt = BusinessType.objects.get(hall=world.hall, code="tax")
    assert list(bt.windows.all()) == [world.window2] and list(bt.items.all()) == [world.item2]
    r = client.post(
        "/workbench/halls/smzj/admin/", {"do": "business", "code": "tax2", "name": "税务", "prefix": "A"}
    )
    assert "该字头已被其他业务类型使用" in r.content.decode()
    client.post(
        "/workbench/halls/smzj/admin/",
        {"do": "capacity", "business": "tax", "rows": "09:00,10:00,3\n10:00,11:00,4"},
    )
    assert list(SlotCapacity.objects.filter(business=bt).values_list("capacity", flat=True)) == [3, 4]
    client.post(
        "/workbench/halls/smzj/admin/",
        {"do": "closure", "first_day": "2026-12-10", "last_day": "2026-12-10", "reason": "消防演练"},
    )
    assert Closure.objects.get(hall=world.hall).reason == "消防演练"
    client.post(
        "/workbench/halls/smzj/admin/",
        {"do": "staff_on", "window": str(world.window2.pk), "username": "reception"},
    )
    assert StaffRole.objects.filter(user=world.reception, role="clerk", window=world.window2).exists()
    client.post(
        "/workbench/halls/smzj/admin/",
        {"do": "staff_off", "window": str(world.window2.pk), "username": "reception"},
    )
    assert not StaffRole.objects.filter(user=world.reception, role="clerk", window=world.window2).exists()
    client.force_login(world.clerk)
    assert client.get("/workbench/halls/smzj/admin/").status_code == 403


def test_stats_page(world, client):
    client.force_login(world.supervisor)
    r = client.get("/workbench/halls/smzj/stats/", {"date": "2026-12-07"})
    assert r.status_code == 200 and "预约使用" in r.content.decode()
    client.force_login(world.clerk_other_hall)
    assert client.get("/workbench/halls/smzj/stats/").status_code == 403
