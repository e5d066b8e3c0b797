"""Project writes: filing (申报) with the duplicate check, reviewers' opinions, stage transitions
through `core.workflow` (each a Step, ledgered, with its working-day deadline and notices),
documents with content sniffing, milestones, contracts, payments and changes during 建设, the
third party's scores, the running indicators, the systems' registration in the data ledger, and
the CDO's lists and data-quality issues. Every write is one transaction."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date
from decimal import Decimal, InvalidOperation

import filetype
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.workflow import Step as WorkflowStep
from yiwang.exchange.models import DataResource
from yiwang.notifications.services import notification_send
from yiwang.organizations.models import Department
from yiwang.workdays import selectors as workdays

from . import ledgering, rules, selectors
from .models import (
    Budget,
    Change,
    ChangeStatus,
    Contract,
    DataListEntry,
    Document,
    DocumentKind,
    Evaluator,
    Indicator,
    InformationSystem,
    ListKind,
    Milestone,
    Payment,
    PostEvaluation,
    Project,
    PromisedResource,
    QualityIssue,
    QualityStatus,
    ResourceRole,
    Review,
    ReviewKind,
    Scheme,
    Stage,
    Step,
    SystemStatus,
)

NAME_MAX, TEXT_MAX = 200, 5000
QUALITY_DAYS = 5  # working days for the provider to fix a data-quality issue


def today() -> date:
    return timezone.localdate()


def _text(value, *, field: str, limit: int = TEXT_MAX, required: bool = True) -> str:
    s = (value or "").strip() if isinstance(value, str) else ""
    if required and not s:
        raise ValidationFailed(fields={field: ["此项为必填项"]})
    if len(s) > limit:
        raise ValidationFailed(fields={field: [f"不能超过{limit}个字"]})
    return s


def _amount(value, *, field: str, signed: bool = False) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(fields={field: ["金额格式有误"]}) from None
    if not d.is_finite() or abs(d) >= Decimal("1e12") or (d <= 0 and not signed):
        raise ValidationFailed(fields={field: ["金额应为正数" if not signed else "金额格式有误"]})
    return d.quantize(Decimal("0.01"))


def _year(value, *, field: str) -> int:
    if not isinstance(value, int) or not 2000 <= value <= 2100:
        raise ValidationFailed(fields={field: ["年度有误"]})
    return value


def _due(stage: str, on: date) -> date | None:
    days = rules.STAGE_DAYS.get(stage)
    return workdays.add_workdays(on, days).date if days else None


def _next_code(on: date) -> str:
    prefix = f"XM{on.year}"
    last = (
        Project.objects.filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    n = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def _system_code(on: date) -> str:
    prefix = f"XT{on.year}"
    last = (
        InformationSystem.objects.filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    n = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def _record(project: Project, step: WorkflowStep) -> Step:
    row = Step.objects.create(
        project=project,
        seq=step.seq,
        action=step.action,
        frm=step.frm,
        to=step.to,
        actor=step.actor,
        role=step.role,
        note=step.note,
        data=step.data,
        at=timezone.now(),
    )
    ledgering.record_step(row)
    return row


writing = rules.workflow.with_record(_record)


# --- 申报 -------------------------------------------------------------------------------------------
@transaction.atomic
def project_file(
    *,
    actor,
    name: str,
    purpose: str,
    budget: list[dict],
    systems: list[dict] | None = None,
    resources: list[dict] | None = None,
    implementation_path: str = "",
    functions: str = "",
    schedule: str = "",
    department: Department | None = None,
    on: date | None = None,
) -> Project:
    on = on or today()
    own = selectors.departments_of(actor)
    if not own:
        raise PermissionDenied("只有部门工作人员可以申报信息化项目", code="not_department_staff")
    if department is None:
        department = Department.objects.filter(pk__in=own).order_by("pk").first()
    elif department.pk not in own:
        raise PermissionDenied("只能以本部门名义申报项目", code="not_department_staff")
    name = _text(name, field="name", limit=NAME_MAX)
    purpose = _text(purpose, field="purpose")
    implementation_path = _text(implementation_path, field="implementation_path", required=False)
    functions = _text(functions, field="functions", required=False)
    if not budget:
        raise ValidationFailed(fields={"budget": ["请填写分年度预算"]})
    lines = []
    for i, b in enumerate(budget):
        lines.append(
            (
                _year(b.get("year"), field=f"budget[{i}].year"),
                _amount(b.get("amount"), field=f"budget[{i}].amount"),
                _text(b.get("source"), field=f"budget[{i}].source", limit=50),
            )
        )
    sys_specs = []
    for i, s in enumerate(systems or []):
        replaces = None
        if s.get("replaces"):
            replaces = InformationSystem.objects.filter(code=s["replaces"]).first()
            if replaces is None:
                raise ValidationFailed(fields={f"systems[{i}].replaces": ["未找到被替代的系统"]})
        level = s.get("mlps_level", 2)
        if not isinstance(level, int) or not 1 <= level <= 5:
            raise ValidationFailed(fields={f"systems[{i}].mlps_level": ["等保级别应为 1–5"]})
        sys_specs.append(
            (
                _text(s.get("name"), field=f"systems[{i}].name", limit=NAME_MAX),
                _text(s.get("functions", ""), field=f"systems[{i}].functions", required=False),
                level,
                replaces,
            )
        )
    res_specs = []
    for i, r in enumerate(resources or []):
        role = r.get("role", ResourceRole.CREATES)
        if role not in ResourceRole.values:
            raise ValidationFailed(fields={f"resources[{i}].role": ["应为 creates 或 uses"]})
        code = _text(r.get("code"), field=f"resources[{i}].code", limit=60)
        known = DataResource.objects.filter(code=code).first()
        if role == ResourceRole.USES and known is None:
            raise ValidationFailed(fields={f"resources[{i}].code": ["使用的数据资源不在目录中"]})
        res_name = known.name if known else _text(r.get("name"), field=f"resources[{i}].name", limit=100)
        res_specs.append((code, res_name, role))
    project = Project.objects.create(
        code=_next_code(on),
        name=name,
        purpose=purpose,
        department=department,
        implementation_path=implementation_path,
        functions=functions,
        schedule=_text(schedule, field="schedule", required=False),
        stage=Stage.FILED,
        stage_since=on,
        stage_due=_due(Stage.FILED, on),
        filed_by=actor,
    )
    Budget.objects.bulk_create(Budget(project=project, year=y, amount=a, source=s) for y, a, s in lines)
    PromisedResource.objects.bulk_create(
        PromisedResource(project=project, code=c, name=n, role=r) for c, n, r in res_specs
    )
    for sname, sfunctions, level, replaces in sys_specs:
        system = InformationSystem.objects.create(
            code=_system_code(on),
            name=sname,
            department=department,
            project=project,
            replaces=replaces,
            functions=sfunctions,
            mlps_level=level,
        )
        used = DataResource.objects.filter(code__in=[c for c, _, _ in res_specs])
        system.resources.set(used)
    project.duplicates = selectors.duplicates_find(
        name=name,
        functions=" ".join([functions, *[f for _, f, _, _ in sys_specs]]),
        resource_codes={c for c, _, _ in res_specs},
        system_names=[n for n, _, _, _ in sys_specs],
        exclude=project.pk,
    )
    project.save(update_fields=["duplicates"])
    row = Step.objects.create(
        project=project,
        seq=1,
        action="file",
        frm="",
        to=Stage.FILED,
        actor=actor,
        role=rules.OWNER,
        data={"duplicates": [d["code"] for d in project.duplicates]},
        at=timezone.now(),
    )
    ledgering.record_step(row)
    return project


def project_get(*, user, code: str) -> Project:
    project = Project.objects.select_related("department", "evaluator").filter(code=code).first()
    if project is None or not selectors.project_visible(user, project):
        raise NotFound("未找到该项目")
    return project


# --- 立项审批: reviewers' opinions --------------------------------------------------------------------
@transaction.atomic
def review_add(*, actor, project: Project, kind: str, passed: bool, opinion: str) -> Review:
    if rules.BUREAU not in selectors.roles_for(actor, project):
        raise PermissionDenied("只有政务服务和大数据管理局的审查人员可以提出审查意见", code="not_bureau")
    if project.stage != Stage.FILED:
        raise ValidationFailed(fields={"kind": ["只能在立项审批阶段提出审查意见"]})
    if kind not in ReviewKind.values:
        raise ValidationFailed(fields={"kind": ["未知的审查类型"]})
    review = Review.objects.create(
        project=project,
        kind=kind,
        reviewer=actor,
        passed=bool(passed),
        opinion=_text(opinion, field="opinion"),
    )
    ledgering.record_review(review)
    return review


# --- stage transitions --------------------------------------------------------------------------------
@transaction.atomic
def project_transition(
    *,
    actor,
    project: Project,
    action: str,
    note: str = "",
    version: int | None = None,
    on: date | None = None,
) -> tuple[Project, list[str]]:
    """Take `action` on `project`. Returns the project and warnings (an approval without every
    expert opinion only warns)."""
    on = on or today()
    found, acting = rules.workflow.check(
        obj=project, action=action, roles=selectors.roles_for(actor, project), version=version
    )
    note = _text(note, field="note", required=found.note_required)
    warnings: list[str] = []
    data: dict = {}
    if action == "post_evaluate":
        raise ValidationFailed(fields={"action": ["后评价请通过评分提交"]})
    if action == "approve":
        missing = selectors.missing_reviews(project)
        if missing:
            warnings.append("尚缺以下审查意见：" + "、".join(missing))
        data = {"missing_reviews": missing, "duplicates": [d["code"] for d in project.duplicates]}
    if action == "confirm":
        problems = selectors.confirm_problems(project)
        if problems:
            raise ValidationFailed(
                "项目尚不具备确认条件", code="precondition_failed", fields={"action": problems}
            )
    if action == "accept":
        problems = selectors.resource_problems(project) + selectors.document_problems(project, "accept")
        if problems:
            raise ValidationFailed(
                "项目尚不具备验收条件", code="precondition_failed", fields={"action": problems}
            )
    if action == "self_evaluate":
        problems = selectors.document_problems(project, "self_evaluate")
        if problems:
            raise ValidationFailed(
                "请先上传自评报告", code="precondition_failed", fields={"action": problems}
            )
    return _move(
        project, action=action, actor=actor, role=sorted(acting)[0], note=note, on=on, data=data
    ), warnings


def _move(project: Project, *, action: str, actor, role: str, note: str, on: date, data: dict) -> Project:
    found = rules.RULES[action]
    to = found.target
    writing.transition(
        project,
        action=action,
        to=to,
        actor=actor,
        role=role,
        note=note,
        on=on,
        data=data,
        update={"stage_since": on, "stage_due": _due(to, on)},
        expect_state=True,
    )
    if action == "start":
        project.systems.filter(status=SystemStatus.PLANNED).update(status=SystemStatus.BUILDING)
    if action == "accept":
        project.systems.update(status=SystemStatus.RUNNING)
        for s in project.systems.filter(replaces__isnull=False).select_related("replaces"):
            InformationSystem.objects.filter(pk=s.replaces_id).update(status=SystemStatus.RETIRED)
    if found.notice:
        notification_send(
            event_kind=found.notice,
            recipient=project.filed_by,
            context={
                "code": project.code,
                "project": project.name,
                "action": found.label,
                "note": note or "无",
            },
            key=f"projects:{project.code}:{project.version}",
            link=f"/workbench/projects/{project.code}/",
        )
    return project


# --- documents ---------------------------------------------------------------------------------------
DOCUMENT_TYPES = {
    "application/pdf": ("pdf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
}


def sniff(data: bytes) -> str | None:
    """The real type of an upload from its magic bytes (PDF, PNG, JPEG, DOCX, XLSX)."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "xl/workbook.xml" in names:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return None
    kind = filetype.guess(data[:8192])
    return kind.mime if kind is not None and kind.mime in DOCUMENT_TYPES else None


@transaction.atomic
def document_upload(*, actor, project: Project, kind: str, name: str, data: bytes) -> Document:
    roles = selectors.roles_for(actor, project)
    if not roles & {rules.OWNER, rules.BUREAU}:
        raise PermissionDenied("只有建设单位或政务服务和大数据管理局可以上传项目文件")
    if kind not in DocumentKind.values:
        raise ValidationFailed(fields={"kind": ["未知的文件类型"]})
    name = _text(name, field="file", limit=200)
    if not data:
        raise ValidationFailed(fields={"file": ["文件为空"]})
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ValidationFailed(
            fields={"file": [f"文件超过{settings.UPLOAD_MAX_BYTES // (1024 * 1024)}MB大小限制"]}
        )
    content_type = sniff(data)
    if content_type is None:
        raise ValidationFailed(fields={"file": ["文件类型不支持，仅接受PDF、PNG、JPEG、DOCX或XLSX文件"]})
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in DOCUMENT_TYPES[content_type]:
        expected = DOCUMENT_TYPES[content_type][0].upper()
        raise ValidationFailed(fields={"file": [f"文件内容与扩展名不符（实际为{expected}）"]})
    return Document.objects.create(
        project=project,
        stage=project.stage,
        kind=kind,
        name=name,
        content_type=content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=data,
        uploaded_by=actor,
    )


# --- 建设 ----------------------------------------------------------------------------------------------
def _owner_building(actor, project: Project) -> None:
    if rules.OWNER not in selectors.roles_for(actor, project):
        raise PermissionDenied("只有建设单位可以登记建设情况")
    if project.stage not in (Stage.APPROVED, Stage.BUILDING):
        raise ValidationFailed(fields={"stage": ["只能在建设阶段登记"]})


@transaction.atomic
def milestone_add(*, actor, project: Project, name: str, due: date, done_on: date | None = None) -> Milestone:
    _owner_building(actor, project)
    return Milestone.objects.create(
        project=project, name=_text(name, field="name", limit=100), due=due, done_on=done_on
    )


@transaction.atomic
def milestone_done(*, actor, milestone: Milestone, done_on: date) -> Milestone:
    """The building department records when a milestone was reached."""
    _owner_building(actor, milestone.project)
    if Milestone.objects.filter(pk=milestone.pk, done_on__isnull=True).update(done_on=done_on) != 1:
        raise ValidationFailed(fields={"milestone": ["该里程碑已完成"]})
    milestone.refresh_from_db()
    return milestone


@transaction.atomic
def contract_add(
    *, actor, project: Project, name: str, supplier: str, year: int, amount, signed_on: date
) -> Contract:
    _owner_building(actor, project)
    year = _year(year, field="year")
    amount = _amount(amount, field="amount")
    approved = sum((b.amount for b in project.budget.filter(year=year)), Decimal(0))
    approved += sum(
        (c.budget_delta for c in project.changes.filter(status=ChangeStatus.APPROVED, year=year)), Decimal(0)
    )
    contracted = sum((c.amount for c in project.contracts.filter(year=year)), Decimal(0))
    if contracted + amount > approved:
        raise ValidationFailed(fields={"amount": [f"{year}年合同金额合计将超过批复预算（{approved}元）"]})
    return Contract.objects.create(
        project=project,
        name=_text(name, field="name", limit=200),
        supplier=_text(supplier, field="supplier", limit=200),
        year=_year(year, field="year"),
        amount=amount,
        signed_on=signed_on,
    )


@transaction.atomic
def payment_add(*, actor, contract: Contract, amount, paid_on: date) -> Payment:
    _owner_building(actor, contract.project)
    amount = _amount(amount, field="amount")
    paid = sum((p.amount for p in contract.payments.all()), Decimal(0))
    if paid + amount > contract.amount:
        raise ValidationFailed(fields={"amount": ["支付金额合计超过合同金额"]})
    return Payment.objects.create(contract=contract, year=paid_on.year, amount=amount, paid_on=paid_on)


@transaction.atomic
def change_request(
    *, actor, project: Project, description: str, year: int | None = None, budget_delta=0
) -> Change:
    _owner_building(actor, project)
    delta = _amount(budget_delta or 0, field="budget_delta", signed=True)
    if year is not None:
        year = _year(year, field="year")
    return Change.objects.create(
        project=project,
        description=_text(description, field="description"),
        year=year,
        budget_delta=delta,
        requested_by=actor,
    )


@transaction.atomic
def change_decide(*, actor, change: Change, approve: bool, reason: str) -> Change:
    if rules.BUREAU not in selectors.roles_for(actor, change.project):
        raise PermissionDenied("只有政务服务和大数据管理局可以审批项目变更", code="not_bureau")
    reason = _text(reason, field="reason")
    status = ChangeStatus.APPROVED if approve else ChangeStatus.REFUSED
    if (
        Change.objects.filter(pk=change.pk, status=ChangeStatus.REQUESTED).update(
            status=status, decided_by=actor, reason=reason
        )
        != 1
    ):
        raise ValidationFailed(fields={"change": ["该变更已审批"]})
    change.refresh_from_db()
    ledgering.record_change(change)
    return change


# --- the data ledger: systems ---------------------------------------------------------------------------
@transaction.atomic
def system_register(*, actor, system: InformationSystem, resource_codes: list[str]) -> InformationSystem:
    """The owner registers a system in 数据一本账 with the catalogued resources it holds."""
    if system.department_id not in selectors.departments_of(actor):
        raise PermissionDenied("只有系统的主管部门可以登记系统")
    found = list(DataResource.objects.filter(code__in=resource_codes))
    missing = set(resource_codes) - {r.code for r in found}
    if missing:
        raise ValidationFailed(fields={"resources": ["目录中没有：" + "、".join(sorted(missing))]})
    system.resources.add(*found)
    system.registered = True
    system.save(update_fields=["registered"])
    return system


# --- 后评价 and 运行效能 ------------------------------------------------------------------------------
@transaction.atomic
def evaluator_assign(*, actor, project: Project, evaluator: Evaluator) -> Project:
    if rules.BUREAU not in selectors.roles_for(actor, project):
        raise PermissionDenied("只有政务服务和大数据管理局可以委托第三方评价机构", code="not_bureau")
    Project.objects.filter(pk=project.pk).update(evaluator=evaluator)
    project.evaluator = evaluator
    return project


@transaction.atomic
def evaluation_submit(
    *,
    actor,
    project: Project,
    scores: dict,
    conclusion: str,
    version: int | None = None,
    on: date | None = None,
) -> PostEvaluation:
    """The third party scores the project on the active scheme; only the organisation the bureau
    named scores it, once."""
    on = on or today()
    _found, acting = rules.workflow.check(
        obj=project, action="post_evaluate", roles=selectors.roles_for(actor, project), version=version
    )
    scheme = Scheme.objects.filter(active=True).order_by("-pk").first()
    if scheme is None:
        raise ValidationFailed(fields={"scores": ["尚未配置后评价方案"]})
    clean: dict[str, float] = {}
    for c in scheme.criteria:
        value = scores.get(c["code"])
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= c["points"]:
            raise ValidationFailed(fields={f"scores.{c['code']}": [f"“{c['name']}”应为 0–{c['points']} 分"]})
        clean[c["code"]] = float(value)
    extra = set(scores) - set(clean)
    if extra:
        raise ValidationFailed(fields={"scores": ["方案中没有的指标：" + "、".join(sorted(extra))]})
    conclusion = _text(conclusion, field="conclusion")
    total = Decimal(str(sum(clean.values()))).quantize(Decimal("0.01"))
    evaluation = PostEvaluation.objects.create(
        project=project,
        evaluator=project.evaluator,
        scheme=scheme,
        scores=clean,
        total=total,
        conclusion=conclusion,
    )
    _move(
        project,
        action="post_evaluate",
        actor=actor,
        role=sorted(acting)[0],
        note=conclusion,
        on=on,
        data={"scheme": scheme.pk, "scores": clean, "total": str(total)},
    )
    return evaluation


INDICATOR_STAGES = (Stage.ACCEPTED, Stage.SELF_EVALUATED, Stage.POST_EVALUATED, Stage.OPERATING)


def _count(value, *, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise ValidationFailed(fields={field: ["应为非负整数"]})
    return value


@transaction.atomic
def indicator_record(
    *,
    actor,
    system: InformationSystem,
    month: date,
    active_users: int = 0,
    transactions: int = 0,
    availability=100,
    cost=0,
) -> Indicator:
    """运行效能监管: a system's usage and cost in a month (one row per system and month; a second
    report for the month replaces the first). Reported by the system's department or the bureau,
    once its project has been accepted (the system runs)."""
    project = system.project
    roles = selectors.roles_for(actor, project) if project is not None else set()
    if project is None:
        if system.department_id in selectors.departments_of(actor):
            roles.add(rules.OWNER)
        elif selectors.is_bureau(actor):
            roles.add(rules.BUREAU)
    if not roles & {rules.OWNER, rules.BUREAU}:
        raise PermissionDenied("只有系统的主管部门或政务服务和大数据管理局可以填报运行指标")
    if project is not None and project.stage not in INDICATOR_STAGES:
        raise ValidationFailed(fields={"month": ["项目验收后才能填报运行指标"]})
    try:
        avail = Decimal(str(availability)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(fields={"availability": ["可用率应为 0–100"]}) from None
    if not avail.is_finite() or not 0 <= avail <= 100:
        raise ValidationFailed(fields={"availability": ["可用率应为 0–100"]})
    cost_value = _amount(cost, field="cost", signed=True)
    if cost_value < 0:
        raise ValidationFailed(fields={"cost": ["费用不能为负数"]})
    row, _ = Indicator.objects.update_or_create(
        system=system,
        month=month.replace(day=1),
        defaults={
            "active_users": _count(active_users, field="active_users"),
            "transactions": _count(transactions, field="transactions"),
            "availability": avail,
            "cost": cost_value,
        },
    )
    return row


# --- reminders ------------------------------------------------------------------------------------------
def _responsible(p: Project) -> list:
    """Who must act in the project's stage: the bureau's staff for 立项审批, 确认 (after 建设 the
    department asks for it, so the department) and 运行效能监管, the evaluator for the
    post-evaluation (the bureau until it names one), the filing department's filer otherwise."""
    if p.stage in (Stage.FILED, Stage.POST_EVALUATED) or (
        p.stage == Stage.SELF_EVALUATED and not p.evaluator_id
    ):
        return list(selectors.bureau_staff().exclude(pk=p.filed_by_id))
    if p.stage == Stage.SELF_EVALUATED:
        return [p.evaluator.user]
    return [p.filed_by]


def reminders_send(*, on: date | None = None) -> int:
    """Remind whoever must act (`_responsible`) of projects whose stage deadline is near (黄灯) or
    past (红灯): once per project, stage and light. Returns the number of projects reminded."""
    on = on or today()
    cal = workdays.calendar()
    sent = 0
    for p in Project.objects.filter(stage_due__isnull=False).select_related("filed_by", "evaluator__user"):
        light, _left = workdays.warning_light(due=p.stage_due, today=on, cal=cal)
        if light == "normal":
            continue
        with transaction.atomic():
            for recipient in _responsible(p):
                notification_send(
                    event_kind="projects.stage_due",
                    recipient=recipient,
                    context={
                        "code": p.code,
                        "project": p.name,
                        "stage": p.get_stage_display(),
                        "deadline": p.stage_due.isoformat(),
                        "light": workdays.WARNING_LABELS[light],
                    },
                    key=f"projects:{p.code}:{p.stage}:{p.version}:{light}",
                    link=f"/workbench/projects/{p.code}/",
                )
        sent += 1
    return sent


# --- the CDO ------------------------------------------------------------------------------------------
@transaction.atomic
def list_entry_add(
    *,
    actor,
    department: Department,
    kind: str,
    name: str,
    resource: DataResource | None = None,
    due: date | None = None,
    note: str = "",
) -> DataListEntry:
    if not selectors.is_cdo(actor, department.pk):
        raise PermissionDenied("只有本部门首席数据官可以维护需求清单和责任清单", code="not_cdo")
    if kind not in ListKind.values:
        raise ValidationFailed(fields={"kind": ["应为 demand 或 responsibility"]})
    return DataListEntry.objects.create(
        department=department,
        kind=kind,
        name=_text(name, field="name", limit=100),
        resource=resource,
        due=due,
        note=_text(note, field="note", limit=300, required=False),
    )


@transaction.atomic
def quality_raise(
    *, actor, resource: DataResource, description: str, element: str = "", on: date | None = None
) -> QualityIssue:
    """A consumer department's staff reports a wrong or stale value; the provider's CDOs are told,
    with a deadline on the working-day clock."""
    on = on or today()
    own = selectors.departments_of(actor)
    if not own:
        raise PermissionDenied("只有部门工作人员可以反馈数据质量问题")
    issue = QualityIssue.objects.create(
        resource=resource,
        raised_by=actor,
        consumer_id=min(own),
        element=_text(element, field="element", limit=60, required=False),
        description=_text(description, field="description"),
        due=workdays.add_workdays(on, QUALITY_DAYS).date,
        raised_on=on,
    )
    ledgering.record_quality(issue)
    for cdo in selectors.cdos_of(resource.department_id):
        notification_send(
            event_kind="projects.quality_issue",
            recipient=cdo,
            context={"resource": resource.name, "deadline": issue.due.isoformat()},
            key=f"projects:quality:{issue.pk}",
            link="/workbench/data-ledger/cdo/",
        )
    return issue


@transaction.atomic
def quality_close(*, actor, issue: QualityIssue, reply: str, on: date | None = None) -> QualityIssue:
    if not selectors.is_cdo(actor, issue.resource.department_id):
        raise PermissionDenied("只有数据提供部门的首席数据官可以答复质量问题", code="not_cdo")
    reply = _text(reply, field="reply")
    on = on or today()
    if (
        QualityIssue.objects.filter(pk=issue.pk, status=QualityStatus.OPEN).update(
            status=QualityStatus.CLOSED, reply=reply, closed_on=on
        )
        != 1
    ):
        raise ValidationFailed(fields={"issue": ["该问题已整改"]})
    issue.refresh_from_db()
    return issue
