"""The transactional outbox (core/outbox.py): written with the change or not at all, sent after
commit, idempotency keys, retries with backoff and full jitter, dead letters, operators' retry
and cancel, order per key, one worker at a time (real threads, SQLite and PostgreSQL), and a
sender that talks to a real loopback HTTP server. Senders are test functions registered in the
hook registry: core's tests import no other app."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from yiwang.core import outbox
from yiwang.core.errors import InvalidTransition, StaleVersion, ValidationFailed
from yiwang.core.models import OutboxAction, OutboxMessage, OutboxStatus
from yiwang.core.outbox import (
    OutboxEnvelope,
    OutboxError,
    PermanentSendError,
    RetryableSendError,
    outbox_cancel,
    outbox_deliver,
    outbox_due,
    outbox_put,
    outbox_retry,
)

pytestmark = pytest.mark.django_db  # the transactional tests say so themselves

S = OutboxStatus
TOPIC = "test.report"
PAYLOAD = {"case": "W2026-0001", "id_number": "420102199001011234"}  # stands for personal data


class Recorder:
    """A sender: records each envelope; raises the queued errors first, one per call."""

    def __init__(self) -> None:
        self.calls: list[OutboxEnvelope] = []
        self.errors: list[Exception] = []
        self.lock = threading.Lock()
        self.delay = 0.0

    def __call__(self, message: OutboxEnvelope) -> None:
        with self.lock:
            self.calls.append(message)
            error = self.errors.pop(0) if self.errors else None
        if self.delay:
            time.sleep(self.delay)
        if error is not None:
            raise error

    @property
    def ids(self) -> list[int]:
        return [m.id for m in self.calls]


@pytest.fixture
def sender():
    recorder = Recorder()
    with outbox.senders.registered(TOPIC, recorder):
        yield recorder


@pytest.fixture(autouse=True)
def _outbox_settings(settings):
    settings.YIWANG_OUTBOX_BACKOFF_BASE = 10
    settings.YIWANG_OUTBOX_BACKOFF_CAP = 60
    settings.YIWANG_OUTBOX_MAX_ATTEMPTS = 5
    settings.YIWANG_OUTBOX_LEASE_SECONDS = 300


@pytest.fixture
def later():
    """A clock just ahead of the messages' creation, for explicit `now=`."""
    return timezone.now() + timedelta(seconds=1)


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_user(username="ops", password="pass-1234-word")


def put(n: int | str = 1, *, key: str = "case-1", topic: str = TOPIC, **kw) -> OutboxMessage:
    with transaction.atomic():
        return outbox_put(
            topic=topic,
            key=key,
            payload=kw.pop("payload", PAYLOAD),
            idempotency_key=f"{topic}:{key}:{n}",
            **kw,
        )


def state(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


# --- written with the change, sent after commit ----------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_written_only_if_the_change_commits_and_sent_after_commit(sender):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_put(topic=TOPIC, key="case-1", payload=PAYLOAD, idempotency_key="k-rolled-back")
        raise RuntimeError("the change fails")
    assert not OutboxMessage.objects.exists() and sender.calls == []

    with transaction.atomic():
        message = outbox_put(topic=TOPIC, key="case-1", payload=PAYLOAD, idempotency_key="k-1")
        assert sender.calls == []  # nothing leaves before the commit
    assert sender.ids == [message.pk]  # on_commit → task (eager in tests) → sender
    got = sender.calls[0]
    assert (got.topic, got.key, got.payload, got.idempotency_key, got.attempt) == (
        TOPIC,
        "case-1",
        PAYLOAD,
        "k-1",
        1,
    )
    assert state(message).status == S.SENT and state(message).sent_at is not None

    with pytest.raises(OutboxError, match="inside the transaction"):
        outbox_put(topic=TOPIC, key="case-1", payload=PAYLOAD, idempotency_key="k-2")


def test_an_inner_rollback_drops_the_message_and_its_delivery(sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        kept = outbox_put(topic=TOPIC, key="a", payload={}, idempotency_key="kept")
        try:
            with transaction.atomic():
                outbox_put(topic=TOPIC, key="b", payload={}, idempotency_key="dropped")
                raise ValueError
        except ValueError:
            pass
    assert len(callbacks) == 1 and sender.ids == [kept.pk]
    assert list(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == ["kept"]


def test_same_idempotency_key_is_one_message(db):
    first = put(1)
    again = put(1, payload={"other": True})
    assert again.pk == first.pk and OutboxMessage.objects.count() == 1
    assert state(first).payload == PAYLOAD and state(first).seq == 1
    assert put(2).seq == 2  # the repeat took no order number
    with pytest.raises(OutboxError, match="another topic or key"), transaction.atomic():
        outbox_put(topic="test.other", key="case-1", payload={}, idempotency_key=first.idempotency_key)
    for bad in ({"key": ""}, {"topic": ""}, {"idempotency_key": ""}, {"payload": []}):
        args = {"topic": TOPIC, "key": "k", "payload": {}, "idempotency_key": "x", **bad}
        with pytest.raises(OutboxError), transaction.atomic():
            outbox_put(**args)


def test_the_payload_is_encrypted_at_rest_and_plain_in_python(db):
    secret = {"applicant": {"id_number": "420102199001011234", "name": "张三"}, "n": [1, 2.5, None]}
    with transaction.atomic():
        message = outbox_put(topic=TOPIC, key="pd", payload=secret, idempotency_key="pd-1")
    with connection.cursor() as cur:
        cur.execute("SELECT payload FROM core_outboxmessage WHERE id = %s", [message.pk])
        raw = cur.fetchone()[0]
    assert "420102199001011234" not in raw and "张三" not in raw and "applicant" not in raw
    assert OutboxMessage.objects.get(pk=message.pk).payload == secret


# --- retries, backoff with full jitter, dead letters -------------------------------------------------
def test_backoff_is_full_jitter_over_a_capped_exponential_window():
    rng, twin = random.Random(11), random.Random(11)
    for attempt, window in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)]:
        delay = outbox.backoff_delay(attempt=attempt, base=10, cap=60, rng=rng)
        assert delay == twin.uniform(0, window) and 0 <= delay <= window
    draws = [outbox.backoff_delay(attempt=3, base=10, cap=60, rng=rng) for _ in range(200)]
    assert min(draws) < 10 and max(draws) > 30  # spread over the whole window, not clustered


def test_retry_schedule_then_dead_letter(sender, later):
    message = put()
    sender.errors = [RetryableSendError("省平台超时")] * 5
    rng, twin = random.Random(7), random.Random(7)
    now = later
    for attempt in range(1, 5):
        result = outbox_deliver(message_id=message.pk, now=now, rng=rng)
        row = state(message)
        expected = twin.uniform(0, min(60, 10 * 2 ** (attempt - 1)))
        assert result.outcome == "retrying" and result.retry_in == pytest.approx(expected)
        assert row.status == S.RETRYING and row.attempts == attempt
        assert row.next_attempt_at == now + timedelta(seconds=expected)
        assert (row.error_class, row.last_error) == ("RetryableSendError", "省平台超时")
        # Not before it is due.
        assert (
            outbox_deliver(message_id=message.pk, now=row.next_attempt_at - timedelta(milliseconds=1)).outcome
            == "skipped"
        )
        now = row.next_attempt_at
    assert outbox_deliver(message_id=message.pk, now=now, rng=rng).outcome == "dead"
    row = state(message)
    assert row.status == S.DEAD and row.attempts == 5 and len(sender.calls) == 5
    assert [c.attempt for c in sender.calls] == [1, 2, 3, 4, 5]
    assert outbox_deliver(message_id=message.pk, now=now + timedelta(days=1)).outcome == "skipped"
    assert message.pk not in outbox_due(now=now + timedelta(days=1))


def test_permanent_error_and_unexpected_error(sender, later):
    rejected, flaky = put(1, key="a"), put(2, key="b")
    sender.errors = [PermanentSendError("对方拒收：格式错误"), KeyError("bug")]
    assert outbox_deliver(message_id=rejected.pk, now=later).outcome == "dead"
    assert state(rejected).attempts == 1 and state(rejected).last_error == "对方拒收：格式错误"
    assert outbox_deliver(message_id=flaky.pk, now=later).outcome == "retrying"
    assert state(flaky).error_class == "KeyError"


def test_topic_without_sender_waits_and_retries(db, later):
    message = put(topic="test.nobody")
    assert outbox_deliver(message_id=message.pk, now=later).outcome == "retrying"
    assert "没有登记发送程序" in state(message).last_error


def test_logs_carry_ids_and_error_classes_never_payloads(sender, later, caplog):
    caplog.set_level(logging.DEBUG, logger="yiwang.core.outbox")
    message = put()
    sender.errors = [RetryableSendError("网关 503")]
    outbox_deliver(message_id=message.pk, now=later)
    outbox_deliver(message_id=message.pk, now=later + timedelta(hours=1))
    text = caplog.text
    assert f"outbox message {message.pk}" in text and "RetryableSendError" in text and "sent" in text
    assert PAYLOAD["id_number"] not in text and PAYLOAD["case"] not in text


# --- operators ----------------------------------------------------------------------------------------
def test_operator_retries_a_dead_letter_with_a_reason(sender, operator, later):
    message = put()
    sender.errors = [PermanentSendError("对方拒收")]
    outbox_deliver(message_id=message.pk, now=later)
    dead = state(message)
    with pytest.raises(ValidationFailed) as exc:
        outbox_retry(message=dead, actor=operator, reason="  ")
    assert exc.value.fields == {"reason": ["请填写原因"]}
    with pytest.raises(StaleVersion):
        outbox_retry(message=dead, actor=operator, reason="对方已修复", version=dead.version - 1)
    retried = outbox_retry(message=dead, actor=operator, reason="对方已修复", version=dead.version)
    assert retried.status == S.PENDING and state(message).attempts == 0
    action = OutboxAction.objects.get(message=message)
    assert (action.action, action.from_status, action.actor, action.reason) == (
        "retry",
        S.DEAD,
        operator,
        "对方已修复",
    )
    assert action.created_at is not None
    with pytest.raises(InvalidTransition):  # only dead letters are retried
        outbox_retry(message=state(message), actor=operator, reason="再来")
    assert outbox_deliver(message_id=message.pk, now=timezone.now() + timedelta(seconds=1)).outcome == "sent"
    assert [c.attempt for c in sender.calls] == [1, 1]
    with pytest.raises(InvalidTransition):  # a sent message cannot be cancelled
        outbox_cancel(message=state(message), actor=operator, reason="不要了")


def test_operator_cancels_with_a_reason(sender, operator, later):
    message = put()
    sender.errors = [RetryableSendError("超时")]
    outbox_deliver(message_id=message.pk, now=later)
    with pytest.raises(ValidationFailed):
        outbox_cancel(message=state(message), actor=operator, reason="")
    cancelled = outbox_cancel(message=state(message), actor=operator, reason="对方系统已下线")
    assert cancelled.status == S.CANCELLED
    assert OutboxAction.objects.get(message=message).reason == "对方系统已下线"
    assert outbox_deliver(message_id=message.pk, now=later + timedelta(days=1)).outcome == "skipped"
    assert len(sender.calls) == 1


# --- order per key -------------------------------------------------------------------------------------
def test_a_message_waits_for_the_earlier_ones_of_its_key(
    sender, operator, later, django_capture_on_commit_callbacks
):
    a1, a2, a3 = put(1, key="a"), put(2, key="a"), put(3, key="a")
    b1 = put(4, key="b")
    assert [a1.seq, a2.seq, a3.seq, b1.seq] == [1, 2, 3, 1]
    assert outbox_due(now=later) == [a1.pk, b1.pk]  # heads of their keys only
    assert outbox_deliver(message_id=a2.pk, now=later).outcome == "skipped"

    sender.errors = [RetryableSendError("超时")]
    assert outbox_deliver(message_id=a1.pk, now=later).outcome == "retrying"
    far = later + timedelta(days=1)
    assert outbox_deliver(message_id=a2.pk, now=far).outcome == "skipped"  # a1 waits for its retry
    assert sorted(outbox_due(now=far)) == [a1.pk, b1.pk]

    sender.errors = [PermanentSendError("拒收")]
    assert outbox_deliver(message_id=a1.pk, now=far).outcome == "dead"
    assert outbox_due(now=far) == [b1.pk]  # a dead letter holds up its key
    assert outbox_deliver(message_id=a2.pk, now=far).outcome == "skipped"
    assert outbox.outbox_blocker(message=a3).pk == a1.pk

    with django_capture_on_commit_callbacks() as callbacks:
        outbox_cancel(message=state(a1), actor=operator, reason="已线下报送")
    assert len(callbacks) == 1  # the cancellation queues the next message of the key
    assert sorted(outbox_due(now=far)) == [a2.pk, b1.pk]
    result = outbox_deliver(message_id=a2.pk, now=far)
    assert result.outcome == "sent" and result.unblocked == [a3.pk]
    assert outbox_deliver(message_id=a3.pk, now=far).outcome == "sent"
    assert sender.ids == [a1.pk, a1.pk, a2.pk, a3.pk]


# --- one worker at a time, crashed workers ------------------------------------------------------------
def test_a_crashed_worker_is_replaced_when_its_lease_expires(sender, later):
    message = put()
    cfg = outbox.outbox_config()
    assert outbox._claim(message_id=message.pk, now=later, cfg=cfg)  # a worker takes it, then dies
    assert outbox_deliver(message_id=message.pk, now=later + timedelta(seconds=60)).outcome == "skipped"
    assert outbox_due(now=later + timedelta(seconds=60)) == []
    expired = later + timedelta(seconds=301)
    assert outbox_due(now=expired) == [message.pk]
    assert outbox_deliver(message_id=message.pk, now=expired).outcome == "sent"
    assert state(message).attempts == 2 and sender.calls[0].attempt == 2


def test_a_worker_lost_on_the_last_attempt_leaves_a_dead_letter(sender, later, settings):
    settings.YIWANG_OUTBOX_MAX_ATTEMPTS = 1
    message = put()
    assert outbox._claim(message_id=message.pk, now=later, cfg=outbox.outbox_config())
    assert outbox_due(now=later + timedelta(seconds=301)) == []
    row = state(message)
    assert row.status == S.DEAD and row.error_class == "LeaseExpired" and sender.calls == []


def test_lowering_max_attempts_turns_waiting_retries_into_dead_letters(sender, later, settings):
    message = put()
    sender.errors = [RetryableSendError("超时")] * 2
    outbox_deliver(message_id=message.pk, now=later)
    outbox_deliver(message_id=message.pk, now=later + timedelta(hours=1))
    settings.YIWANG_OUTBOX_MAX_ATTEMPTS = 2
    assert outbox_due(now=later + timedelta(hours=2)) == []
    row = state(message)
    assert row.status == S.DEAD and row.last_error == "超时"


def test_only_the_lease_holder_records_the_outcome(sender, later):
    """A sender slower than its lease: another worker takes the message over and sends it; the
    first worker's late result is not recorded (delivery is at least once, hence the key)."""
    message = put()
    inner: list[str] = []

    def slow(m: OutboxEnvelope) -> None:
        if not inner:
            inner.append("running")
            inner.append(outbox_deliver(message_id=m.id, now=later + timedelta(seconds=301)).outcome)
        sender(m)

    with outbox.senders.registered(TOPIC, slow):
        assert outbox_deliver(message_id=message.pk, now=later).outcome == "lost"
    assert inner == ["running", "sent"] and state(message).status == S.SENT
    assert [c.idempotency_key for c in sender.calls] == [message.idempotency_key] * 2


def _in_threads(n: int, target) -> list:
    barrier = threading.Barrier(n)
    results: list = []
    errors: list = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(target(i))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_workers_claim_the_same_message_exactly_one_sends(sender, monkeypatch):
    monkeypatch.setattr(outbox, "_enqueue", lambda message_id: None)  # the test is the worker
    message = put()
    sender.delay = 0.3  # both claim while the first is still sending
    now = timezone.now() + timedelta(seconds=1)
    outcomes = _in_threads(2, lambda i: outbox_deliver(message_id=message.pk, now=now).outcome)
    assert sorted(outcomes) == ["sent", "skipped"]
    assert sender.ids == [message.pk] and state(message).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_drain_many_keys_in_order_each_message_once(sender, monkeypatch):
    monkeypatch.setattr(outbox, "_enqueue", lambda message_id: None)
    messages = [put(i, key=f"k{i % 3}") for i in range(12)]
    sender.delay = 0.005

    def work(_):
        for _round in range(200):
            due = outbox_due()
            if not due and not OutboxMessage.objects.exclude(status=S.SENT).exists():
                return "done"
            for pk in due:
                outbox_deliver(message_id=pk)
        return "gave up"

    assert _in_threads(2, work) == ["done", "done"]
    assert sorted(sender.ids) == sorted(m.pk for m in messages)  # each exactly once
    for k in ("k0", "k1", "k2"):
        seqs = [c.idempotency_key for c in sender.calls if c.key == k]
        assert seqs == [m.idempotency_key for m in messages if m.key == k]  # in order


# --- end to end: a sender that posts to a real loopback HTTP server ----------------------------------
class Gateway(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[str, str, dict]] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Gateway.received.append((self.path, self.headers["Idempotency-Key"], body))
        code = Gateway.answers.pop(0) if Gateway.answers else 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    Gateway.answers, Gateway.received = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def http_sender(message: OutboxEnvelope) -> None:
    """What a round-2 sender looks like: POST JSON with the idempotency key, map the answer."""
    request = urllib.request.Request(
        message.destination,
        data=json.dumps(message.payload).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": message.idempotency_key},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=min(message.timeout, 5)):
            return
    except urllib.error.HTTPError as exc:
        if exc.code == 429 or exc.code >= 500:
            raise RetryableSendError(f"对方系统暂时不可用（HTTP {exc.code}）") from exc
        raise PermanentSendError(f"对方系统拒收（HTTP {exc.code}）") from exc
    except OSError as exc:
        raise RetryableSendError(f"无法连接对方系统（{type(exc).__name__}）") from exc


def test_end_to_end_through_a_loopback_http_server(gateway, django_capture_on_commit_callbacks, settings):
    settings.YIWANG_OUTBOX_BACKOFF_BASE = 3600  # the eager retry is not due yet; we drive it
    Gateway.answers = [503]
    with outbox.senders.registered("test.http", http_sender):
        with django_capture_on_commit_callbacks(execute=True):
            message = put(topic="test.http", destination=f"{gateway}/reports")
        row = state(message)
        assert row.status == S.RETRYING and "HTTP 503" in row.last_error
        assert outbox_deliver(message_id=message.pk, now=row.next_attempt_at).outcome == "sent"

        Gateway.answers = [400]
        rejected = put(2, topic="test.http", key="case-2", destination=f"{gateway}/reports")
        assert (
            outbox_deliver(message_id=rejected.pk, now=timezone.now() + timedelta(seconds=1)).outcome
            == "dead"
        )
        assert "HTTP 400" in state(rejected).last_error

        closed = put(3, topic="test.http", key="case-3", destination="http://127.0.0.1:9/nothing")
        assert (
            outbox_deliver(message_id=closed.pk, now=timezone.now() + timedelta(seconds=1)).outcome
            == "retrying"
        )
    assert Gateway.received == [
        ("/reports", message.idempotency_key, PAYLOAD),
        ("/reports", message.idempotency_key, PAYLOAD),  # the retry carries the same key
        ("/reports", rejected.idempotency_key, PAYLOAD),
    ]


def test_admin_is_read_only_and_hides_payloads(admin_client):
    message = put()
    html = admin_client.get("/admin/core/outboxmessage/").content.decode()
    assert TOPIC in html and "case-1" in html and PAYLOAD["case"] not in html
    r = admin_client.get(f"/admin/core/outboxmessage/{message.pk}/change/")
    html = r.content.decode()
    assert r.status_code == 200 and "case、id_number" in html
    assert PAYLOAD["id_number"] not in html
    assert admin_client.get("/admin/core/outboxmessage/add/").status_code == 403
