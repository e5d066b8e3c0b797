"""Background jobs of the halls app (Celery beat, settings.CELERY_BEAT_SCHEDULE). Idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task
def appointments_sweep() -> dict:
    """Every few minutes: reminders (the day before, an hour before) and no-shows."""
    from . import services

    return {"reminded": services.appointments_remind(), "no_shows": services.appointments_mark_no_shows()}
