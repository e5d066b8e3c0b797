"""The operator page of 部门业务系统对接: pushes to department systems still pending or failed,
with their last error, a retry for dead letters (with a reason, recorded by the outbox), and the
latest messages of the log. For platform administrators."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from yiwang.accounts.decorators import staff_required
from yiwang.core.errors import DomainError
from yiwang.core.models import OutboxStatus
from yiwang.organizations.models import Role
from yiwang.organizations.selectors import staff_scope

from .models import DepartmentSystem, SystemMessage
from .services import systems

STATES = [("", "待发送和失败"), ("pending", "待发送"), ("failed", "失败（等待重试或死信）")]
KINDS = {"case.accepted": "推送受理办件", "case.withdrawn": "通知申请人撤回"}


def platform_admin_required(view):
    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not staff_scope(request.user).has(Role.PLATFORM_ADMIN):
            return render(
                request, "403.html", {"message": "部门业务系统推送仅供平台管理员查看和处理。"}, status=403
            )
        return view(request, *args, **kwargs)

    return wrapper


def _render(request: HttpRequest, *, errors: dict | None = None, posted: dict | None = None, status=200):
    state = request.GET.get("state") or ""
    if state not in dict(STATES):
        state = ""
    page = Paginator(systems.pushes(state=state), 50).get_page(request.GET.get("page"))
    names = dict(DepartmentSystem.objects.values_list("code", "name"))
    rows = [
        {
            "m": m,
            "system": names.get(m.destination, m.destination),
            "kind": KINDS.get(str((m.payload or {}).get("kind")), str((m.payload or {}).get("kind"))),
            "failed": m.status in (OutboxStatus.DEAD, OutboxStatus.RETRYING),
            "retry": m.status == OutboxStatus.DEAD,
            "errors": (errors or {}) if posted and posted.get("id") == m.pk else {},
            "reason": posted.get("reason", "") if posted and posted.get("id") == m.pk else "",
        }
        for m in page
    ]
    log = SystemMessage.objects.select_related("system").order_by("-pk")[:20]
    return render(
        request,
        "docking/system_pushes.html",
        {"page": page, "rows": rows, "state": state, "states": STATES, "log": log},
        status=status,
    )


@platform_admin_required
@require_GET
def push_list(request: HttpRequest) -> HttpResponse:
    return _render(request)


@platform_admin_required
@require_POST
def push_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    version = request.POST.get("version")
    try:
        systems.push_retry(
            message_id=message_id,
            actor=request.user,
            reason=reason,
            version=int(version) if version and version.isdigit() else None,
        )
    except DomainError as exc:
        errors = exc.fields or {"reason": [exc.message]}
        return _render(request, errors=errors, posted={"id": message_id, "reason": reason}, status=exc.status)
    messages.success(request, f"推送 #{message_id} 已重新排队发送。")
    return redirect("docking_systems:pushes")
