"""Hall devices: self-service terminals (自助办) and hall display screens.

A terminal authenticates in one of three ways, all ending at one `Terminal`:

- its **device key** in the `X-Device-Key` header (`<terminal code>.<secret>`; only the SHA-256 of
  the key is stored, shown once when issued or rotated) — heartbeats and the API;
- the bearer token or session of its **device account** (`Terminal.account`, a staff-kind user,
  e.g. the demo `kiosk`): the device account verifies 电子身份码 and issues tickets as the terminal;
- the **kiosk pairing cookie** of the kiosk pages (`portal/kiosk.py`): signed, bound to the key's
  hash, so rotating the key unpairs every browser.

`terminal_for(request)` answers "is this caller a terminal, which one"; the ticket endpoint accepts a
terminal of the hall (its managing hall) as well as hall staff. A terminal is *offline* when its last
heartbeat is older than `YIWANG_TERMINAL_OFFLINE_SECONDS` while it should be open.

Display keys open one hall's full-screen display page; a key of another hall is a 404.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader

from yiwang.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from yiwang.organizations.models import ServiceHall

from . import rules
from .models_live import DisplayKey, Terminal

HEADER = "X-Device-Key"
PAIRING_COOKIE = "yiwang_kiosk"
PAIRING_SALT = "yiwang.halls.kiosk-pairing"
STATUS_KEYS = {"printer", "paper", "scanner", "card_reader", "app_version", "screen"}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def offline_after() -> int:
    return int(settings.YIWANG_TERMINAL_OFFLINE_SECONDS)


def heartbeat_every() -> int:
    return int(settings.YIWANG_TERMINAL_HEARTBEAT_SECONDS)


# --- terminals --------------------------------------------------------------------------------------
@transaction.atomic
def terminal_key_issue(*, terminal: Terminal) -> str:
    """A new device key for `terminal` (the old one stops working); returned once, stored hashed."""
    secret = secrets.token_urlsafe(32)
    key = f"{terminal.code}.{secret}"
    terminal.key_hash = _hash(key)
    terminal.key_hint = secret[-4:]
    terminal.save(update_fields=["key_hash", "key_hint"])
    return key


def terminal_by_key(key: str | None) -> Terminal | None:
    if not key or "." not in key or len(key) > 200:
        return None
    digest = _hash(key.strip())
    terminal = Terminal.objects.select_related("hall", "account").filter(key_hash=digest, active=True).first()
    if terminal is None or not hmac.compare_digest(terminal.key_hash, digest):
        return None
    return terminal


def terminal_of_account(user) -> Terminal | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Terminal.objects.select_related("hall", "account").filter(account=user, active=True).first()


def pairing_value(terminal: Terminal) -> str:
    """The kiosk pairing cookie's value (signed; bound to the current key hash)."""
    return signing.dumps({"t": terminal.pk, "k": terminal.key_hash[:16]}, salt=PAIRING_SALT)


def terminal_by_pairing(value: str | None) -> Terminal | None:
    if not value:
        return None
    try:
        data = signing.loads(value, salt=PAIRING_SALT, max_age=365 * 86400)
    except signing.BadSignature:
        return None
    terminal = (
        Terminal.objects.select_related("hall", "account").filter(pk=data.get("t"), active=True).first()
    )
    if terminal is None or not terminal.key_hash or terminal.key_hash[:16] != data.get("k"):
        return None
    return terminal


def terminal_for(request: HttpRequest) -> Terminal | None:
    """The terminal making this request: device key header, device account, or pairing cookie."""
    cached = getattr(request, "_yiwang_terminal", None)
    if cached is not None:
        return cached
    terminal = (
        terminal_by_key(request.headers.get(HEADER))
        or terminal_of_account(getattr(request, "auth", None))
        or terminal_of_account(getattr(request, "user", None))
        or terminal_by_pairing(request.COOKIES.get(PAIRING_COOKIE))
    )
    request._yiwang_terminal = terminal
    return terminal


class DeviceKeyAuth(APIKeyHeader):
    """ninja auth: `X-Device-Key`; `request.auth` is the terminal's device account (or the terminal
    itself when it has none)."""

    param_name = HEADER

    def authenticate(self, request: HttpRequest, key: str | None):
        terminal = terminal_by_key(key)
        if terminal is None:
            return None
        request._yiwang_terminal = terminal
        return terminal.account or terminal


def is_open(terminal: Terminal, now: datetime | None = None) -> bool:
    if terminal.always_open:
        return True
    local = timezone.localtime(now or timezone.now()).time()
    return terminal.opens <= local < terminal.closes


def is_online(terminal: Terminal, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return terminal.last_seen_at is not None and terminal.last_seen_at >= now - timedelta(
        seconds=offline_after()
    )


@transaction.atomic
def terminal_heartbeat(
    *, terminal: Terminal, status: dict | None = None, now: datetime | None = None
) -> Terminal:
    """Record that the terminal is alive, with its device status (printer, paper, …)."""
    status = status or {}
    unknown = sorted(set(status) - STATUS_KEYS)
    if unknown or any(not isinstance(v, str | int | bool) or len(str(v)) > 100 for v in status.values()):
        raise ValidationFailed(
            "终端状态格式有误", fields={"status": [f"只能包含 {'、'.join(sorted(STATUS_KEYS))}，且为简单值"]}
        )
    now = now or timezone.now()
    Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=now, last_status=status)
    terminal.last_seen_at, terminal.last_status = now, status
    return terminal


def terminals_visible(user) -> QuerySet[Terminal]:
    """Terminals a staff member looks after: those of the halls they staff (hall roles, window
    clerks); platform administrators see all."""
    from .models import HallRole  # the halls app's own roles

    qs = Terminal.objects.select_related("hall", "region").prefetch_related("items")
    if user.is_superuser:
        return qs
    halls = HallRole.objects.filter(user=user).values("hall_id")
    return qs.filter(Q(hall_id__in=halls) | Q(hall__windows__staff_roles__user=user)).distinct()


def terminals_offline(terminals, now: datetime | None = None) -> list[Terminal]:
    now = now or timezone.now()
    return [t for t in terminals if t.active and is_open(t, now) and not is_online(t, now)]


# --- display keys -----------------------------------------------------------------------------------
@transaction.atomic
def display_key_issue(*, hall: ServiceHall, name: str) -> tuple[DisplayKey, str]:
    """A new key for one display screen of `hall`; the key is returned once and stored hashed."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请填写显示屏名称", fields={"name": ["请填写显示屏名称（100 字以内）"]})
    secret = secrets.token_urlsafe(24)
    row = DisplayKey.objects.create(hall=hall, name=name, key_hash=_hash(secret), key_hint=secret[-4:])
    return row, secret


def display_key_check(*, hall: ServiceHall, key: str | None) -> DisplayKey:
    """The display key row for `hall`, or NotFound — a missing, unknown, revoked key or one of
    another hall look the same."""
    if not key or len(key) > 100:
        raise NotFound("显示屏不存在或密钥无效")
    row = DisplayKey.objects.filter(key_hash=_hash(key.strip()), active=True).first()
    if row is None or row.hall_id != hall.pk:
        raise NotFound("显示屏不存在或密钥无效")
    now = timezone.now()
    if row.last_used_at is None or row.last_used_at < now - timedelta(minutes=10):
        DisplayKey.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


# --- hall administration (the hall admin's devices page, views_devices.py) --------------------------
def _require_admin(actor, hall: ServiceHall) -> None:
    if not rules.may_admin_hall(actor, hall):
        raise PermissionDenied("只有本大厅的管理员可以管理显示屏和终端", code="forbidden")


@transaction.atomic
def display_key_create(*, actor, hall: ServiceHall, name: str) -> tuple[DisplayKey, str]:
    """A hall admin issues a key for a new display screen; the key is returned once."""
    _require_admin(actor, hall)
    return display_key_issue(hall=hall, name=name)


@transaction.atomic
def display_key_revoke(*, actor, key: DisplayKey) -> DisplayKey:
    """The screen's key stops opening the display page (at its next load)."""
    _require_admin(actor, key.hall)
    if not DisplayKey.objects.filter(pk=key.pk, active=True).update(active=False):
        raise InvalidTransition("该显示屏密钥已停用", code="invalid_transition")
    key.active = False
    return key


@transaction.atomic
def display_key_rotate(*, actor, key: DisplayKey) -> tuple[DisplayKey, str]:
    """Replace a screen's key: the old one is revoked, a new one of the same name issued (once)."""
    display_key_revoke(actor=actor, key=key)
    return display_key_issue(hall=key.hall, name=key.name)


@transaction.atomic
def terminal_key_rotate(*, actor, terminal: Terminal) -> str:
    """A new device key (returned once): the old key and every kiosk paired with it stop working;
    a revoked terminal is enabled again with the new key."""
    _require_admin(actor, terminal.hall)
    Terminal.objects.filter(pk=terminal.pk).update(active=True)
    terminal.active = True
    return terminal_key_issue(terminal=terminal)


@transaction.atomic
def terminal_revoke(*, actor, terminal: Terminal) -> Terminal:
    """Take a terminal out of service: its key, device account and pairings stop working until a
    new key is issued."""
    _require_admin(actor, terminal.hall)
    if not Terminal.objects.filter(pk=terminal.pk, active=True).update(
        active=False, key_hash="", key_hint=""
    ):
        raise InvalidTransition("该终端已停用", code="invalid_transition")
    terminal.active, terminal.key_hash, terminal.key_hint = False, "", ""
    return terminal


def hall_terminal_rows(hall: ServiceHall, now: datetime | None = None) -> list[dict]:
    """The hall's terminals with their state (offline first): online, offline, closed, revoked."""
    now = now or timezone.now()
    rows = []
    for t in Terminal.objects.filter(hall=hall).select_related("region").prefetch_related("items"):
        is_open_now = is_open(t, now)
        online = is_online(t, now)
        state = "revoked" if not t.active else "online" if online else "offline" if is_open_now else "closed"
        rows.append({"t": t, "state": state, "open": is_open_now, "online": online})
    order = {"offline": 0, "online": 1, "closed": 2, "revoked": 3}
    return sorted(rows, key=lambda r: (order[r["state"]], r["t"].code))
