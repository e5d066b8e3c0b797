"""Formats of the API contract (API.md)."""

from django.utils import timezone


def local_time(dt):
    """ISO 8601 in Asia/Shanghai to the second: 2026-11-25T14:03:00+08:00."""
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None
