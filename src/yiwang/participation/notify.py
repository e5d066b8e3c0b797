"""Notification channel of 共同缔造 (overdue department answers). Pluggable as in
`yiwang.evaluations.notify`: YIWANG_PARTICIPATION_NOTIFIER (environment or setting) names a class
with `send(*, user, subject, body) -> bool`; by default the evaluations notifier is used
(`…evaluations.notify.LogChannel` logs only, `…EmailChannel` sends through SMTP)."""

from __future__ import annotations

import os

from django.conf import settings
from django.utils.module_loading import import_string

from yiwang.evaluations.notify import DEFAULT


def channel():
    path = (
        getattr(settings, "YIWANG_PARTICIPATION_NOTIFIER", None)
        or os.environ.get("YIWANG_PARTICIPATION_NOTIFIER")
        or getattr(settings, "YIWANG_EVALUATION_NOTIFIER", DEFAULT)
    )
    return import_string(path)()
