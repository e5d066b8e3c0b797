"""In Debian's chromium through Playwright: the 好差评 pages — the applicant's web rating page
(completed with the keyboard only), the window rating device, the one-time SMS link, the public
indicator page, and the staff dashboard, 多评合一 and work-order pages. Every page passes axe-core
(no serious or critical violation) and fits 390px at 200% text without horizontal scrolling.

Needs `apt-get install chromium`; the test fails (never skips) when it is missing. Set
YIWANG_SHOTS_DIR to keep screenshots."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from yiwang.core.testing import build_world
from yiwang.evaluations import services
from yiwang.evaluations.models import Evaluation, WorkOrder
from yiwang.portal.tests.test_browser import DESKTOP, LAUNCH_ARGS, Checker, login, logout, tab_to

from .conftest import case_for


@pytest.mark.browser
def test_rating_pages_in_the_browser(live_server, transactional_db, tmp_path, monkeypatch):
    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("chromium is not installed: run `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    shots = Path(os.environ.get("YIWANG_SHOTS_DIR") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    world = build_world()
    web_case = case_for(world)
    sms_case = case_for(world)
    token = services.invitation_token(services.evaluation_invite(case=sms_case))
    device_case = case_for(world, until="accept")
    _device, secret = services.device_register(window=world.window, name="1号窗口")
    services.window_serving_set(actor=world.clerk, window=world.window, case=device_case, ticket="A017")
    base = live_server.url

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport=DESKTOP, locale="zh-CN")
            check = Checker(page, shots)

            # 1. The applicant rates a completed case on the web with the keyboard only.
            login(page, base, "citizen")
            page.goto(f"{base}/rate/case/{web_case.number}/")
            check("rate-web", portal=True)
            tab_to(page, "#level-1")
            page.keyboard.press("ArrowDown")  # moves to and checks 满意
            assert page.is_checked("#level-2")
            tab_to(page, "#dim-overall")
            page.keyboard.press("ArrowDown")  # 非常满意 in the select
            tab_to(page, "#comment")
            page.keyboard.type("窗口人员耐心细致")
            tab_to(page, "main button[type=submit]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "感谢您的评价" in page.text_content("main")
            check("rate-web-thanks", portal=True)
            ev = Evaluation.objects.get(case=web_case)
            assert (ev.channel, ev.level, ev.comment) == ("web", "2", "窗口人员耐心细致")
            page.goto(f"{base}/rate/case/{web_case.number}/")
            check("rate-web-done", portal=True)
            logout(page)

            # 2. The SMS link, with an error first (a bad-review tag on a good rating).
            page.goto(f"{base}/rate/sms/{token}/")
            check("sms", portal=True)
            page.check("#level-1")
            page.check("#tag-slow")
            with page.expect_navigation():
                page.click("main button[type=submit]")
            assert page.locator(".error-summary").count() == 1
            check("sms-error", portal=True)

            # 3. The tablet at the window shows the served ticket and takes a bad rating.
            page.goto(f"{base}/rate/device/{secret}/")
            assert "A017" in page.text_content("main")
            check("device", portal=True)
            page.check("#level-5")
            page.check("#tag-bad_attitude")
            with page.expect_navigation():
                page.click("main button[type=submit]")
            check("device-thanks", portal=True)
            order = WorkOrder.objects.get(evaluation__case=device_case)

            # 4. The public indicator page.
            page.goto(f"{base}/evaluations/public/")
            check("public", portal=True)

            # 5. Department staff: dashboard, 多评合一, the work order (verify with the keyboard).
            login(page, base, "dept_admin")
            page.goto(f"{base}/workbench/evaluations/")
            check("dashboard", portal=True)
            page.goto(f"{base}/workbench/evaluations/ratings/")
            assert "窗口评价器" in page.text_content("main")
            check("ratings", portal=True)
            page.goto(f"{base}/workbench/evaluations/orders/{order.pk}/")
            check("order", portal=True)
            tab_to(page, "#note")
            page.keyboard.type("已调取录像核实")
            tab_to(page, "main button[type=submit]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            order.refresh_from_db()
            assert order.status == "verified"
            assert re.search("调查核实", page.text_content("main"))
            check("order-verified", portal=True)
            logout(page)

            # 6. The supervisor's 12345 entry.
            login(page, base, "supervisor")
            page.goto(f"{base}/workbench/evaluations/hotline/")
            check("hotline", portal=True)
        finally:
            browser.close()
