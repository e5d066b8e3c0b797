"""事项认领 pages for department admins: the department's pending provincial changes, its claims
and the standard items it has not claimed; the claim form; a change's diff with accept / reject.
Thin views over catalog.selectors and catalog.claims; plain forms, no JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.accounts.decorators import staff_required
from yiwang.core.errors import DomainError

from . import claims, selectors
from .models import (
    CaseKind,
    ChangeStatus,
    ClaimChange,
    HandlingForm,
    OnlineDepth,
    ProvinceSync,
    StandardItem,
)


def _errors(exc: DomainError) -> list[str]:
    out = [exc.message] if exc.message else []
    for field, msgs in exc.fields.items():
        label = claims.validation.FIELD_LABELS.get(field, "")
        out.extend(f"{label}：{m}" if label and not m.startswith(label) else m for m in msgs)
    return out


def _department(request: HttpRequest):
    """The department the page acts for (?department=id), among those the user may act for."""
    departments = list(selectors.claim_departments(user=request.user))
    if not departments:
        raise Http404("没有可认领事项的部门")
    wanted = request.GET.get("department") or request.POST.get("department") or ""
    for d in departments:
        if str(d.pk) == wanted:
            return d, departments
    return departments[0], departments


@staff_required
@require_GET
def claims_index(request: HttpRequest) -> HttpResponse:
    department, departments = _department(request)
    q = request.GET.get("q", "")[:100]
    pending, claimed, unclaimed = selectors.claim_lists(department=department, q=q)
    page = Paginator(unclaimed, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/claims.html",
        {
            "department": department,
            "departments": departments,
            "q": q,
            "pending": list(pending),
            "claimed": list(claimed),
            "page": page,
            "syncs": ProvinceSync.objects.all()[:10],
        },
    )


def _claim_form(post) -> dict:
    def days(name: str):
        value = post.get(name, "").strip()
        return int(value) if value.isdigit() else (value or None)

    return {
        "promised_limit_days": days("promised_limit_days"),
        "case_kind": post.get("case_kind", ""),
        "handling_forms": post.getlist("handling_forms"),
        "online_depth": post.getlist("online_depth"),
        "visits_required": days("visits_required"),
        "locations": post.get("locations", "").strip(),
        "hours": post.get("hours", "").strip(),
        "consultation": post.get("consultation", "").strip(),
        "complaint": post.get("complaint", "").strip(),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def claim_new(request: HttpRequest, standard_id: int) -> HttpResponse:
    department, _ = _department(request)
    standard = StandardItem.objects.filter(pk=standard_id, withdrawn=False).first()
    if standard is None:
        raise Http404("标准事项不存在或已停用")
    errors: list[str] = []
    status = 200
    code = claims.implementation_code_suggest(standard_item=standard, department=department)
    form = {"visits_required": 1, "handling_forms": [], "online_depth": []}
    if request.method == "POST":
        form = _claim_form(request.POST)
        code = request.POST.get("code", "").strip()
        try:
            claim = claims.item_claim(
                standard_item=standard, department=department, actor=request.user, code=code, fields=form
            )
        except DomainError as exc:
            errors, status = _errors(exc), exc.status
        else:
            messages.success(
                request,
                f"已认领“{standard.name}”，实施编码 {claim.item.code}；请在事项管理中补全办事指南后发布",
            )
            return redirect(f"{reverse('catalog:claims')}?department={department.pk}")
    return render(
        request,
        "catalog/claim_new.html",
        {
            "department": department,
            "standard": standard,
            "standard_rows": list(claims.standard_display(standard.standard)),
            "code": code,
            "form": form,
            "errors": errors,
            "case_kinds": CaseKind.choices,
            "handling_forms": HandlingForm.choices,
            "online_depths": OnlineDepth.choices,
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def change_page(request: HttpRequest, change_id: int) -> HttpResponse:
    change = (
        ClaimChange.objects.select_related("claim__standard_item", "claim__item", "claim__department")
        .filter(pk=change_id)
        .first()
    )
    if change is None or not selectors.can_claim_for(user=request.user, department=change.claim.department):
        raise Http404("变更不存在")
    errors: list[str] = []
    status = 200
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            if action == "accept":
                change = claims.claim_change_accept(change=change, actor=request.user)
                v = change.item_version
                if v is None:
                    messages.success(request, "已采纳省级变更（标准字段无差异，未生成新版本）")
                else:
                    done = "已发布" if v.status == "published" else "已写入草稿"
                    messages.success(request, f"已采纳省级变更：事项版本 v{v.version} {done}")
            elif action == "reject":
                claims.claim_change_reject(
                    change=change, actor=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, "已拒绝省级变更，理由已记录")
            else:
                raise Http404
        except DomainError as exc:
            errors, status = _errors(exc), exc.status
            change.refresh_from_db()
        else:
            return redirect(f"{reverse('catalog:claims')}?department={change.claim.department_id}")
    return render(
        request,
        "catalog/change.html",
        {
            "change": change,
            "claim": change.claim,
            "diff": claims.change_diff(change),
            "pending": change.status == ChangeStatus.PENDING,
            "errors": errors,
            "rejecting": action == "reject",
            "reason": request.POST.get("reason", ""),
        },
        status=status,
    )
