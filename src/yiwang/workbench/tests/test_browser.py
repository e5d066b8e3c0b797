"""In Debian's chromium: a clerk at the window scans a citizen's 电子身份码 with the keyboard only
(a hand scanner types the code and presses Enter), sees the verified person, and files the
application in their name. axe on both pages; 200% text at 390 px without horizontal scroll."""

from __future__ import annotations

import pytest

from yiwang.cases.models import Case
from yiwang.core.testing import login, tab_to


@pytest.mark.browser
def test_clerk_files_for_a_person_identified_by_e_id_code(live_server, transactional_db, world, page, axe):
    from yiwang.identity.services import code_issue

    base = live_server.url
    check = axe
    login(page, base, "clerk")
    page.goto(f"{base}/workbench/intake/?item={world.item.code}")
    check("intake", portal=True)
    tab_to(page, "#identity_code")
    page.keyboard.type(code_issue(user=world.citizen).code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已核验电子身份码" in page.content() and "张伟" in page.content()
    check("intake-verified", portal=True)
    page.fill("#f-premises-address", "武汉市江岸区解放大道1号")
    with page.expect_navigation():
        page.click("#form-start button[type=submit]")
    case = Case.objects.get()
    assert case.owner == world.citizen and case.channel == "window"
    assert page.url.endswith(f"/workbench/cases/{case.number}/")
