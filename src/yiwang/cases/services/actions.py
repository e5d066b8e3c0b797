"""The lifecycle of a case after submission (DESIGN.md §4.4): accept, refuse, request a
supplement, review, return, decide, complete, transfer, extend, stop and restart the clock,
withdraw. `case_apply_action` checks the action (cases.rules.action_check: 403 / 409 / 422),
then its handler writes the transition (cases.services.transitions) and the notice it issues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.catalog import forms as catalog_forms
from yiwang.core.errors import InvalidTransition, ValidationFailed
from yiwang.core.text import is_digits, reject_markup
from yiwang.core.workflow import Rule
from yiwang.licenses.services import license_issue_all
from yiwang.organizations.models import Department
from yiwang.organizations.selectors import clerk_window_for_item
from yiwang.workdays import selectors as workdays

from .. import clock
from ..clock import today
from ..models import Case, ClockStop, Delivery, NoticeKind, PartyRole, Status, StopKind
from ..rules import action_check
from ..special_procedures import SPECIAL_PROCEDURES, declared_procedures, kinds_text
from ..wording import remedy_for
from . import procedures
from .license_refs import _reverify_license_refs
from .submission import _decode_materials, _do_submit, _store, form_protect, form_reveal
from .transitions import _notice, _recomputed, _transition

EXTENSION_DAYS = 10  # 行政许可法 §42: the default of `catalog.ItemVersion.extension_days`
MAX_PROCEDURE_DAYS = 250  # an expected duration beyond a working year is a typing error


@dataclass
class Act:
    """One action being applied: who, to which case, on which day, with which fields."""

    case: Case
    actor: User
    action: str
    rule: Rule
    role: str
    note: str
    on: date
    fields: dict

    def go(self, *, to: str | None = None, data: dict | None = None, update: dict | None = None) -> Case:
        """Record the transition (status `to`, default: the rule's target or unchanged)."""
        target = to or self.rule.target or self.case.status
        self.case = _transition(
            case=self.case,
            action=self.action,
            to=target,
            actor=self.actor,
            role=self.role,
            version=self.case.version,
            note=self.note,
            on=self.on,
            data=data,
            fields=update,
        )
        return self.case

    def notice(self, kind: str | None = None, data: dict | None = None) -> None:
        _notice(case=self.case, kind=kind or self.rule.notice, on=self.on, data=data or {})

    @property
    def data(self) -> dict:
        return {k: v for k, v in self.fields.items() if v not in (None, "", [], {})}


@transaction.atomic
def case_apply_action(
    *,
    case: Case,
    actor: User,
    action: str,
    note: str = "",
    version: int | None = None,
    on: date | None = None,
    **fields: object,
) -> Case:
    """Apply one lifecycle action (API.md's list). Raises 403 / 409 / 422 per the contract."""
    on = on or today()
    rule, role = action_check(actor=actor, case=case, action=action, on=on, version=version)
    missing = {f: ["必填"] for f in rule.required if not str(fields.get(f) or "").strip()}
    if missing:
        raise ValidationFailed(fields=missing)
    note = (note or "").strip()
    for key, value in [("note", note), *((k, v) for k, v in fields.items() if isinstance(v, str))]:
        reject_markup(field=key, value=value)
    act = Act(
        case=case,
        actor=actor,
        action=action,
        rule=rule,
        role=role,
        note=note,
        on=on,
        fields=fields,
    )
    return _HANDLERS.get(action, _simple)(act)


def _simple(a: Act) -> Case:
    a.go(data=a.data)
    if a.rule.notice:
        a.notice(data={"note": a.note, **a.data})
    return a.case


def _submit(a: Act) -> Case:
    return _do_submit(case=a.case, actor=a.actor, role=a.role, on=a.on, note=a.note)


def _accept(a: Act) -> Case:
    case, on = a.case, a.on
    _reverify_license_refs(case, on=on)
    plan = procedures.accept_plan(case=case, tolerated=a.fields.get("tolerated"))  # 容缺, 冷静期
    if case.accepted_on:  # accepted before and sent back to the window: the clock goes on as it was
        accepted_on, limit = case.accepted_on, case.limit_days
        update = _recomputed(case, today_=on)
    else:
        accepted_on = clock.deemed_acceptance(case, today=on) or on
        limit = case.item_version.promised_limit_days
        statutory = case.item_version.statutory_limit_days
        if statutory is None or (limit is not None and statutory < limit):
            statutory = limit
        due, provisional = clock.due_date_for(
            accepted_on=accepted_on, limit_days=limit, extension_days=0, stops=[], today=on
        )
        statutory_due, _ = clock.due_date_for(
            accepted_on=accepted_on, limit_days=statutory or 0, extension_days=0, stops=[], today=on
        )
        update = {
            "accepted_on": accepted_on,
            "limit_days": limit,
            "due_date": due,
            "due_date_provisional": provisional,
            "statutory_limit_days": statutory,
            "statutory_due_date": statutory_due,
        }
    due = update["due_date"]
    if case.hall_id is None:
        window = clerk_window_for_item(user=a.actor, item=case.item)
        if window is not None:
            update.update(window_id=window.pk, hall_id=window.hall_id)
    data = {"accepted_on": accepted_on.isoformat(), "due_date": due.isoformat()}
    if update.get("statutory_due_date"):
        data["statutory_due_date"] = update["statutory_due_date"].isoformat()
    if accepted_on != on:
        data["deemed_accepted_on_receipt"] = True
    a.go(data={**data, **plan.data}, update={**update, **plan.update})
    a.notice(data={**data, "limit_days": limit})
    procedures.accept_after(case=a.case, plan=plan, on=on)
    return a.case


def _competent_agency(value: object, *, on: date) -> str:
    """§32 ②: the agency the applicant should apply to — a department of the platform (id or
    统一社会信用代码, as the page's list gives it) or the name the clerk typed."""
    ref = str(value or "").strip()
    if not ref:
        return ""
    depts = Department.objects.valid_on(on)
    found = (depts.filter(pk=int(ref)).first() if is_digits(ref) and len(ref) <= 9 else None) or (
        depts.filter(uscc=ref).first()
    )
    if found is not None:
        return found.name
    if len(ref) > 100:
        raise ValidationFailed(fields={"competent_agency": ["有权机关名称不能超过100个字"]})
    return ref


def _refuse(a: Act) -> Case:
    """不予受理 (§32): with the reason, the remedy, and — when the matter is not the department's to
    decide (§32 ②) — the competent agency the applicant should turn to."""
    agency = _competent_agency(a.fields.get("competent_agency"), on=a.on)
    data = {"reason": a.fields.get("reason")}
    if agency:
        data["competent_agency"] = agency
    remedy = remedy_for(a.case)
    if remedy:
        data["remedy"] = remedy
    a.go(data=data)
    a.notice(data={"note": a.note, **data})
    return a.case


def _request_supplement(a: Act) -> Case:
    if isinstance(a.fields.get("missing"), str):
        a.fields["missing"] = [a.fields["missing"]]
    a.go(data=a.data, update={"supplement_requested_on": a.on})
    a.notice(data={"note": a.note, **a.data})
    return a.case


def _supplement(a: Act) -> Case:
    update = {"received_on": a.on}
    form = a.fields.get("form")
    if form:
        merged = {**form_reveal(a.case.form), **form}
        update["form"] = form_protect(
            catalog_forms.form_validate(item_version=a.case.item_version, form=merged)
        )
    _store(
        case=a.case,
        actor=a.actor,
        uploads=_decode_materials(a.fields.get("materials") or [], version=a.case.item_version),
    )
    return a.go(update=update)


def _return(a: Act) -> Case:
    back = Status.ACCEPTED if a.case.status == Status.REVIEWED else Status.SUBMITTED
    return a.go(to=back, data=a.data)


def _decide(a: Act) -> Case:
    remedy = remedy_for(a.case) if a.action == "deny" else None
    data = {**a.data, **({"remedy": remedy} if remedy else {})}
    if a.action == "approve":  # a decision on a commitment opens its 事后核查
        data.update(procedures.verification_open(case=a.case, on=a.on))
    a.go(data=data, update={"decision": a.action})
    a.notice(data={"note": a.note, **data})
    return a.case


def _complete(a: Act) -> Case:
    """办结. Those who follow completions (好差评 invites the applicant to rate) hear of it after
    commit through cases.followers."""
    delivery = a.fields.get("delivery")
    if delivery not in Delivery.values:
        raise ValidationFailed(fields={"delivery": ["送达方式应为 window、post 或 electronic"]})
    a.go(data={"delivery": delivery}, update={"delivery": delivery, "completed_at": timezone.now()})
    # 电子证照: an approved case whose result is a licence gets it signed in this same transaction
    issued = (
        license_issue_all(
            case=a.case,
            holder=a.case.parties.filter(role=PartyRole.APPLICANT).first(),
            form=form_reveal(a.case.form or {}),
        )
        if a.case.decision == "approve"
        else []
    )
    a.notice(
        data={
            "delivery": delivery,
            "decision": a.case.decision,
            "licenses": [lic.identifier for lic in issued],
        }
    )
    return a.case


def _transfer(a: Act) -> Case:
    ref = str(a.fields.get("department", ""))
    depts = Department.objects.valid_on(a.on)
    target = (
        depts.filter(pk=int(ref)).first() if is_digits(ref) and len(ref) <= 18 else None
    ) or depts.filter(uscc=ref).first()
    if target is None:
        raise ValidationFailed(fields={"department": ["转办部门不存在或已撤销"]})
    if target.pk == a.case.department_id:
        raise ValidationFailed(fields={"department": ["不能转办给本部门"]})
    data = {
        "from_department": a.case.department.name,
        "to_department": target.name,
        "reason": a.fields.get("reason"),
    }
    return a.go(data=data, update={"department_id": target.pk, "region_id": target.region_id})


def _request_extension(a: Act) -> Case:
    """§42, step one: the reviewer asks for the item's extension, with the reason."""
    reason = str(a.fields["reason"]).strip()
    days = a.case.item_version.extension_days
    a.go(
        data={"reason": reason, "days": days},
        update={"extension_requested_on": a.on, "extension_reason": reason},
    )
    return a.case


def _extension_apply(a: Act, *, reason: str) -> Case:
    """The approved extension: the item's extension days added to both limits, the applicant
    told the reason and the new dates (延期告知书, and a message)."""
    days = a.case.item_version.extension_days
    update = {
        "extension_days": days,
        "extension_reason": reason,
        **_recomputed(a.case, extension_days=days, today_=a.on),
    }
    data = {"reason": reason, "days": days, "due_date": update["due_date"].isoformat()}
    if update.get("statutory_due_date"):
        data["statutory_due_date"] = update["statutory_due_date"].isoformat()
    a.go(data=data, update=update)
    a.notice(kind=NoticeKind.EXTENSION, data=data)
    return a.case


def _approve_extension(a: Act) -> Case:
    """§42, step two: the head (approver) approves the pending request."""
    return _extension_apply(a, reason=a.case.extension_reason or str(a.fields.get("reason") or ""))


def _reject_extension(a: Act) -> Case:
    """§42, step two declined: the head does not approve; the limits stay as they are, the
    request is recorded as declined with the reason, and the reviewer may ask again."""
    reason = str(a.fields["reason"]).strip()
    requested_on = a.case.extension_requested_on
    a.go(
        data={"reason": reason, "requested_on": requested_on.isoformat(), "request": a.case.extension_reason},
        update={"extension_requested_on": None, "extension_reason": ""},
    )
    return a.case


def _extend(a: Act) -> Case:
    """The alias of both steps for one approver: asked and approved at once."""
    return _extension_apply(a, reason=str(a.fields["reason"]).strip())


def _expected_days(a: Act, declared: dict) -> int:
    raw = a.fields.get("expected_days")
    if raw in (None, ""):
        raw = declared.get("duration_days")
    try:
        days = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationFailed(
            fields={
                "expected_days": ["请填写特别程序预计所需的工作日数（《行政许可法》第四十五条要求书面告知）"]
            }
        ) from None
    if not 1 <= days <= MAX_PROCEDURE_DAYS:
        raise ValidationFailed(fields={"expected_days": [f"预计所需时间应为1至{MAX_PROCEDURE_DAYS}个工作日"]})
    return days


def _stop(a: Act) -> Case:
    special = a.action == "start_special_procedure"
    kind = str(a.fields.get("kind") or "")
    data: dict = {}
    planned_end = None
    basis = ""
    if special:
        declared = declared_procedures(a.case.item_version.special_procedures)
        if kind not in declared:
            allowed = kinds_text(declared)
            message = (
                f"本事项列明的特别程序为：{allowed}" if declared else "本事项未列明任何特别程序，不能停止计时"
            )
            raise ValidationFailed("特别程序须为本事项列明（附法律依据）的种类", fields={"kind": [message]})
        entry = declared[kind]
        days = _expected_days(a, entry)
        planned_end = workdays.add_workdays(a.on, days).date
        basis = str(entry.get("basis") or "")
        data = {
            "kind": kind,
            "kind_label": SPECIAL_PROCEDURES[kind],
            "name": entry.get("name") or SPECIAL_PROCEDURES[kind],
            "basis": basis,
            "expected_days": days,
            "planned_end": planned_end.isoformat(),
        }
        if a.fields.get("basis"):
            data["case_basis"] = a.fields["basis"]
    else:
        data = {"reason": a.fields.get("reason")}
    ClockStop.objects.create(
        case=a.case,
        kind=StopKind.SPECIAL_PROCEDURE if special else StopKind.SUSPENSION,
        procedure=kind if special else "",
        legal_basis=basis,
        reason=a.fields.get("reason", "") or a.note,
        started_on=a.on,
        planned_end=planned_end,
    )
    a.go(data=data, update={"clock_stopped": True})
    if special:
        a.notice(data=data)
    return a.case


def _restart(a: Act) -> Case:
    kind = StopKind.SPECIAL_PROCEDURE if a.action == "end_special_procedure" else StopKind.SUSPENSION
    stop = a.case.stops.filter(kind=kind, ended_on__isnull=True).first()
    if stop is None:
        raise InvalidTransition(
            "没有进行中的特别程序" if kind == StopKind.SPECIAL_PROCEDURE else "办件未挂起"
        )
    ClockStop.objects.filter(pk=stop.pk).update(ended_on=a.on)
    update = {"clock_stopped": False, **_recomputed(a.case, today_=a.on)}
    stopped = workdays.workdays_between(stop.started_on, a.on) if a.on > stop.started_on else 0
    return a.go(data={"stopped_workdays": stopped, "due_date": update["due_date"].isoformat()}, update=update)


def _withdraw(a: Act) -> Case:
    ClockStop.objects.filter(case=a.case, ended_on__isnull=True).update(ended_on=a.on)
    return a.go(update={"clock_stopped": False})


_HANDLERS = {
    "submit": _submit,
    "accept": _accept,
    "request_supplement": _request_supplement,
    "supplement": _supplement,
    "return": _return,
    "approve": _decide,
    "deny": _decide,
    "complete": _complete,
    "transfer": _transfer,
    "refuse": _refuse,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "reject_extension": _reject_extension,
    "extend": _extend,
    "start_special_procedure": _stop,
    "suspend": _stop,
    "end_special_procedure": _restart,
    "resume": _restart,
    "withdraw": _withdraw,
    "tolerance_receive": procedures.tolerance_receive,
    "tolerance_lapse": procedures.tolerance_lapse,
    "verify_confirm": procedures.verify_confirm,
    "verify_false": procedures.verify_false,
    "confirm_divorce": procedures.confirm_divorce,
    "cooling_off_withdraw": procedures.cooling_off_withdraw,
}
