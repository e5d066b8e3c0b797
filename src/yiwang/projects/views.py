"""Staff pages of projects and the data ledger: the project list with the city's budget overview,
the filing form (申报), a project's page (reviews, duplicates, decisions, documents), the data
ledger with its exports, and the CDO's page. Thin views; every rule is in services/selectors."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from yiwang.accounts.decorators import staff_required
from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.core.text import as_int
from yiwang.organizations.models import Department, Role
from yiwang.organizations.selectors import staff_scope
from yiwang.workdays import selectors as workdays

from . import exports, presenters, selectors, services
from .models import (
    ChangeStatus,
    DataListEntry,
    DocumentKind,
    Evaluator,
    QualityIssue,
    QualityStatus,
    ReviewKind,
    Scheme,
    Stage,
)


def _date(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise ValidationFailed(fields={field: ["日期格式应为 YYYY-MM-DD"]}) from None


def _month(value: str | None) -> date:
    raw = (value or "").strip()
    try:
        return date.fromisoformat(raw + "-01" if len(raw) == 7 else raw).replace(day=1)
    except ValueError:
        raise ValidationFailed(fields={"month": ["月份格式应为 YYYY-MM"]}) from None


def _errors(exc: DomainError) -> list[str]:
    return [exc.message] + ["；".join(v) for v in exc.fields.values()]


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    qs = selectors.project_list(request.user)[:200]
    today, cal = services.today(), workdays.calendar()
    rows = []
    for p in qs:
        out = presenters.project_out(p)
        out["light"] = workdays.warning_light(due=p.stage_due, today=today, cal=cal)[0] if p.stage_due else ""
        rows.append(out)
    return render(
        request,
        "projects/index.html",
        {
            "projects": rows,
            "budget": selectors.budget_rows() if selectors.is_bureau(request.user) else [],
            "can_file": bool(selectors.departments_of(request.user)),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    form = request.POST
    if request.method == "POST":
        try:
            p = services.project_file(
                actor=request.user,
                name=form.get("name", ""),
                purpose=form.get("purpose", ""),
                budget=[
                    {
                        "year": as_int(form.get("year")),
                        "amount": form.get("amount", ""),
                        "source": form.get("source", ""),
                    }
                ],
                systems=[
                    {
                        "name": form.get("system", ""),
                        "functions": form.get("functions", ""),
                        "mlps_level": as_int(form.get("mlps_level")) or 2,
                    }
                ]
                if form.get("system")
                else [],
                resources=[
                    {"code": c.strip(), "name": c.strip(), "role": "creates"}
                    for c in form.get("resources", "").split(",")
                    if c.strip()
                ],
                implementation_path=form.get("implementation_path", ""),
                functions=form.get("functions", ""),
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, f"项目已申报，编号 {p.code}")
            return redirect("projects:detail", code=p.code)
    return render(
        request, "projects/new.html", {"errors": errors, "form": form, "this_year": services.today().year}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        p = services.project_get(user=request.user, code=code)
    except NotFound as exc:
        return render(request, "404.html", {"message": exc.message}, status=404)
    errors: list[str] = []
    if request.method == "POST":
        try:
            text = _post(request, p)
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, text)
            return redirect("projects:detail", code=p.code)
    roles = selectors.roles_for(request.user, p)
    return render(
        request,
        "projects/detail.html",
        {
            "p": p,
            "out": presenters.project_out(p, detail=True),
            "errors": errors,
            "actions": selectors.project_actions(request.user, p),
            "can_review": "bureau" in roles and p.stage == "filed",
            "can_upload": bool(roles & {"owner", "bureau"}),
            "review_kinds": ReviewKind.choices,
            "document_kinds": DocumentKind.choices,
            "missing_reviews": selectors.missing_reviews(p) if p.stage == "filed" else [],
            "confirm_problems": selectors.confirm_problems(p) if p.stage == "building" else [],
            "building": "owner" in roles and p.stage in (Stage.APPROVED, Stage.BUILDING),
            "contracts": p.contracts.prefetch_related("payments"),
            "changes": p.changes.all(),
            "pending_changes": p.changes.filter(status=ChangeStatus.REQUESTED) if "bureau" in roles else [],
            "unregistered": p.systems.filter(registered=False) if "owner" in roles else [],
            "evaluators": Evaluator.objects.all()
            if "bureau" in roles and p.stage in (Stage.ACCEPTED, Stage.SELF_EVALUATED) and not p.evaluator_id
            else [],
            "scheme": Scheme.objects.filter(active=True).order_by("-pk").first()
            if "evaluator" in roles and p.stage == Stage.SELF_EVALUATED
            else None,
            "this_year": services.today().year,
            "can_report": bool(roles & {"owner", "bureau"}) and p.stage in services.INDICATOR_STAGES,
            "open_milestones": [m for m in p.milestones.all() if not m.done_on] if "owner" in roles else [],
        },
    )


@staff_required
def document(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """A project's document, for whoever may see the project (the reviewers read the 等保 and 密评
    reports before 确认); sent as an attachment with its sniffed type, never rendered inline."""
    try:
        p = services.project_get(user=request.user, code=code)
    except NotFound as exc:
        return render(request, "404.html", {"message": exc.message}, status=404)
    d = p.documents.filter(pk=pk).first()
    if d is None:
        return render(request, "404.html", {"message": "未找到该文件"}, status=404)
    response = HttpResponse(bytes(d.content), content_type=d.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(d.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _post(request: HttpRequest, p) -> str:
    do = request.POST.get("do")
    if do == "review":
        services.review_add(
            actor=request.user,
            project=p,
            kind=request.POST.get("kind", ""),
            passed=request.POST.get("passed") == "yes",
            opinion=request.POST.get("opinion", ""),
        )
        return "审查意见已提交"
    if do == "milestone":
        services.milestone_add(
            actor=request.user, project=p, name=request.POST.get("name", ""),
            due=_date(request.POST.get("due"), "due"),
        )  # fmt: skip
        return "里程碑已登记"
    if do == "milestone_done":
        milestone = p.milestones.filter(pk=as_int(request.POST.get("milestone"))).first()
        if milestone is None:
            raise NotFound("未找到该里程碑")
        services.milestone_done(
            actor=request.user, milestone=milestone, done_on=_date(request.POST.get("done_on"), "done_on")
        )
        return "里程碑已完成"
    if do == "indicator":
        system = p.systems.filter(pk=as_int(request.POST.get("system"))).first()
        if system is None:
            raise NotFound("未找到该系统")
        services.indicator_record(
            actor=request.user, system=system, month=_month(request.POST.get("month")),
            active_users=as_int(request.POST.get("active_users")), transactions=as_int(request.POST.get("transactions")),
            availability=request.POST.get("availability", ""), cost=request.POST.get("cost", ""),
        )  # fmt: skip
        return "运行指标已填报"
    if do == "contract":
        services.contract_add(
            actor=request.user, project=p, name=request.POST.get("name", ""),
            supplier=request.POST.get("supplier", ""), year=as_int(request.POST.get("year")),
            amount=request.POST.get("amount", ""), signed_on=_date(request.POST.get("signed_on"), "signed_on"),
        )  # fmt: skip
        return "合同已登记"
    if do == "payment":
        contract = p.contracts.filter(pk=as_int(request.POST.get("contract"))).first()
        if contract is None:
            raise NotFound("未找到该合同")
        services.payment_add(
            actor=request.user, contract=contract, amount=request.POST.get("amount", ""),
            paid_on=_date(request.POST.get("paid_on"), "paid_on"),
        )  # fmt: skip
        return "支付已登记"
    if do == "change":
        services.change_request(
            actor=request.user, project=p, description=request.POST.get("description", ""),
            year=as_int(request.POST.get("year")), budget_delta=request.POST.get("budget_delta") or 0,
        )  # fmt: skip
        return "变更申请已提交"
    if do == "change_decide":
        change = p.changes.filter(pk=as_int(request.POST.get("change"))).first()
        if change is None:
            raise NotFound("未找到该变更")
        services.change_decide(
            actor=request.user, change=change, approve=request.POST.get("decision") == "approve",
            reason=request.POST.get("reason", ""),
        )  # fmt: skip
        return "变更已审批"
    if do == "register":
        system = p.systems.filter(pk=as_int(request.POST.get("system"))).first()
        if system is None:
            raise NotFound("未找到该系统")
        codes = [c.strip() for c in request.POST.get("resources", "").split(",") if c.strip()]
        services.system_register(actor=request.user, system=system, resource_codes=codes)
        return "系统已登记到数据一本账"
    if do == "evaluator":
        ev = Evaluator.objects.filter(pk=as_int(request.POST.get("evaluator"))).first()
        if ev is None:
            raise NotFound("未找到该评价机构")
        services.evaluator_assign(actor=request.user, project=p, evaluator=ev)
        return f"已委托{ev.organisation}开展后评价"
    if do == "evaluate":
        scheme = Scheme.objects.filter(active=True).order_by("-pk").first()
        scores = {}
        for c in scheme.criteria if scheme else []:
            raw = request.POST.get(f"score-{c['code']}", "")
            try:
                scores[c["code"]] = float(raw)
            except ValueError:
                raise ValidationFailed(
                    fields={f"score-{c['code']}": [f"请填写“{c['name']}”的得分"]}
                ) from None
        services.evaluation_submit(
            actor=request.user, project=p, scores=scores, conclusion=request.POST.get("conclusion", ""),
            version=as_int(request.POST.get("version")),
        )  # fmt: skip
        return "后评价已提交"
    if do == "upload":
        f = request.FILES.get("file")
        services.document_upload(
            actor=request.user,
            project=p,
            kind=request.POST.get("kind", ""),
            name=f.name if f else "",
            data=f.read() if f else b"",
        )
        return "文件已上传"
    _, warnings = services.project_transition(
        actor=request.user,
        project=p,
        action=request.POST.get("action", ""),
        note=request.POST.get("note", ""),
        version=as_int(request.POST.get("version")),
    )
    for w in warnings:
        messages.warning(request, w)
    return f"已办理：{p.get_stage_display()}"


@staff_required
def ledger(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/ledger.html",
        {"systems": selectors.ledger_systems(), "resources": selectors.ledger_resources()},
    )


@staff_required
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        exports.ledger_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="data-ledger.xlsx"'
    return response


@staff_required
def ledger_ttl(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        exports.catalogue_turtle(today=services.today()), content_type="text/turtle; charset=utf-8"
    )


@staff_required
@require_http_methods(["GET", "POST"])
def cdo(request: HttpRequest) -> HttpResponse:
    """The CDO's page: the yearly evaluation of each department they are CDO of, its 需求清单 and
    责任清单, and the open data-quality issues of its resources (closed here with a reply)."""
    dept_ids = staff_scope(request.user).departments_for(Role.CDO)
    errors: list[str] = []
    if request.method == "POST":
        try:
            issue = (
                QualityIssue.objects.select_related("resource")
                .filter(pk=as_int(request.POST.get("issue")))
                .first()
            )
            if issue is None:
                raise NotFound("未找到该问题")
            services.quality_close(actor=request.user, issue=issue, reply=request.POST.get("reply", ""))
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "整改说明已提交")
            return redirect("projects:cdo")
    year = services.today().year
    return render(
        request,
        "projects/cdo.html",
        {
            "errors": errors,
            "evaluations": [
                selectors.cdo_evaluation(d, year) for d in Department.objects.filter(pk__in=dept_ids)
            ],
            "entries": DataListEntry.objects.filter(department_id__in=dept_ids).select_related("department"),
            "issues": QualityIssue.objects.filter(
                resource__department_id__in=dept_ids, status=QualityStatus.OPEN
            ).select_related("resource"),
        },
    )
