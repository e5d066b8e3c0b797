"""Background jobs of notifications. Tasks take ids and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task
def delivery_send(*, delivery_id: int) -> str:
    from .services import delivery_send as send

    return send(delivery_id=delivery_id)


@shared_task
def deliveries_send_due() -> int:
    """Every minute: retries whose time has come, SMS held over quiet hours, stalled sends."""
    from .services import deliveries_send_due as sweep

    return sweep()
