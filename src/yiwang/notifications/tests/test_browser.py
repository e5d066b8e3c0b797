"""The inbox in Debian's chromium through Playwright: axe-core finds no serious or critical
violation on the inbox and preferences pages, and a message is marked read with the keyboard
only. On the shared browser fixture (testsupport: `page`, `axe`)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from yiwang.notifications.models import Notification

from .conftest import SH, accepted, make_user

PASSWORD = "pass-1234-word"


@pytest.fixture
def clock():
    """The browser and the live server run on real time; messages get explicit times instead."""
    yield None


@pytest.mark.browser
def test_inbox_in_the_browser(live_server, transactional_db, page, axe):
    user = make_user("zhaolei", email="zhao@example.cn")
    base = datetime(2026, 11, 10, 10, 0, tzinfo=SH)
    for i in range(3):
        accepted(user, number=f"CP000{i}", now=base + timedelta(minutes=i))
    page.goto(f"{live_server.url}/login/?next=/notifications/")
    page.fill("#username", "zhaolei")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/notifications/")
    assert "3" in page.inner_text("#unread-summary")
    axe("inbox", portal=False)
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
    axe("inbox-after-read", portal=False)
    page.goto(f"{live_server.url}/notifications/preferences/")
    axe("preferences", portal=False)
    newest = Notification.objects.get(key="case:CP0002:accepted")
    assert newest.read_at is not None and newest.read_at <= timezone.now()
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
