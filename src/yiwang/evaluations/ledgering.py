"""What evaluations write to the ledger (全程留痕): every rating and every step of a bad-review
work order, as pending entries in the same transaction as the change. Entries name the rated case
only by its salted commitment (cases.ledgering.commitment), never the rater: the payload carries
no rater id (anonymous ratings stay anonymous), only what was rated and how.

`yiwang ledger verify` re-derives each payload from the live rows (functions registered in
EvaluationsConfig.ready). The rating payload leaves out `excluded`: an accepted appeal changes it
legitimately, and that change has its own step entry."""

from __future__ import annotations

from yiwang.cases.ledgering import commitment
from yiwang.core.formats import local_time
from yiwang.ledger import rederive
from yiwang.ledger import services as ledger

from .models import Evaluation, WorkOrder, WorkOrderStep

RATED = "evaluation.rated"
STEP_PREFIX = "evaluation.order."


def rating_payload(ev: Evaluation) -> dict:
    return {
        "evaluation": ev.pk,
        "case": ev.case.number,
        "stage": ev.stage,
        "level": ev.level,
        "channel": ev.channel,
        "channel_class": ev.channel_class,
        "dimension_kind": ev.dimension_kind,
        "dimensions": ev.dimensions,
        "tags": ev.tags,
        "comment": ev.comment,
        "anonymous": ev.anonymous,
        "entered_by": ev.entered_by_id,
        "department": ev.department_id,
        "hall": ev.hall_id,
        "window": ev.window_id,
        "staff": ev.staff_id,
        "item": ev.item_id,
        "ticket": ev.ticket,
        "rated_at": local_time(ev.rated_at),
    }


def step_payload(step: WorkOrderStep, *, order: WorkOrder) -> dict:
    return {
        "order": order.number,
        "seq": step.seq,
        "action": step.action,
        "from": step.from_status,
        "to": step.to_status,
        "actor": step.actor_id,
        "actor_role": step.actor_role,
        "at": local_time(step.at),
        "on": step.on.isoformat(),
        "note": step.note,
        "data": step.data,
    }


def record_rating(ev: Evaluation) -> None:
    """Append the rating's entry (call inside the transaction that stored it)."""
    ledger.entry_append(
        kind=RATED,
        subject=commitment(ev.case),
        payload=rating_payload(ev),
        actor_role="staff" if ev.entered_by_id else "applicant",
        at=ev.rated_at,
    )


def record_step(step: WorkOrderStep, *, order: WorkOrder) -> None:
    """Append a work-order step's entry (call inside the transaction that stored it)."""
    ledger.entry_append(
        kind=STEP_PREFIX + step.action,
        subject=commitment(order.evaluation.case),
        payload=step_payload(step, order=order),
        actor_role=step.actor_role,
        at=step.at,
    )


def _stored(row) -> dict:
    return row.payload if isinstance(row.payload, dict) else {}


def _rederive_rating(row) -> dict | None:
    ev = Evaluation.objects.select_related("case").filter(pk=_stored(row).get("evaluation")).first()
    return rating_payload(ev) if ev else None


def _rederive_step(row) -> dict | None:
    stored = _stored(row)
    step = (
        WorkOrderStep.objects.select_related("order")
        .filter(order__number=stored.get("order"), seq=stored.get("seq"))
        .first()
    )
    return step_payload(step, order=step.order) if step else None


def register() -> None:
    rederive.register(RATED, _rederive_rating)
    rederive.register(STEP_PREFIX, _rederive_step)
