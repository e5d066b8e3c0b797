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
from .models import PURPOSES, AgreementStatus, ConsentStatus, SharingType


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


@staff_required
@require_http_methods(["GET", "POST"])
def resource_page(request: HttpRequest, code: str) -> HttpResponse:
    resource = selectors.resource_get(code)
    if resource is None:
        raise Http404
    departments = selectors.staff_departments(request.user)
    errors: list[str] = []
    form = {"elements": [], "purposes": [], "legal_basis": "", "valid_until": "", "purpose_note": ""}
    if request.method == "POST":
        form = {
            "elements": request.POST.getlist("elements"),
            "purposes": request.POST.getlist("purposes"),
            "legal_basis": request.POST.get("legal_basis", "")[:300],
            "valid_until": request.POST.get("valid_until", ""),
            "purpose_note": request.POST.get("purpose_note", "")[:300],
            "consumer": request.POST.get("consumer", ""),
        }
        consumer = departments.filter(pk=form["consumer"]).first() if form["consumer"].isdigit() else None
        try:
            until = date.fromisoformat(form["valid_until"])
        except ValueError:
            until = None
        if consumer is None:
            errors.append("请选择以哪个部门的名义申请")
        if until is None:
            errors.append("请填写有效期（YYYY-MM-DD）")
        if not errors:
            try:
                a = services.agreement_request(
                    actor=request.user,
                    resource=resource,
                    consumer=consumer,
                    elements=form["elements"],
                    purposes=form["purposes"],
                    legal_basis=form["legal_basis"],
                    valid_until=until,
                    purpose_note=form["purpose_note"],
                )
            except DomainError as exc:
                errors = _errors(exc)
            else:
                messages.success(
                    request,
                    "共享申请已自动批准（无条件共享）"
                    if a.automatic
                    else "共享申请已提交，等待提供部门首席数据官审批",
                )
                return redirect("exchange:agreement", agreement_id=a.pk)
    return render(
        request,
        "exchange/resource.html",
        {
            "r": resource,
            "departments": departments,
            "purposes": PURPOSES.items(),
            "form": form,
            "errors": errors,
            "can_request": resource.sharing_type != SharingType.NONE and departments.exists(),
        },
        status=422 if errors else 200,
    )


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
            "is_cdo": bool(services.cdo_department_ids(user)),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def agreement_page(request: HttpRequest, agreement_id: int) -> HttpResponse:
    a = selectors.agreement_for_staff(user=request.user, agreement_id=agreement_id)
    if a is None:
        raise Http404
    errors: list[str] = []
    if request.method == "POST" and request.POST.get("action") == "revoke":
        try:
            services.agreement_revoke(
                actor=request.user,
                agreement=a,
                version=int(request.POST.get("version", "0") or 0),
                reason=request.POST.get("revoke_reason", ""),
            )
        except ValueError:
            errors = ["请刷新页面后重试"]
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "共享协议已终止，此后使用部门的查询将被拒绝")
            return redirect("exchange:agreement", agreement_id=a.pk)
    elif request.method == "POST":
        try:
            until = request.POST.get("valid_until", "")
            services.agreement_decide(
                actor=request.user,
                agreement=a,
                action=request.POST.get("action", ""),
                version=int(request.POST.get("version", "0") or 0),
                elements=request.POST.getlist("elements") or None,
                valid_until=date.fromisoformat(until) if until else None,
                reason=request.POST.get("reason", ""),
            )
        except ValueError:
            errors = ["有效期格式应为 YYYY-MM-DD"]
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "审批意见已保存")
            return redirect("exchange:agreement", agreement_id=a.pk)
    names = {e.code: e.name for e in a.resource.elements.all()}
    return render(
        request,
        "exchange/agreement.html",
        {
            "a": a,
            "requested": [(c, names.get(c, c)) for c in a.requested_elements],
            "granted": [names.get(c, c) for c in a.elements],
            "purposes": [PURPOSES.get(p, p) for p in a.purposes],
            "can_decide": a.status == AgreementStatus.REQUESTED
            and a.resource.department_id in services.cdo_department_ids(request.user),
            "can_revoke": a.status == AgreementStatus.APPROVED
            and (
                a.resource.department_id in services.cdo_department_ids(request.user)
                or a.consumer_id in services.staff_department_ids(request.user)
            ),
            "revoking": request.method == "POST" and request.POST.get("action") == "revoke",
            "errors": errors,
        },
        status=422 if errors else 200,
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
