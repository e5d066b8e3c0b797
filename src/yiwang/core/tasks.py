"""Background jobs of core: the outbox's delivery and its sweep (core/outbox.py). Tasks take ids
and are idempotent: a second delivery task for the same message finds it taken or sent and does
nothing."""

from __future__ import annotations

import logging

from celery import current_app, shared_task

from . import outbox

log = logging.getLogger("yiwang.core.outbox")


def outbox_enqueue(*, message_id: int, countdown: float | None = None) -> None:
    """Queue one delivery. If the broker cannot take it, the sweep will find the message. Run
    eagerly (CELERY_TASK_ALWAYS_EAGER: no worker) a delayed retry is left to the sweep: an eager
    task ignores the countdown and would spend every attempt at once."""
    if countdown and current_app.conf.task_always_eager:
        return
    try:
        if countdown:
            outbox_deliver.apply_async(kwargs={"message_id": message_id}, countdown=countdown)
        else:
            outbox_deliver.delay(message_id=message_id)
    except Exception as exc:
        log.warning(
            "outbox message %s: could not queue delivery (%s); the sweep will", message_id, type(exc).__name__
        )


@shared_task
def outbox_deliver(*, message_id: int) -> str:
    """One attempt to send one message; queues the retry and the next message of its key."""
    result = outbox.outbox_deliver(message_id=message_id)
    if result.retry_in is not None:
        outbox_enqueue(message_id=message_id, countdown=result.retry_in)
    for pk in result.unblocked:
        outbox_enqueue(message_id=pk)
    return result.outcome


@shared_task
def outbox_sweep() -> int:
    """Every 30 s (beat): queue what is due — after a crash, a lost task or a broker outage."""
    due = outbox.outbox_due()
    for pk in due:
        outbox_enqueue(message_id=pk)
    return len(due)
