"""The message log for operators (platform administrators): every peer message in and out,
searched by case number, peer and status, with its signature headers, the message itself
(personal data masked, materials left out) and how it verified."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.accounts.decorators import staff_required
from yiwang.core.errors import DomainError
from yiwang.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from yiwang.organizations.models import Role
from yiwang.organizations.selectors import staff_scope

from . import selectors, services
from .models import MessageStatus, Peer, PeerMessage

_MASKS = {
    "id_number": mask_id_number,
    "applicant.id_number": mask_id_number,
    "phone": mask_phone,
    "applicant.phone": mask_phone,
    "name": mask_name,
    "applicant.name": mask_name,
    "address": mask_address,  # 纸质结果's mailing address
}


def _masked(value, key: str = ""):
    if isinstance(value, dict):
        return {k: _masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, key) for v in value]
    if key == "credential" and isinstance(value, str):
        return "（电子证照签名凭证，含个人信息，不在此显示）"
    if key == "content_base64" and isinstance(value, str):
        return f"（文件内容 {len(value) * 3 // 4} 字节，不在此显示）"
    if key in _MASKS and isinstance(value, str):
        return _MASKS[key](value)
    return value


def _digest_check(message: PeerMessage) -> str:
    header = next((v for k, v in message.headers.items() if k.lower() == "content-digest"), "")
    if not header:
        return "报文没有 Content-Digest"
    actual = base64.b64encode(hashlib.sha256(message.body.encode()).digest()).decode()
    return "与存档报文一致" if f"sha-256=:{actual}:" in header else "与存档报文不一致"


def platform_admin_required(view):
    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not staff_scope(request.user).has(Role.PLATFORM_ADMIN):
            return render(request, "403.html", {"message": "跨市消息日志仅供平台管理员查看。"}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


@platform_admin_required
@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:200]
    peer = request.GET.get("peer") or ""
    status = request.GET.get("status") or ""
    if status not in MessageStatus.values:
        status = ""
    page = Paginator(selectors.messages_search(q=q, peer=peer, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "federation/messages.html",
        {
            "page": page,
            "q": q,
            "peer": peer,
            "status": status,
            "peers": Peer.objects.order_by("code"),
            "statuses": MessageStatus.choices,
        },
    )


@platform_admin_required
@require_GET
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = PeerMessage.objects.filter(pk=message_id).first()
    if message is None:
        raise Http404("未找到该消息")
    try:
        body = json.dumps(_masked(json.loads(message.body)), ensure_ascii=False, indent=2)
    except ValueError:
        body = "（不是合法的 JSON，原文不显示）"
    return render(
        request,
        "federation/message.html",
        {
            "m": message,
            "headers": sorted(message.headers.items()),
            "body": body,
            "digest": _digest_check(message),
            "result": json.dumps(_masked(message.result), ensure_ascii=False, indent=2),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def paper_results(request: HttpRequest) -> HttpResponse:
    """纸质结果待领取: paper results of cases received here that the competent city sent to this
    city's windows; the clerk records who collected one, and when (once)."""
    if request.method == "POST":
        number = (request.POST.get("number") or "")[:40]
        try:
            oc = services.paper_result_hand_over(
                actor=request.user, number=number, collector=request.POST.get("collector") or ""
            )
        except DomainError as exc:
            detail = "；".join(m for ms in (exc.fields or {}).values() for m in ms)
            messages.error(request, f"{exc.message} {detail}".strip())
        else:
            messages.success(request, f"已登记 {oc.number} 的纸质结果领取")
        return redirect("federation:paper_results")
    rows = selectors.paper_awaiting(user=request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "federation/paper_results.html",
        {"page": page, "rows": [selectors.outbound_dict_brief(o) for o in page]},
    )
