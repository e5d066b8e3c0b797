"""The inbox in Debian's chromium through Playwright: axe-core finds no serious or critical
violation on the inbox and preferences pages, and a message is marked read with the keyboard
only. Small and self-contained (the shared browser fixture of issue 11 can replace the preamble).
Needs `apt-get install chromium`; fails (never skips) without it."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from yiwang.notifications.models import Notification

from .conftest import SH, accepted, make_user

PASSWORD = "pass-1234-word"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture
def clock():
    """The browser and the live server run on real time; messages get explicit times instead."""
    yield None


def _axe(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, f"{name}: axe violations\n" + "\n".join(bad)


@pytest.mark.browser
def test_inbox_in_the_browser(live_server, transactional_db, monkeypatch):
    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("chromium is not installed: run `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    user = make_user("zhaolei", email="zhao@example.cn")
    base = datetime(2026, 11, 10, 10, 0, tzinfo=SH)
    for i in range(3):
        accepted(user, number=f"CP000{i}", now=base + timedelta(minutes=i))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            page = browser.new_context(locale="zh-CN").new_page()
            page.goto(f"{live_server.url}/login/?next=/notifications/")
            page.fill("#username", "zhaolei")
            page.fill("#password", PASSWORD)
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert page.url.endswith("/notifications/")
            assert "3" in page.inner_text("#unread-summary")
            _axe(page, "inbox")
            # keyboard only: Tab to the first "标为已读" button and press Enter
            for _ in range(60):
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.textContent.trim().startsWith('标为已读')"):
                    break
            else:
                raise AssertionError("no 标为已读 button reachable with Tab")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "2" in page.inner_text("#unread-summary")
            _axe(page, "inbox-after-read")
            page.goto(f"{live_server.url}/notifications/preferences/")
            _axe(page, "preferences")
        finally:
            browser.close()
    newest = Notification.objects.get(key="case:CP0002:accepted")
    assert newest.read_at is not None and newest.read_at <= timezone.now()
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
