"""The outbox page for platform administrators: messages to other systems by state and topic,
their last error, and retrying a dead letter or cancelling a message with a reason (core/outbox.py
does the work and records who, when and why)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from yiwang.accounts.decorators import staff_required
from yiwang.core import outbox
from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.core.models import OutboxActionKind, OutboxMessage, OutboxStatus
from yiwang.organizations.models import Role
from yiwang.organizations.selectors import staff_scope

ACTIONS = {
    OutboxActionKind.RETRY: {"label": "重新发送", "danger": False, "hint": "已尝试次数清零，立即重新发送。"},
    OutboxActionKind.CANCEL: {
        "label": "取消发送",
        "danger": True,
        "hint": "取消后该消息不再发送，同一顺序键的后续消息将继续发送。",
    },
}


def platform_admin_required(view):
    """Anonymous → login; citizens and companies → 403 (staff_required); staff without the
    platform-administrator role → 403."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not staff_scope(request.user).has(Role.PLATFORM_ADMIN):
            return render(request, "403.html", {"message": "外发消息仅供平台管理员查看和处理。"}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


@platform_admin_required
@require_GET
def outbox_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    if status not in OutboxStatus.values:
        status = ""
    topics = outbox.outbox_topics()
    topic = request.GET.get("topic") or ""
    if topic not in topics:
        topic = ""
    page = Paginator(outbox.outbox_messages(status=status or None, topic=topic or None), 50).get_page(
        request.GET.get("page")
    )
    counts = outbox.outbox_status_counts()
    return render(
        request,
        "workbench/outbox_list.html",
        {
            "page": page,
            "status": status,
            "topic": topic,
            "topics": topics,
            "statuses": [(code, label, counts.get(code, 0)) for code, label in OutboxStatus.choices],
        },
    )


def _message_or_404(message_id: int) -> OutboxMessage:
    try:
        return outbox.outbox_message_get(message_id=message_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _render_message(
    request: HttpRequest,
    message: OutboxMessage,
    *,
    error: str = "",
    errors: dict | None = None,
    posted: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    posted = posted or {}
    forms = [
        {
            "action": action,
            **ACTIONS[action],
            "reason": posted.get("reason", "") if posted.get("action") == action else "",
            "errors": (errors or {}) if posted.get("action") == action else {},
        }
        for action in outbox.outbox_allowed_actions(message=message)
    ]
    return render(
        request,
        "workbench/outbox_message.html",
        {
            "m": message,
            "payload_fields": sorted(message.payload) if isinstance(message.payload, dict) else [],
            "blocker": outbox.outbox_blocker(message=message),
            "history": outbox.outbox_actions(message=message),
            "forms": forms,
            "error": error,
            "waiting": message.status in (OutboxStatus.PENDING, OutboxStatus.RETRYING),
        },
        status=status,
    )


@platform_admin_required
@require_GET
def outbox_message(request: HttpRequest, message_id: int) -> HttpResponse:
    return _render_message(request, _message_or_404(message_id))


@platform_admin_required
@require_POST
def outbox_act(request: HttpRequest, message_id: int) -> HttpResponse:
    message = _message_or_404(message_id)
    posted = {"action": request.POST.get("action", ""), "reason": request.POST.get("reason", "")}
    service = {
        OutboxActionKind.RETRY: outbox.outbox_retry,
        OutboxActionKind.CANCEL: outbox.outbox_cancel,
    }.get(posted["action"])
    if service is None:
        return _render_message(request, message, error="未知的操作", status=422)
    try:
        version = int(request.POST.get("version") or "")
    except ValueError:
        version = -1  # a form without a version is stale
    try:
        service(message=message, actor=request.user, reason=posted["reason"], version=version)
    except ValidationFailed as exc:
        return _render_message(
            request, message, error=exc.message, errors=exc.fields, posted=posted, status=exc.status
        )
    except DomainError as exc:  # stale version, or a state that no longer allows the action
        message = _message_or_404(message_id)
        return _render_message(request, message, error=exc.message, posted=posted, status=exc.status)
    messages.success(request, f"已{ACTIONS[posted['action']]['label']}：消息 #{message.pk}")
    return redirect("workbench:outbox_message", message_id=message.pk)
