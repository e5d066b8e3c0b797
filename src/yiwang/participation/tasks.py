"""Background jobs of 共同缔造. Tasks take ids and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task
def proposals_overdue() -> int:
    """Hourly: proposals whose first department answer is overdue are notified, once per deadline."""
    from .services import proposals_notify_overdue

    return proposals_notify_overdue()


@shared_task
def proposal_overdue_notify(*, notice_id: int) -> int:
    """Legacy: queued by releases before the notification service; kept so that messages still in
    the broker arrive (once: same event keys)."""
    from .services import proposal_overdue_send

    return proposal_overdue_send(notice_id=notice_id)
