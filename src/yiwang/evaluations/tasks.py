"""Background jobs of evaluations. Tasks take ids and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task
def invitation_send(*, invitation_id: int, reminder: bool) -> bool:
    """Legacy: queued by releases before the notification service (now the service queues
    `notifications.tasks.delivery_send`); kept so that messages still in the broker arrive once."""
    from .services import invitation_send as send

    return send(invitation_id=invitation_id, reminder=reminder)


@shared_task
def invitations_remind() -> int:
    """Hourly: the one reminder for invitations unrated after 3 calendar days."""
    from .services import invitations_remind as remind

    return remind()


@shared_task
def orders_escalate() -> int:
    """Hourly: overdue bad-review work orders go to the supervisors (once per order)."""
    from .services import orders_escalate_overdue

    return orders_escalate_overdue()


@shared_task
def order_escalation_notify(*, order_id: int, reason: str) -> int:
    """Legacy, as `invitation_send`."""
    from .services import order_escalation_notify as notify

    return notify(order_id=order_id, reason=reason)
