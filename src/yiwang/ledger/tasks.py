"""Ledger background jobs."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="ledger.tasks.integrate")
def integrate(*, max_batch: int = 5000) -> int:
    """Every few seconds (beat): integrate committed pending entries. Safe to run anywhere, any
    number of times: the lease lets one sequencer work at a time."""
    from .services import sequencer_run

    return sequencer_run(max_batch=max_batch)


@shared_task(name="ledger.tasks.witness")
def witness() -> int:
    """After each integration, and every minute: collect our witnesses' cosignatures on the latest
    checkpoint. A witness that is down is retried on the next run."""
    from .services import witnesses_collect

    return witnesses_collect()
