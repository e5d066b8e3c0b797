"""Notification channels for invitations, reminders and escalations. Pluggable: the setting
YIWANG_EVALUATION_NOTIFIER names a class (dotted path); the demo default logs only, and
`EmailChannel` sends through Django's email backend (SMTP in production)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger("yiwang.evaluations")

DEFAULT = "yiwang.evaluations.notify.LogChannel"


class LogChannel:
    """Writes one log line per message (no personal data: user id and subject only)."""

    def send(self, *, user, subject: str, body: str) -> bool:
        log.info("notify user %s: %s", getattr(user, "pk", None), subject)
        return True


class EmailChannel:
    """Sends an e-mail through Django's email backend (SMTP with EMAIL_HOST etc.)."""

    def send(self, *, user, subject: str, body: str) -> bool:
        address = getattr(user, "email", "")
        if not address:
            log.info("notify user %s: no e-mail address, %s not sent", getattr(user, "pk", None), subject)
            return False
        send_mail(subject, body, None, [address])
        return True


def channel():
    return import_string(getattr(settings, "YIWANG_EVALUATION_NOTIFIER", DEFAULT))()
