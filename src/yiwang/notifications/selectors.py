"""Reads: an account's inbox, the channels a message goes out on, a person's preferences."""

from __future__ import annotations

from django.db.models import QuerySet

from yiwang.accounts.models import User
from yiwang.core.errors import NotFound

from . import config
from .kinds import EventKind, categories, kinds
from .models import Channel, Notification, Preference


def notifications_for(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """The account's own messages, newest first (`unread=True`: only unread, `False`: only read)."""
    qs = Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs


def notification_for(*, user: User, pk: int) -> Notification:
    """One of the account's own messages; anybody else's (or none) is a 404."""
    n = Notification.objects.filter(recipient=user, pk=pk).first()
    if n is None:
        raise NotFound("消息不存在", code="not_found")
    return n


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def _choices(user: User, category: str | None = None) -> dict[tuple[str, str], bool]:
    qs = Preference.objects.filter(user=user)
    if category is not None:
        qs = qs.filter(category=category)
    return {(p.category, p.channel): p.enabled for p in qs}


def channels_for(*, user: User, spec: EventKind, legal: bool) -> list[str]:
    """Where a message of `spec` to `user` goes: always the inbox; the log channel when the
    instance uses it; e-mail and SMS by the person's choice for the category (instance default
    without one) — and, for legal notices, every channel the instance sets for the category
    whatever the person chose (preferences can add to legal notices, never take away)."""
    defaults = config.category_defaults(spec.category)
    optional = config.optional_channels()
    chosen = _choices(user, spec.category)
    out = [config.INAPP]
    for code in (config.EMAIL, config.SMS, config.LOG):
        default = code in defaults
        if code == config.LOG or (legal and default):
            on = default
        elif code in optional and (spec.category, code) in chosen:
            on = chosen[(spec.category, code)]
        else:
            on = default
        if on:
            out.append(code)
    return out


def preferences_for(*, user: User) -> dict:
    """The preference form of API and page: per category, each channel a person may choose."""
    optional = config.optional_channels()
    chosen = _choices(user)
    legal_categories = {k.category for k in kinds() if k.legal}
    labels = dict(Channel.choices)
    out = []
    for cat in categories():
        defaults = config.category_defaults(cat.code)
        legal = cat.code in legal_categories
        rows = [
            {"channel": config.INAPP, "label": labels[config.INAPP], "enabled": True, "fixed": True,
             "legal_always": legal}
        ]  # fmt: skip
        for code in optional:
            rows.append(
                {
                    "channel": code,
                    "label": labels[code],
                    "enabled": chosen.get((cat.code, code), code in defaults),
                    "fixed": False,
                    "legal_always": legal and code in defaults,
                }
            )
        out.append(
            {
                "category": cat.code,
                "label": cat.label,
                "description": cat.description,
                "legal": legal,
                "channels": rows,
            }
        )
    hours = config.quiet_hours()
    return {
        "categories": out,
        "quiet_hours": f"{hours.start:%H:%M}-{hours.end:%H:%M}" if hours else None,
    }
