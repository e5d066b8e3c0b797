"""The one place a case changes state: the case workflow (cases.rules.workflow, core.workflow)
with its `record` function. A conditional UPDATE on `version` lets exactly one of two staff acting
at once win (the other gets 409 stale_version) on SQLite and PostgreSQL alike; the winner's step
is an immutable CaseEvent with its ledger entry, written in the same transaction; after commit,
`tasks.case_changed` tells the followers (cases.followers); inside the transaction,
`cases.hooks.transitioned` lets higher apps write what must commit with the change (outbox). Notices and due-date recomputation,
shared by submission, actions and bulk changes, live here too."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.core import rawinsert
from yiwang.core.workflow import Step

from .. import clock, hooks, ledgering, messages, rules, tasks
from ..models import Case, CaseEvent, Notice


def _record(case: Case, step: Step) -> CaseEvent:
    """The workflow's `record`: the immutable event of a step and its ledger entry."""
    event = CaseEvent(
        case=case,
        seq=step.seq,
        action=step.action,
        from_status=step.frm,
        to_status=step.to,
        actor=step.actor,
        actor_role=step.role,
        at=timezone.now(),
        note=step.note,
        data=step.data,
    )
    ledgering.record(case, events=[event])  # the entry first: the event is inserted once
    event.save(force_insert=True)
    return event


workflow = rules.workflow.with_record(_record)


def _transition(
    *,
    case: Case,
    action: str,
    to: str,
    actor: User | None,
    role: str,
    version: int,
    note: str = "",
    on: date | None = None,
    data: dict | None = None,
    fields: dict | None = None,
) -> Case:
    """Move `case` to `to` if nobody moved it since `version`, record the event, and tell the
    followers after commit. Returns the instance, updated in place."""
    case = workflow.transition(
        case,
        action=action,
        to=to,
        actor=actor,
        role=role,
        note=note,
        on=on,
        data=data,
        update=fields,
        version=version,
    )
    hooks.transition_recorded(case=case, action=action, actor=actor)  # same transaction
    tasks.case_changed_on_commit(case_id=case.pk, action=action)
    return case


def _event(
    *,
    case: Case,
    action: str,
    frm: str,
    to: str,
    actor: User | None,
    role: str,
    note: str = "",
    data: dict | None = None,
    on: date | None = None,
) -> CaseEvent:
    """An event of a change that is no transition (a draft created, cases moved by an
    organisational change): recorded like every step, at the case's current version."""
    step = Step(
        action=action,
        frm=frm,
        to=to,
        seq=case.version,
        actor=actor,
        role=role,
        note=note,
        on=on,
        data=data or {},
    )
    return _record(case, step)


def _notice(
    *, case: Case, kind: str, on: date, data: dict, seq: int | None = None, seal: bool = True
) -> Notice:
    """Issue a notice in the caller's transaction. `seal=False`: the caller queues the sealing
    itself, with its own after-commit task (`tasks.case_changed`'s `notice_ids`: one publish)."""
    notice = _notice_new(case=case, kind=kind, on=on, data=data, seq=seq)
    ledgering.record(case, notices=[notice])  # the entry first: the notice is inserted once
    return _notice_write(case=case, notice=notice, seal=seal)


def _notice_new(*, case: Case, kind: str, on: date, data: dict, seq: int | None = None) -> Notice:
    """The notice `_notice` issues, not yet written (a caller that records it in the ledger with
    other rows: `ledgering.record`, then `_notice_write`)."""
    seq = seq or case.notices.count() + 1
    return Notice(
        case=case,
        kind=kind,
        number=f"{case.number}-{seq:02d}",
        issued_at=timezone.now(),
        data={"on": on.isoformat(), **data},
        electronic=case.electronic_delivery,
    )


def _notice_write(*, case: Case, notice: Notice, seal: bool = True) -> Notice:
    """Insert a notice already recorded in the ledger and tell the applicant."""
    if notice.ledger_entry is None:
        raise ValueError("a notice is recorded in the ledger before it is written")
    rawinsert.insert([notice])
    # Sealing (rendering and signing the PDF) happens after commit, never in this request.
    if seal:
        transaction.on_commit(lambda: tasks.notice_seal.delay(notice_id=notice.pk))
    messages.applicant_notify(case=case, notice=notice)
    return notice


def _recomputed(case: Case, *, extension_days: int | None = None, today_: date) -> dict:
    """The due dates — promised (and whether it is provisional) and statutory — from the
    acceptance day, the limits, the extension and the clock stops."""
    ext = case.extension_days if extension_days is None else extension_days
    stops = list(case.stops.all())
    due, provisional = clock.due_date_for(
        accepted_on=case.accepted_on,
        limit_days=case.limit_days or 0,
        extension_days=ext,
        stops=stops,
        today=today_,
    )
    out = {"due_date": due, "due_date_provisional": provisional}
    if case.statutory_limit_days is not None:
        out["statutory_due_date"], _ = clock.due_date_for(
            accepted_on=case.accepted_on,
            limit_days=case.statutory_limit_days,
            extension_days=ext,
            stops=stops,
            today=today_,
        )
    return out
