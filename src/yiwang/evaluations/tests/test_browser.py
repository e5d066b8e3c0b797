"""In Debian's chromium through Playwright: the 好差评 pages — the applicant's web rating page
(completed with the keyboard only), the window rating device, the one-time SMS link, the public
indicator page, and the staff dashboard, 多评合一 and work-order pages. Every page passes axe-core
(no serious or critical violation) and fits 390px at 200% text without horizontal scrolling.

Skipped without Debian's chromium (shared fixtures in yiwang.testsupport). Set
YIWANG_SHOTS_DIR to keep screenshots."""

from __future__ import annotations

import re

import pytest

from yiwang.core.testing import login, logout, tab_to
from yiwang.evaluations import services
from yiwang.evaluations.models import Evaluation, WorkOrder

from .conftest import case_for


@pytest.mark.browser
def test_rating_pages_in_the_browser(live_server, transactional_db, world, page, axe):
    web_case = case_for(world)
    sms_case = case_for(world)
    token = services.invitation_token(services.evaluation_invite(case=sms_case))
    device_case = case_for(world, until="accept")
    _device, secret = services.device_register(window=world.window, name="1号窗口")
    services.window_serving_set(actor=world.clerk, window=world.window, case=device_case, ticket="A017")
    base = live_server.url

    check = axe

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
