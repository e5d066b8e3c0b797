"""Beat tasks: hand in attempts whose time is up; certification expiry reminders."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task
def attempts_sweep() -> int:
    from . import services

    return services.attempts_sweep()


@shared_task
def certifications_remind() -> int:
    from . import services

    return services.certification_reminders(today=timezone.localdate())
