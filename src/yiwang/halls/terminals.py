"""Self-service terminals (自助办): registration, the heartbeat API and the staff page listing them
(offline ones first). Device authentication is in `devices.py`."""

from __future__ import annotations

import re
from datetime import time

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from yiwang.accounts.decorators import staff_required
from yiwang.accounts.models import User
from yiwang.accounts.services import staff_create
from yiwang.catalog.models import Item
from yiwang.core.errors import ValidationFailed
from yiwang.core.formats import local_time
from yiwang.organizations.models import Region, ServiceHall

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


CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")


@transaction.atomic
def terminal_register_for_hall(
    *,
    actor,
    hall: ServiceHall,
    code: str,
    name: str,
    site_kind: str,
    site_name: str,
    region_code: str = "",
    address: str = "",
    always_open: bool = True,
    opens: time = time(0, 0),
    closes: time = time(23, 59),
    item_codes: list[str] = (),
) -> tuple[Terminal, str]:
    """A hall admin registers a terminal managed by the hall (site region within the hall's
    region; items by their codes); returns the terminal and its first device key (shown once)."""
    devices._require_admin(actor, hall)
    code, name, site_name = code.strip().lower(), name.strip(), site_name.strip()
    errors: dict[str, list[str]] = {}
    if not CODE_RE.match(code):
        errors["code"] = ["终端编号为 2-32 位小写字母、数字或连字符"]
    elif (
        Terminal.objects.filter(code=code).exists()
        or User.objects.filter(username=f"terminal-{code}").exists()
    ):
        errors["code"] = ["该终端编号已被使用"]
    if not name or len(name) > 100:
        errors["name"] = ["请填写终端名称（100 字以内）"]
    if not site_name or len(site_name) > 100:
        errors["site_name"] = ["请填写所在场所（100 字以内）"]
    region = hall.region
    if region_code.strip():
        region = Region.objects.filter(code=region_code.strip(), path__startswith=hall.region.path).first()
        if region is None:
            errors["region"] = ["区划代码应为本大厅所在区划或其下级区划"]
    items = list(Item.objects.filter(code__in=[c for c in item_codes if c]))
    missing = sorted(set(c for c in item_codes if c) - {i.code for i in items})
    if missing:
        errors["items"] = [f"没有这些事项：{'、'.join(missing[:5])}"]
    if errors:
        raise ValidationFailed("终端登记信息有误", fields=errors)
    return terminal_register(
        code=code,
        name=name,
        site_kind=site_kind,
        site_name=site_name,
        hall=hall,
        region=region,
        address=address.strip()[:200],
        always_open=always_open,
        opens=opens,
        closes=closes,
        items=items,
    )


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
