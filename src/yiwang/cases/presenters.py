"""How a case is shown: the API's case body, with personal data masked. Shared by the API and
the pages so both say the same thing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from yiwang.catalog.models import CaseKind
from yiwang.core.formats import local_time
from yiwang.core.masking import mask
from yiwang.workdays import selectors as workdays
from yiwang.workdays.selectors import WorkCalendar

from . import clock
from .models import Case, CaseEvent, CaseParty, Status

STATUS_LABELS = dict(Status.choices)
CLOCK_LABELS = {"running": "计时中", "stopped": "暂停计时", "not_started": "未开始"}


def party_out(p: CaseParty) -> dict:
    return {
        "role": p.role,
        "role_label": p.get_role_display(),
        "name": p.name if p.id_type == "001" else mask("name", p.name),
        "id_type": p.id_type,
        "id_number": p.id_number if p.id_type == "001" else mask("id_number", p.id_number),
    }


def case_summary(case: Case, *, today: date, cal: WorkCalendar | None = None) -> dict:
    view = clock.clock_view(case, today=today, cal=cal)
    return {
        "number": case.number,
        "item_code": case.item.code,
        "item_name": case.item_version.name,
        "department": case.department.name,
        "status": case.status,
        "status_label": STATUS_LABELS[case.status],
        "version": case.version,
        "channel": case.channel,
        "submitted_at": local_time(case.submitted_at),
        "due_date": view.due_date.isoformat() if view.due_date else None,
        "due_date_provisional": view.provisional,
        "working_days_left": view.working_days_left,
        "warning_level": view.warning_level,
        "warning_label": workdays.WARNING_LABELS[view.warning_level],
        "clock": view.clock,
    }


def case_detail(
    case: Case,
    *,
    today: date,
    events: Iterable[CaseEvent],
    parties: Sequence[CaseParty],
    masked_form: dict,
) -> dict:
    view = clock.clock_view(case, today=today)
    applicant = next((p for p in parties if p.role == "applicant"), None)
    return {
        "number": case.number,
        "item_code": case.item.code,
        "item_name": case.item_version.name,
        "item_version": case.item_version.version,
        "case_kind": "immediate" if case.item_version.case_kind == CaseKind.IMMEDIATE else "promised",
        "department": case.department.name,
        "region": case.region.code,
        "hall": case.hall.name if case.hall_id else None,
        "channel": case.channel,
        "status": case.status,
        "status_label": STATUS_LABELS[case.status],
        "version": case.version,
        "applicant": party_out(applicant) if applicant else None,
        "parties": [party_out(p) for p in parties],
        "form": masked_form,
        "submitted_at": local_time(case.submitted_at),
        "received_on": case.received_on.isoformat() if case.received_on else None,
        "accepted_on": case.accepted_on.isoformat() if case.accepted_on else None,
        "limit_days": case.limit_days,
        "extension_days": case.extension_days,
        "due_date": view.due_date.isoformat() if view.due_date else None,
        "due_date_provisional": view.provisional,
        "working_days_left": view.working_days_left,
        "warning_level": view.warning_level,
        "warning_label": workdays.WARNING_LABELS[view.warning_level],
        "clock": view.clock,
        "clock_label": "已结束" if case.status in clock.FINISHED else CLOCK_LABELS[view.clock],
        "decision": case.decision or None,
        "delivery": case.delivery or None,
        "electronic_delivery": case.electronic_delivery,
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "from": e.from_status or None,
                "to": e.to_status,
                "actor": (
                    str(e.actor) if e.actor and e.actor.kind == "staff" else ("申请人" if e.actor else "系统")
                ),
                "actor_role": e.actor_role,
                "at": local_time(e.at),
                "note": e.note,
                "data": e.data,
            }
            for e in events
        ],
    }
