"""Background jobs of the cases app. Tasks take ids and are idempotent."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

log = logging.getLogger("yiwang.cases")


@shared_task
def case_changed(*, case_id: int, action: str, notice_ids: list[int] | tuple[int, ...] = ()) -> None:
    """After a transition commits: seal the notices it issued (`notice_ids`, so a submission
    publishes one task, not two), log it (no personal data) and tell the followers. A notice whose
    sealing fails here is sealed by `notices_seal_sweep`; the followers are told regardless."""
    from . import followers
    from .services import sealing

    for notice_id in notice_ids:
        try:
            sealing.notice_seal(notice_id=notice_id)
        except Exception:
            log.exception("notice %s: sealing failed, left to the sweep", notice_id)
    log.info("case %s changed: %s", case_id, action)
    followers.notify(case_id=case_id, action=action)


def case_changed_on_commit(
    *, case_id: int, action: str, notice_ids: list[int] | tuple[int, ...] = ()
) -> None:
    """Queue `case_changed` once the caller's transaction commits (after every transition and
    submission). The arguments' log text is given (ids and an action word), so Celery does not
    build it with its `saferepr` on the request path."""
    kwargs = {"case_id": case_id, "action": action, "notice_ids": list(notice_ids)}
    transaction.on_commit(
        lambda: case_changed.apply_async(kwargs=kwargs, argsrepr="()", kwargsrepr=repr(kwargs))
    )


@shared_task
def notice_seal(*, notice_id: int) -> None:
    """After the commit that issued a notice: render, seal and store its PDF (once; a download
    that came first has done it already)."""
    from .services import sealing

    sealing.notice_seal(notice_id=notice_id)


@shared_task
def notices_seal_sweep() -> int:
    """Every minute: seal recent notices whose `notice_seal` task was lost in a crash."""
    from .services import sealing

    return sealing.notices_seal_pending()


@shared_task
def sweep_overdue() -> dict:
    """Hourly: count cases in 黄灯 / 红灯 for the supervisors' dashboard and the log."""
    from .selectors import warning_counts

    counts = warning_counts(today=timezone.localdate())
    log.info("overdue sweep: %s", counts)
    return counts


@shared_task
def procedures_sweep() -> dict:
    """Hourly: 容缺 reminders before the deadline, 离婚登记 applications lapsed after the
    confirmation period (cases/services/procedures.py)."""
    from .services.procedures import procedures_sweep as sweep

    return sweep()
