"""Supervision endpoints of API.md (考核督办): indicators, values and their drill-down, assessments
with appeals, bulletins with Excel and PDF, and the rectification tasks (整改清单)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from yiwang.accounts.auth import api_auth
from yiwang.cases.models import Case
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.idempotency import run_idempotent
from yiwang.core.pagination import paginate
from yiwang.organizations.models import Department

from . import exports, selectors, services
from . import indicators as ind
from . import rules as R
from .models import Appeal, Assessment, Bulletin, BulletinKind, Level, TaskSource
from .periods import period_parse

router = Router(tags=["supervision"], auth=api_auth)


def _viewer(request: HttpRequest, *, missing: tuple[str, str] | None = None):
    """The caller, if they may see supervision data at all. On an endpoint of one object
    (`missing`: its not-found message and code) a caller who may see none answers 404, as for
    any object they may not see (API.md; issue 22: non-staff on staff-only objects get 404, not a
    403 that confirms the object)."""
    user = request.auth
    if not R.may_view(user):
        if missing is not None:
            raise NotFound(missing[0], code=missing[1])
        raise PermissionDenied("仅督查人员和部门工作人员可以查看考核督办数据")
    return user


ASSESSMENT = ("考核不存在", "not_found")
APPEAL = ("申诉不存在", "not_found")
BULLETIN = ("通报不存在", "bulletin_not_found")
TASK = ("整改任务不存在", "task_not_found")


def _unit_allowed(user, unit: ind.Unit) -> None:
    """Departments drill into their own records; supervisors into any."""
    if R.is_supervisor(user):
        return
    own = {d.uscc for d in Department.objects.filter(pk__in=R.department_ids(user))}
    if unit.kind != Level.DEPARTMENT or unit.code not in own:
        raise NotFound("单位不存在或无权查看", code="unit_not_found")


def _file(data: bytes, content_type: str, name: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=content_type)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return resp


@router.get("/supervision/indicators")
def indicator_list(request: HttpRequest):
    _viewer(request)
    return {"items": [i.as_dict() for i in ind.REGISTRY.values()], "count": len(ind.REGISTRY)}


@router.get("/supervision/values")
def value_list(
    request: HttpRequest, period: str, level: str = "city", indicator: str = "", format: str = "json"
):
    user = _viewer(request)
    p = period_parse(period)
    if level not in Level.values:
        raise ValidationFailed(fields={"level": ["层级应为 " + "、".join(Level.values)]})
    codes = [indicator] if indicator else [c for c, i in ind.REGISTRY.items() if level in i.levels]
    for c in codes:
        ind.indicator_get(c)
    if format == "xlsx":
        return _file(
            exports.values_xlsx(period=p, level=level, codes=codes), exports.XLSX, f"values-{p.label}.xlsx"
        )
    items = []
    for c in codes:
        i = ind.REGISTRY[c]
        for u in ind.units(level, period=p):
            if not R.is_supervisor(user):
                try:
                    _unit_allowed(user, u)
                except NotFound:
                    continue
            items.append(ind.value_compute(i, p, u).as_dict())
    return {"items": items, "count": len(items)}


@router.get("/supervision/values/records")
def value_records(
    request: HttpRequest,
    indicator: str,
    period: str,
    unit: str,
    side: str = "denominator",
    format: str = "json",
):
    user = _viewer(request)
    i = ind.indicator_get(indicator)
    p = period_parse(period)
    u = ind.unit_get(unit)
    _unit_allowed(user, u)
    if u.kind not in i.levels:
        raise ValidationFailed(fields={"unit": [f"“{i.name}”不按该层级统计"]})
    if format == "xlsx":
        return FileResponse(  # sent in blocks from a spooled temporary file, closed by the response
            exports.records_xlsx_file(indicator=i, period=p, unit=u),
            as_attachment=True,
            filename=f"{i.code}-{p.label}.xlsx",
            content_type=exports.XLSX,
        )
    v = ind.value_compute(i, p, u)
    page = paginate(request, ind.records(i, p, u, side), lambda o: ind.record_out(i, side, o))
    return {
        **page,
        "indicator": i.code,
        "period": p.label,
        "unit": u.as_dict(),
        "side": side,
        "value": v.as_dict(),
    }


# --- assessments -------------------------------------------------------------------------------
def _assessment_out(a: Assessment, request: HttpRequest) -> dict:
    base = f"/api/v1/supervision/assessments/{a.pk}"
    return {
        "id": a.pk,
        "period": a.period,
        "level": a.level,
        "status": a.status,
        "status_label": a.get_status_display(),
        "version": a.version,
        "ruleset_version": a.ruleset.version,
        "computed_at": a.computed_at.isoformat(),
        "items": a.results,
        "xlsx": f"{base}/xlsx",
        "pdf": f"{base}/pdf",
    }


@router.get("/supervision/assessments")
def assessment_list(request: HttpRequest, period: str, level: str = "district"):
    _viewer(request)
    a = (
        Assessment.objects.filter(period=period_parse(period).label, level=level)
        .select_related("ruleset")
        .first()
    )
    if a is None:
        a = services.assessment_run(period=period, level=level)
    return _assessment_out(a, request)


class ActionIn(Schema):
    action: str
    note: str = Field("", max_length=5000)
    version: int | None = None


@router.post("/supervision/assessments/{pk}/transitions")
def assessment_transition(request: HttpRequest, pk: int, body: ActionIn):
    user = _viewer(request, missing=ASSESSMENT)
    a = get_object_or_404(Assessment, pk=pk)
    return _assessment_out(
        services.assessment_act(assessment=a, actor=user, action=body.action, version=body.version), request
    )


@router.get("/supervision/assessments/{pk}/xlsx")
def assessment_xlsx(request: HttpRequest, pk: int):
    _viewer(request, missing=ASSESSMENT)
    a = get_object_or_404(Assessment, pk=pk)
    return _file(exports.assessment_xlsx(a), exports.XLSX, f"assessment-{a.period}-{a.level}.xlsx")


@router.get("/supervision/assessments/{pk}/pdf")
def assessment_pdf(request: HttpRequest, pk: int):
    _viewer(request, missing=ASSESSMENT)
    a = get_object_or_404(Assessment, pk=pk)
    return _file(exports.assessment_pdf(a), "application/pdf", f"assessment-{a.period}-{a.level}.pdf")


class AppealIn(Schema):
    unit: str
    line: str
    claimed: float
    evidence: str = Field(..., max_length=5000)


def _appeal_out(a: Appeal) -> dict:
    return {
        "id": a.pk,
        "assessment": a.assessment_id,
        "unit": a.unit_code,
        "line": a.line,
        "kind": a.kind,
        "claimed": a.claimed,
        "original": a.original,
        "status": a.status,
        "status_label": a.get_status_display(),
        "decided_value": a.decided_value,
        "reason": a.reason,
        "version": a.version,
    }


@router.post("/supervision/assessments/{pk}/appeals", response={201: dict, 200: dict})
def appeal_create(request: HttpRequest, pk: int, body: AppealIn):
    user = _viewer(request, missing=ASSESSMENT)
    a = get_object_or_404(Assessment, pk=pk)
    appeal = services.appeal_file(
        assessment=a,
        actor=user,
        unit_code=body.unit,
        line=body.line,
        claimed=body.claimed,
        evidence=body.evidence,
    )
    return Status(201, _appeal_out(appeal))


class DecisionIn(Schema):
    accept: bool
    reason: str = Field(..., max_length=5000)
    value: float | None = None
    version: int | None = None


@router.post("/supervision/appeals/{pk}/decision")
def appeal_decision(request: HttpRequest, pk: int, body: DecisionIn):
    user = _viewer(request, missing=APPEAL)
    appeal = get_object_or_404(Appeal, pk=pk)
    return _appeal_out(
        services.appeal_decide(
            appeal=appeal,
            actor=user,
            accept=body.accept,
            reason=body.reason,
            value=body.value,
            version=body.version,
        )
    )


# --- bulletins ---------------------------------------------------------------------------------
def _bulletin_out(b: Bulletin, *, full: bool = False) -> dict:
    base = f"/api/v1/supervision/bulletins/{b.pk}"
    out = {
        "id": b.pk,
        "kind": b.kind,
        "kind_label": b.get_kind_display(),
        "period": b.period,
        "year": b.year,
        "issue": b.issue,
        "title": b.title,
        "status": b.status,
        "status_label": b.get_status_display(),
        "version": b.version,
        "published_at": b.published_at.isoformat() if b.published_at else None,
        "xlsx": f"{base}/xlsx",
        "pdf": f"{base}/pdf",
    }
    if full:
        out["content"] = b.content
    return out


def _bulletin(user, pk: int) -> Bulletin:
    b = selectors.bulletins_visible(user=user).filter(pk=pk).first()
    if b is None:
        raise NotFound("通报不存在", code="bulletin_not_found")
    return b


@router.get("/supervision/bulletins")
def bulletin_list(request: HttpRequest, kind: str = "", year: int | None = None):
    user = _viewer(request)
    qs = selectors.bulletins_visible(user=user)
    if kind:
        if kind not in BulletinKind.values:
            raise ValidationFailed(fields={"kind": ["通报类型应为 daily、weekly、monthly 或 quarterly"]})
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(year=year)
    return paginate(request, qs, _bulletin_out)


@router.get("/supervision/bulletins/counts")
def bulletin_counts(request: HttpRequest, year: int):
    user = _viewer(request)
    return {"year": year, "items": selectors.bulletin_counts(user=user, year=year)}


class BulletinIn(Schema):
    kind: str
    period: str


@router.post("/supervision/bulletins", response={201: dict, 200: dict})
def bulletin_create(request: HttpRequest, body: BulletinIn):
    user = _viewer(request)
    R.ensure_supervisor(user)
    return Status(
        201, _bulletin_out(services.bulletin_generate(kind=body.kind, period=body.period), full=True)
    )


@router.get("/supervision/bulletins/{pk}")
def bulletin_detail(request: HttpRequest, pk: int):
    return _bulletin_out(_bulletin(_viewer(request, missing=BULLETIN), pk), full=True)


@router.post("/supervision/bulletins/{pk}/transitions")
def bulletin_transition(request: HttpRequest, pk: int, body: ActionIn):
    user = _viewer(request, missing=BULLETIN)
    b = _bulletin(user, pk)
    return _bulletin_out(
        services.bulletin_act(
            bulletin=b, actor=user, action=body.action, note=body.note, version=body.version
        ),
        full=True,
    )


@router.get("/supervision/bulletins/{pk}/xlsx")
def bulletin_xlsx(request: HttpRequest, pk: int):
    b = _bulletin(_viewer(request, missing=BULLETIN), pk)
    return _file(exports.bulletin_xlsx(b), exports.XLSX, f"bulletin-{b.kind}-{b.period}.xlsx")


@router.get("/supervision/bulletins/{pk}/pdf")
def bulletin_pdf(request: HttpRequest, pk: int):
    b = _bulletin(_viewer(request, missing=BULLETIN), pk)
    return _file(exports.bulletin_pdf(b), "application/pdf", f"bulletin-{b.kind}-{b.period}.pdf")


# --- tasks (整改清单) ----------------------------------------------------------------------------
def task_out(t) -> dict:
    return {
        "id": t.pk,
        "number": t.number,
        "source": t.source,
        "source_label": t.get_source_display(),
        "title": t.title,
        "body": t.body,
        "department": {"code": t.department.uscc, "name": t.department.name},
        "case": t.case.number if t.case_id else None,
        "work_order": t.work_order.number if t.work_order_id else None,
        "finding_item": t.finding_item_id,
        "indicator": t.indicator or None,
        "period": t.period or None,
        "status": t.status,
        "status_label": t.get_status_display(),
        "version": t.version,
        "assigned_on": t.assigned_on.isoformat(),
        "limit_days": t.limit_days,
        "due_date": t.due_date.isoformat(),
        "escalated": t.escalated_at is not None,
        "evidence": t.evidence,
        "closed_on": t.closed_on.isoformat() if t.closed_on else None,
    }


@router.get("/supervision/tasks")
def task_list(request: HttpRequest, status: str = "", format: str = "json"):
    user = _viewer(request)
    qs = selectors.task_list(user=user, status=status or None)
    if format == "xlsx":
        return _file(exports.tasks_xlsx(qs), exports.XLSX, "tasks.xlsx")
    return paginate(request, qs, task_out)


class TaskIn(Schema):
    title: str = Field("", max_length=120)
    body: str = Field("", max_length=5000)
    department: str = ""  # USCC
    case: str = ""  # an overdue case's number
    limit_days: int = 10


@router.post("/supervision/tasks", response={201: dict, 200: dict})
def task_create(request: HttpRequest, body: TaskIn):
    user = _viewer(request)
    R.ensure_supervisor(user)

    def handler():
        if body.case:
            case = Case.objects.select_related("item_version", "department").filter(number=body.case).first()
            if case is None:
                raise NotFound("办件不存在", code="case_not_found")
            task = services.task_from_case(case=case, actor=user, limit_days=body.limit_days, note=body.body)
        else:
            dept = Department.objects.filter(uscc=body.department).first()
            if dept is None:
                raise ValidationFailed(fields={"department": ["请选择责任部门"]})
            task = services.task_create(
                source=TaskSource.MANUAL,
                title=body.title,
                body=body.body,
                department=dept,
                actor=user,
                limit_days=body.limit_days,
            )
        return 201, task_out(task)

    status, out = run_idempotent(
        owner=str(user.pk),
        key=request.headers.get("Idempotency-Key"),
        scope="POST /supervision/tasks",
        body=body.dict(),
        handler=handler,
    )
    return Status(status, out)


@router.get("/supervision/tasks/{pk}")
def task_detail(request: HttpRequest, pk: int):
    t = selectors.task_for_actor(actor=_viewer(request, missing=TASK), pk=pk)
    out = task_out(t)
    out["steps"] = [
        {
            "seq": s.seq,
            "action": s.action,
            "from": s.from_status,
            "to": s.to_status,
            "role": s.actor_role,
            "at": s.at.isoformat(),
            "note": s.note,
        }
        for s in t.steps.all()
    ]
    return out


class TaskActionIn(ActionIn):
    evidence: str = Field("", max_length=5000)


@router.post("/supervision/tasks/{pk}/transitions")
def task_transition(request: HttpRequest, pk: int, body: TaskActionIn):
    user = _viewer(request, missing=TASK)
    t = selectors.task_for_actor(actor=user, pk=pk)
    t = services.task_act(
        task=t, actor=user, action=body.action, note=body.note, evidence=body.evidence, version=body.version
    )
    return task_out(t)
