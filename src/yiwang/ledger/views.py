"""Public page: check a ledger receipt (存证回执核验). Anyone may paste a receipt's JSON, or open a
link that carries it (?r=base64url(JSON)), as the applicant's case page offers (the case page
builds that link with `receipt_link_param`; the ledger knows no case)."""

from __future__ import annotations

import base64
import binascii
import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import services

MAX_RECEIPT = 64 * 1024


def receipt_link_param(receipt: dict) -> str:
    """The receipt as a URL-safe base64 parameter (padding dropped)."""
    raw = json.dumps(receipt, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _from_param(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return ""


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    text = ""
    if request.method == "POST":
        text = (request.POST.get("receipt") or "").strip()
    elif request.GET.get("r"):
        text = _from_param(request.GET["r"][:MAX_RECEIPT]) or "?"
    result, error = None, ""
    if text:
        try:
            receipt = json.loads(text) if len(text) <= MAX_RECEIPT else None
        except ValueError:
            receipt = None
        if not isinstance(receipt, dict):
            error = "无法读取回执：请粘贴完整的存证回执（JSON 格式）。"
        else:
            result = services.receipt_check(receipt=receipt)
    ctx = {"receipt_text": "" if text == "?" else text, "result": result, "error": error}
    return render(request, "ledger/verify.html", ctx, status=200 if not error else 400)
