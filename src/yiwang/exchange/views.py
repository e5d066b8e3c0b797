"""Exchange pages: for departments the catalogue (search, Excel ledger), agreement requests and
CDO approvals, and their query log; for citizens their consents and who used their data. Thin views
over selectors and services; plain forms, no JavaScript."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.accounts.decorators import applicant_required, staff_required
from yiwang.core.errors import DomainError
from yiwang.organizations.models import Department

from . import selectors, services
from .models import AgreementStatus, ConsentStatus, SharingType


def _errors(exc: DomainError) -> list[str]:
    out = [exc.message] if exc.message else []
    for msgs in exc.fields.values():
        out.extend(msgs)
    return out


def _page(request: HttpRequest, qs, size: int = 30):
    return Paginator(qs, size).get_page(request.GET.get("page"))


# --- departments ----------------------------------------------------------------------------------
@staff_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    department = request.GET.get("department", "")[:100]
    sharing = request.GET.get("sharing", "")
    if sharing not in SharingType.values:
        sharing = ""
    qs = selectors.resources_search(q=q, department=department, sharing=sharing)
    return render(
        request,
        "exchange/catalogue.html",
        {
            "page": _page(request, qs),
            "q": q,
            "department": department,
            "sharing": sharing,
            "sharing_types": SharingType.choices,
            "departments": Department.objects.filter(data_resources__isnull=False)
            .distinct()
            .order_by("name"),
        },
    )


@staff_required
@require_GET
def catalogue_export(request: HttpRequest) -> HttpResponse:
    sharing = request.GET.get("sharing", "")
    qs = selectors.resources_search(
        q=request.GET.get("q", ""),
        department=request.GET.get("department", "")[:100],
        sharing=sharing if sharing in SharingType.values else "",
    )
    response = HttpResponse(
        selectors.catalogue_xlsx(qs),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        "attachment; filename=\"data-ledger.xlsx\"; filename*=UTF-8''%E6%95%B0%E6%8D%AE%E4%B8%80%E6%9C%AC%E8%B4%A6.xlsx"
    )
    return response


_BLANK_REQUEST = {"elements": [], "purposes": [], "legal_basis": "", "valid_until": "", "purpose_note": ""}
_REQUESTED = {True: "共享申请已自动批准（无条件共享）", False: "共享申请已提交，等待提供部门首席数据官审批"}


def _request_form(post) -> dict:
    """The request form as posted (echoed back on errors)."""
    return {
        "elements": post.getlist("elements"),
        "purposes": post.getlist("purposes"),
        "legal_basis": post.get("legal_basis", "")[:300],
        "valid_until": post.get("valid_until", ""),
        "purpose_note": post.get("purpose_note", "")[:300],
        "consumer": post.get("consumer", ""),
    }


def _request_choices(form: dict, departments) -> tuple[Department | None, date | None, list[str]]:
    """The department chosen among those offered and the date typed, or what is missing."""
    consumer = departments.filter(pk=form["consumer"]).first() if form["consumer"].isdigit() else None
    try:
        until = date.fromisoformat(form["valid_until"])
    except ValueError:
        until = None
    errors = ["请选择以哪个部门的名义申请"] if consumer is None else []
    return consumer, until, errors + (["请填写有效期（YYYY-MM-DD）"] if until is None else [])


@staff_required
@require_http_methods(["GET", "POST"])
def resource_page(request: HttpRequest, code: str) -> HttpResponse:
    resource = selectors.resource_get(code)
    if resource is None:
        raise Http404
    options = selectors.resource_request_options(user=request.user, resource=resource)
    form, errors = _BLANK_REQUEST, []
    if request.method == "POST":
        form = _request_form(request.POST)
        consumer, until, errors = _request_choices(form, options["departments"])
        if not errors:
            try:
                a = services.agreement_request(
                    actor=request.user,
                    resource=resource,
                    consumer=consumer,
                    valid_until=until,
                    **{k: form[k] for k in ("elements", "purposes", "legal_basis", "purpose_note")},
                )
            except DomainError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _REQUESTED[a.automatic])
                return redirect("exchange:agreement", agreement_id=a.pk)
    ctx = {"r": resource, **options, "form": form, "errors": errors}
    return render(request, "exchange/resource.html", ctx, status=422 if errors else 200)


@staff_required
@require_GET
def agreements_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "exchange/agreements.html",
        {
            "pending": selectors.agreements_for_staff(user=user, role="provider").filter(
                status=AgreementStatus.REQUESTED
            ),
            "provided": selectors.agreements_for_staff(user=user, role="provider").exclude(
                status=AgreementStatus.REQUESTED
            )[:100],
            "mine": selectors.agreements_for_staff(user=user, role="consumer")[:100],
            "is_cdo": bool(selectors.cdo_department_ids(user)),
        },
    )


def _agreement_post(post) -> dict:
    """An agreement page's form, as the arguments of the service it names: revoke (version,
    reason), or approve/refuse (action, version, elements, date, reason). Raises ValueError for a
    version or a date that is not one."""
    version = int(post.get("version", "0") or 0)
    if post.get("action") == "revoke":
        return {"version": version, "reason": post.get("revoke_reason", "")}
    until = post.get("valid_until", "")
    return {
        "action": post.get("action", ""),
        "version": version,
        "elements": post.getlist("elements") or None,
        "valid_until": date.fromisoformat(until) if until else None,
        "reason": post.get("reason", ""),
    }


_AGREEMENT_DONE = {"revoke": "共享协议已终止，此后使用部门的查询将被拒绝"}
_AGREEMENT_BAD_INPUT = {"revoke": "请刷新页面后重试"}


@staff_required
@require_http_methods(["GET", "POST"])
def agreement_page(request: HttpRequest, agreement_id: int) -> HttpResponse:
    a = selectors.agreement_for_staff(user=request.user, agreement_id=agreement_id)
    if a is None:
        raise Http404
    errors: list[str] = []
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST":
        service = services.agreement_revoke if action == "revoke" else services.agreement_decide
        try:
            service(actor=request.user, agreement=a, **_agreement_post(request.POST))
        except ValueError:
            errors = [_AGREEMENT_BAD_INPUT.get(action, "有效期格式应为 YYYY-MM-DD")]
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _AGREEMENT_DONE.get(action, "审批意见已保存"))
            return redirect("exchange:agreement", agreement_id=a.pk)
    ctx = {**selectors.agreement_page(user=request.user, agreement=a), "revoking": action == "revoke"}
    return render(
        request, "exchange/agreement.html", {**ctx, "errors": errors}, status=422 if errors else 200
    )


@staff_required
@require_GET
def department_records(request: HttpRequest) -> HttpResponse:
    page = _page(
        request,
        selectors.access_records_for_department(user=request.user).prefetch_related("resource__elements"),
        50,
    )
    return render(
        request,
        "exchange/department_records.html",
        {"page": page, "rows": [selectors.access_record_dict(r) for r in page]},
    )


# --- citizens -------------------------------------------------------------------------------------
@applicant_required
@require_http_methods(["GET", "POST"])
def my_consents(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        consent_id = request.POST.get("consent", "")
        try:
            c = services.consent_decide(
                user=request.user,
                consent_id=int(consent_id) if consent_id.isdigit() else 0,
                action=request.POST.get("action", ""),
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(
                request,
                {
                    ConsentStatus.GRANTED: "已同意授权",
                    ConsentStatus.REFUSED: "已拒绝授权",
                    ConsentStatus.WITHDRAWN: "已撤回授权，此后该部门不能再查询这些信息",
                }[c.status],
            )
            return redirect("exchange:my_consents")
    rows = [selectors.consent_dict(c) for c in selectors.consents_for_user(user=request.user)[:200]]
    return render(
        request,
        "exchange/my_consents.html",
        {
            "pending": [r for r in rows if r["status"] == "pending"],
            "granted": [r for r in rows if r["status"] == "granted"],
            "past": [r for r in rows if r["status"] in ("refused", "withdrawn")],
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@applicant_required
@require_GET
def my_records(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.access_records_for_user(user=request.user), 50)
    return render(
        request,
        "exchange/my_records.html",
        {"page": page, "rows": [selectors.access_record_dict(r) for r in page]},
    )
