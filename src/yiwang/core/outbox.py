"""The transactional outbox: the one way Yiwang sends messages to other systems (reports to the
province, cross-city messages, department business systems, licence sharing).

Writing. A service that changes something calls ``outbox_put(topic=…, key=…, payload=…,
idempotency_key=…)`` inside its own transaction: the message row commits or rolls back with the
change, and delivery is queued with ``transaction.on_commit`` (a Celery task that takes the id).
The same idempotency key twice gives one row (the first one is returned).

Sending. Each topic has one sender, registered by a higher app in its ``AppConfig.ready()``::

    outbox.senders.register("province.report", send_province_report)

A sender receives an ``OutboxEnvelope`` (id, topic, key, payload, idempotency key, destination,
attempt, timeout) and returns when the other system has accepted the message, or raises
``RetryableSendError`` (try again later: timeouts, 5xx, 429) or ``PermanentSendError`` (never
going to work: 4xx, a rejected message). Any other exception counts as retryable. The sender must
pass the idempotency key on (e.g. an ``Idempotency-Key`` header): delivery is at least once — a
worker that dies after the other side accepted but before the row says so will send again.
An error's text is shown to operators: no personal data in it. Logs carry ids, topic, attempt
and error class only, never the payload.

Rules:

- One worker at a time. A worker claims a message with one conditional UPDATE (status due, lease
  free or expired, no earlier unsent message of its key) that sets ``status=sending``, a lease
  (``lease_until``, ``YIWANG_OUTBOX_LEASE_SECONDS``) and a fresh ``lease_owner`` token, and adds
  one to ``attempts``. Only the holder of the token may record the outcome. A crashed worker's
  lease expires and the sweep hands the message to another worker (the crash counted as an
  attempt). Works the same on SQLite and PostgreSQL (no row locks, no SKIP LOCKED). Senders must
  finish within ``envelope.timeout`` (80 % of the lease).
- Retries: a failed attempt waits ``uniform(0, min(cap, base · 2^(attempt−1)))`` seconds
  (exponential backoff with full jitter; ``YIWANG_OUTBOX_BACKOFF_BASE`` / ``_CAP``). After
  ``YIWANG_OUTBOX_MAX_ATTEMPTS`` attempts, or at once on ``PermanentSendError``, the message is a
  dead letter (``dead``) until an operator retries it (attempts start again from zero) or cancels
  it, each with a reason (``OutboxAction``: who, when, why) on the workbench page.
- Order per key: messages of one (topic, key) are numbered in commit order (``seq``, from
  ``OutboxStream``). A message is not sent while an earlier one of its topic and key is pending,
  sending, waiting for a retry or dead: a dead letter holds up the rest of its key until an
  operator retries or cancels it. Sent and cancelled messages hold up nothing. Use a key per
  subject whose messages must arrive in order (a case number), not one key for everything.
- The sweep (``yiwang.core.tasks.outbox_sweep``, Celery beat every 30 s) queues every message
  that is due and first in its key, and turns messages whose worker was lost on the last allowed
  attempt into dead letters.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from .errors import NotFound, ValidationFailed
from .hooks import Hook
from .models import OutboxAction, OutboxActionKind, OutboxMessage, OutboxStatus, OutboxStream
from .workflow import Step, Workflow, rule

log = logging.getLogger("yiwang.core.outbox")

S = OutboxStatus
# States that hold up later messages of the same topic and key.
BLOCKING = (S.PENDING, S.SENDING, S.RETRYING, S.DEAD)
RUNNABLE = (S.PENDING, S.RETRYING)
ERROR_MAX_CHARS = 2000
REASON_MAX_CHARS = 1000


# --- what senders see and raise ---------------------------------------------------------------
@dataclass(frozen=True)
class OutboxEnvelope:
    id: int
    topic: str
    key: str
    payload: dict
    idempotency_key: str
    destination: str
    attempt: int  # 1 for the first attempt
    timeout: float  # seconds the sender may take (well inside the worker's lease)


class OutboxSender(Protocol):
    def __call__(self, message: OutboxEnvelope) -> None: ...


senders: Hook[OutboxSender] = Hook("core.outbox.senders")


class SendError(Exception):
    """Raised by a sender. Its text is shown to operators: no personal data in it."""


class RetryableSendError(SendError):
    """The other system may accept the message later (timeout, 5xx, 429, connection refused)."""


class PermanentSendError(SendError):
    """Retrying will not help (rejected message, 4xx): the message becomes a dead letter at once."""


class OutboxError(RuntimeError):
    """A programming error in the use of the outbox (never shown to users)."""


# --- settings ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutboxConfig:
    backoff_base: float
    backoff_cap: float
    max_attempts: int
    lease_seconds: int


def outbox_config() -> OutboxConfig:
    """The settings as they are now (read at each call, so tests and operators may change them)."""
    return OutboxConfig(
        backoff_base=float(settings.YIWANG_OUTBOX_BACKOFF_BASE),
        backoff_cap=float(settings.YIWANG_OUTBOX_BACKOFF_CAP),
        max_attempts=max(1, int(settings.YIWANG_OUTBOX_MAX_ATTEMPTS)),
        lease_seconds=max(1, int(settings.YIWANG_OUTBOX_LEASE_SECONDS)),
    )


def backoff_delay(*, attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1, 2, …): full jitter over an
    exponentially growing, capped window."""
    window = min(cap, base * 2 ** max(0, attempt - 1))
    return (rng or random).uniform(0, window)


# --- writing ------------------------------------------------------------------------------------
def outbox_put(
    *, topic: str, key: str, payload: dict, idempotency_key: str, destination: str = ""
) -> OutboxMessage:
    """Write a message in the caller's transaction and send it after commit. Must run inside
    `transaction.atomic` (the transaction of the change the message reports). The same
    `idempotency_key` again returns the message already written."""
    if not transaction.get_connection().in_atomic_block:
        raise OutboxError("outbox_put must run inside the transaction of the change (transaction.atomic)")
    for name, value, limit in (
        ("topic", topic, 100),
        ("key", key, 200),
        ("idempotency_key", idempotency_key, 200),
    ):
        if not value or len(value) > limit:
            raise OutboxError(f"outbox_put: {name} must be 1..{limit} characters")
    if len(destination) > 200:
        raise OutboxError("outbox_put: destination must be at most 200 characters")
    if not isinstance(payload, dict):
        raise OutboxError("outbox_put: payload must be a dict")

    existing = _same_message(idempotency_key=idempotency_key, topic=topic, key=key)
    if existing is not None:
        return existing
    seq = _next_seq(topic=topic, key=key)  # holds the key's stream row until our commit
    # A put with the same idempotency key may have committed while we waited for the stream row.
    existing = _same_message(idempotency_key=idempotency_key, topic=topic, key=key)
    if existing is not None:
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                topic=topic,
                key=key,
                seq=seq,
                payload=payload,
                idempotency_key=idempotency_key,
                destination=destination,
                next_attempt_at=now,
            )
    except IntegrityError:
        # The same idempotency key, written concurrently under another topic/key stream.
        existing = _same_message(idempotency_key=idempotency_key, topic=topic, key=key)
        if existing is None:
            raise
        return existing
    log.info("outbox message %s queued: topic=%s seq=%s", message.pk, topic, seq)
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _same_message(*, idempotency_key: str, topic: str, key: str) -> OutboxMessage | None:
    found = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
    if found is not None and (found.topic, found.key) != (topic, key):
        raise OutboxError(
            f"outbox_put: idempotency key already used by message {found.pk} of another topic or key"
        )
    return found


def _next_seq(*, topic: str, key: str) -> int:
    streams = OutboxStream.objects.filter(topic=topic, key=key)
    if not streams.update(last_seq=F("last_seq") + 1):
        try:
            with transaction.atomic():
                OutboxStream.objects.create(topic=topic, key=key, last_seq=1)
                return 1
        except IntegrityError:  # created concurrently: take the next number from it
            streams.update(last_seq=F("last_seq") + 1)
    return streams.values_list("last_seq", flat=True).get()


def _enqueue(message_id: int) -> None:
    from . import tasks  # the tasks module imports this one

    tasks.outbox_enqueue(message_id=message_id)


# --- sending ------------------------------------------------------------------------------------
@dataclass
class Delivery:
    """What one call of `outbox_deliver` did: `outcome` is "sent", "retrying", "dead", "skipped"
    (not due, taken by another worker, held up by an earlier message, or finished) or "lost" (our
    lease ran out and another worker took the message over). `retry_in`: seconds until the retry;
    `unblocked`: ids of messages that may go now (the next of the key)."""

    outcome: str
    retry_in: float | None = None
    unblocked: list[int] = field(default_factory=list)


def _earlier_unsent() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(
        topic=OuterRef("topic"), key=OuterRef("key"), seq__lt=OuterRef("seq"), status__in=BLOCKING
    )


def _due_q(now: datetime) -> Q:
    return Q(status__in=RUNNABLE, next_attempt_at__lte=now) | Q(status=S.SENDING, lease_until__lt=now)


def _claim(*, message_id: int, now: datetime, cfg: OutboxConfig) -> str | None:
    """Take the message for one attempt if it is due, free and first in its key: one conditional
    UPDATE, so of two workers exactly one gets it. Returns the lease token, or None."""
    token = uuid.uuid4().hex
    taken = (
        OutboxMessage.objects.filter(_due_q(now), pk=message_id, attempts__lt=cfg.max_attempts)
        .filter(~Exists(_earlier_unsent()))
        .update(
            status=S.SENDING,
            lease_owner=token,
            lease_until=now + timedelta(seconds=cfg.lease_seconds),
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            version=F("version") + 1,
            updated_at=now,
        )
    )
    return token if taken == 1 else None


def outbox_deliver(
    *, message_id: int, now: datetime | None = None, rng: random.Random | None = None
) -> Delivery:
    """Make one attempt to send one message (outside any transaction: the sender may talk to the
    network). `now` fixes the clock (tests); `rng` the jitter."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else timezone.now
    cfg = outbox_config()
    token = _claim(message_id=message_id, now=clock(), cfg=cfg)
    if token is None:
        return Delivery("skipped")
    msg = OutboxMessage.objects.get(pk=message_id)
    envelope = OutboxEnvelope(
        id=msg.pk,
        topic=msg.topic,
        key=msg.key,
        payload=msg.payload,
        idempotency_key=msg.idempotency_key,
        destination=msg.destination,
        attempt=msg.attempts,
        timeout=cfg.lease_seconds * 0.8,
    )
    sender = senders.get(msg.topic)
    try:
        if sender is None:
            raise RetryableSendError(f"主题“{msg.topic}”没有登记发送程序")
        sender(envelope)
    except PermanentSendError as exc:
        return _failed(msg, token=token, exc=exc, permanent=True, at=clock(), cfg=cfg, rng=rng)
    except Exception as exc:  # anything else: try again later
        return _failed(msg, token=token, exc=exc, permanent=False, at=clock(), cfg=cfg, rng=rng)
    return _sent(msg, token=token, at=clock())


def _finish(msg: OutboxMessage, *, token: str, at: datetime, **values: Any) -> bool:
    """Record the outcome if we still hold the lease."""
    return (
        OutboxMessage.objects.filter(pk=msg.pk, status=S.SENDING, lease_owner=token).update(
            lease_owner="", lease_until=None, version=F("version") + 1, updated_at=at, **values
        )
        == 1
    )


def _lost(msg: OutboxMessage) -> Delivery:
    log.warning(
        "outbox message %s topic=%s attempt=%s: lease lost before the outcome was recorded",
        msg.pk,
        msg.topic,
        msg.attempts,
    )
    return Delivery("lost")


def _sent(msg: OutboxMessage, *, token: str, at: datetime) -> Delivery:
    if not _finish(msg, token=token, at=at, status=S.SENT, sent_at=at):
        return _lost(msg)
    log.info("outbox message %s sent: topic=%s attempt=%s", msg.pk, msg.topic, msg.attempts)
    return Delivery("sent", unblocked=_next_in_key(msg, now=at))


def _next_in_key(msg: OutboxMessage, *, now: datetime) -> list[int]:
    nxt = (
        OutboxMessage.objects.filter(topic=msg.topic, key=msg.key, seq__gt=msg.seq, status__in=BLOCKING)
        .order_by("seq")
        .values("pk", "status", "next_attempt_at")
        .first()
    )
    if nxt and nxt["status"] in RUNNABLE and nxt["next_attempt_at"] <= now:
        return [nxt["pk"]]
    return []


def _failed(
    msg: OutboxMessage,
    *,
    token: str,
    exc: Exception,
    permanent: bool,
    at: datetime,
    cfg: OutboxConfig,
    rng: random.Random | None,
) -> Delivery:
    error_class = type(exc).__name__
    error = {"error_class": error_class[:200], "last_error": (str(exc) or error_class)[:ERROR_MAX_CHARS]}
    if permanent or msg.attempts >= cfg.max_attempts:
        if not _finish(msg, token=token, at=at, status=S.DEAD, **error):
            return _lost(msg)
        log.warning(
            "outbox message %s topic=%s attempt=%s failed (%s): dead letter",
            msg.pk,
            msg.topic,
            msg.attempts,
            error_class,
        )
        return Delivery("dead")
    delay = backoff_delay(attempt=msg.attempts, base=cfg.backoff_base, cap=cfg.backoff_cap, rng=rng)
    if not _finish(
        msg, token=token, at=at, status=S.RETRYING, next_attempt_at=at + timedelta(seconds=delay), **error
    ):
        return _lost(msg)
    log.warning(
        "outbox message %s topic=%s attempt=%s failed (%s): retry in %.1f s",
        msg.pk,
        msg.topic,
        msg.attempts,
        error_class,
        delay,
    )
    return Delivery("retrying", retry_in=delay)


def outbox_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """The sweep: make dead letters of messages whose worker was lost on the last allowed attempt
    (and of those waiting for a retry beyond the allowed attempts), and return the ids of messages that are due and first in their key (oldest due first)."""
    now = now or timezone.now()
    cfg = outbox_config()
    lost = OutboxMessage.objects.filter(
        status=S.SENDING, lease_until__lt=now, attempts__gte=cfg.max_attempts
    ).update(
        status=S.DEAD,
        lease_owner="",
        lease_until=None,
        error_class="LeaseExpired",
        last_error="最后一次发送时发送进程失去响应（租约过期）",
        version=F("version") + 1,
        updated_at=now,
    )
    # Waiting for a retry they are no longer allowed (YIWANG_OUTBOX_MAX_ATTEMPTS was lowered).
    lost += OutboxMessage.objects.filter(status=S.RETRYING, attempts__gte=cfg.max_attempts).update(
        status=S.DEAD, version=F("version") + 1, updated_at=now
    )
    if lost:
        log.warning("outbox sweep: %s message(s) out of attempts: dead letters", lost)
    return list(
        OutboxMessage.objects.filter(_due_q(now), attempts__lt=cfg.max_attempts)
        .filter(~Exists(_earlier_unsent()))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- operators: retry or cancel, with a reason --------------------------------------------------
OPERATOR_RULES = {
    OutboxActionKind.RETRY: rule([S.DEAD], S.PENDING, (), "重新发送"),
    OutboxActionKind.CANCEL: rule([S.PENDING, S.RETRYING, S.DEAD], S.CANCELLED, (), "取消发送"),
}


def _record(message: OutboxMessage, step: Step) -> None:
    OutboxAction.objects.create(
        message=message, action=step.action, from_status=step.frm, actor=step.actor, reason=step.note
    )


_workflow: Workflow[OutboxMessage] = Workflow(
    model=OutboxMessage, rules=OPERATOR_RULES, record=_record, noun="消息", stale_message=None
)


def _operate(
    *,
    message: OutboxMessage,
    action: str,
    actor: AbstractBaseUser,
    reason: str,
    version: int | None,
    update: dict,
):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": ["请填写原因"]})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationFailed(fields={"reason": [f"原因不能超过 {REASON_MAX_CHARS} 字"]})
    found = _workflow.rule(action)
    _workflow.ensure_version(message, version)
    _workflow.ensure_source(message, found)
    message = _workflow.transition(
        message,
        action=action,
        to=found.target,
        actor=actor,
        note=reason,
        update=update,
        version=version,
        expect_state=True,
    )
    log.info("outbox message %s topic=%s: %s by user %s", message.pk, message.topic, action, actor.pk)
    return message


@transaction.atomic
def outbox_retry(
    *, message: OutboxMessage, actor: AbstractBaseUser, reason: str, version: int | None = None
) -> OutboxMessage:
    """An operator sends a dead letter again: attempts start from zero; recorded with the reason."""
    now = timezone.now()
    message = _operate(
        message=message,
        action=OutboxActionKind.RETRY,
        actor=actor,
        reason=reason,
        version=version,
        update={"attempts": 0, "next_attempt_at": now, "lease_owner": "", "lease_until": None},
    )
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


@transaction.atomic
def outbox_cancel(
    *, message: OutboxMessage, actor: AbstractBaseUser, reason: str, version: int | None = None
) -> OutboxMessage:
    """An operator gives a message up (it will never be sent); the next message of its key may go."""
    message = _operate(
        message=message,
        action=OutboxActionKind.CANCEL,
        actor=actor,
        reason=reason,
        version=version,
        update={"lease_owner": "", "lease_until": None},
    )
    for pk in _next_in_key(message, now=timezone.now()):
        transaction.on_commit(lambda pk=pk: _enqueue(pk))
    return message


# --- reading (the operator page) ---------------------------------------------------------------
def outbox_messages(*, status: str | None = None, topic: str | None = None) -> QuerySet[OutboxMessage]:
    """Messages newest first, without their payloads, each with `blocked` (an earlier message of
    its key is not sent yet)."""
    qs = OutboxMessage.objects.defer("payload").annotate(blocked=Exists(_earlier_unsent()))
    if status:
        qs = qs.filter(status=status)
    if topic:
        qs = qs.filter(topic=topic)
    return qs.order_by("-pk")


def outbox_topics() -> list[str]:
    return list(OutboxMessage.objects.order_by("topic").values_list("topic", flat=True).distinct())


def outbox_status_counts() -> dict[str, int]:
    rows = OutboxMessage.objects.values("status").annotate(n=Count("pk")).order_by()
    return {r["status"]: r["n"] for r in rows}


def outbox_message_get(*, message_id: int) -> OutboxMessage:
    found = OutboxMessage.objects.filter(pk=message_id).first()
    if found is None:
        raise NotFound("未找到该消息")
    return found


def outbox_blocker(*, message: OutboxMessage) -> OutboxMessage | None:
    """The earliest unsent message of the same topic and key that holds this one up."""
    return (
        OutboxMessage.objects.filter(
            topic=message.topic, key=message.key, seq__lt=message.seq, status__in=BLOCKING
        )
        .defer("payload")
        .order_by("seq")
        .first()
    )


def outbox_actions(*, message: OutboxMessage) -> QuerySet[OutboxAction]:
    return message.actions.select_related("actor").order_by("created_at", "pk")


def outbox_allowed_actions(*, message: OutboxMessage) -> list[str]:
    return [action for action, r in OPERATOR_RULES.items() if message.status in r.sources]
