"""Writes of supervision: rule sets, assessments (computed, published, closed and then frozen),
appeals and bonuses, rectification tasks on the platform's workflow (core.workflow), bulletins,
and the scheduled production of reports. Every write is one transaction."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.cases.models import Case
from yiwang.catalog.selectors import today
from yiwang.core.errors import InvalidTransition, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from yiwang.core.workflow import Step
from yiwang.evaluations.models import WorkOrder
from yiwang.notifications.services import notification_send
from yiwang.organizations.models import Department, Role
from yiwang.organizations.selectors import staff_over
from yiwang.participation.models import RectificationItem, RectificationStatus
from yiwang.workdays.selectors import add_workdays

from . import indicators as ind
from . import rules as R
from .models import (
    OPEN_TASK,
    Appeal,
    AppealStatus,
    Assessment,
    AssessmentStatus,
    Bonus,
    Bulletin,
    BulletinKind,
    BulletinStatus,
    BulletinStep,
    Level,
    RuleSet,
    Task,
    TaskSource,
    TaskStatus,
    TaskStep,
)
from .periods import Period, period_containing, period_parse
from .scoring import DEFAULT_RULES, Overrides, assessed_units, rank, unit_score

DEFAULT_TASK_DAYS = 10
ASSESSED_LEVELS = (Level.DISTRICT, Level.DEPARTMENT)


# --- rule sets --------------------------------------------------------------------------------
def _validate_rules(rules: dict) -> None:
    errors: list[str] = []
    for line in rules.get("lines", []):
        if line.get("indicator") not in ind.REGISTRY:
            errors.append(f"未知指标：{line.get('indicator')}")
        steps = line.get("steps") or []
        if not steps or any(len(s) != 2 for s in steps):
            errors.append(f"{line.get('indicator')} 的分档应为 [阈值, 得分] 列表")
    for d in rules.get("deductions", []):
        if d.get("code") not in ind.DEDUCTION_QUERIES:
            errors.append(f"未知扣分项：{d.get('code')}")
    if errors:
        raise ValidationFailed("评分细则有误", fields={"rules": errors})


@transaction.atomic
def ruleset_create(*, name: str, valid_from: date, rules: dict, actor: User | None = None) -> RuleSet:
    """A new version of the scoring rules (earlier versions stay as they are)."""
    _validate_rules(rules)
    last = RuleSet.objects.order_by("-version").values_list("version", flat=True).first() or 0
    return RuleSet.objects.create(
        version=last + 1, name=name, valid_from=valid_from, rules=rules, created_by=actor
    )


def ruleset_for(period: Period) -> RuleSet:
    found = RuleSet.objects.filter(valid_from__lte=period.end).order_by("-valid_from", "-version").first()
    if found is None:
        found = RuleSet.objects.order_by("version").first()
    if found is None:
        found = ruleset_create(name="政务服务考核评分细则", valid_from=date(2000, 1, 1), rules=DEFAULT_RULES)
    return found


# --- assessments ------------------------------------------------------------------------------
def _quarter(label: str) -> Period:
    period = period_parse(label)
    if period.kind != "quarter":
        raise ValidationFailed(fields={"period": ["考核按季度进行，周期应为 YYYY-Qn"]})
    return period


def _overrides(assessment: Assessment | None) -> Overrides:
    values: dict = {}
    deductions: dict = {}
    bonuses: dict = {}
    if assessment is not None and assessment.pk:
        for a in assessment.appeals.filter(status=AppealStatus.ACCEPTED).order_by("decided_at", "id"):
            target = values if a.kind == "value" else deductions
            target[(a.unit_code, a.line)] = a.decided_value
        for b in assessment.bonuses.order_by("id"):
            bonuses.setdefault(b.unit_code, []).append((b.points, b.reason))
    return Overrides(values, deductions, bonuses)


def _compute(
    period: Period, level: str, ruleset: RuleSet, assessment: Assessment | None
) -> tuple[list, dict]:
    overrides = _overrides(assessment)
    units = ind.units(level, period=period)
    if level == Level.DEPARTMENT:
        kinds = dict(Department.objects.values_list("pk", "kind"))
        units = assessed_units(ruleset.rules, units, kinds)
    rows = [unit_score(rules=ruleset.rules, period=period, unit=u, overrides=overrides) for u in units]
    ranked = rank(rows)
    inputs = {
        "ruleset_version": ruleset.version,
        "computed_at": timezone.now().isoformat(),
        "appeals": sorted(
            a
            for a in (
                assessment.appeals.filter(status=AppealStatus.ACCEPTED).values_list("pk", flat=True)
                if assessment and assessment.pk
                else []
            )
        ),
        "bonuses": sorted(assessment.bonuses.values_list("pk", flat=True))
        if assessment and assessment.pk
        else [],
        # each line's record counts: what a closed period was computed from
        "records": {
            r["unit"]["code"]: {ln["code"]: ln.get("denominator", ln.get("count")) for ln in r["lines"]}
            for r in ranked
        },
    }
    return ranked, inputs


@transaction.atomic
def assessment_run(*, period: str, level: str) -> Assessment:
    """Compute (or recompute) the assessment of a quarter and level. A closed assessment is frozen:
    it is returned as it was closed, whatever happened to the records since."""
    p = _quarter(period)
    if level not in ASSESSED_LEVELS:
        raise ValidationFailed(fields={"level": ["考核对象应为 district 或 department"]})
    existing = Assessment.objects.filter(period=p.label, level=level).first()
    if existing is not None and existing.status == AssessmentStatus.CLOSED:
        return existing
    ruleset = existing.ruleset if existing is not None else ruleset_for(p)
    results, inputs = _compute(p, level, ruleset, existing)
    now = timezone.now()
    if existing is None:
        try:
            with transaction.atomic():
                return Assessment.objects.create(
                    period=p.label,
                    level=level,
                    ruleset=ruleset,
                    results=results,
                    inputs=inputs,
                    computed_at=now,
                )
        except IntegrityError:  # a concurrent run created it: recompute into that row
            existing = Assessment.objects.get(period=p.label, level=level)
    updated = (
        Assessment.objects.filter(pk=existing.pk, version=existing.version)
        .exclude(status=AssessmentStatus.CLOSED)
        .update(results=results, inputs=inputs, computed_at=now, version=existing.version + 1)
    )
    if not updated:
        raise StaleVersion("考核已被他人更新，请刷新后重试")
    existing.refresh_from_db()
    return existing


@transaction.atomic
def assessment_act(
    *, assessment: Assessment, actor: User, action: str, version: int | None = None
) -> Assessment:
    roles = {R.SUP} if R.is_supervisor(actor) else set()
    found, _ = R.ASSESSMENTS.check(obj=assessment, action=action, roles=roles, version=version)
    update = {"closed_at": timezone.now()} if action == "close" else {}
    if action == "close":  # the last computation before freezing
        assessment = assessment_run(period=assessment.period, level=assessment.level)
    return R.ASSESSMENTS.transition(
        assessment, action=action, to=found.target, actor=actor, role=R.SUP, update=update
    )


def _line_value(assessment: Assessment, unit_code: str, line: str) -> tuple[dict, dict]:
    for row in assessment.results:
        if row["unit"]["code"] == unit_code:
            for ln in row["lines"]:
                if ln["code"] == line:
                    return row, ln
            raise ValidationFailed(fields={"line": ["该单位没有此指标或扣分项"]})
    raise NotFound("考核结果中没有该单位", code="unit_not_found")


@transaction.atomic
def appeal_file(
    *, assessment: Assessment, actor: User, unit_code: str, line: str, claimed: float, evidence: str
) -> Appeal:
    """A department appeals a value or a deduction of its published assessment, with evidence."""
    if assessment.status != AssessmentStatus.PUBLISHED:
        raise InvalidTransition("考核结果公布后、定稿前才能申诉")
    if not evidence.strip():
        raise ValidationFailed(fields={"evidence": ["请说明申诉理由并提供证据"]})
    _row, ln = _line_value(assessment, unit_code, line)
    if assessment.level == Level.DEPARTMENT:
        dept = Department.objects.filter(uscc=unit_code).first()
        allowed = dept is not None and R.may_appeal(actor=actor, department=dept)
    else:
        allowed = any(p.startswith(f"/{assessment_unit_path(unit_code)}") for p in _admin_paths(actor))
    if not allowed:
        raise PermissionDenied("只有被考核单位的部门管理员可以申诉")
    kind = "value" if ln["kind"] == "indicator" else "deduction"
    if ln["kind"] == "bonus":
        raise ValidationFailed(fields={"line": ["加分项不能申诉"]})
    return Appeal.objects.create(
        assessment=assessment,
        unit_code=unit_code,
        line=line,
        kind=kind,
        claimed=claimed,
        original=ln.get("value") if kind == "value" else ln.get("count"),
        evidence=evidence.strip(),
        filed_by=actor,
        filed_at=timezone.now(),
    )


def assessment_unit_path(code: str) -> str:
    from yiwang.organizations.models import Region

    r = Region.objects.filter(code=code).first()
    return r.path.strip("/") if r else code


def _admin_paths(user: User) -> list[str]:
    from yiwang.organizations.selectors import staff_scope

    return [path for role, _, path in staff_scope(user).department_roles if role == Role.DEPT_ADMIN]


@transaction.atomic
def appeal_decide(
    *,
    appeal: Appeal,
    actor: User,
    accept: bool,
    reason: str,
    value: float | None = None,
    version: int | None = None,
) -> Appeal:
    """The supervisor decides an appeal with a recorded reason; an accepted one changes the line's
    value (to `value`, by default the claimed one) and the assessment is recomputed."""
    R.ensure_supervisor(actor)
    if not reason.strip():
        raise ValidationFailed(fields={"reason": ["请填写裁定理由"]})
    if appeal.assessment.status == AssessmentStatus.CLOSED:
        raise InvalidTransition("考核已定稿，不能再裁定申诉")
    decided = (value if value is not None else appeal.claimed) if accept else None
    done = Appeal.objects.filter(
        pk=appeal.pk, status=AppealStatus.PENDING, version=appeal.version if version is None else version
    ).update(
        status=AppealStatus.ACCEPTED if accept else AppealStatus.REJECTED,
        decided_by=actor,
        decided_at=timezone.now(),
        decided_value=decided,
        reason=reason.strip(),
        version=appeal.version + 1,
    )
    if not done:
        raise StaleVersion("该申诉已被裁定或已更新，请刷新后重试")
    appeal.refresh_from_db()
    if accept:
        assessment_run(period=appeal.assessment.period, level=appeal.assessment.level)
    return appeal


@transaction.atomic
def bonus_award(*, assessment: Assessment, actor: User, unit_code: str, points: float, reason: str) -> Bonus:
    R.ensure_supervisor(actor)
    if assessment.status == AssessmentStatus.CLOSED:
        raise InvalidTransition("考核已定稿，不能再加分")
    if points <= 0 or not reason.strip():
        raise ValidationFailed(fields={"points": ["加分应为正数并说明理由"]})
    if not any(r["unit"]["code"] == unit_code for r in assessment.results):
        raise NotFound("考核结果中没有该单位", code="unit_not_found")
    bonus = Bonus.objects.create(
        assessment=assessment,
        unit_code=unit_code,
        points=points,
        reason=reason.strip(),
        awarded_by=actor,
        awarded_at=timezone.now(),
    )
    assessment_run(period=assessment.period, level=assessment.level)
    return bonus


# --- tasks (问题整改清单) -------------------------------------------------------------------------
def _record_task_step(task: Task, step: Step) -> TaskStep:
    return TaskStep.objects.create(
        task=task,
        seq=step.seq,
        action=step.action,
        from_status=step.frm,
        to_status=step.to,
        actor=step.actor,
        actor_role=step.role,
        at=timezone.now(),
        on=step.on or today(),
        note=step.note,
        data=step.data,
    )


TASKS = R.TASKS.with_record(_record_task_step)


def _dept_admins(department_id: int) -> list[User]:
    return list(
        User.objects.filter(
            staff_roles__role=Role.DEPT_ADMIN, staff_roles__department_id=department_id, is_active=True
        ).distinct()
    )


def _supervisors(region_path: str) -> list[User]:
    return list(staff_over(region_path=region_path, role=Role.SUPERVISOR))


def _task_context(task: Task) -> dict:
    return {"number": task.number, "title": task.title, "due_date": task.due_date}


def _task_link(task: Task) -> str:
    return f"/supervision/tasks/{task.pk}/"


@transaction.atomic
def task_create(
    *,
    source: str,
    title: str,
    body: str,
    department: Department,
    actor: User | None,
    limit_days: int = DEFAULT_TASK_DAYS,
    on: date | None = None,
    due_date: date | None = None,
    case: Case | None = None,
    work_order: WorkOrder | None = None,
    finding_item: RectificationItem | None = None,
    bulletin: Bulletin | None = None,
    indicator: str = "",
    period: str = "",
) -> Task:
    """Assign a rectification task to a department with a deadline on the working-day clock
    (`limit_days` working days after `on`). The department admins are told once."""
    if actor is not None:
        R.ensure_supervisor(actor)
    if source not in TaskSource.values:
        raise ValidationFailed(fields={"source": ["未知的问题来源"]})
    title, body = title.strip(), body.strip()
    fields = {}
    if not title:
        fields["title"] = ["请填写整改事项"]
    if not body:
        fields["body"] = ["请填写问题描述"]
    if not 1 <= limit_days <= 60:
        fields["limit_days"] = ["整改时限应为 1–60 个工作日"]
    if fields:
        raise ValidationFailed(fields=fields)
    on = on or today()
    due = due_date or add_workdays(on, limit_days).date
    try:
        with transaction.atomic():
            task = Task.objects.create(
                number=f"tmp-{uuid.uuid4().hex[:20]}",  # the real number needs the row's id
                source=source,
                title=title[:120],
                body=body,
                department=department,
                region=department.region,
                case=case,
                work_order=work_order,
                finding_item=finding_item,
                bulletin=bulletin,
                indicator=indicator,
                period=period,
                assigned_on=on,
                limit_days=limit_days,
                due_date=due,
                created_by=actor,
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise InvalidTransition("该问题已下发整改任务") from None
    task.number = f"ZG{on.year}{task.pk:06d}"
    Task.objects.filter(pk=task.pk).update(number=task.number)
    TaskStep.objects.create(
        task=task,
        seq=1,
        action="assign",
        from_status="",
        to_status=TaskStatus.ASSIGNED,
        actor=actor,
        actor_role=R.SUP if actor else R.SYSTEM,
        at=timezone.now(),
        on=on,
        note=body[:500],
        data={"limit_days": limit_days, "due_date": due.isoformat()},
    )
    for user in _dept_admins(department.pk):
        notification_send(
            event_kind="supervision.task_assigned",
            recipient=user,
            context=_task_context(task),
            key=f"supervision-task:{task.number}:assigned",
            link=_task_link(task),
        )
    return task


@transaction.atomic
def task_from_case(
    *, case: Case, actor: User, limit_days: int = 5, note: str = "", on: date | None = None
) -> Task:
    """An overdue case becomes a task of its department (once per case)."""
    on = on or today()
    if (
        case.due_date is None
        or case.due_date >= on
        or case.status not in ("accepted", "reviewed", "approved", "denied")
    ):
        raise InvalidTransition("只有超过办结期限仍未办结的办件才能下发超期整改")
    return task_create(
        source=TaskSource.OVERDUE_CASE,
        title=f"超期办件 {case.number}（{case.item_version.name}）"[:120],
        body=note.strip()
        or f"办件 {case.number} 的办结期限为 {case.due_date:%Y-%m-%d}，至今未办结，请说明原因并限期办结。",
        department=case.department,
        actor=actor,
        limit_days=limit_days,
        on=on,
        case=case,
    )


@transaction.atomic
def task_act(
    *,
    task: Task,
    actor: User,
    action: str,
    note: str = "",
    evidence: str = "",
    version: int | None = None,
    on: date | None = None,
) -> Task:
    """submit (department, with evidence) → close (supervisor, verified) or return (supervisor, with
    the reason) → submit again."""
    if action == "escalate":
        raise PermissionDenied("超期督办由系统执行")
    roles = R.task_roles(actor=actor, task=task)
    found, acting = TASKS.check(obj=task, action=action, roles=roles, version=version)
    on = on or today()
    update: dict = {}
    if action == "submit":
        if not evidence.strip():
            raise ValidationFailed(fields={"evidence": ["请填写整改情况并提供佐证"]})
        update = {"evidence": evidence.strip(), "submitted_on": on}
    if found.note_required and not note.strip():
        raise ValidationFailed(fields={"note": [f"请填写{found.label}的理由"]})
    if action == "close":
        update = {"closed_on": on}
    task = TASKS.transition(
        task,
        action=action,
        to=found.target,
        actor=actor,
        role=sorted(acting)[0],
        note=note.strip(),
        on=on,
        update=update,
        version=version,
        data={"evidence": evidence.strip()} if evidence else {},
    )
    if action == "return":
        for user in _dept_admins(task.department_id):
            notification_send(
                event_kind="supervision.task_returned",
                recipient=user,
                context=_task_context(task),
                key=f"supervision-task:{task.number}:step:{task.version}",
                link=_task_link(task),
            )
    return task


def tasks_escalate_overdue(*, on: date | None = None) -> int:
    """Open tasks past their deadline are escalated once: a conditional UPDATE claims each, so
    repeated or concurrent sweeps escalate a task exactly once. The next bulletin lists them."""
    on = on or today()
    ids = list(
        Task.objects.filter(status__in=OPEN_TASK, due_date__lt=on, escalated_at__isnull=True).values_list(
            "pk", flat=True
        )[:1000]
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            task = Task.objects.select_related("region").get(pk=pk)
            if task.escalated_at is not None:
                continue
            try:
                TASKS.transition(
                    task,
                    action="escalate",
                    to=task.status,
                    actor=None,
                    role=R.SYSTEM,
                    on=on,
                    note=f"超过整改期限（{task.due_date:%Y-%m-%d}），列入督办",
                    update={"escalated_at": timezone.now()},
                )
            except StaleVersion:
                continue
            key = f"supervision-task:{task.number}:escalated"
            for user in {*_supervisors(task.region.path), *_dept_admins(task.department_id)}:
                notification_send(
                    event_kind="supervision.task_escalated",
                    recipient=user,
                    context=_task_context(task),
                    key=key,
                    link=_task_link(task),
                )
            count += 1
    return count


def tasks_absorb(*, on: date | None = None) -> dict:
    """The supervision list absorbs what other apps found: participation's 办事体验 rectification
    items and the escalated bad-review work orders of evaluations (linked, not copied). An
    absorbed item the department marked done is submitted for verification with its note."""
    on = on or today()
    made = {"findings": 0, "bad_reviews": 0, "submitted": 0}
    for item in RectificationItem.objects.filter(supervision_task__isnull=True).select_related("department"):
        try:
            task_create(
                source=TaskSource.FINDING,
                title=item.title,
                body=item.body,
                department=item.department,
                actor=None,
                on=item.created_at.date(),
                due_date=item.due_date,
                finding_item=item,
            )
            made["findings"] += 1
        except InvalidTransition:
            continue
    orders = WorkOrder.objects.filter(
        escalated_at__isnull=False, supervision_task__isnull=True
    ).select_related("unit", "department")
    for order in orders:
        try:
            task_create(
                source=TaskSource.BAD_REVIEW,
                title=f"差评工单 {order.number} 超期未处置",
                body=f"差评处置工单 {order.number} 已超过办结期限 {order.due_date:%Y-%m-%d}，请按差评处置流程限期办结。",
                department=order.unit or order.department,
                actor=None,
                on=on,
                limit_days=3,
                work_order=order,
            )
            made["bad_reviews"] += 1
        except InvalidTransition:
            continue
    done = Task.objects.filter(
        status=TaskStatus.ASSIGNED, finding_item__status=RectificationStatus.DONE
    ).select_related("finding_item")
    for task in done:
        with transaction.atomic():
            try:
                TASKS.transition(
                    task,
                    action="submit",
                    to=TaskStatus.SUBMITTED,
                    actor=task.finding_item.done_by,
                    role=R.DEPT,
                    on=task.finding_item.done_on or on,
                    note="办事体验整改事项已标记整改完成",
                    update={
                        "evidence": task.finding_item.done_note or "（见办事体验整改事项）",
                        "submitted_on": task.finding_item.done_on or on,
                    },
                )
                made["submitted"] += 1
            except StaleVersion:
                continue
    return made


def tasks_from_assessment(
    *, assessment: Assessment, actor: User | None, on: date | None = None
) -> list[Task]:
    """Department lines below their indicator's target become tasks (once per indicator, period and
    department)."""
    if assessment.level != Level.DEPARTMENT:
        raise ValidationFailed(fields={"level": ["按部门考核结果下发指标整改"]})
    made = []
    for row in assessment.results:
        dept = Department.objects.filter(uscc=row["unit"]["code"]).first()
        if dept is None:
            continue
        for ln in row["lines"]:
            if ln["kind"] != "indicator" or ln["value"] is None:
                continue
            indicator = ind.REGISTRY[ln["code"]]
            if indicator.target is None:
                continue
            below = (
                ln["value"] < indicator.target
                if indicator.direction == "higher"
                else ln["value"] > indicator.target
            )
            if (
                not below
                or Task.objects.filter(
                    source=TaskSource.INDICATOR,
                    indicator=indicator.code,
                    period=assessment.period,
                    department=dept,
                ).exists()
            ):
                continue
            made.append(
                task_create(
                    source=TaskSource.INDICATOR,
                    title=f"{indicator.name}未达标（{assessment.period}）",
                    body=f"{row['unit']['name']}{assessment.period}{ln['explanation']}，目标值 "
                    f"{indicator.target * 100 if indicator.unit == '%' else indicator.target:g}"
                    f"{'%' if indicator.unit == '%' else indicator.unit}，请分析原因并限期整改。",
                    department=dept,
                    actor=actor,
                    on=on,
                    indicator=indicator.code,
                    period=assessment.period,
                )
            )
    return made


# --- bulletins --------------------------------------------------------------------------------
KIND_PERIOD = {
    BulletinKind.DAILY: "day",
    BulletinKind.WEEKLY: "week",
    BulletinKind.MONTHLY: "month",
    BulletinKind.QUARTERLY: "quarter",
}
BULLETIN_INDICATORS = (
    "on_time_completion_rate",
    "satisfaction_rate",
    "bad_review_timely_rate",
    "real_name_revisit_rate",
    "proactive_rating_rate",
    "online_application_rate",
    "online_completion_rate",
)


def _bulletin_content(kind: str, period: Period, on: date) -> dict:
    city_units = ind.units(Level.CITY)
    content: dict = {"indicators": [], "districts": [], "tasks": {}, "overdue_cases": 0}
    if city_units:
        city = city_units[0]
        for code in BULLETIN_INDICATORS:
            i = ind.REGISTRY[code]
            v = ind.value_compute(i, period, city)
            met = None
            if v.value is not None and i.target is not None:
                met = v.value >= i.target if i.direction == "higher" else v.value <= i.target
            content["indicators"].append(
                {
                    "code": code,
                    "name": i.name,
                    "unit": i.unit,
                    "value": v.value,
                    "numerator": v.numerator,
                    "denominator": v.denominator,
                    "target": i.target,
                    "met": met,
                }
            )
        content["overdue_cases"] = ind.open_overdue_cases(
            on=period.end + timedelta(days=1), unit=city
        ).count()
    if kind != BulletinKind.DAILY:
        on_time = ind.REGISTRY["on_time_completion_rate"]
        rows = [ind.value_compute(on_time, period, u) for u in ind.units(Level.DISTRICT, period=period)]
        rows = sorted((r for r in rows if r.value is not None), key=lambda r: (-r.value, r.unit.code))
        content["districts"] = [
            {
                "unit": r.unit.as_dict(),
                "indicator": on_time.code,
                "value": r.value,
                "denominator": r.denominator,
            }
            for r in rows
        ]
    open_tasks = Task.objects.filter(status__in=OPEN_TASK, assigned_on__lte=period.end).select_related(
        "department"
    )
    overdue = [t for t in open_tasks if t.due_date < on]
    content["tasks"] = {
        "open": open_tasks.count(),
        "new": Task.objects.filter(assigned_on__gte=period.start, assigned_on__lte=period.end).count(),
        "closed": Task.objects.filter(closed_on__gte=period.start, closed_on__lte=period.end).count(),
        "overdue": [
            {
                "number": t.number,
                "title": t.title,
                "department": t.department.short_name or t.department.name,
                "due_date": t.due_date.isoformat(),
                "escalated": t.escalated_at is not None,
            }
            for t in overdue[:50]
        ],
    }
    if kind == BulletinKind.QUARTERLY:
        content["assessments"] = {}
        for level in ASSESSED_LEVELS:
            a = Assessment.objects.filter(period=period.label, level=level).first()
            if a is not None:
                content["assessments"][level] = [
                    {"rank": r["rank"], "unit": r["unit"], "total": r["total"]} for r in a.results
                ]
    return content


def _bulletin_title(kind: str, period: Period, year: int, issue: int) -> str:
    return f"{BulletinKind(kind).label}（{year}年第{issue}期）：{period.name}"


@transaction.atomic
def bulletin_generate(*, kind: str, period: str, on: date | None = None) -> Bulletin:
    """Generate the bulletin of a kind and period from the indicators and the open tasks; a draft
    is regenerated, a reviewed or published one is returned untouched."""
    if kind not in BulletinKind.values:
        raise ValidationFailed(fields={"kind": ["通报类型应为 daily、weekly、monthly 或 quarterly"]})
    p = period_parse(period)
    if p.kind != KIND_PERIOD[kind]:
        raise ValidationFailed(fields={"period": [f"{BulletinKind(kind).label}的周期类型不符"]})
    on = on or today()
    existing = Bulletin.objects.filter(kind=kind, period=p.label).first()
    if existing is not None and existing.status != BulletinStatus.DRAFT:
        return existing
    content = _bulletin_content(kind, p, on)
    now = timezone.now()
    if existing is not None:
        Bulletin.objects.filter(pk=existing.pk).update(content=content, generated_at=now)
        existing.refresh_from_db()
        return existing
    year = p.start.year
    for _ in range(3):
        issue = (
            Bulletin.objects.filter(kind=kind, year=year)
            .order_by("-issue")
            .values_list("issue", flat=True)
            .first()
            or 0
        ) + 1
        try:
            with transaction.atomic():
                return Bulletin.objects.create(
                    kind=kind,
                    period=p.label,
                    period_start=p.start,
                    period_end=p.end,
                    year=year,
                    issue=issue,
                    title=_bulletin_title(kind, p, year, issue),
                    content=content,
                    generated_at=now,
                )
        except IntegrityError:
            found = Bulletin.objects.filter(kind=kind, period=p.label).first()
            if found is not None:
                return found
    raise StaleVersion("通报期号冲突，请重试")


def _record_bulletin_step(b: Bulletin, step: Step) -> BulletinStep:
    return BulletinStep.objects.create(
        bulletin=b,
        seq=step.seq,
        action=step.action,
        from_status=step.frm,
        to_status=step.to,
        actor=step.actor,
        at=timezone.now(),
        note=step.note,
    )


BULLETINS = R.BULLETINS.with_record(_record_bulletin_step)


@transaction.atomic
def bulletin_act(
    *, bulletin: Bulletin, actor: User, action: str, note: str = "", version: int | None = None
) -> Bulletin:
    roles = {R.SUP} if R.is_supervisor(actor) else set()
    found, _ = BULLETINS.check(obj=bulletin, action=action, roles=roles, version=version)
    if found.note_required and not note.strip():
        raise ValidationFailed(fields={"note": ["请填写退回理由"]})
    update: dict = {}
    if action == "review":
        update = {"reviewed_by": actor}
    elif action == "publish":
        update = {"published_by": actor, "published_at": timezone.now()}
    return BULLETINS.transition(
        bulletin,
        action=action,
        to=found.target,
        actor=actor,
        role=R.SUP,
        note=note.strip(),
        update=update,
        version=version,
    )


# --- scheduled production ---------------------------------------------------------------------
def reports_produce(*, on: date | None = None) -> dict:
    """Daily: yesterday's 日重点问题整改通报; on Mondays last week's 周调度; on the 1st last month's
    月通报; on the first day of a quarter the last quarter's assessments and 考核通报. Idempotent:
    a kind and period is generated once (a draft is refreshed), reviewed ones are never touched."""
    on = on or today()
    yesterday = on - timedelta(days=1)
    made: dict = {}
    made["daily"] = bulletin_generate(kind=BulletinKind.DAILY, period=yesterday.isoformat(), on=on).pk
    if on.weekday() == 0:
        made["weekly"] = bulletin_generate(
            kind=BulletinKind.WEEKLY, period=period_containing(yesterday, "week").label, on=on
        ).pk
    if on.day == 1:
        made["monthly"] = bulletin_generate(
            kind=BulletinKind.MONTHLY, period=period_containing(yesterday, "month").label, on=on
        ).pk
        if on.month in (1, 4, 7, 10):
            quarter = period_containing(yesterday, "quarter").label
            for level in ASSESSED_LEVELS:
                made[f"assessment_{level}"] = assessment_run(period=quarter, level=level).pk
            made["quarterly"] = bulletin_generate(kind=BulletinKind.QUARTERLY, period=quarter, on=on).pk
    return made
