"""Self-service terminals (自助办): registration, the heartbeat API and the staff page listing them
(offline ones first). Device authentication is in `devices.py`."""

from __future__ import annotations

from datetime import time

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from yiwang.accounts.decorators import staff_required
from yiwang.accounts.services import staff_create
from yiwang.core.errors import ValidationFailed
from yiwang.core.formats import local_time

from . import devices
from .models_live import SiteKind, Terminal


@transaction.atomic
def terminal_register(
    *,
    code: str,
    name: str,
    site_kind: str,
    site_name: str,
    hall,
    region,
    address: str = "",
    always_open: bool = True,
    opens: time = time(0, 0),
    closes: time = time(23, 59),
    items=(),
    account_username: str | None = None,
    account_password: str | None = None,
) -> tuple[Terminal, str]:
    """Register a terminal with its device account (a staff-kind user named `account_username`,
    default `terminal-<code>`) and a first device key; returns the terminal and the key (shown once)."""
    if site_kind not in SiteKind.values:
        raise ValidationFailed(fields={"site_kind": ["场所类型应为 hall、community 或 park"]})
    if not always_open and not opens < closes:
        raise ValidationFailed(fields={"closes": ["关闭时间应晚于开放时间"]})
    import secrets

    account = staff_create(
        username=account_username or f"terminal-{code}",
        password=account_password or secrets.token_urlsafe(24),
        name=f"自助终端 {name}",
    )
    terminal = Terminal.objects.create(
        code=code,
        name=name,
        site_kind=site_kind,
        site_name=site_name,
        address=address,
        region=region,
        hall=hall,
        always_open=always_open,
        opens=opens,
        closes=closes,
        account=account,
    )
    if items:
        terminal.items.set(items)
    return terminal, devices.terminal_key_issue(terminal=terminal)


# --- API: heartbeat ----------------------------------------------------------------------------------
router = Router(tags=["terminals"])


class StatusIn(Schema):
    status: dict[str, str | int | bool] = Field(default_factory=dict)


class HeartbeatOut(Schema):
    terminal: str
    hall: str | None
    at: str
    next_heartbeat_seconds: int


@router.post("/terminals/heartbeat", response=HeartbeatOut, auth=devices.DeviceKeyAuth())
def heartbeat(request: HttpRequest, body: StatusIn):
    terminal = devices.terminal_for(request)
    terminal = devices.terminal_heartbeat(terminal=terminal, status=body.status)
    return {
        "terminal": terminal.code,
        "hall": terminal.hall.code,
        "at": local_time(terminal.last_seen_at),
        "next_heartbeat_seconds": devices.heartbeat_every(),
    }


# --- staff page --------------------------------------------------------------------------------------
@staff_required
def terminals_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    terminals = list(devices.terminals_visible(request.user).order_by("hall__name", "code"))
    offline = devices.terminals_offline(terminals, now)
    offline_ids = {t.pk for t in offline}
    rows = [
        {
            "t": t,
            "offline": t.pk in offline_ids,
            "open": devices.is_open(t, now),
            "last_seen": local_time(t.last_seen_at) if t.last_seen_at else None,
        }
        for t in sorted(terminals, key=lambda t: (t.pk not in offline_ids, t.hall.name, t.code))
    ]
    return render(
        request,
        "halls/terminals.html",
        {"rows": rows, "offline_count": len(offline), "offline_minutes": devices.offline_after() // 60},
    )
