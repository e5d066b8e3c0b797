"""Evaluation pages: the window rating device, the SMS link, the public disclosure of indicator
values (公开评价指标值), the staff dashboard with work orders, and 12345 hotline entry. Thin views over
services and selectors; every rule is checked there."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from yiwang.accounts.decorators import staff_required
from yiwang.cases import selectors as case_selectors
from yiwang.core.errors import DomainError, NotFound
from yiwang.core.pagination import paginate
from yiwang.core.text import as_int
from yiwang.organizations.models import Department, Role
from yiwang.organizations.selectors import staff_scope
from yiwang.workdays import selectors as workdays

from . import presenters, selectors, services
from .forms import form_context, rating_fields
from .models import Channel, Disposal, Level, OrderStatus, RevisitResult, Stage, WindowServing
from .services import ORDER_RULES

PAGE_SIZE = 50


def _errors(exc: DomainError) -> list[str]:
    return [exc.message] + [f"{'；'.join(v)}" for v in exc.fields.values()]


@require_http_methods(["GET", "POST"])
def device_page(request: HttpRequest, token: str) -> HttpResponse:
    """The tablet at a window: shows the ticket and case the window serves and takes one rating."""
    try:
        device = services.device_for_token(token)
    except NotFound:
        return render(request, "404.html", {"message": "评价器未登记或已停用。"}, status=404)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.evaluation_submit_device(
                device=device,
                serving_version=as_int(request.POST.get("serving_version"), -1),
                **rating_fields(request.POST, kind="offline"),
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            return render(request, "evaluations/thanks.html", {"again": request.path})
    serving = WindowServing.objects.select_related("case", "case__item").filter(window=device.window).first()
    ctx = {"device": device, "serving": serving if serving and serving.case_id else None, "errors": errors}
    return render(
        request, "evaluations/device.html", {**ctx, **form_context("offline")}, status=422 if errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def rate_page(request: HttpRequest, number: str) -> HttpResponse:
    """The applicant rates their own case on the web (channel `web`): each stage reached and not
    yet rated can be rated once."""
    try:
        case = case_selectors.case_for_actor(actor=request.user, number=number)
    except NotFound:
        return render(request, "404.html", {"message": "办件不存在。"}, status=404)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.evaluation_submit(
                case=case,
                actor=request.user,
                stage=request.POST.get("stage", ""),
                channel="web",
                anonymous=request.POST.get("anonymous") == "1",
                **rating_fields(request.POST, kind="online"),
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            return render(request, "evaluations/thanks.html", {"again": request.path})
    rated = dict(case.evaluations.values_list("stage", "level"))
    stages = [
        (code, label)
        for code, label in Stage.choices
        if code not in rated and services.stage_reached(case=case, stage=code)
    ]
    ctx = {
        "case": case,
        "item_name": case.item_version.name,
        "stages": stages,
        "rated": [(Stage(code).label, Level(level).label) for code, level in rated.items()],
        "errors": errors,
    }
    return render(
        request, "evaluations/rate.html", {**ctx, **form_context("online")}, status=422 if errors else 200
    )


@require_http_methods(["GET", "POST"])
def sms_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        inv = services.invitation_by_token(token)
    except NotFound as exc:
        return render(request, "404.html", {"message": exc.message}, status=404)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.evaluation_submit_sms(
                token=token,
                anonymous=request.POST.get("anonymous") == "1",
                **rating_fields(request.POST, kind="online"),
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            return render(request, "evaluations/thanks.html", {})
    ctx = {"case": inv.case, "errors": errors, "item_name": inv.case.item_version.name}
    return render(
        request, "evaluations/sms.html", {**ctx, **form_context("online")}, status=422 if errors else 200
    )


def public_page(request: HttpRequest) -> HttpResponse:
    """公开评价指标值: the indicators of every department for a year (no personal data)."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 2019), today.year)
    f = selectors.StatsFilter(
        date_from=today.replace(year=year, month=1, day=1), date_to=today.replace(year=year, month=12, day=31)
    )
    out = selectors.stats(f=f, group_by="department")
    by_id = {g["id"]: g for g in out["groups"]}
    rows = [
        {"department": d, **by_id.get(d.pk, {"counts": {"ratings": 0}, "indicators": {}})}
        for d in Department.objects.valid_on(today).order_by("region__code", "name")
    ]
    return render(
        request,
        "evaluations/public.html",
        {"rows": rows, "year": year, "years": list(range(today.year, 2018, -1)), "total": out},
    )


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        allowed = selectors.stats_scope(user=request.user, department=None)
    except DomainError:
        allowed = []
    out = selectors.stats(f=selectors.StatsFilter(department_ids=allowed), group_by="department")
    cal = workdays.calendar()
    warning = request.GET.get("warning") if request.GET.get("warning") in ("red", "yellow") else None
    orders = [
        presenters.order_out(o, today=today, cal=cal)
        for o in selectors.order_list(user=request.user, warning=warning, on=today)[:100]
    ]
    return render(
        request,
        "evaluations/dashboard.html",
        {
            "stats": out,
            "orders": orders,
            "warning": warning,
            "is_supervisor": Role.SUPERVISOR in staff_scope(request.user).roles,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def order_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        order = selectors.order_for_actor(actor=request.user, pk=pk)
    except NotFound:
        return render(request, "404.html", {"message": "工单不存在。"}, status=404)
    errors: list[str] = []
    if request.method == "POST":
        p = request.POST
        try:
            services.order_apply_action(
                order=order,
                actor=request.user,
                action=p.get("action", ""),
                note=p.get("note", ""),
                version=as_int(p.get("version"), -1),
                unit=p.get("unit") or None,
                disposal=p.get("disposal") or None,
                deadline=p.get("deadline") or None,
                result=p.get("result") or None,
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "已办理")
            return redirect("evaluations:order", pk=pk)
        order = selectors.order_for_actor(actor=request.user, pk=pk)
    allowed = []
    for action, rule in ORDER_RULES.items():
        try:
            services.order_action_check(actor=request.user, order=order, action=action)
        except DomainError:
            continue
        allowed.append((action, rule.label))
    steps = list(order.steps.select_related("actor").order_by("seq"))
    ctx = {
        "order": presenters.order_out(order, today=timezone.localdate(), steps=steps),
        "allowed": allowed,
        "errors": errors,
        "disposals": Disposal.choices,
        "results": RevisitResult.choices,
        "departments": Department.objects.valid_on(timezone.localdate()).order_by("name"),
        "statuses": OrderStatus.choices,
    }
    return render(request, "evaluations/order.html", ctx, status=422 if errors else 200)


@staff_required
def ratings_page(request: HttpRequest) -> HttpResponse:
    """多评合一: all ratings of a department in the user's scope, whatever the channel, with the
    indicators per channel."""
    try:
        allowed = selectors.stats_scope(user=request.user, department=None)
    except DomainError:
        allowed = []
    departments = Department.objects.order_by("name")
    if allowed is not None:
        departments = departments.filter(pk__in=allowed)
    departments = list(departments)
    chosen = as_int(request.GET.get("department"))
    dept = next((d for d in departments if d.pk == chosen), departments[0] if departments else None)
    channel = request.GET.get("channel") if request.GET.get("channel") in Channel.values else ""
    page = max(as_int(request.GET.get("page"), 1) or 1, 1)
    ctx = {"departments": departments, "dept": dept, "channel": channel, "channels": Channel.choices}
    if dept is not None:
        f = selectors.StatsFilter(department_ids=[dept.pk])
        qs = selectors.department_ratings(department_ids=[dept.pk], channel=channel or None)
        out = paginate(qs, page=page, page_size=PAGE_SIZE, serialize=presenters.evaluation_out)
        last = max((out["count"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        ctx.update(
            by_channel=selectors.stats(f=f, group_by="channel"),
            ratings=out["items"],
            count=out["count"],
            page=page,
            prev_page=page - 1 if page > 1 else None,
            next_page=page + 1 if page < last else None,
            last_page=last,
        )
    return render(request, "evaluations/ratings.html", ctx)


@staff_required
@require_http_methods(["GET", "POST"])
def hotline_page(request: HttpRequest) -> HttpResponse:
    """12345 hotline entry: a supervisor records a rating given by phone."""
    errors: list[str] = []
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            case = case_selectors.case_for_actor(
                actor=request.user, number=request.POST.get("case", "").strip()
            )
            services.evaluation_submit(
                case=case,
                actor=request.user,
                stage=request.POST.get("stage", ""),
                channel="hotline",
                anonymous=request.POST.get("anonymous") == "1",
                **rating_fields(request.POST, kind="offline"),
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "热线评价已录入")
            return redirect("evaluations:hotline")
    return render(
        request,
        "evaluations/hotline.html",
        {"errors": errors, "values": values, **form_context("offline")},
        status=422 if errors else 200,
    )
