"""The edge: what every request and response passes through before and after the apps.

- Text the databases cannot store (a NUL character; a lone UTF-16 surrogate, which JSON's
  `\\ud800` escapes produce) is refused with 422 wherever it comes in — the path, the query
  string, form fields and file names, JSON bodies — before any view runs (docs/security.md).
- Numbers the database cannot hold (an integer beyond 64 bits reaching a query) answer 422, not 500.
- Under `/api/` every error answers in the API's own format `{"code", "message", "fields"}`,
  including unknown paths (404), wrong methods (405) and unexpected errors (500): Django's and
  ninja's HTML error pages are replaced; protocol formats of their own are left as they are.
- Responses that may carry personal data (any request by a logged-in account or with a bearer
  token, and every `?reveal=`) are `Cache-Control: no-store`; every response gets a
  Permissions-Policy. The Content-Security-Policy comes from django-csp (settings; `CSPMiddleware`
  builds it once), HSTS from Django's SecurityMiddleware when served over TLS.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

log = logging.getLogger("yiwang.edge")

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# What a JSON body must hold for json.loads to give text with a NUL or a lone surrogate: a `\u`
# escape of one (raw control characters are not allowed in JSON strings), a surrogate's UTF-8
# bytes (json.loads decodes with surrogatepass) or a NUL byte (UTF-16 and UTF-32 bodies, which
# json.loads also reads, are full of them). A body with none is clean without being parsed.
UNSTORABLE_IN_JSON = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\xed[\xa0-\xbf]|\x00")
TEXT_MESSAGE = "提交的内容含有无法保存的字符（空字符或残缺的文字编码），请删除后重试"
NUMBER_MESSAGE = "数值超出允许的范围"
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(self), camera=(self), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
JSON_TYPES = ("application/json", "application/merge-patch+json")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
STATUS_CODES = {
    400: ("bad_request", "请求有误"),
    401: ("not_authenticated", "请先登录"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("too_large", "提交的内容过大"),
    429: ("throttled", "请求过于频繁，请稍后再试"),
    500: ("server_error", "系统繁忙，请稍后再试"),
}


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def error_response(request: HttpRequest, status: int, code: str, message: str, fields=None) -> HttpResponse:
    """The contract's error body for the API, a plain Chinese page for people."""
    if is_api(request):
        return JsonResponse({"code": code, "message": message, "fields": fields or {}}, status=status)
    html = render_to_string("error.html", {"status": status, "message": message}, request=request)
    return HttpResponse(html, status=status)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield f"{path}.{k}" if path else str(k), str(k)
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}.{i}" if path else str(i))


def unstorable_fields(request: HttpRequest) -> dict[str, list[str]]:
    """Where the request carries text no database can store: {field: [message]}."""
    found: list[str] = []
    if UNSTORABLE.search(request.path_info):
        found.append("_path")
    for key, values in request.GET.lists():
        if UNSTORABLE.search(key) or any(UNSTORABLE.search(v) for v in values):
            found.append(key if not UNSTORABLE.search(key) else "_query")
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if content_type in JSON_TYPES and request.body and UNSTORABLE_IN_JSON.search(request.body):
            try:
                body = json.loads(request.body)
            except ValueError:
                body = None  # the view answers malformed JSON itself
            for path, text in _strings(body, ""):
                if UNSTORABLE.search(text):
                    found.append(path if not UNSTORABLE.search(path) else "_body")
        elif content_type in FORM_TYPES:
            # Parsing the form reads the request's stream; a body within the in-memory limit is
            # read (and kept) first, so a view that reads the raw body afterwards — the signed
            # endpoints verify it — still can (it raised RawPostDataException: a 500).
            try:
                small = int(request.META.get("CONTENT_LENGTH") or 0) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            except ValueError:
                small = False
            if small:
                request.body  # noqa: B018 — caches the raw body
            for key, values in request.POST.lists():
                if UNSTORABLE.search(key) or any(UNSTORABLE.search(v) for v in values):
                    found.append(key if not UNSTORABLE.search(key) else "_form")
            for key, files in request.FILES.lists():
                if any(UNSTORABLE.search(f.name or "") for f in files):
                    found.append(key)
    return {name: [TEXT_MESSAGE] for name in dict.fromkeys(found)}


def _number_out_of_range(exc: Exception) -> bool:
    if isinstance(exc, OverflowError):  # SQLite: Python int too large to convert to SQLite INTEGER
        return True
    cause = exc.__cause__ or exc.__context__
    # PostgreSQL: 22003 numeric_value_out_of_range
    return isinstance(exc, DataError) and getattr(cause, "sqlstate", None) == "22003"


def _personal(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(
        (user is not None and user.is_authenticated)
        or request.headers.get("Authorization")
        or "reveal" in request.GET
    )


class EdgeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = unstorable_fields(request)
        if fields:
            log.info("refused unstorable text %s %s fields=%s", request.method, request.path, sorted(fields))
            response = error_response(request, 422, "invalid_text", TEXT_MESSAGE, fields)
        else:
            response = self.get_response(request)
        if is_api(request) and response.status_code >= 400 and _is_html(response):
            code, message = STATUS_CODES.get(response.status_code, ("http_error", "请求未能完成"))
            json_response = JsonResponse(
                {"code": code, "message": message, "fields": {}}, status=response.status_code
            )
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    json_response[header] = response[header]
            response = json_response
        if _personal(request):
            patch_cache_control(response, no_store=True, private=True)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if _number_out_of_range(exc):
            log.info("number out of range %s %s: %s", request.method, request.path, exc)
            return error_response(request, 422, "validation_error", NUMBER_MESSAGE)
        if is_api(request):
            log.exception("api failure %s %s", request.method, request.path)
            return error_response(request, 500, *STATUS_CODES[500])
        return None


def _is_html(response: HttpResponse) -> bool:
    """Django's and ninja's own error pages (404, 405, 500) are HTML; protocol answers that carry
    their own format (the tlog witness's `text/x.tlog.size`, JSON bodies) are left alone."""
    return (response.get("Content-Type") or "").startswith("text/html")


# What a view or a template can set for its own response's policy (django-csp's decorators and
# its nonce); a response with any of them goes through django-csp unchanged.
_OWN_POLICY = tuple(
    f"_csp_{what}{ro}" for what in ("config", "update", "replace", "exempt") for ro in ("", "_ro")
)


class CSPMiddleware(_DjangoCSPMiddleware):
    """django-csp's middleware with the settings' policy built once. django-csp builds it on every
    response, twice (the policy and the report-only one), from a deep copy of the settings: about
    4 % of an API call's CPU (issue 22, the request's cost). Yiwang's policy is the settings'
    alone — no nonces, no per-view changes, no report-only policy, no excluded prefixes — so the
    header is the same string every time; should any of those come in, the response goes through
    django-csp's own code."""

    _built: tuple[object, str] | None = None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if (
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (policy or {}).get("EXCLUDE_URL_PREFIXES")
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _OWN_POLICY)
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        if self._built is None or self._built[0] is not policy:  # settings changed (tests)
            self._built = (policy, build_policy())
        if self._built[1] and CSP_HEADER not in response:
            response[CSP_HEADER] = self._built[1]
        # as django-csp: a nonce asked for after the header is written is an error, not a silent gap
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
