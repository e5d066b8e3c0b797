"""In Debian's chromium through Playwright: a citizen's code page counts down and fetches a new
code by itself when the old one ends (clock fast-forwarded); a clerk checks the code at the
window with the keyboard only (the field has focus, the scanner types and presses Enter). Both
pages pass axe-core (no serious or critical violation) and fit 390px at 200% text."""

from __future__ import annotations

import re

import pytest

from yiwang.core.testing import DESKTOP, login
from yiwang.identity.models import IdentityCheck, Outcome


@pytest.mark.browser
def test_code_page_refreshes_and_clerk_checks_by_keyboard(
    live_server, transactional_db, world, browser, page, axe
):
    base = live_server.url
    check = axe
    page.clock.install()
    login(page, base, "citizen")
    page.goto(f"{base}/my/identity/")
    check("my-identity", portal=True)
    first = page.input_value("#identity-text")
    assert re.fullmatch(r"[A-Z2-7]{191}", first)
    page.clock.run_for(2000)
    assert re.search(r"剩余 \d+ 秒", page.text_content("#identity-countdown"))
    page.clock.run_for(61_000)
    page.wait_for_function(
        "first => document.getElementById('identity-text').value !== first", arg=first, timeout=10_000
    )
    second = page.input_value("#identity-text")
    assert second != first and page.text_content("#identity-status") == "已自动更新身份码"
    assert page.locator("#identity-qr svg").count() == 1

    clerk = browser.new_page(viewport=DESKTOP, locale="zh-CN")
    login(clerk, base, "clerk")
    clerk.goto(f"{base}/workbench/identity/")
    check.page = clerk
    check("staff-verify", portal=False)
    assert clerk.evaluate("document.activeElement.id") == "code"
    clerk.keyboard.insert_text(second)
    with clerk.expect_navigation():
        clerk.keyboard.press("Enter")
    assert clerk.text_content("#verdict") == "核验通过"
    assert "张伟" in clerk.text_content(".identity-result")
    check("staff-verify-valid", portal=False)
    assert clerk.evaluate("document.activeElement.id") == "code"
    # the first code was replaced on the phone (whose clock ran ahead) but is still within
    # its lifetime on the server's clock: valid once, then replayed
    for expected in ("核验通过", "核验未通过"):
        clerk.keyboard.insert_text(first)
        with clerk.expect_navigation():
            clerk.keyboard.press("Enter")
        assert clerk.text_content("#verdict") == expected
    assert "已被使用过" in clerk.text_content(".identity-result")
    outcomes = sorted(IdentityCheck.objects.values_list("outcome", flat=True))
    assert outcomes == [Outcome.REPLAYED, Outcome.VALID, Outcome.VALID]
