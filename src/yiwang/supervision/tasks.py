"""Scheduled jobs of supervision (celery beat, and the embedded scheduler of `make demo`). Tasks
take no state and are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task
def reports_produce() -> dict:
    """Hourly (acts once a day per kind and period): bulletins of the day, week, month and quarter,
    and the quarter's assessments."""
    from .services import reports_produce as produce

    return produce()


@shared_task
def tasks_sweep() -> dict:
    """Hourly: absorb findings and escalated bad reviews; escalate overdue tasks once; fold the
    summaries' pending marks (reads do it too: this keeps the first read of the day short)."""
    from .services import tasks_absorb, tasks_escalate_overdue
    from .summaries import refresh

    made = tasks_absorb()
    made["escalated"] = tasks_escalate_overdue()
    made["summary_days"] = refresh()
    return made
