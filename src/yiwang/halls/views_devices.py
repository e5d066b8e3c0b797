"""The hall admin's devices page (`/workbench/halls/{code}/devices/`): the hall's display keys
(issue, revoke, replace), its self-service terminals (register, new device key, take out of
service; online state and last heartbeat) and its window terminals (state and last action).

A new key is shown once, in the answer to the POST that made it (never stored in the session or
a message); the page is `no-store`. Another hall's admin gets 403 and nothing changes; a key or
terminal of another hall is not found from this hall's page."""

from __future__ import annotations

from datetime import time

from django.contrib import messages
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from yiwang.accounts.decorators import staff_required
from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.organizations.models import Window

from . import devices, rules, selectors, terminals
from .models import CallEvent
from .models_live import DisplayKey, SiteKind, Terminal
from .views import _403, _404, _errors


def _time(value: str, field: str) -> time:
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(fields={field: ["请填写时间（HH:MM）"]}) from None


def _post(request: HttpRequest, hall) -> tuple[str, dict | None]:
    """One action; returns the success message and, for a new key, what to show once."""
    p, do = request.POST, request.POST.get("do", "")
    if do == "display_create":
        row, secret = devices.display_key_create(actor=request.user, hall=hall, name=p.get("name", ""))
        return f"已为显示屏“{row.name}”生成密钥", {"kind": "display", "row": row, "secret": secret}
    if do in ("display_revoke", "display_rotate"):
        row = DisplayKey.objects.filter(hall=hall, pk=_int(p.get("key"))).select_related("hall").first()
        if row is None:
            raise NotFound("本大厅没有这个显示屏密钥")
        if do == "display_revoke":
            devices.display_key_revoke(actor=request.user, key=row)
            return f"显示屏“{row.name}”的密钥已停用", None
        new, secret = devices.display_key_rotate(actor=request.user, key=row)
        return f"显示屏“{new.name}”已更换密钥，旧密钥已停用", {
            "kind": "display",
            "row": new,
            "secret": secret,
        }
    if do == "terminal_register":
        always = p.get("always_open") == "1"
        t, key = terminals.terminal_register_for_hall(
            actor=request.user,
            hall=hall,
            code=p.get("code", ""),
            name=p.get("name", ""),
            site_kind=p.get("site_kind", ""),
            site_name=p.get("site_name", ""),
            region_code=p.get("region", ""),
            address=p.get("address", ""),
            always_open=always,
            opens=time(0, 0) if always else _time(p.get("opens", ""), "opens"),
            closes=time(23, 59) if always else _time(p.get("closes", ""), "closes"),
            item_codes=[c.strip() for c in p.get("items", "").replace("，", ",").split(",") if c.strip()],
        )
        return f"终端 {t.code} 已登记", {"kind": "terminal", "row": t, "secret": key}
    if do in ("terminal_rotate", "terminal_revoke"):
        t = Terminal.objects.filter(hall=hall, pk=_int(p.get("terminal"))).select_related("hall").first()
        if t is None:
            raise NotFound("本大厅没有这个终端")
        if do == "terminal_revoke":
            devices.terminal_revoke(actor=request.user, terminal=t)
            return f"终端 {t.code} 已停用，其设备密钥和已配对的自助机页面不再有效", None
        key = devices.terminal_key_rotate(actor=request.user, terminal=t)
        return f"终端 {t.code} 已更换设备密钥，旧密钥已失效", {"kind": "terminal", "row": t, "secret": key}
    raise NotFound("未知操作")


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@staff_required
@require_http_methods(["GET", "POST"])
def hall_devices(request: HttpRequest, code: str) -> HttpResponse:
    try:
        hall = selectors.hall_by_code(code)
    except NotFound:
        return _404(request, "没有这个大厅")
    if not rules.may_admin_hall(request.user, hall):
        return _403(request, "只有本大厅的管理员可以管理显示屏和终端")
    errors: list[str] = []
    shown: dict | None = None
    status = 200
    if request.method == "POST":
        try:
            note, shown = _post(request, hall)
        except DomainError as exc:
            errors, status = _errors(exc), exc.status
        else:
            if shown is None:
                messages.success(request, note)
                return redirect("halls:devices", code=hall.code)
            shown["note"] = note
    now = timezone.now()
    windows = list(
        Window.objects.filter(hall=hall).select_related("queue_state__staff", "queue_state__current")
    )
    windows.sort(key=lambda w: (len(w.number), w.number))
    last_action = dict(
        CallEvent.objects.filter(hall_id=hall.pk, window__isnull=False)
        .values_list("window_id")
        .annotate(last=Max("at"))
        .values_list("window_id", "last")
    )
    terminal_rows = devices.hall_terminal_rows(hall, now)
    response = render(
        request,
        "halls/devices.html",
        {
            "hall": hall,
            "keys": DisplayKey.objects.filter(hall=hall).order_by("-active", "name", "pk"),
            "terminal_rows": terminal_rows,
            "offline_count": sum(r["state"] == "offline" for r in terminal_rows),
            "offline_minutes": devices.offline_after() // 60,
            "windows": [(w, getattr(w, "queue_state", None), last_action.get(w.pk)) for w in windows],
            "site_kinds": SiteKind.choices,
            "shown": shown,
            "display_url": (
                request.build_absolute_uri(f"/halls/{hall.code}/display/?key={shown['secret']}")
                if shown and shown["kind"] == "display"
                else ""
            ),
            "errors": errors,
            "post": request.POST if errors else {},
        },
        status=status if errors else 200,
    )
    add_never_cache_headers(response)
    return response
