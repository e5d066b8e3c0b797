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


@pytest.mark.time_machine(MON)
def test_hall_admin_manages_display_keys_and_terminals_with_the_keyboard(
    live_server, transactional_db, world, page, axe
):
    from yiwang.halls import devices, terminals
    from yiwang.halls.models import DisplayKey, Terminal

    t, _key = terminals.terminal_register(
        code="smzj-01",
        name="一号自助终端",
        site_kind="hall",
        site_name="武汉市民之家",
        hall=world.hall,
        region=world.city,
    )
    devices.terminal_heartbeat(terminal=t, status={"printer": "ok"})
    base = live_server.url
    login(page, base, "hall_admin")
    page.goto(f"{base}/workbench/halls/smzj/devices/")
    axe("halls-devices", portal=False)
    assert page.locator('tr[data-terminal="smzj-01"]').get_attribute("data-state") == "online"
    # a display key, by keyboard only
    tab_to(page, "#display-name", limit=120)
    page.keyboard.type("一楼大厅主屏")
    tab_to(page, "#display-create")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    url = page.locator("#new-secret").inner_text()
    assert "/halls/smzj/display/?key=" in url and DisplayKey.objects.get().name == "一楼大厅主屏"
    axe("halls-devices-new-key", portal=False)
    # register a community terminal, then take the hall's own out of service
    page.goto(f"{base}/workbench/halls/smzj/devices/")
    tab_to(page, "#t-code", limit=160)
    page.keyboard.type("bbt-02")
    tab_to(page, "#t-name")
    page.keyboard.type("百步亭自助终端")
    tab_to(page, "#t-site-kind")
    page.keyboard.press("ArrowDown")  # 社区
    tab_to(page, "#t-site-name")
    page.keyboard.type("百步亭花园社区")
    tab_to(page, "#terminal-register")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#new-secret").inner_text().startswith("bbt-02.")
    assert Terminal.objects.get(code="bbt-02").site_kind == "community"
    page.goto(f"{base}/workbench/halls/smzj/devices/")
    tab_to(page, "#terminal-revoke-smzj-01", limit=160)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator('tr[data-terminal="smzj-01"]').get_attribute("data-state") == "revoked"
    assert not Terminal.objects.get(code="smzj-01").active
    axe("halls-devices-revoked", portal=False)
