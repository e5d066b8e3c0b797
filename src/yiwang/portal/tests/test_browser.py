"""End-to-end in Debian's chromium through Playwright: a citizen applies online, a clerk accepts,
a reviewer reviews, an approver approves and completes, and the citizen sees the result. Every
page of the flow is checked with axe-core (no serious or critical violation), and the portal's
pages are checked at 200% text size in a 390px-wide viewport for horizontal scrolling. The
citizen's login is done with the keyboard only.

The browser, page and axe checker come from the shared fixtures (yiwang.testsupport): the test is
skipped without Debian's chromium (`apt-get install chromium`) unless YIWANG_BROWSER_REQUIRED is
set. Set YIWANG_SHOTS_DIR to keep screenshots of each page."""

from __future__ import annotations

import re

import pytest

from yiwang.cases.models import Case, Status
from yiwang.core.testing import MINIMAL_PDF, MINIMAL_PNG, PASSWORD, login, logout, tab_to


@pytest.mark.browser
def test_citizen_to_completion_in_the_browser(live_server, transactional_db, world, page, axe, tmp_path):
    pdf, png = tmp_path / "身份证.pdf", tmp_path / "平面图.png"
    pdf.write_bytes(MINIMAL_PDF)
    png.write_bytes(MINIMAL_PNG)
    base = live_server.url

    check = axe

    # 1. The citizen logs in with the keyboard only: skip link first, then Tab and Enter.
    page.goto(f"{base}/login/")
    check("login", portal=True)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    tab_to(page, "#username")
    page.keyboard.type("citizen")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/my/cases/$"))
    check("my-cases-empty", portal=True)

    # 2. Finds the item and reads its guide.
    page.goto(f"{base}/")
    check("home", portal=True)
    page.fill("#q", "食品经营许可（新办）")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check("search", portal=True)
    page.click("main .results a:has-text('食品经营许可（新办）')")
    page.wait_for_url(re.compile(rf"/items/{world.item.code}/$"))
    check("guide", portal=True)
    page.click("main a.button:has-text('在线申请') >> nth=0")
    page.wait_for_url(re.compile(r"/apply/$"))
    assert page.input_value("#f-applicant-name") == "张伟"  # prefilled from the account
    check("apply", portal=True)

    # 3. A first try without the address shows the error summary linking to the field.
    with page.expect_navigation():
        page.click("main button:has-text('提交')")
    assert page.locator(".error-summary").is_visible()
    assert page.get_attribute("#f-premises-address", "aria-invalid") == "true"
    check("apply-errors", portal=True)
    page.click(".error-summary a[href='#f-premises-address']")
    assert page.evaluate("document.activeElement.id") == "f-premises-address"
    page.fill("#f-premises-address", "武汉市江岸区沿江大道100号")
    page.fill("#f-premises-area", "80")
    page.set_input_files("#m-id_card", str(pdf))
    page.set_input_files("#m-site_plan", str(png))
    page.click("main button:has-text('提交')")
    page.wait_for_url(re.compile(r"/my/cases/\d+/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert page.inner_text("#case-status") == "已提交"
    check("case-submitted", portal=True)
    assert Case.objects.filter(number=number, status=Status.SUBMITTED).count() == 1
    logout(page)

    # 4. The clerk accepts from the queue.
    login(page, base, "clerk")
    assert page.url.endswith("/workbench/")
    check("queue-clerk", portal=False)
    page.click(f"main a:has-text('{number}')")
    page.wait_for_url(re.compile(rf"/workbench/cases/{number}/$"))
    check("workbench-case-clerk", portal=False)
    with page.expect_navigation():
        page.click("form[data-action=accept] button[type=submit]")
    assert page.inner_text("#case-status") == "已受理"
    logout(page)

    # 5. The reviewer reviews (with the keyboard: Tab to the button, Enter).
    login(page, base, "reviewer")
    check("queue-reviewer", portal=False)
    page.goto(f"{base}/workbench/cases/{number}/")
    check("workbench-case-reviewer", portal=False)
    page.fill("#a-review-note", "材料齐全，符合条件")
    page.focus("#a-review-note")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "审核通过"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.inner_text("#case-status") == "已审核"
    logout(page)

    # 6. The approver approves and completes.
    login(page, base, "approver")
    page.goto(f"{base}/workbench/cases/{number}/")
    check("workbench-case-approver", portal=False)
    with page.expect_navigation():
        page.click("form[data-action=approve] button[type=submit]")
    assert page.inner_text("#case-status") == "准予许可"
    page.select_option("#a-complete-delivery", "electronic")
    with page.expect_navigation():
        page.click("form[data-action=complete] button[type=submit]")
    assert page.inner_text("#case-status") == "已办结"
    check("workbench-case-completed", portal=False)
    logout(page)

    # 7. The citizen sees 已办结 and the notices.
    login(page, base, "citizen")
    check("my-cases", portal=True)
    with page.expect_navigation():
        page.click(f"main a[href='/my/cases/{number}/']")
    assert page.inner_text("#case-status") == "已办结"
    notices = page.inner_text("main section[aria-labelledby=h-notices]")
    for kind in ("收件清单", "受理通知书", "准予许可决定书", "办结通知书"):
        assert kind in notices
    check("case-completed", portal=True)
    # 7a. Once the ledger integrated the case's entries, its 存证记录 link to the public
    # receipt check; the citizen follows one with the keyboard.
    from yiwang.ledger.services import sequencer_run

    sequencer_run()
    page.reload()
    receipts = page.inner_text("main section[aria-labelledby=h-receipts]")
    assert "已入账" in receipts and "待入账" not in receipts
    check("case-receipts", portal=True)
    tab_to(page, "main section[aria-labelledby=h-receipts] a", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "核验通过" in page.inner_text("#verdict")
    check("ledger-verify", portal=True)
    page.goto(f"{base}/my/cases/{number}/")
    with page.expect_navigation():
        page.click("main a:has-text('查看办结通知书网页版')")
    assert "办结通知书" in page.inner_text("h1")
    check("notice", portal=True)
    pdf_response = page.request.get(f"{base}/cases/{number}/notices/{number}-04.pdf")
    assert pdf_response.ok and pdf_response.body().startswith(b"%PDF")
    # The accessibility toolbar works without JavaScript and persists.
    page.goto(f"{base}/")
    page.click("#a11y > summary")
    page.click("#a11y-form button:text-is('黑底黄字')")
    page.wait_for_selector("html.pref-contrast")
    page.reload()
    assert "pref-contrast" in (page.get_attribute("html", "class") or "")
    check("home-high-contrast", portal=True)
    page.goto(f"{base}/my/cases/")
    assert "pref-contrast" in (page.get_attribute("html", "class") or "")
    assert Case.objects.get(number=number).status == Status.COMPLETED
