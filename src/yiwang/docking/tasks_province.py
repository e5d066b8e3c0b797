"""Background job of the provincial docking (imported by `DockingConfig.ready()` so Celery knows
it; the app's `tasks.py` is left to the other adapters)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone


@shared_task(name="yiwang.docking.tasks_province.province_catch_up")
def province_catch_up() -> dict:
    """Every ten minutes (beat): put the reports of the last two days' case events and ratings
    that have none (a follower task lost after its transition committed). Idempotent."""
    from .services import reporting

    return reporting.reports_catch_up(since=timezone.now() - timedelta(days=2))
