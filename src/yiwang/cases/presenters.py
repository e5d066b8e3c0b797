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
from .models import Case, CaseEvent, CaseParty, Commitment, CoolingOff, Status, Verification
from .wording import wording_for

STATUS_LABELS = dict(Status.choices)
CLOCK_LABELS = {"running": "计时中", "stopped": "暂停计时", "not_started": "未开始"}


def status_label(case: Case) -> str:
    """The status in the words of the item type (准予许可 / 予以确认 / 准予给付 / 已办理)."""
    if case.status in (Status.APPROVED, Status.DENIED):
        words = wording_for(case)
        return words.approve if case.status == Status.APPROVED else words.deny
    return STATUS_LABELS[case.status]


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def clock_out(view: clock.ClockView) -> dict:
    """The deadlines besides the promised due date: the statutory one, acceptance after a
    supplement (§32 ⑤) and the planned end of an open special procedure (§45), each with the
    one warning light."""
    return {
        "statutory_due_date": _day(view.statutory_due_date),
        "acceptance_due_date": _day(view.acceptance_due_date),
        "acceptance_warning_level": view.acceptance_warning if view.acceptance_due_date else None,
        "special_procedure_planned_end": _day(view.procedure_end),
        "special_procedure_warning_level": view.procedure_warning if view.procedure_end else None,
    }


def remedy_out(events: Sequence[CaseEvent]) -> dict | None:
    """The remedy named by the latest adverse decision (refusal, denial, revocation), as stored
    with it; None before any."""
    for e in reversed(events):
        remedy = (e.data or {}).get("remedy")
        if isinstance(remedy, dict):
            return {k: remedy.get(k) for k in ("review_body", "review_days", "court", "litigation_months")}
    return None


def party_out(p: CaseParty) -> dict:
    return {
        "role": p.role,
        "role_label": p.get_role_display(),
        "name": p.name if p.id_type == "001" else mask("name", p.name),
        "id_type": p.id_type,
        "id_number": p.id_number if p.id_type == "001" else mask("id_number", p.id_number),
    }


def case_summary(case: Case, *, today: date, cal: WorkCalendar) -> dict:
    """A case's line in a list. `cal` is required: a list reads the working calendar once
    (`workdays.calendar()`, one statement), not once per row."""
    view = clock.clock_view(case, today=today, cal=cal)
    return {
        "number": case.number,
        "item_code": case.item.code,
        "item_name": case.item_version.name,
        "department": case.department.name,
        "status": case.status,
        "status_label": status_label(case),
        "version": case.version,
        "channel": case.channel,
        "submitted_at": local_time(case.submitted_at),
        "due_date": view.due_date.isoformat() if view.due_date else None,
        "due_date_provisional": view.provisional,
        "working_days_left": view.working_days_left,
        "warning_level": view.warning_level,
        "warning_label": workdays.WARNING_LABELS[view.warning_level],
        "clock": view.clock,
        **clock_out(view),
    }


def procedures_out(case: Case, *, today: date) -> dict:
    """容缺受理, 告知承诺制 and 离婚冷静期 as the case body shows them (one query on most cases)."""
    out: dict = {
        "route": case.route,
        "tolerated": [
            {
                "code": t.material_code,
                "name": t.material_name,
                "due_on": t.due_on.isoformat(),
                "received_on": t.received_on.isoformat() if t.received_on else None,
                "lapsed_on": t.lapsed_on.isoformat() if t.lapsed_on else None,
                "reminded_on": t.reminded_on.isoformat() if t.reminded_on else None,
            }
            for t in (case.tolerated.all() if case.tolerance else ())
        ],
        "commitment": None,
        "verification": None,
        "cooling_off": None,
    }
    if case.route == "commitment":
        c = Commitment.objects.filter(case=case).first()
        if c is not None:
            out["commitment"] = {"text": c.text, "sha256": c.sha256, "accepted_at": local_time(c.accepted_at)}
        v = Verification.objects.filter(case=case).first()
        if v is not None:
            level, left = workdays.warning_light(due=v.due_on, today=today)
            pending = v.status == "pending"
            out["verification"] = {
                "status": v.status,
                "status_label": v.get_status_display(),
                "due_on": v.due_on.isoformat(),
                "warning_level": level if pending else "normal",
                "working_days_left": left if pending else None,
                "finding": v.finding or None,
                "found_on": v.found_on.isoformat() if v.found_on else None,
            }
    if case.item_version.cooling_off_days:
        co = CoolingOff.objects.filter(case=case).first()
        if co is not None:
            out["cooling_off"] = {
                "received_on": co.received_on.isoformat(),
                "withdraw_until": co.withdraw_until.isoformat(),
                "confirm_until": co.confirm_until.isoformat(),
                "applicant_confirmed_on": co.applicant_confirmed_on.isoformat()
                if co.applicant_confirmed_on
                else None,
                "other_confirmed_on": co.other_confirmed_on.isoformat() if co.other_confirmed_on else None,
                "outcome": co.outcome or None,
            }
    return out


def case_detail(
    case: Case,
    *,
    today: date,
    events: Iterable[CaseEvent],
    parties: Sequence[CaseParty],
    masked_form: dict,
    cal: WorkCalendar | None = None,
) -> dict:
    view = clock.clock_view(case, today=today, cal=cal)
    applicant = next((p for p in parties if p.role == "applicant"), None)
    events = list(events)
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
        "status_label": status_label(case),
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
        **clock_out(view),
        "extension_requested_on": _day(case.extension_requested_on),
        "decision": case.decision or None,
        "remedy": remedy_out(events),
        "delivery": case.delivery or None,
        **procedures_out(case, today=today),
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
