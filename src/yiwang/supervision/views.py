"""考核督办 pages: the supervisor's dashboard (city tiles, trends, district and department rankings
drawn with ECharts — static/supervision/charts.js — each chart followed by its table), a unit's
page (district or department), drill-down to records, overdue cases with 下发整改, the task list
and task pages, assessments with appeals, bulletins. Downloads are the API's (Excel, PDF)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from yiwang.accounts.decorators import staff_required
from yiwang.cases.models import Case
from yiwang.catalog.selectors import today
from yiwang.core.errors import DomainError, NotFound
from yiwang.organizations.models import Department

from . import exports, selectors, services
from . import indicators as ind
from . import rules as R
from .models import Appeal, Assessment, BulletinKind, Level, TaskSource
from .periods import Period, period_containing, period_parse


def _errors(exc: DomainError) -> str:
    return "；".join([exc.message] + ["；".join(v) for v in exc.fields.values()])


def _forbidden(request, message="仅督查人员可以使用此页面。"):
    return render(request, "403.html", {"message": message}, status=403)


def _period(request: HttpRequest) -> Period:
    label = request.GET.get("period")
    if label:
        try:
            return period_parse(label)
        except DomainError:
            pass
    latest = Assessment.objects.order_by("-period").values_list("period", flat=True).first()
    return period_parse(latest) if latest else period_containing(today(), "quarter")


def _pct(v, unit):
    if v is None:
        return "—"
    return f"{v * 100:.2f}%" if unit == "%" else f"{v:g}{unit}"


def _tiles(period: Period, unit: ind.Unit) -> list[dict]:
    out = []
    for t in selectors.tiles(period=period, unit=unit):
        t["display"] = _pct(t["value"], t["unit"])
        t["previous_display"] = _pct(t["previous"], t["unit"])
        t["records_url"] = (
            reverse("supervision:records") + f"?indicator={t['code']}&period={period.label}&unit={unit.key}"
        )
        out.append(t)
    return out


def _trend(unit: ind.Unit, period: Period) -> dict:
    data = selectors.trend(unit=unit, months=6, until=period.end)
    rows = [
        {"period": label, "cells": [_pct(s["values"][n], s["unit"]) for s in data["series"]]}
        for n, label in enumerate(data["periods"])
    ]
    chart = {
        "labels": data["periods"],
        "series": [
            {"name": s["name"], "values": [None if v is None else round(v * 100, 2) for v in s["values"]]}
            for s in data["series"]
        ],
    }
    return {"chart": chart, "names": [s["name"] for s in data["series"]], "rows": rows}


def _ranking(assessment: Assessment | None) -> dict:
    rows = selectors.ranking(assessment=assessment)
    for r in rows:
        r["url"] = reverse("supervision:unit", args=[f"{assessment.level}:{r['unit']['code']}"]) + (
            f"?period={assessment.period}"
        )
    chart = {
        "labels": [r["unit"]["name"] for r in rows],
        "values": [r["total"] for r in rows],
        "links": [r["url"] for r in rows],
    }
    return {"assessment": assessment, "rows": rows, "chart": chart}


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not R.is_supervisor(user):
        ids = R.department_ids(user)
        if not ids:
            return _forbidden(request, "考核督办仅供督查人员和部门工作人员使用。")
        dept = Department.objects.filter(pk__in=ids).order_by("pk").first()
        return redirect("supervision:unit", key=f"department:{dept.uscc}")
    period = _period(request)
    cities = ind.units(Level.CITY)
    city = cities[0] if cities else None
    assessments = {a.level: a for a in Assessment.objects.filter(period=period.label)}
    return render(
        request,
        "supervision/dashboard.html",
        {
            "period": period,
            "city": city,
            "tiles": _tiles(period, city) if city else [],
            "trend": _trend(city, period) if city else None,
            "districts": _ranking(assessments.get(Level.DISTRICT)),
            "departments": _ranking(assessments.get(Level.DEPARTMENT)),
            "open_tasks": selectors.task_list(user=user, status="open").count(),
            "overdue_tasks": selectors.task_list(user=user, overdue_on=today()).count(),
            "overdue_cases": ind.open_overdue_cases(on=today(), unit=city).count() if city else 0,
            "counts": selectors.bulletin_counts(user=user, year=period.start.year),
        },
    )


@staff_required
@require_POST
def assessment_compute(request: HttpRequest) -> HttpResponse:
    if not R.is_supervisor(request.user):
        return _forbidden(request)
    period, level = request.POST.get("period", ""), request.POST.get("level", "")
    try:
        a = services.assessment_run(period=period, level=level)
    except DomainError as exc:
        messages.error(request, _errors(exc))
        return redirect("supervision:dashboard")
    messages.success(request, f"已计算{a}")
    return redirect("supervision:assessment", pk=a.pk)


def _unit_or_404(request, key: str) -> ind.Unit:
    try:
        unit = ind.unit_get(key)
    except DomainError as exc:
        raise NotFound("单位不存在") from exc
    user = request.user
    if not R.is_supervisor(user):
        own = set(Department.objects.filter(pk__in=R.department_ids(user)).values_list("uscc", flat=True))
        if unit.kind != Level.DEPARTMENT or unit.code not in own:
            raise NotFound("单位不存在")
    return unit


def _get_unit(request, key):
    try:
        return _unit_or_404(request, key), None
    except DomainError:
        return None, render(request, "404.html", {"message": "单位不存在或无权查看。"}, status=404)


@staff_required
def unit(request: HttpRequest, key: str) -> HttpResponse:
    u, resp = _get_unit(request, key)
    if resp:
        return resp
    period = _period(request)
    level = u.kind if u.kind in (Level.DISTRICT, Level.DEPARTMENT) else None
    a = Assessment.objects.filter(period=period.label, level=level).first() if level else None
    row = selectors.unit_row(assessment=a, code=u.code) if a else None
    tasks = selectors.task_list(user=request.user, status="open")
    if u.kind == Level.DEPARTMENT:
        tasks = tasks.filter(department_id=u.pk)
    elif u.kind in ind.REGION_LEVELS:
        tasks = tasks.filter(region__path__startswith=u.path)
    return render(
        request,
        "supervision/unit.html",
        {
            "unit": u,
            "period": period,
            "tiles": _tiles(period, u),
            "trend": _trend(u, period),
            "assessment": a,
            "row": row,
            "overdue_cases": ind.open_overdue_cases(on=today(), unit=u).count(),
            "tasks": tasks[:20],
            "supervisor": R.is_supervisor(request.user),
            "may_appeal": a is not None
            and a.status == "published"
            and u.kind == Level.DEPARTMENT
            and R.may_appeal(actor=request.user, department=Department.objects.get(pk=u.pk)),
        },
    )


@staff_required
def overdue(request: HttpRequest, key: str) -> HttpResponse:
    u, resp = _get_unit(request, key)
    if resp:
        return resp
    cases = ind.open_overdue_cases(on=today(), unit=u).order_by("due_date", "pk")
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    tasked = set(
        selectors.tasks_visible(user=request.user)
        .filter(source=TaskSource.OVERDUE_CASE, case__in=[c.pk for c in page])
        .values_list("case_id", flat=True)
    )
    return render(
        request,
        "supervision/overdue.html",
        {
            "unit": u,
            "page": page,
            "tasked": tasked,
            "today": today(),
            "supervisor": R.is_supervisor(request.user),
        },
    )


@staff_required
def records(request: HttpRequest) -> HttpResponse:
    try:
        i = ind.indicator_get(request.GET.get("indicator", ""))
        period = period_parse(request.GET.get("period", ""))
        u = _unit_or_404(request, request.GET.get("unit", ""))
        side = request.GET.get("side", "denominator")
        v = ind.value_compute(i, period, u)
        qs = ind.records(i, period, u, side)
    except DomainError as exc:
        return render(request, "404.html", {"message": _errors(exc)}, status=404)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [ind.record_out(i, side, o) for o in page]
    numerator_ids = set()
    if side == "denominator" and i.numerator.source is i.denominator.source:
        numerator_ids = set(
            ind.records(i, period, u, "numerator")
            .filter(pk__in=[r["id"] for r in rows])
            .values_list("pk", flat=True)
        )
    for r in rows:
        r["counted"] = r["id"] in numerator_ids
    base = f"?indicator={i.code}&period={period.label}&unit={u.key}"
    return render(
        request,
        "supervision/records.html",
        {
            "indicator": i,
            "period": period,
            "unit": u,
            "side": side,
            "value": v,
            "display": _pct(v.value, i.unit),
            "page": page,
            "rows": rows,
            "base": base,
            "show_counted": bool(numerator_ids)
            or (side == "denominator" and i.numerator.source is i.denominator.source),
        },
    )


# --- tasks -------------------------------------------------------------------------------------
@staff_required
def tasks(request: HttpRequest) -> HttpResponse:
    if not R.may_view(request.user):
        return _forbidden(request, "考核督办仅供督查人员和部门工作人员使用。")
    status = request.GET.get("status", "open")
    qs = selectors.task_list(user=request.user, status=status or None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/tasks.html",
        {
            "page": page,
            "status": status,
            "today": today(),
            "supervisor": R.is_supervisor(request.user),
            "departments": Department.objects.order_by("name") if R.is_supervisor(request.user) else [],
        },
    )


@staff_required
@require_POST
def task_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not R.is_supervisor(user):
        return _forbidden(request)
    try:
        limit = int(request.POST.get("limit_days") or 5)
    except ValueError:
        limit = 0
    try:
        if request.POST.get("case"):
            case = get_object_or_404(
                Case.objects.select_related("item_version", "department"), number=request.POST["case"]
            )
            task = services.task_from_case(
                case=case, actor=user, limit_days=limit, note=request.POST.get("body", "")
            )
        else:
            dept = Department.objects.filter(pk=request.POST.get("department") or 0).first()
            if dept is None:
                messages.error(request, "请选择责任部门")
                return redirect("supervision:tasks")
            task = services.task_create(
                source=TaskSource.MANUAL,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                department=dept,
                actor=user,
                limit_days=limit,
            )
    except DomainError as exc:
        messages.error(request, _errors(exc))
        return redirect(request.POST.get("back") or "supervision:tasks")
    messages.success(request, f"已下发整改任务 {task.number}，整改期限 {task.due_date:%Y-%m-%d}")
    return redirect("supervision:task", pk=task.pk)


@staff_required
def task(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        t = selectors.task_for_actor(actor=request.user, pk=pk)
    except DomainError:
        return render(request, "404.html", {"message": "整改任务不存在。"}, status=404)
    if request.method == "POST":
        try:
            services.task_act(
                task=t,
                actor=request.user,
                action=request.POST.get("action", ""),
                note=request.POST.get("note", ""),
                evidence=request.POST.get("evidence", ""),
                version=int(request.POST.get("version") or t.version),
            )
            messages.success(request, "已提交")
        except DomainError as exc:
            messages.error(request, _errors(exc))
        return redirect("supervision:task", pk=t.pk)
    roles = R.task_roles(actor=request.user, task=t)
    actions = [
        (a, r)
        for a, r in R.TASK_RULES.items()
        if a != "escalate" and t.status in r.sources and roles & r.roles
    ]
    return render(request, "supervision/task.html", {"task": t, "actions": actions, "steps": t.steps.all()})


# --- assessments -------------------------------------------------------------------------------
@staff_required
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    a = get_object_or_404(Assessment.objects.select_related("ruleset"), pk=pk)
    if not R.may_view(request.user):
        return _forbidden(request)
    supervisor = R.is_supervisor(request.user)
    if request.method == "POST":
        try:
            if "appeal" in request.POST and supervisor:
                appeal = get_object_or_404(Appeal, pk=request.POST["appeal"], assessment=a)
                value = request.POST.get("value")
                services.appeal_decide(
                    appeal=appeal,
                    actor=request.user,
                    accept=request.POST.get("accept") == "1",
                    reason=request.POST.get("reason", ""),
                    value=float(value) if value else None,
                )
            elif "line" in request.POST:
                services.appeal_file(
                    assessment=a,
                    actor=request.user,
                    unit_code=request.POST.get("unit", ""),
                    line=request.POST["line"],
                    claimed=float(request.POST.get("claimed") or 0),
                    evidence=request.POST.get("evidence", ""),
                )
            else:
                services.assessment_act(
                    assessment=a, actor=request.user, action=request.POST.get("action", "")
                )
            messages.success(request, "已提交")
        except (DomainError, ValueError) as exc:
            messages.error(request, _errors(exc) if isinstance(exc, DomainError) else "数值格式有误")
        return redirect("supervision:assessment", pk=a.pk)
    rows = a.results
    if not supervisor:
        own = set(
            Department.objects.filter(pk__in=R.department_ids(request.user)).values_list("uscc", flat=True)
        )
        rows = [r for r in rows if r["unit"]["code"] in own]
    return render(
        request,
        "supervision/assessment.html",
        {"a": a, "rows": rows, "supervisor": supervisor, "appeals": a.appeals.select_related("filed_by")},
    )


# --- bulletins ---------------------------------------------------------------------------------
@staff_required
def bulletins(request: HttpRequest) -> HttpResponse:
    if not R.may_view(request.user):
        return _forbidden(request, "考核督办仅供督查人员和部门工作人员使用。")
    supervisor = R.is_supervisor(request.user)
    if request.method == "POST":
        if not supervisor:
            return _forbidden(request)
        try:
            b = services.bulletin_generate(
                kind=request.POST.get("kind", ""), period=request.POST.get("period", "")
            )
            return redirect("supervision:bulletin", pk=b.pk)
        except DomainError as exc:
            messages.error(request, _errors(exc))
            return redirect("supervision:bulletins")
    kind = request.GET.get("kind", "")
    qs = selectors.bulletins_visible(user=request.user)
    if kind in BulletinKind.values:
        qs = qs.filter(kind=kind)
    year = today().year
    return render(
        request,
        "supervision/bulletins.html",
        {
            "page": Paginator(qs, 50).get_page(request.GET.get("page")),
            "kind": kind,
            "kinds": BulletinKind.choices,
            "counts": selectors.bulletin_counts(user=request.user, year=year),
            "year": year,
            "supervisor": supervisor,
        },
    )


@staff_required
def bulletin(request: HttpRequest, pk: int) -> HttpResponse:
    b = selectors.bulletins_visible(user=request.user).filter(pk=pk).first()
    if b is None or not R.may_view(request.user):
        return render(request, "404.html", {"message": "通报不存在。"}, status=404)
    if request.method == "POST":
        try:
            services.bulletin_act(
                bulletin=b,
                actor=request.user,
                action=request.POST.get("action", ""),
                note=request.POST.get("note", ""),
                version=int(request.POST.get("version") or b.version),
            )
            messages.success(request, "已提交")
        except DomainError as exc:
            messages.error(request, _errors(exc))
        return redirect("supervision:bulletin", pk=b.pk)
    actions = []
    if R.is_supervisor(request.user):
        actions = [(a, r) for a, r in R.BULLETIN_RULES.items() if b.status in r.sources]
    return render(
        request,
        "supervision/bulletin.html",
        {"b": b, "blocks": exports.bulletin_blocks(b), "actions": actions, "steps": b.steps.all()},
    )


@staff_required
def bulletin_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    b = selectors.bulletins_visible(user=request.user).filter(pk=pk).first()
    if b is None or not R.may_view(request.user):
        return render(request, "404.html", {"message": "通报不存在。"}, status=404)
    if fmt == "pdf":
        data, ctype = exports.bulletin_pdf(b), "application/pdf"
    else:
        data, ctype = exports.bulletin_xlsx(b), exports.XLSX
    resp = HttpResponse(data, content_type=ctype)
    resp["Content-Disposition"] = f"attachment; filename=bulletin-{b.kind}-{b.period}.{fmt}"
    return resp


@staff_required
def assessment_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    a = get_object_or_404(Assessment, pk=pk)
    if not R.is_supervisor(request.user):
        return _forbidden(request)
    data, ctype = (
        (exports.assessment_pdf(a), "application/pdf")
        if fmt == "pdf"
        else (exports.assessment_xlsx(a), exports.XLSX)
    )
    resp = HttpResponse(data, content_type=ctype)
    resp["Content-Disposition"] = f"attachment; filename=assessment-{a.period}-{a.level}.{fmt}"
    return resp


@staff_required
def records_download(request: HttpRequest) -> HttpResponse | FileResponse:
    try:
        i = ind.indicator_get(request.GET.get("indicator", ""))
        period = period_parse(request.GET.get("period", ""))
        u = _unit_or_404(request, request.GET.get("unit", ""))
    except DomainError as exc:
        return render(request, "404.html", {"message": _errors(exc)}, status=404)
    # built in a spooled temporary file, then sent from it in blocks (FileResponse closes it)
    return FileResponse(
        exports.records_xlsx_file(indicator=i, period=period, unit=u),
        as_attachment=True,
        filename=f"{i.code}-{period.label}.xlsx",
        content_type=exports.XLSX,
    )
