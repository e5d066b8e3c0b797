"""The outbox page (platform administrators only): list by state and topic, the error of a
message, retry a dead letter or cancel a message with a required reason (who, when, why kept)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yiwang.core import outbox
from yiwang.core.models import OutboxAction, OutboxMessage, OutboxStatus

TOPIC = "test.province"
SECRET = "420102199001011234"


def rejecting(message):
    raise outbox.PermanentSendError("省级平台拒收：缺少事项编码")


def put(n: int, *, key: str = "case-1", topic: str = TOPIC) -> OutboxMessage:
    with transaction.atomic():
        return outbox.outbox_put(
            topic=topic, key=key, payload={"id_number": SECRET, "n": n}, idempotency_key=f"{topic}-{n}"
        )


@pytest.fixture
def dead(world):
    message = put(1)
    with outbox.senders.registered(TOPIC, rejecting):
        assert (
            outbox.outbox_deliver(message_id=message.pk, now=timezone.now() + timedelta(seconds=1)).outcome
            == "dead"
        )
    return OutboxMessage.objects.get(pk=message.pk)


def test_only_platform_admins(client, world, dead):
    urls = ["/workbench/outbox/", f"/workbench/outbox/{dead.pk}/"]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith("/login/?next=")
    r = client.post(f"/workbench/outbox/{dead.pk}/act/", {"action": "cancel", "reason": "x"})
    assert r.status_code == 302 and r.url.startswith("/login/?next=")
    client.force_login(world.citizen)
    assert client.get(urls[0]).status_code == 403
    for user in (world.clerk, world.supervisor, world.dept_admin):
        client.force_login(user)
        for url in urls:
            r = client.get(url)
            assert r.status_code == 403 and "仅供平台管理员" in r.content.decode()
        r = client.post(
            f"/workbench/outbox/{dead.pk}/act/", {"action": "cancel", "reason": "x", "version": dead.version}
        )
        assert r.status_code == 403
    assert OutboxMessage.objects.get(pk=dead.pk).status == OutboxStatus.DEAD


def test_list_filters_by_state_and_topic(client, world, dead):
    waiting = put(2)  # held up by the dead letter of its key
    other = put(3, key="x", topic="test.city")
    client.force_login(world.platform_admin)
    html = client.get("/workbench/outbox/").content.decode()
    for m in (dead, waiting, other):
        assert f"消息 #{m.pk}<" in html
    assert "排队等待同键的前序消息" in html and "省级平台拒收" in html
    assert '<label for="f-status">状态</label>' in html and '<label for="f-topic">主题</label>' in html
    assert "死信（已停止重试）（1）" in html and SECRET not in html
    html = client.get("/workbench/outbox/", {"status": "dead"}).content.decode()
    assert f"消息 #{dead.pk}<" in html and f"消息 #{waiting.pk}<" not in html
    html = client.get("/workbench/outbox/", {"topic": "test.city"}).content.decode()
    assert f"消息 #{other.pk}<" in html and f"消息 #{dead.pk}<" not in html
    html = client.get("/workbench/outbox/", {"status": "bogus", "topic": "nope"}).content.decode()
    assert f"消息 #{other.pk}<" in html  # unknown filters are ignored


def test_list_query_count_does_not_grow_with_rows(client, world, dead):
    client.force_login(world.platform_admin)
    client.get("/workbench/outbox/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get("/workbench/outbox/").status_code == 200
    for n in range(2, 32):
        put(n, key=f"k{n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/workbench/outbox/").status_code == 200
    assert len(many) == len(few) <= 10


def test_message_page_shows_the_error_not_the_payload(client, world, dead):
    later = put(2)
    client.force_login(world.platform_admin)
    html = client.get(f"/workbench/outbox/{dead.pk}/").content.decode()
    assert "PermanentSendError" in html and "省级平台拒收：缺少事项编码" in html
    assert SECRET not in html and "id_number、n" in html
    assert 'data-action="retry"' in html and 'data-action="cancel"' in html
    assert '<label for="a-retry-reason">原因' in html and '<label for="a-cancel-reason">原因' in html
    html = client.get(f"/workbench/outbox/{later.pk}/").content.decode()
    assert f"消息 #{dead.pk}</a>（死信" in html  # what holds it up
    assert 'data-action="retry"' not in html and 'data-action="cancel"' in html
    assert client.get("/workbench/outbox/999999/").status_code == 404


def test_retry_and_cancel_need_a_reason_and_are_recorded(
    client, world, dead, django_capture_on_commit_callbacks
):
    client.force_login(world.platform_admin)
    url = f"/workbench/outbox/{dead.pk}/act/"
    r = client.post(url, {"action": "retry", "reason": " ", "version": dead.version})
    html = r.content.decode()
    assert r.status_code == 422 and "请填写原因" in html and 'aria-invalid="true"' in html
    assert not OutboxAction.objects.exists()

    with django_capture_on_commit_callbacks() as queued:
        r = client.post(url, {"action": "retry", "reason": "省级平台已补录事项编码", "version": dead.version})
    assert r.status_code == 302 and r.url == f"/workbench/outbox/{dead.pk}/"
    assert len(queued) == 1  # the delivery is queued after commit
    m = OutboxMessage.objects.get(pk=dead.pk)
    assert m.status == OutboxStatus.PENDING and m.attempts == 0
    r = client.post(url, {"action": "cancel", "reason": "重复", "version": dead.version})  # the old form
    assert r.status_code == 409 and "已被他人处理" in r.content.decode()

    r = client.post(url, {"action": "cancel", "reason": "已线下报送", "version": m.version})
    assert r.status_code == 302
    assert OutboxMessage.objects.get(pk=dead.pk).status == OutboxStatus.CANCELLED
    rows = list(
        OutboxAction.objects.filter(message=dead).values_list("action", "from_status", "actor", "reason")
    )
    assert rows == [
        ("retry", "dead", world.platform_admin.pk, "省级平台已补录事项编码"),
        ("cancel", "pending", world.platform_admin.pk, "已线下报送"),
    ]
    html = client.get(f"/workbench/outbox/{dead.pk}/").content.decode()
    assert "已取消发送：消息" in html and "已线下报送" in html and "省级平台已补录事项编码" in html
    assert 'data-action="cancel"' not in html
    r = client.post(url, {"action": "explode", "reason": "x", "version": 1})
    assert r.status_code == 422


def test_the_queue_links_the_outbox_for_platform_admins_only(client, world):
    client.force_login(world.platform_admin)
    assert 'href="/workbench/outbox/"' in client.get("/workbench/").content.decode()
    client.force_login(world.clerk)
    page = client.get("/workbench/").content.decode()
    assert "窗口收件" in page and 'href="/workbench/outbox/"' not in page
