"""In Debian's chromium through Playwright, with axe-core on every page:

- the hall display page (served by a real uvicorn — ASGI, the event stream is long-lived) shows
  two calls made at once at the windows and announces them one after the other: the log of
  announcements (an ARIA live region) lists both, in order, the second started only after the
  first ended, each naming its window; a display key of another hall gives 404;
- a kiosk (the terminal's device account pairs the browser) checks a citizen in by scanning the
  电子身份码: a ticket, shown print-ready; the same code again is refused and makes no ticket;
  login at the kiosk by the code, then the idle timeout ends the session and clears the form.
"""

from __future__ import annotations

import pytest

from yiwang.core.testing import PASSWORD, login
from yiwang.halls import devices, services, terminals
from yiwang.halls.models import Ticket
from yiwang.identity import services as identity

from .conftest import at
from .live_support import Server

pytestmark = pytest.mark.time_machine(at(7, 10))  # a working Monday, 10:00 (servers too)


@pytest.fixture
def display_server(browser, settings, tmp_path):
    settings.YIWANG_BROADCAST_URL = ""  # embedded: the BroadcastEvent table
    server = Server("display", tmp_path, static=True)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.mark.browser
def test_display_page_shows_and_queues_the_calls(world, display_server, page, axe):
    _, key = devices.display_key_issue(hall=world.hall, name="一楼叫号屏")
    _, other_key = devices.display_key_issue(hall=world.hall2, name="江岸叫号屏")
    base = display_server.url
    audio: list[str] = []
    page.on("request", lambda r: audio.append(r.url) if "/halls/speech.wav" in r.url else None)

    response = page.goto(f"{base}/halls/{world.hall.code}/display/?key={other_key}")
    assert response.status == 404  # a key of another hall
    page.goto(f"{base}/halls/{world.hall.code}/display/?key={key}")
    page.wait_for_selector("#link-state[data-state=open]", timeout=20_000)
    axe("hall-display", portal=False)
    assert page.text_content("#current-call").strip() == "暂无叫号"

    for n in range(2):
        services.ticket_issue(
            actor=world.reception, hall=world.hall, business_code="market", id_number=_ric(n)
        )
    first = services.window_call(actor=world.clerk, window=world.window, action="next").ticket.number
    second = services.window_call(actor=world.clerk_w2, window=world.window2, action="next").ticket.number
    assert (first, second) == ("A001", "A002")

    log = page.locator("#announce-log li")
    page.wait_for_function("() => document.querySelectorAll('#announce-log li').length === 2", timeout=20_000)
    texts = [t.split("（")[0] for t in log.all_text_contents()]
    assert texts == ["请 A001 号到 1 号窗口办理", "请 A002 号到 2 号窗口办理"]
    # queued: the second waits while the first is spoken
    page.wait_for_function(
        "() => document.querySelector('#announce-log li:first-child').dataset.state !== 'queued'",
        timeout=10_000,
    )
    assert log.nth(1).get_attribute("data-state") in ("queued", "speaking", "done")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#announce-log li')].every(li => li.dataset.state === 'done')",
        timeout=60_000,
    )
    first_ended = float(log.nth(0).get_attribute("data-ended"))
    second_started = float(log.nth(1).get_attribute("data-started"))
    assert second_started >= first_ended  # never cut off by the next one
    assert page.get_attribute("#announce-log", "aria-live") == "polite"
    assert "A002" in page.text_content("#current-call") and "2" in page.text_content("#current-call")
    rows = page.locator("#recent-calls tr").all_text_contents()
    assert rows[0].startswith("A002") and rows[1].startswith("A001")
    assert page.text_content("#waiting li[data-business=market] .w-count") == "0"
    mode = page.get_attribute("#hall-display", "data-speech-mode")
    assert mode in ("browser", "platform")
    if mode == "platform":  # no zh-CN voice in this chromium: the platform's espeak-ng clips
        assert [u.split("?")[1] for u in audio] == ["number=A001&window=1", "number=A002&window=2"]
    axe("hall-display-calls", portal=False)


def _ric(n: int) -> str:
    from yiwang.core.testing import make_ric

    return make_ric(serial=700 + n)


@pytest.mark.browser
def test_a_kiosk_checks_in_by_eid_code_and_times_out(world, live_server, page, axe, settings):
    settings.YIWANG_KIOSK_IDLE_SECONDS = 30
    terminal, _key = terminals.terminal_register(
        code="smzj-01",
        name="市民之家自助终端 01",
        site_kind="hall",
        site_name="武汉市民之家",
        hall=world.hall,
        region=world.city,
        items=[world.item],
        account_username="kiosk",
        account_password=PASSWORD,
    )
    base = live_server.url
    login(page, base, "kiosk")  # the device account pairs this browser, then is logged out
    page.goto(f"{base}/kiosk/")
    assert page.url.endswith("/kiosk/")
    assert page.locator(".kiosk-logout[hidden]").count() == 1  # nobody logged in
    axe("kiosk-home", portal=False)

    page.click("text=取号")
    page.click("text=市场准入")
    axe("kiosk-ticket", portal=False)
    assert page.evaluate("document.activeElement.id") == "identity_code"
    code = identity.code_issue(user=world.citizen).code
    page.keyboard.insert_text(code)  # the scanner types the code and presses Enter
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ticket = Ticket.objects.get()
    assert ticket.person == world.citizen and ticket.issued_by == terminal.account
    assert ticket.number in page.text_content("body")
    assert "/print/" in page.url
    axe("kiosk-ticket-print", portal=False)

    page.goto(f"{base}/kiosk/ticket/?business=market")
    page.fill("#identity_code", code)  # the same code again: replayed
    with page.expect_navigation():
        page.click("text=取号并打印")
    assert "已被使用" in page.text_content(".k-error")
    assert Ticket.objects.count() == 1

    # login by the code, then the idle timeout
    page.clock.install()
    page.goto(f"{base}/kiosk/login/")
    page.fill("#identity_code", identity.code_issue(user=world.citizen).code)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "已登录" in page.text_content(".kiosk-user")
    assert page.locator("text=我的办件").count() == 1
    axe("kiosk-signed-in", portal=False)
    page.goto(f"{base}/kiosk/ticket/?business=market")
    page.fill("#appointment_code", "TYPED123")
    page.clock.run_for(16_000)  # idle 30 s − 15 s warning
    assert page.is_visible("#idle-warning")
    axe("kiosk-idle-warning", portal=False)
    with page.expect_navigation():
        page.clock.run_for(16_000)
    page.wait_for_load_state("load")
    assert page.url.endswith("/kiosk/")
    assert page.locator(".kiosk-logout[hidden]").count() == 1  # the session ended
    assert page.locator("text=扫码登录").count() == 1
    page.goto(f"{base}/kiosk/cases/")
    assert page.url.endswith("/kiosk/login/")  # nobody is logged in any more


@pytest.mark.browser
def test_the_display_opens_a_new_stream_after_a_proxy_error(world, display_server, page):
    """A browser's EventSource gives up for good when an answer is not 200 — nginx's 502 while
    the app servers are replaced (docs/operations.md, "Scale-out"): the display opens a new stream
    after a few seconds (halls/stream.js) and shows the calls made since."""
    _, key = devices.display_key_issue(hall=world.hall, name="一楼叫号屏")
    refused: list[str] = []

    def events(route):
        if not refused:
            refused.append(route.request.url)
            route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")
        else:
            route.continue_()

    page.route("**/api/v1/halls/*/events*", events)
    page.goto(f"{display_server.url}/halls/{world.hall.code}/display/?key={key}")
    page.wait_for_selector("#link-state[data-state=open]", timeout=30_000)
    assert len(refused) == 1  # the first stream was refused, a second one is open
    services.ticket_issue(actor=world.reception, hall=world.hall, business_code="market", id_number=_ric(9))
    number = services.window_call(actor=world.clerk, window=world.window, action="next").ticket.number
    page.wait_for_function(
        "n => document.querySelector('#current-call').textContent.includes(n)", arg=number, timeout=20_000
    )
