"""容缺受理, 告知承诺制 (国办发〔2020〕42号) and the 离婚冷静期 (《民法典》§1077) as procedures.

- 容缺受理: at `accept`, the clerk names the tolerable materials the case goes ahead without
  (`tolerated`; online cases also without the tolerable materials they lack); each is tracked
  with its deadline (the item's working days) and a 容缺受理告知书; the applicant is reminded
  when the deadline is two working days away or less (`procedures_sweep`, a periodic task); once
  it passes the department applies the item's rule (`tolerance_lapse`: suspend the decision, or
  refuse); no approval while a material is outstanding (cases.rules).
- 告知承诺制: the applicant chooses the route at submission and accepts the item's 承诺书, stored
  with the case (its SHA-256 in the submission's ledger entry); the approval made on it opens a
  事后核查 for the department (due on the working-day clock); `verify_false` revokes the decision
  and its licences (status list) and records the applicant's 失信 entry.
- 离婚冷静期: accepting a 离婚登记 starts the 冷静期 (a clock stop); either party may withdraw
  until it ends; both confirm in person within the following days (the item's setting), or the
  application lapses (`procedures_sweep`).

Every step is one transaction, a workflow transition (its CaseEvent is the ledger entry), and
the applicant is told through a notice (cases/messages.py) or a message (cases/kinds.py)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.catalog.models import ItemVersion, MaterialForm, ToleranceLapse
from yiwang.catalog.selectors import commitment_text
from yiwang.core.errors import DomainError, InvalidTransition, PermissionDenied, ValidationFailed
from yiwang.licenses.models import LicenseStatus
from yiwang.licenses.services import license_set_status
from yiwang.notifications.services import notification_send
from yiwang.organizations.models import Role
from yiwang.workdays import selectors as workdays
from yiwang.workdays.selectors import WorkCalendar

from ..clock import today
from ..models import (
    Case,
    ClockStop,
    Commitment,
    CoolingOff,
    Dishonesty,
    Route,
    Status,
    StopKind,
    ToleratedMaterial,
    Verification,
    VerificationStatus,
)
from ..rules import RUNNING, acting_roles
from ..wording import remedy_for
from .transitions import _notice, _recomputed, _transition

log = logging.getLogger("yiwang.cases")

PARTIES = {"applicant": "申请人", "other": "另一方当事人"}


# --- 告知承诺制 at submission ----------------------------------------------------------------------
def route_check(*, version: ItemVersion, route: str, accepted: bool, owner: User | None = None) -> str:
    """The route the applicant chose (422 before anything is written): the commitment route only
    on an item that offers it, only with the 承诺书 accepted, and not for an applicant with a 失信
    record of a false commitment."""
    route = route or Route.ORDINARY
    if route not in Route.values:
        raise ValidationFailed(
            fields={"route": ["办理方式应为 ordinary（一般程序）或 commitment（告知承诺）"]}
        )
    if route == Route.COMMITMENT:
        if not version.commitment_system:
            raise ValidationFailed(
                fields={"route": [f"“{version.name}”不实行告知承诺制，请按一般程序提交材料"]}
            )
        if accepted is not True:
            raise ValidationFailed(fields={"commitment_accepted": ["请阅读并同意告知承诺书"]})
        if owner is not None and Dishonesty.objects.filter(person=owner).exists():
            # 国办发〔2020〕42号: who made a false commitment may not use the route (until repaired)
            raise ValidationFailed(
                fields={"route": ["申请人有告知承诺不实的失信记录，不适用告知承诺制，请按一般程序提交材料"]}
            )
    return route


def replaced_codes(version: ItemVersion, route: str) -> set[str]:
    """Materials the commitment stands in for (not required on the commitment route)."""
    return set(version.commitment_replaces or []) if route == Route.COMMITMENT else set()


def commitment_store(*, case: Case) -> dict:
    """Store the 承诺书 as shown with the case; returns what the submission event records (its
    hash goes into that event's ledger entry), and tells the applicant."""
    version = case.item_version
    text = commitment_text(version)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    Commitment.objects.create(
        case=case,
        text=text,
        sha256=digest,
        replaces=list(version.commitment_replaces or []),
        accepted_at=timezone.now(),
    )
    notification_send(
        event_kind="case.commitment_accepted",
        recipient=case.owner,
        context={"number": case.number, "item": version.name, "sha256": digest[:16]},
        key=f"case:{case.number}:commitment",
        link=f"/my/cases/{case.number}/",
    )
    return {"route": Route.COMMITMENT, "commitment_sha256": digest}


# --- at acceptance -----------------------------------------------------------------------------
@dataclass
class AcceptPlan:
    """What `accept` adds for the procedures, worked out (and checked) before anything is written."""

    tolerated: list = field(default_factory=list)  # catalog Materials
    cooling: tuple[date, date] | None = None

    @property
    def data(self) -> dict:
        out: dict = {}
        if self.tolerated:
            out["tolerated"] = [m.code for m in self.tolerated]
        if self.cooling:
            out["cooling_off"] = {
                "withdraw_until": self.cooling[0].isoformat(),
                "confirm_until": self.cooling[1].isoformat(),
            }
        return out

    @property
    def update(self) -> dict:
        out: dict = {"tolerance": "open"} if self.tolerated else {}
        if self.cooling:
            out["clock_stopped"] = True
        return out


def _codes(value: object) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed(fields={"tolerated": ["容缺材料应为材料编码列表"]})
    return list(dict.fromkeys(v.strip() for v in value if v.strip()))


def accept_plan(*, case: Case, tolerated: object, cal: WorkCalendar | None = None) -> AcceptPlan:
    """Check the materials a clerk accepts without (422 naming each refused one): the item must
    allow 容缺受理 and each material must be one of its tolerable materials. Online cases also go
    ahead without the tolerable materials they lack (the submission let them)."""
    version = case.item_version
    materials = {m.code: m for m in version.materials.all()}
    given = _codes(tolerated)
    if given and not version.tolerance_acceptance:
        raise ValidationFailed(fields={"tolerated": [f"“{version.name}”不实行容缺受理，材料须齐全后受理"]})
    errors = []
    for code in given:
        m = materials.get(code)
        if m is None:
            errors.append(f"本事项没有材料“{code}”")
        elif not m.tolerable:
            errors.append(f"“{m.name}”不是可容缺材料，须补齐后受理")
    if errors:
        raise ValidationFailed(fields={"tolerated": errors})
    already = set(case.tolerated.values_list("material_code", flat=True))
    chosen = [materials[c] for c in given if c not in already]
    if version.tolerance_acceptance and case.channel != "window":
        have = set(case.materials.values_list("material_code", flat=True))
        have |= set(case.license_refs.values_list("material_code", flat=True))
        have |= replaced_codes(version, case.route) | already | set(given)
        chosen += [
            m
            for m in materials.values()
            if m.required
            and m.tolerable
            and m.material_form in (MaterialForm.ELECTRONIC, MaterialForm.BOTH)
            and m.code not in have
        ]
    plan = AcceptPlan(tolerated=chosen)
    if version.cooling_off_days and not CoolingOff.objects.filter(case=case).exists():
        plan.cooling = cooling_dates(case.received_on or today(), version=version, cal=cal)
    return plan


def accept_after(*, case: Case, plan: AcceptPlan, on: date) -> None:
    """After the acceptance is recorded: the tolerated materials and their 告知书, or the 冷静期."""
    version = case.item_version
    if plan.tolerated:
        due = workdays.add_workdays(on, version.tolerance_days).date
        ToleratedMaterial.objects.bulk_create(
            [
                ToleratedMaterial(case=case, material_code=m.code, material_name=m.name, due_on=due)
                for m in plan.tolerated
            ]
        )
        lapse = ToleranceLapse(version.tolerance_lapse).label
        names = [m.name for m in plan.tolerated]
        _notice(
            case=case,
            kind="tolerance",
            on=on,
            data={
                "materials": [{"code": m.code, "name": m.name} for m in plan.tolerated],
                "due_on": due.isoformat(),
                "days": version.tolerance_days,
                "lapse": version.tolerance_lapse,
                "message": {"materials": names, "due_on": due.isoformat(), "lapse": f"本机关将{lapse}"},
            },
        )
    if plan.cooling:
        withdraw_until, confirm_until = plan.cooling
        CoolingOff.objects.create(
            case=case,
            received_on=case.received_on or on,
            withdraw_until=withdraw_until,
            confirm_until=confirm_until,
        )
        ClockStop.objects.create(
            case=case,
            kind=StopKind.COOLING_OFF,
            reason="离婚冷静期（《民法典》第一千零七十七条）",
            started_on=on,
        )
        dates = {"withdraw_until": withdraw_until.isoformat(), "confirm_until": confirm_until.isoformat()}
        _notice(case=case, kind="cooling_off", on=on, data={**dates, "message": dates})


def cooling_dates(
    received_on: date, *, version: ItemVersion, cal: WorkCalendar | None = None
) -> tuple[date, date]:
    """《民法典》§1077 in calendar days: the 冷静期 runs `cooling_off_days` from the day after the
    registry received the application (§201), the confirmation `confirm_days` after that. A period
    whose last day is a rest day or holiday ends on the next working day (§203), when the registry
    is open again."""
    cal = cal or workdays.calendar()

    def last_day(d: date) -> date:
        while not cal.is_workday(d):
            d += timedelta(days=1)
        return d

    withdraw_until = last_day(received_on + timedelta(days=version.cooling_off_days or 0))
    confirm_until = last_day(withdraw_until + timedelta(days=version.confirm_days or 30))
    return withdraw_until, confirm_until


# --- action handlers (called by cases.services.actions with its Act) ----------------------------
def tolerance_receive(a) -> Case:
    code = str(a.fields.get("material") or "").strip()
    row = a.case.tolerated.filter(material_code=code, received_on__isnull=True).first()
    if row is None:
        raise ValidationFailed(fields={"material": [f"本件没有待补交的容缺材料“{code}”"]})
    ToleratedMaterial.objects.filter(pk=row.pk).update(received_on=a.on)
    update: dict = {}
    resumed = False
    still_lapsed = a.case.tolerated.filter(received_on__isnull=True, lapsed_on__isnull=False).exists()
    stop = a.case.stops.filter(kind=StopKind.TOLERANCE, ended_on__isnull=True).first()
    if stop is not None and not still_lapsed:
        ClockStop.objects.filter(pk=stop.pk).update(ended_on=a.on)
        update = {"clock_stopped": False, **_recomputed(a.case, today_=a.on)}
        resumed = True
    if not a.case.tolerated.filter(received_on__isnull=True).exists():
        update["tolerance"] = "done"
    data = {"material": code, "name": row.material_name, "resumed": resumed}
    if resumed:
        data["due_date"] = update["due_date"].isoformat()
    return a.go(data=data, update=update)


def tolerance_lapse(a) -> Case:
    """The deadline passed without the material: the item's rule — suspend the decision (the
    clock stops until the material comes) or refuse (不予许可, with the remedy)."""
    case, version = a.case, a.case.item_version
    late = list(case.tolerated.filter(received_on__isnull=True, lapsed_on__isnull=True, due_on__lt=a.on))
    names = [t.material_name for t in late]
    rule = version.tolerance_lapse
    if rule == ToleranceLapse.REFUSE and Role.APPROVER not in acting_roles(actor=a.actor, case=case):
        raise PermissionDenied("本事项容缺逾期应不予许可，须由审批人作出决定", code="forbidden")
    ToleratedMaterial.objects.filter(pk__in=[t.pk for t in late]).update(lapsed_on=a.on)
    data = {"materials": [t.material_code for t in late], "rule": rule}
    if rule == ToleranceLapse.REFUSE:
        reason = f"申请人未在容缺受理告知的期限内补交{'、'.join(names)}"
        data.update(reason=reason, remedy=remedy_for(case))
        a.go(to=Status.DENIED, data=data, update={"decision": "deny"})
        a.notice(kind="denial", data={"note": a.note, "reason": reason, "remedy": remedy_for(case)})
        return a.case
    update: dict = {}
    if not case.clock_stopped:
        ClockStop.objects.create(
            case=case,
            kind=StopKind.TOLERANCE,
            reason="容缺材料逾期未补交：" + "、".join(names),
            started_on=a.on,
        )
        update["clock_stopped"] = True
    a.go(data=data, update=update)
    outcome = "本机关中止审查，暂停作出决定，补交后继续办理"
    a.notice(
        data={"materials": names, "rule": rule, "message": {"materials": names, "outcome": outcome}},
    )
    return a.case


def verification_open(*, case: Case, on: date) -> dict:
    """An approval made on a commitment opens the department's 事后核查 (working-day deadline)."""
    if case.route != Route.COMMITMENT or Verification.objects.filter(case=case).exists():
        return {}
    due = workdays.add_workdays(on, case.item_version.verification_days).date
    Verification.objects.create(case=case, department_id=case.department_id, started_on=on, due_on=due)
    return {"route": Route.COMMITMENT, "verification_due": due.isoformat()}


def verify_confirm(a) -> Case:
    finding = a.note or "经核查，申请人的承诺属实"
    _verification_close(a, status=VerificationStatus.CONFIRMED, finding=finding)
    a.go(data={"finding": finding})
    a.notice(data={"finding": finding, "message": {"finding": finding}})
    return a.case


def verify_false(a) -> Case:
    """承诺不实: the decision is revoked, its licences too (status list), the 失信 entry recorded."""
    case = a.case
    finding = str(a.fields["finding"]).strip()
    _verification_close(a, status=VerificationStatus.FALSE, finding=finding)
    revoked = []
    for lic in case.licenses.exclude(status=LicenseStatus.REVOKED).order_by("id"):
        license_set_status(
            license=lic, status=LicenseStatus.REVOKED, reason="告知承诺不实，撤销许可", actor_role=a.role
        )
        revoked.append(lic.identifier)
    Dishonesty.objects.create(
        person=case.owner,
        name=case.applicant_name,
        case=case,
        finding=finding,
        recorded_on=a.on,
        recorded_by=a.actor,
    )
    remedy = remedy_for(case)
    data = {"finding": finding, "licenses": revoked, "dishonesty": True, "remedy": remedy}
    a.go(data=data)
    # the message names the same 复议机关, court and limits as the notice (cases/kinds.py _REMEDY)
    a.notice(data={**data, "message": {"finding": finding, "licenses": revoked, **(remedy or {})}})
    return a.case


def _verification_close(a, *, status: str, finding: str) -> None:
    done = Verification.objects.filter(case=a.case, status=VerificationStatus.PENDING).update(
        status=status, finding=finding, found_on=a.on, found_by=a.actor
    )
    if done != 1:
        raise InvalidTransition("本件的事后核查已完成")


def confirm_divorce(a) -> Case:
    party = _party(a)
    cooling = CoolingOff.objects.get(case=a.case)
    column = "applicant_confirmed_on" if party == "applicant" else "other_confirmed_on"
    if getattr(cooling, column):
        raise InvalidTransition(f"{PARTIES[party]}已于{getattr(cooling, column):%Y-%m-%d}确认")
    setattr(cooling, column, a.on)
    both = bool(cooling.applicant_confirmed_on and cooling.other_confirmed_on)
    changed = {column: a.on}
    update: dict = {}
    if both:
        changed.update(ended_on=a.on, outcome="confirmed")
        a.case.stops.filter(kind=StopKind.COOLING_OFF, ended_on__isnull=True).update(ended_on=a.on)
        update = {"clock_stopped": False, **_recomputed(a.case, today_=a.on)}
    CoolingOff.objects.filter(pk=cooling.pk).update(**changed)
    return a.go(data={"party": party, "both_confirmed": both}, update=update)


def cooling_off_withdraw(a) -> Case:
    party = _party(a)
    _cooling_end(a.case, on=a.on, outcome="withdrawn")
    reason = f"{PARTIES[party]}在冷静期内向婚姻登记机关撤回离婚登记申请"
    a.go(data={"party": party}, update={"clock_stopped": False})
    a.notice(data={"party": party, "reason": reason, "message": {"reason": reason}})
    return a.case


def _party(a) -> str:
    party = str(a.fields.get("party") or "").strip()
    if party not in PARTIES:
        raise ValidationFailed(fields={"party": ["当事人应为 applicant（申请人）或 other（另一方当事人）"]})
    return party


def _cooling_end(case: Case, *, on: date, outcome: str) -> None:
    CoolingOff.objects.filter(case=case, ended_on__isnull=True).update(ended_on=on, outcome=outcome)
    case.stops.filter(ended_on__isnull=True).update(ended_on=on)


# --- the periodic task -------------------------------------------------------------------------
def procedures_sweep(*, on: date | None = None) -> dict:
    """Hourly (Celery beat): remind applicants whose 容缺 deadline is two working days away or
    less, once per material; let 离婚登记 applications lapse whose confirmation period passed.
    Each case in its own transaction; a case someone is acting on is left for the next run."""
    on = on or today()
    cal = workdays.calendar()
    reminded = lapsed = 0
    rows = ToleratedMaterial.objects.filter(
        received_on__isnull=True, lapsed_on__isnull=True, reminded_on__isnull=True, case__status__in=RUNNING
    ).select_related("case")
    for row in rows:
        light, _left = workdays.warning_light(due=row.due_on, today=on, cal=cal)
        if light == "normal":
            continue
        try:
            reminded += _remind(row.pk, on=on)
        except DomainError:
            continue
    for cooling in CoolingOff.objects.filter(
        ended_on__isnull=True, confirm_until__lt=on, case__status__in=RUNNING
    ):
        try:
            lapsed += _lapse(cooling.case_id, on=on)
        except DomainError:
            continue
    if reminded or lapsed:
        log.info("procedures sweep: %s reminded, %s lapsed", reminded, lapsed)
    return {"reminded": reminded, "lapsed": lapsed}


@transaction.atomic
def _remind(row_id: int, *, on: date) -> int:
    if not ToleratedMaterial.objects.filter(pk=row_id, reminded_on__isnull=True).update(reminded_on=on):
        return 0  # another sweep was first
    row = ToleratedMaterial.objects.select_related("case__item_version").get(pk=row_id)
    case = row.case
    _transition(
        case=case,
        action="tolerance_reminded",
        to=case.status,
        actor=None,
        role="system",
        version=case.version,
        on=on,
        data={"material": row.material_code, "due_on": row.due_on.isoformat()},
    )
    notification_send(
        event_kind="case.tolerance_reminder",
        recipient=case.owner,
        context={
            "number": case.number,
            "item": case.item_version.name,
            "material": row.material_name,
            "due_on": row.due_on.isoformat(),
        },
        key=f"case:{case.number}:tolerance:{row.material_code}:reminder",
        link=f"/my/cases/{case.number}/",
    )
    return 1


@transaction.atomic
def _lapse(case_id: int, *, on: date) -> int:
    """《民法典》§1077: not confirmed in time, the application is deemed withdrawn."""
    case = Case.objects.select_related("item_version").get(pk=case_id)
    cooling = CoolingOff.objects.get(case=case)
    if cooling.ended_on or case.status not in RUNNING or cooling.confirm_until >= on:
        return 0
    _cooling_end(case, on=on, outcome="lapsed")
    case = _transition(
        case=case,
        action="cooling_off_lapsed",
        to=Status.WITHDRAWN,
        actor=None,
        role="system",
        version=case.version,
        on=on,
        data={"confirm_until": cooling.confirm_until.isoformat()},
        fields={"clock_stopped": False},
    )
    reason = f"双方未在{cooling.confirm_until:%Y-%m-%d}前共同到场确认，视为撤回离婚登记申请"
    _notice(
        case=case, kind="cooling_off_ended", on=on, data={"reason": reason, "message": {"reason": reason}}
    )
    return 1


__all__ = [
    "AcceptPlan",
    "accept_after",
    "accept_plan",
    "commitment_store",
    "confirm_divorce",
    "cooling_dates",
    "cooling_off_withdraw",
    "procedures_sweep",
    "replaced_codes",
    "route_check",
    "tolerance_lapse",
    "tolerance_receive",
    "verification_open",
    "verify_confirm",
    "verify_false",
]
