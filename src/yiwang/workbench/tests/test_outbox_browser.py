"""In Debian's chromium, keyboard only: a platform administrator finds a dead letter on the
outbox page, is told a reason is required, and retries it with one. axe on every page."""

from __future__ import annotations

import pytest
from django.db import transaction

from yiwang.core import outbox
from yiwang.core.models import OutboxAction, OutboxStatus
from yiwang.core.testing import login, tab_to


@pytest.mark.browser
def test_admin_retries_a_dead_letter_with_the_keyboard(
    live_server, transactional_db, world, page, axe, monkeypatch, settings
):
    settings.YIWANG_OUTBOX_MAX_ATTEMPTS = 1
    monkeypatch.setattr(outbox, "_enqueue", lambda message_id: None)  # the test sends
    with transaction.atomic():
        message = outbox.outbox_put(
            topic="test.browser", key="case-1", payload={"n": 1}, idempotency_key="browser-1"
        )
    assert outbox.outbox_deliver(message_id=message.pk).outcome == "dead"  # no sender registered
    base = live_server.url
    check = axe
    login(page, base, world.platform_admin.username)
    page.goto(f"{base}/workbench/outbox/?status=dead")
    check("outbox-list", portal=False)
    tab_to(page, f"a[href='/workbench/outbox/{message.pk}/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "没有登记发送程序" in page.content()
    check("outbox-message", portal=False)
    tab_to(page, "form[data-action=retry] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "请填写原因" in page.content()
    check("outbox-reason-missing", portal=False)
    tab_to(page, "#a-retry-reason")
    page.keyboard.type("已为该主题登记发送程序")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已重新发送：消息" in page.content()
    check("outbox-retried", portal=False)
    assert OutboxAction.objects.get(message=message).reason == "已为该主题登记发送程序"
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
