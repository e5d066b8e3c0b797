"""持证上岗 at the hall's window terminal: halls runs organizations.hooks.window_assignment_check
(training's rule) whenever a clerk calls, not only when the window is assigned — with real
certificates uploaded and checked, one that expires, and an uncertified clerk."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from yiwang.accounts.services import api_token_issue
from yiwang.accounts.tests.factories import StaffFactory
from yiwang.core.errors import ValidationFailed
from yiwang.core.testing import make_ric
from yiwang.halls import services as halls
from yiwang.halls.models import BusinessType, CallEvent, HallRoleKind, Ticket, TicketStatus, WindowState
from yiwang.organizations.models import StaffRole
from yiwang.training import services

SH = ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(dt.datetime(2026, 12, 7, 9, 30, tzinfo=SH))]


@pytest.fixture
def hall(world):
    world.hall.code = "smzj"
    world.hall.save()
    bt = BusinessType.objects.create(hall=world.hall, code="market", name="市场准入", prefix="A")
    bt.windows.set([world.window])
    world.hall_admin = StaffFactory(username="hall_admin", display_name="大厅管理员")
    halls.hall_role_grant(user=world.hall_admin, hall=world.hall, role=HallRoleKind.ADMIN)
    for i in range(3):
        halls.ticket_issue(
            actor=world.hall_admin,
            hall=world.hall,
            business_code="market",
            id_number=make_ric(serial=700 + i),
        )
    services.hall_requirement_set(hall=world.hall, required=True)  # 行政办事员, checked and valid
    return world


def _cert(user, checker, *, number="4201000001", until=dt.date(2028, 6, 30)):
    c = services.certification_upload(
        user=user, number=number, issuer="武汉市人力资源和社会保障局", level="四级",
        valid_from=dt.date(2024, 7, 1), valid_until=until,
    )  # fmt: skip
    services.certification_check(actor=checker, certification=c, approve=True)
    return c


def _nothing_called(w):
    assert not Ticket.objects.exclude(status=TicketStatus.WAITING).exists()
    assert not CallEvent.objects.exclude(action="issue").exists()
    state = WindowState.objects.filter(window=w.window).first()
    assert state is None or state.current_id is None


def test_an_uncertified_clerk_cannot_call_and_nothing_changes(hall):
    w = hall
    with pytest.raises(ValidationFailed) as exc:
        halls.window_call(actor=w.clerk, window=w.window, action="next")
    assert exc.value.code == "certification_required" and "行政办事员" in exc.value.message
    _nothing_called(w)
    # the API answers 422 with the code; the page says why and keeps its buttons for the rest
    token = api_token_issue(user=w.clerk)[0]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    r = client.post(
        f"/api/v1/windows/{w.window.pk}/calls", {"action": "next"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "certification_required"
    _nothing_called(w)
    page = Client()
    page.force_login(w.clerk)
    body = page.get(f"/workbench/halls/windows/{w.window.pk}/").content.decode()
    assert 'id="service-refusal"' in body and "行政办事员" in body
    r = page.post(f"/workbench/halls/windows/{w.window.pk}/", {"action": "next"})
    assert r.status_code == 200 and "操作未成功" in r.content.decode()
    _nothing_called(w)
    # pausing (and so winding the window down) stays open to them
    halls.window_call(actor=w.clerk, window=w.window, action="pause", reason="待持证")
    with pytest.raises(ValidationFailed):
        halls.window_call(actor=w.clerk, window=w.window, action="resume")


def test_a_certified_clerk_calls_until_the_certificate_expires(hall):
    w = hall
    _cert(w.clerk, w.platform_admin, until=dt.date(2026, 12, 8))
    first = halls.window_call(actor=w.clerk, window=w.window, action="next").ticket
    assert first.number == "A001"
    page = Client()
    page.force_login(w.clerk)
    assert 'id="service-refusal"' not in page.get(f"/workbench/halls/windows/{w.window.pk}/").content.decode()
    with time_machine.travel(dt.datetime(2026, 12, 9, 9, 0, tzinfo=SH)):  # expired yesterday
        with pytest.raises(ValidationFailed) as exc:
            halls.window_call(actor=w.clerk, window=w.window, action="recall", ticket_number="A001")
        assert exc.value.code == "certification_required"
        # the ticket being served can still be finished
        assert halls.window_call(actor=w.clerk, window=w.window, action="finish").ticket.number == "A001"
        with pytest.raises(ValidationFailed):
            halls.window_call(actor=w.clerk, window=w.window, action="next")
        assert Ticket.objects.filter(status=TicketStatus.WAITING).count() == 2


def test_a_hall_without_the_requirement_does_not_ask(hall):
    w = hall
    services.hall_requirement_set(hall=w.hall, required=False)
    assert halls.window_call(actor=w.clerk, window=w.window, action="next").ticket.number == "A001"


def test_the_hall_admin_cannot_put_an_uncertified_clerk_on_a_window(hall):
    w = hall
    newcomer = StaffFactory(username="newcomer", display_name="新人")
    with pytest.raises(ValidationFailed) as exc:
        halls.window_staff_set(actor=w.hall_admin, window=w.window, user=newcomer, on=True)
    assert exc.value.code == "certification_required"
    assert not StaffRole.objects.filter(user=newcomer).exists()
    _cert(newcomer, w.platform_admin, number="4201000009")
    halls.window_staff_set(actor=w.hall_admin, window=w.window, user=newcomer, on=True)
    assert StaffRole.objects.filter(user=newcomer, window=w.window, role="clerk").exists()
    assert halls.window_call(actor=newcomer, window=w.window, action="next").ticket.number == "A001"
