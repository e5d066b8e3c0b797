"""How ratings and work orders are shown (API and pages say the same thing)."""

from __future__ import annotations

from datetime import date

from yiwang.core.formats import local_time
from yiwang.core.masking import mask_name
from yiwang.workdays import selectors as workdays

from .models import BAD_TAGS, DIMENSIONS, Evaluation, WorkOrder, WorkOrderStep
from .selectors import order_warning
from .services import ACTION_LABELS


def evaluation_out(ev: Evaluation, *, show_rater: bool = False) -> dict:
    dims = DIMENSIONS.get(ev.dimension_kind, {})
    rater = None
    if show_rater and not ev.anonymous and ev.rater_id:
        rater = mask_name(str(ev.rater))
    return {
        "id": ev.pk,
        "case": ev.case.number,
        "department": {"id": ev.department_id, "name": ev.department.name},
        "stage": ev.stage,
        "stage_label": ev.get_stage_display(),
        "level": ev.level,
        "level_label": ev.get_level_display(),
        "channel": ev.channel,
        "channel_label": ev.get_channel_display(),
        "channel_class": ev.channel_class,
        "channel_class_label": ev.get_channel_class_display(),
        "dimension_kind": ev.dimension_kind,
        "dimensions": [
            {"code": k, "label": dims.get(k, k), "level": v} for k, v in sorted(ev.dimensions.items())
        ],
        "tags": [{"code": t, "label": BAD_TAGS.get(t, t)} for t in ev.tags],
        "comment": ev.comment,
        "anonymous": ev.anonymous,
        "rater": rater,
        "rated_at": local_time(ev.rated_at),
        "excluded": ev.excluded,
        "work_order": ev.work_order.pk if hasattr(ev, "work_order") else None,
    }


def step_out(s: WorkOrderStep) -> dict:
    return {
        "seq": s.seq,
        "action": s.action,
        "action_label": ACTION_LABELS.get(s.action, s.action),
        "from": s.from_status or None,
        "to": s.to_status,
        "actor": str(s.actor)
        if s.actor_id and s.actor.kind == "staff"
        else ("评价人" if s.actor_id else "系统"),
        "actor_role": s.actor_role,
        "at": local_time(s.at),
        "on": s.on.isoformat(),
        "note": s.note,
        "data": s.data,
    }


def order_out(order: WorkOrder, *, today: date, cal=None, steps=None, staff_view: bool = True) -> dict:
    level, left = order_warning(order, today=today, cal=cal)
    ev = order.evaluation
    out = {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "status_label": order.get_status_display(),
        "version": order.version,
        "case": ev.case.number,
        "level": ev.level,
        "level_label": ev.get_level_display(),
        "tags": [{"code": t, "label": BAD_TAGS.get(t, t)} for t in ev.tags],
        "comment": ev.comment,
        "anonymous": ev.anonymous,
        "department": order.department.name,
        "unit": order.unit.name if order.unit_id else None,
        "received_on": order.received_on.isoformat(),
        "limit_days": order.limit_days,
        "due_date": order.due_date.isoformat(),
        "working_days_left": left,
        "warning_level": level,
        "warning_label": workdays.WARNING_LABELS[level],
        "escalated": order.escalated_at is not None,
        "disposal": order.disposal or None,
        "rectify_deadline": order.rectify_deadline.isoformat() if order.rectify_deadline else None,
        "handled_on": order.handled_on.isoformat() if order.handled_on else None,
        "revisit_result": order.revisit_result or None,
        "reopened": order.reopen_count > 0,
        "closed_on": order.closed_on.isoformat() if order.closed_on else None,
    }
    if steps is not None:
        out["steps"] = [step_out(s) for s in steps]
    return out
