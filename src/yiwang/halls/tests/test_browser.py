"""In Debian's chromium through Playwright, with axe-core on every page: a citizen books a slot
and sees the appointment code and QR; the reception checks people in; the window terminal calls,
recalls, pauses and resumes with the keyboard only; the admin and statistics pages; the phone
position page. Skipped without Debian's chromium (shared fixtures in yiwang.testsupport)."""

from __future__ import annotations

import pytest

from yiwang.core.testing import login, logout, tab_to
from yiwang.halls.models import Appointment, Ticket, TicketStatus, WindowState

from .conftest import MON, at

pytestmark = [pytest.mark.browser]


@pytest.mark.time_machine(MON)
def test_citizen_books_in_the_browser(live_server, transactional_db, world, page, axe):
    base = live_server.url
    page.goto(f"{base}/halls/")
    axe("halls-list", portal=True)
    login(page, base, "citizen")
    page.goto(f"{base}/halls/smzj/book/?business=market&date=2026-12-08")
    axe("halls-book", portal=True)
    page.check("#slot-1")
    with page.expect_navigation():
        page.click("main button:has-text('确认预约')")
    appt = Appointment.objects.get(person=world.citizen)
    assert page.url.endswith(f"/halls/appointments/{appt.pk}/")
    assert page.locator(".appt-code").inner_text() == appt.code
    assert page.locator("figure.qr svg").count() == 1
    axe("halls-appointment", portal=True)
    page.goto(f"{base}/halls/appointments/")
    axe("halls-my-appointments", portal=True)


@pytest.mark.time_machine(at(7, 9, 30))
def test_reception_and_window_terminal_keyboard_only(live_server, transactional_db, world, page, axe):
    base = live_server.url
    login(page, base, "reception")
    page.goto(f"{base}/workbench/halls/smzj/checkin/")
    axe("halls-checkin", portal=False)
    page.select_option("#ci-business", "market")
    page.check("#ci-m-id")
    page.fill("#ci-value", world.citizen2.id_number)
    with page.expect_navigation():
        page.click("main button:has-text('取号')")
    assert "A001" in page.locator(".ticket-number").inner_text()
    axe("halls-checkin-done", portal=False)
    token = Ticket.objects.get(number="A001").token
    page.goto(f"{base}/halls/q/{token}/")
    axe("halls-position", portal=True)
    logout(page)

    login(page, base, "clerk")
    page.goto(f"{base}/workbench/halls/windows/{world.window.pk}/")
    axe("halls-terminal-idle", portal=False)
    tab_to(page, "#btn-next")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "A001" in page.locator(".current-number").inner_text()
    axe("halls-terminal-calling", portal=False)
    tab_to(page, "#btn-recall")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Ticket.objects.get(number="A001").recalls == 1
    tab_to(page, "#pause-reason")
    page.keyboard.type("临时离岗")
    tab_to(page, "#btn-pause")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert WindowState.objects.get(window=world.window).status == "paused"
    assert Ticket.objects.get(number="A001").status == TicketStatus.DONE
    tab_to(page, "#btn-resume")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert WindowState.objects.get(window=world.window).status == "open"
    axe("halls-terminal-resumed", portal=False)


@pytest.mark.time_machine(MON)
def test_admin_and_stats_pages(live_server, transactional_db, world, page, axe):
    base = live_server.url
    login(page, base, "hall_admin")
    page.goto(f"{base}/workbench/halls/")
    axe("halls-staff-index", portal=False)
    page.goto(f"{base}/workbench/halls/smzj/admin/")
    axe("halls-admin", portal=False)
    page.goto(f"{base}/workbench/halls/smzj/stats/?date=2026-12-07")
    axe("halls-stats", portal=False)
