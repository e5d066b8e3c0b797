"""Channels behind one interface: `send(message) -> Outcome`.

- `inapp`: the inbox row itself (written with the event; nothing left to do).
- `log`: one log line (recipient id, kind, event key — no text, no address); the embedded default.
- `email`: Django's email backend (SMTP with EMAIL_HOST etc. in production).
- `sms`: the configured gateway adapter (`YIWANG_SMS_GATEWAY`, default `sms.HttpJsonGateway`).

An outcome is `sent`, `retry` (transient: try again later) or `failed` (permanent), with a short
English code for the delivery log. Channels never log or return addresses or message text."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from . import config
from .kinds import EventKind, render_sms

log = logging.getLogger("yiwang.notifications")


@dataclass(frozen=True)
class Outcome:
    status: str  # "sent" | "retry" | "failed"
    code: str = ""


SENT = Outcome("sent")


def retry(code: str) -> Outcome:
    return Outcome("retry", code)


def failed(code: str) -> Outcome:
    return Outcome("failed", code)


@dataclass(frozen=True)
class Message:
    delivery_id: int
    notification_id: int
    kind: str
    key: str
    recipient: Any  # accounts.User
    title: str
    body: str
    url: str  # absolute link, or ""
    spec: EventKind | None


class Channel(Protocol):
    code: str

    def send(self, message: Message) -> Outcome: ...


class InAppChannel:
    code = config.INAPP

    def send(self, message: Message) -> Outcome:
        return SENT


class LogChannel:
    code = config.LOG

    def send(self, message: Message) -> Outcome:
        log.info("notify user %s: %s %s", message.recipient.pk, message.kind, message.key)
        return SENT


class EmailChannel:
    code = config.EMAIL

    def send(self, message: Message) -> Outcome:
        address = (message.recipient.email or "").strip()
        if not address:
            return failed("no_address")
        body = message.body
        if message.url and message.url not in body:
            body += f"\n\n查看详情：{message.url}"
        try:
            send_mail(message.title, body, None, [address])
        except smtplib.SMTPRecipientsRefused:
            return failed("recipient_refused")
        except (smtplib.SMTPException, OSError):
            return retry("smtp_error")
        return SENT


class SmsGateway(Protocol):
    """What an SMS adapter offers. `ref` is unique per delivery (the gateway may deduplicate on
    it); `kind` is the event kind (for gateways that want a template id)."""

    def send(self, *, to: str, text: str, ref: str, kind: str) -> Outcome: ...


def sms_gateway() -> SmsGateway:
    path = getattr(settings, "YIWANG_SMS_GATEWAY", "") or config.DEFAULT_SMS_GATEWAY
    return import_string(path)()


class SmsChannel:
    code = config.SMS

    def send(self, message: Message) -> Outcome:
        phone = (getattr(message.recipient, "phone", "") or "").strip()
        if not phone:
            return failed("no_phone")
        signature = getattr(settings, "YIWANG_SMS_SIGNATURE", "") or "一网通办"
        text = f"【{signature}】" + render_sms(
            message.spec, title=message.title, body=message.body, url=message.url
        )
        return sms_gateway().send(to=phone, text=text, ref=f"yiwang-{message.delivery_id}", kind=message.kind)


CHANNELS: dict[str, Channel] = {
    c.code: c for c in (InAppChannel(), LogChannel(), EmailChannel(), SmsChannel())
}


def channel_get(code: str) -> Channel:
    return CHANNELS[code]
