"""Writes of the notification service.

`notification_send` is what other apps call, inside their own transaction, once per event and
recipient: it writes the inbox row and one delivery row per channel in that transaction, and
queues the sending after commit (`tasks.delivery_send`, which takes the delivery id). The event
`key` makes it exactly-once: a second call with the same key and recipient writes and sends
nothing. A failed send is retried with backoff by the sweep (`deliveries_send_due`, every minute)
until `YIWANG_NOTIFICATION_MAX_ATTEMPTS`, then the delivery is `dead`. Deliveries are claimed by
a conditional UPDATE (attempt counter + lease), so two workers never send the same row at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.core.errors import NotFound, ValidationFailed

from . import config, selectors, tasks
from .channels import Message, Outcome, channel_get
from .kinds import categories, kind_find, kind_get, render
from .models import Delivery, DeliveryStatus, Notification, Preference

log = logging.getLogger("yiwang.notifications")

KEY_MAX = 200


@transaction.atomic
def notification_send(
    *,
    event_kind: str,
    recipient: User,
    context: Mapping[str, Any],
    key: str,
    link: str = "",
    legal: bool | None = None,
    now: datetime | None = None,
) -> Notification:
    """Tell `recipient` about an event, once. Call it inside the transaction that changes the
    state the message is about: the inbox row and the delivery rows commit (or roll back) with it.

    `event_kind` names a registered kind (`kinds.py`, `texts.py`); `context` fills its templates;
    `key` names the event and must hold no personal data (`case:<number>:accepted`); `link` is the
    page the message is about (a path); `legal` overrides the kind's legal flag. Returns the inbox
    row — the one written the first time if the key was seen before."""
    spec = kind_get(event_kind)
    if recipient is None or recipient.pk is None:
        raise ValueError("a notification needs a saved recipient account")
    if not key or len(key) > KEY_MAX:
        raise ValueError(f"notification key must have 1 to {KEY_MAX} characters")
    now = now or timezone.now()
    is_legal = spec.legal if legal is None else legal
    url = config.absolute(link)
    text = render(spec, {**context, "link": link, "url": url})
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=spec.kind,
                key=key,
                title=text.title,
                body=text.body,
                link=link,
                legal=is_legal,
                created_at=now,
            )
    except IntegrityError:  # the same event again (or a concurrent sender won): nothing more
        existing = Notification.objects.get(recipient=recipient, key=key)
        log.info("notification %s for user %s: key seen before, not sent again", existing.pk, recipient.pk)
        return existing
    channels = selectors.channels_for(user=recipient, spec=spec, legal=is_legal)
    due: list[int] = []
    for code in channels:
        if code == config.INAPP:
            Delivery.objects.create(
                notification=notification,
                channel=code,
                status=DeliveryStatus.SENT,
                attempts=1,
                created_at=now,
                last_attempt_at=now,
                sent_at=now,
            )
            continue
        at = now
        if code == config.SMS and not spec.critical:
            at = config.quiet_until(now) or now
        d = Delivery.objects.create(notification=notification, channel=code, next_attempt=at, created_at=now)
        if at <= now:
            due.append(d.pk)
    log.info(
        "notification %s %s for user %s: %s", notification.pk, spec.kind, recipient.pk, ",".join(channels)
    )
    if due:  # robust: a broker that is down must not fail the committed change; the sweep sends
        transaction.on_commit(lambda: [tasks.delivery_send.delay(delivery_id=pk) for pk in due], robust=True)
    return notification


# --- sending -----------------------------------------------------------------------------------
def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one pending delivery that is due (task; idempotent). Returns what happened: the new
    status, or `not_due`, `deferred` (SMS in quiet hours), `taken` (another worker has it),
    `done` (not pending any more), `missing`."""
    now = now or timezone.now()
    d = (
        Delivery.objects.select_related("notification", "notification__recipient")
        .filter(pk=delivery_id)
        .first()
    )
    if d is None:
        return "missing"
    if d.status != DeliveryStatus.PENDING:
        return "done"
    if d.next_attempt and d.next_attempt > now:
        return "not_due"
    if d.lease_until and d.lease_until > now:
        return "taken"
    n = d.notification
    spec = kind_find(n.kind)
    if d.channel == config.SMS and not (spec and spec.critical):
        until = config.quiet_until(now)
        if until is not None:
            Delivery.objects.filter(pk=d.pk, status=DeliveryStatus.PENDING, attempts=d.attempts).update(
                next_attempt=until
            )
            log.info("delivery %s deferred to the end of quiet hours", d.pk)
            return "deferred"
    attempt = d.attempts + 1
    claimed = (
        Delivery.objects.filter(pk=d.pk, status=DeliveryStatus.PENDING, attempts=d.attempts)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(attempts=attempt, lease_until=now + config.LEASE, last_attempt_at=now)
    )
    if claimed != 1:
        return "taken"
    message = Message(
        delivery_id=d.pk,
        notification_id=n.pk,
        kind=n.kind,
        key=n.key,
        recipient=n.recipient,
        title=n.title,
        body=n.body,
        url=config.absolute(n.link),
        spec=spec,
    )
    try:
        if not n.recipient.is_active:
            outcome = Outcome("failed", "inactive_account")
        else:
            outcome = channel_get(d.channel).send(message)
    except Exception as exc:  # a channel bug must not lose the delivery: retry, then dead
        outcome = Outcome("retry", f"error_{type(exc).__name__}"[:40])
        log.exception("delivery %s (%s): channel raised %s", d.pk, d.channel, type(exc).__name__)
    return _record(d, attempt=attempt, outcome=outcome, now=now)


def _record(d: Delivery, *, attempt: int, outcome: Outcome, now: datetime) -> str:
    mine = Delivery.objects.filter(pk=d.pk, status=DeliveryStatus.PENDING, attempts=attempt)
    if outcome.status == "sent":
        mine.update(status=DeliveryStatus.SENT, sent_at=now, lease_until=None, last_error="")
        log.info("delivery %s (%s) sent, attempt %s", d.pk, d.channel, attempt)
        return DeliveryStatus.SENT
    if outcome.status == "failed":
        mine.update(status=DeliveryStatus.FAILED, lease_until=None, last_error=outcome.code[:40])
        log.warning("delivery %s (%s) failed: %s", d.pk, d.channel, outcome.code)
        return DeliveryStatus.FAILED
    if attempt >= config.max_attempts():
        mine.update(status=DeliveryStatus.DEAD, lease_until=None, last_error=outcome.code[:40])
        log.warning("delivery %s (%s) dead after %s attempts: %s", d.pk, d.channel, attempt, outcome.code)
        return DeliveryStatus.DEAD
    later = now + config.retry_delay(attempt=attempt, delivery_id=d.pk)
    mine.update(next_attempt=later, lease_until=None, last_error=outcome.code[:40])
    log.info("delivery %s (%s) attempt %s: %s, next %s", d.pk, d.channel, attempt, outcome.code, later)
    return DeliveryStatus.PENDING


def deliveries_send_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """The sweep (every minute): queue every pending delivery whose time has come — retries,
    SMS held over quiet hours, sends whose worker died (lease expired)."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .order_by("next_attempt", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        tasks.delivery_send.delay(delivery_id=pk)
    return len(ids)


@transaction.atomic
def delivery_retry(*, delivery: Delivery, now: datetime | None = None) -> bool:
    """An operator sends a failed or dead delivery again (attempts start over)."""
    now = now or timezone.now()
    n = Delivery.objects.filter(
        pk=delivery.pk, status__in=[DeliveryStatus.FAILED, DeliveryStatus.DEAD]
    ).update(status=DeliveryStatus.PENDING, attempts=0, next_attempt=now, lease_until=None)
    if n:
        log.info("delivery %s (%s) queued again by an operator", delivery.pk, delivery.channel)
        transaction.on_commit(lambda: tasks.delivery_send.delay(delivery_id=delivery.pk))
    return bool(n)


# --- inbox -------------------------------------------------------------------------------------
@transaction.atomic
def notification_read(*, user: User, notification: Notification, now: datetime | None = None) -> Notification:
    """Mark one of the account's own messages read (the first reading time stays)."""
    if notification.recipient_id != user.pk:
        raise NotFound("消息不存在")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_read_all(*, user: User, now: datetime | None = None) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


# --- preferences -------------------------------------------------------------------------------
@transaction.atomic
def preferences_set(
    *, user: User, choices: Mapping[str, Mapping[str, bool]], now: datetime | None = None
) -> None:
    """`{"case": {"sms": true, "email": false}, …}`: the person's channels per category. The inbox
    cannot be switched off; channels this instance does not offer are refused (422)."""
    known = {c.code for c in categories()}
    optional = config.optional_channels()
    fields: dict[str, list[str]] = {}
    rows: list[tuple[str, str, bool]] = []
    for category, channels in (choices or {}).items():
        if category not in known:
            fields[f"categories.{category}"] = ["未知的消息类别"]
            continue
        for code, enabled in (channels or {}).items():
            name = f"categories.{category}.{code}"
            if not isinstance(enabled, bool):
                fields[name] = ["应为是/否"]
            elif code == config.INAPP:
                if not enabled:
                    fields[name] = ["站内消息不能关闭"]
            elif code not in optional:
                fields[name] = ["本平台未开通该接收渠道"]
            else:
                rows.append((category, code, enabled))
    if fields:
        raise ValidationFailed("接收设置有误", fields=fields)
    now = now or timezone.now()
    for category, code, enabled in rows:
        Preference.objects.update_or_create(
            user=user, category=category, channel=code, defaults={"enabled": enabled, "updated_at": now}
        )
    if rows:
        log.info("notification preferences of user %s: %s changed", user.pk, len(rows))
