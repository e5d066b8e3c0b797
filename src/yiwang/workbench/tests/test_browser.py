"""In Debian's chromium: a clerk at the window scans a citizen's 电子身份码 with the keyboard only
(a hand scanner types the code and presses Enter), sees the verified person, and files the
application in their name. axe on both pages; 200% text at 390 px without horizontal scroll."""

from __future__ import annotations

import shutil

import pytest

from yiwang.cases.models import Case
from yiwang.core.testing import build_world
from yiwang.portal.tests.test_browser import DESKTOP, LAUNCH_ARGS, Checker, login, tab_to


@pytest.mark.browser
def test_clerk_files_for_a_person_identified_by_e_id_code(
    live_server, transactional_db, tmp_path, monkeypatch
):
    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("chromium is not installed: run `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    from yiwang.identity.services import code_issue

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = build_world()
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
            check = Checker(page, tmp_path)
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
        finally:
            browser.close()
