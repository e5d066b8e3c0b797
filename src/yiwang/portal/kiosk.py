"""Kiosk mode of the portal (自助办): the pages a 24-hour self-service terminal shows.

- The browser of a terminal is *paired* once: its device account (e.g. demo `kiosk`) logs in and
  opens `/kiosk/`, or someone enters the terminal's device key at `/kiosk/pair/`. Pairing sets a
  signed cookie bound to the device key (`halls.devices`), then the device account is logged
  out: the session belongs to the people who use the kiosk.
- People log in by scanning their 电子身份码 (checked once by `identity.code_verify`, the terminal's
  device account as verifier) or by ID card number and a one-time code sent to the phone they
  registered (5 minutes, 5 tries: the accounts one-time codes). Only persons and companies log in here.
- Idle timeout (`YIWANG_KIOSK_IDLE_SECONDS`, default 120): the page warns, then posts to
  `/kiosk/logout/`, which ends the session and reloads a blank page (everything typed is gone);
  the server also ends a kiosk session idle longer than that.
- Check-in (取号) by 电子身份码 or appointment code when the terminal stands in a hall: a ticket
  through `halls.services.ticket_issue`, then the print-ready ticket page.
- Print-ready pages: case receipts (办件回执), the case's notices (the notice pages), tickets.
- The items the terminal offers, those handled across cities (通办范围) marked.
- 智能问答 (`/kiosk/ask/`): the knowledge base's search for the people at the terminal, no login
  needed (knowledge.views.results: the same answers, citations and fallback as `/knowledge/`).
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.accounts.models import AccountKind, User
from yiwang.accounts.services import id_number_hash, one_time_code_issue, one_time_code_use
from yiwang.cases import selectors as case_selectors
from yiwang.cases.presenters import case_summary
from yiwang.catalog.models import ItemVersion, VersionStatus
from yiwang.core.errors import DomainError
from yiwang.core.identifiers import validate_ric
from yiwang.core.masking import mask_id_number, mask_name
from yiwang.halls import devices
from yiwang.halls import selectors as hall_selectors
from yiwang.halls import services as hall_services
from yiwang.halls.models_live import Terminal
from yiwang.identity import services as identity
from yiwang.knowledge import views as knowledge_pages
from yiwang.notifications.kinds import EventKind
from yiwang.notifications.services import notification_send
from yiwang.workdays import selectors as workdays

SESSION_TERMINAL = "kiosk_terminal"
SESSION_SEEN = "kiosk_seen"
SESSION_OTP = "kiosk_otp"
OTP_TTL = timedelta(minutes=5)  # one use, five tries: accounts.services.one_time_code_use
CROSS_CITY_NONE = {"", "无"}


def idle_seconds() -> int:
    return int(settings.YIWANG_KIOSK_IDLE_SECONDS)


LOGIN_CODE = EventKind(
    kind="kiosk.login_code",
    category="halls",
    label="自助终端登录验证码",
    title="自助终端登录验证码 {{ code }}",
    body="您正在 {{ terminal }} 登录，验证码 {{ code }}，5 分钟内有效。如非本人操作请忽略。",
    critical=True,
    required=("code", "terminal"),
)  # registered in PortalConfig.ready


# --- helpers ----------------------------------------------------------------------------------------
def _terminal(request: HttpRequest) -> Terminal | None:
    return devices.terminal_by_pairing(request.COOKIES.get(devices.PAIRING_COOKIE))


def _person(request: HttpRequest) -> User | None:
    user = request.user
    if user.is_authenticated and user.kind in (AccountKind.PERSON, AccountKind.LEGAL):
        return user
    return None


def _page(request: HttpRequest, template: str, ctx: dict, status: int = 200) -> HttpResponse:
    ctx = {**ctx, "idle_seconds": idle_seconds(), "person": _person(request)}
    response = render(request, template, ctx, status=status)
    response["Cache-Control"] = "no-store"  # nothing a next person could go back to
    return response


def kiosk_view(view):
    """A kiosk page: a paired terminal is required (else the pairing page); a kiosk session idle
    too long is ended before the page is shown."""

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        terminal = _terminal(request)
        if terminal is None:
            device = devices.terminal_of_account(request.user)
            if device is not None:  # the device account itself: pair this browser, then log out
                return _pair_and_restart(request, device)
            return redirect("portal:kiosk_pair")
        now = time.time()
        seen = request.session.get(SESSION_SEEN)
        if request.user.is_authenticated and seen and now - seen > idle_seconds():
            logout(request)
        if request.user.is_authenticated and not _person(request):
            logout(request)  # staff never browse a kiosk as themselves
        request.session[SESSION_SEEN] = now
        request.kiosk_terminal = terminal
        return view(request, terminal, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _pair_and_restart(request: HttpRequest, terminal: Terminal) -> HttpResponse:
    if not terminal.key_hash:
        devices.terminal_key_issue(terminal=terminal)
        terminal.refresh_from_db()
    logout(request)
    response = HttpResponseRedirect(reverse("portal:kiosk_home"))
    response.set_cookie(
        devices.PAIRING_COOKIE,
        devices.pairing_value(terminal),
        max_age=365 * 86400,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure(),
    )
    return response


# --- pairing ----------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def kiosk_pair(request: HttpRequest) -> HttpResponse:
    device = devices.terminal_of_account(request.user)
    if device is not None:
        return _pair_and_restart(request, device)
    error = ""
    if request.method == "POST":
        terminal = devices.terminal_by_key(request.POST.get("device_key", ""))
        if terminal is not None:
            return _pair_and_restart(request, terminal)
        error = "设备密钥无效"
    return render(request, "portal/kiosk/pair.html", {"error": error}, status=422 if error else 200)


# --- home, login, logout ----------------------------------------------------------------------------
@kiosk_view
def kiosk_home(request: HttpRequest, terminal: Terminal) -> HttpResponse:
    items = _terminal_items(terminal)
    can_check_in = hall_selectors.business_types(terminal.hall).exists() and terminal.site_kind == "hall"
    return _page(
        request,
        "portal/kiosk/home.html",
        {"terminal": terminal, "items": items, "can_check_in": can_check_in},
    )


def _terminal_items(terminal: Terminal) -> list[dict]:
    """The items the terminal offers (their published guide), cross-city ones marked (通办范围)."""
    versions = (
        ItemVersion.objects.filter(item__in=terminal.items.all(), status=VersionStatus.PUBLISHED)
        .select_related("item")
        .order_by("item_id", "-version")
    )
    rows: dict[int, dict] = {}
    for v in versions:
        if v.item_id not in rows:
            scope = (v.cross_city_scope or "").strip()
            rows[v.item_id] = {
                "code": v.item.code,
                "name": v.name,
                "cross_city": "" if scope in CROSS_CITY_NONE else scope,
            }
    return sorted(rows.values(), key=lambda r: (not r["cross_city"], r["name"]))


def _login_person(request: HttpRequest, terminal: Terminal, person: User) -> HttpResponse:
    login(request, person, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session[SESSION_TERMINAL] = terminal.pk
    request.session[SESSION_SEEN] = time.time()
    request.session.set_expiry(idle_seconds() * 5)  # a kiosk session never outlives a short visit
    return redirect("portal:kiosk_home")


@kiosk_view
@require_http_methods(["GET", "POST"])
def kiosk_login(request: HttpRequest, terminal: Terminal) -> HttpResponse:
    """Login by scanning the 电子身份码 (the scanner types the code and Enter)."""
    error = ""
    if request.method == "POST":
        try:
            check = identity.code_verify(
                code=request.POST.get("identity_code", ""), verifier=terminal.account
            )
        except DomainError as exc:
            error = exc.message
        else:
            if check.outcome == "valid" and check.person is not None:
                return _login_person(request, terminal, check.person)
            error = identity.outcome_message(check.outcome)
    return _page(
        request, "portal/kiosk/login.html", {"terminal": terminal, "error": error}, 422 if error else 200
    )


def _otp_purpose(terminal: Terminal) -> str:
    return f"kiosk-login:{terminal.pk}"


@kiosk_view
@require_http_methods(["GET", "POST"])
def kiosk_login_code(request: HttpRequest, terminal: Terminal) -> HttpResponse:
    """Login by ID card number and a one-time code sent to the registered phone (and inbox)."""
    ctx: dict = {"terminal": terminal, "error": "", "sent": False, "masked": ""}
    status = 200
    if request.method == "POST" and request.POST.get("code") is None:
        # step 1: the ID number; the person (if any) is kept in the session, never in the page
        raw = (request.POST.get("id_number") or "").strip().upper()
        try:
            validate_ric(raw)
        except Exception:
            ctx["error"], status = "身份证号码格式有误", 422
            return _page(request, "portal/kiosk/login_code.html", ctx, status)
        person = User.objects.filter(
            id_number_hash=id_number_hash(raw), kind=AccountKind.PERSON, is_active=True
        ).first()
        if person is not None and person.phone:
            otp = one_time_code_issue(user=person, purpose=_otp_purpose(terminal), ttl=OTP_TTL)
            notification_send(
                event_kind="kiosk.login_code",
                recipient=person,
                context={"code": otp, "terminal": terminal.name},
                key=f"kiosk-login:{terminal.pk}:{secrets.token_hex(8)}",
            )
        request.session[SESSION_OTP] = {
            "person": person.pk if person else None,
            "masked": mask_id_number(raw),
        }
        ctx.update(sent=True, masked=mask_id_number(raw))  # the same answer, registered or not
    elif request.method == "POST":
        # step 2: the one-time code for the person of step 1
        pending = request.session.get(SESSION_OTP) or {}
        person_id = pending.get("person")
        code = (request.POST.get("code") or "").strip()
        person = User.objects.filter(pk=person_id, is_active=True).first() if person_id else None
        if person is not None and one_time_code_use(user=person, purpose=_otp_purpose(terminal), code=code):
            return _login_person(request, terminal, person)
        ctx.update(error="验证码错误或已过期", sent=bool(pending), masked=pending.get("masked", ""))
        status = 422
    return _page(request, "portal/kiosk/login_code.html", ctx, status)


@require_POST
def kiosk_logout(request: HttpRequest) -> HttpResponse:
    """End the session (idle timeout or the 退出 button); the pairing cookie stays."""
    logout(request)
    response = redirect("portal:kiosk_home")
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


# --- check-in ---------------------------------------------------------------------------------------
@kiosk_view
@require_http_methods(["GET", "POST"])
def kiosk_ticket(request: HttpRequest, terminal: Terminal) -> HttpResponse:
    """取号: choose the business type, then scan the 电子身份码 or type the appointment code."""
    businesses = list(hall_selectors.business_types(terminal.hall))
    ctx: dict = {"terminal": terminal, "businesses": businesses, "error": "", "chosen": None}
    chosen = request.POST.get("business") or request.GET.get("business")
    ctx["chosen"] = next((b for b in businesses if b.code == chosen), None)
    status = 200
    if request.method == "POST" and ctx["chosen"] is not None:
        identity_code = (request.POST.get("identity_code") or "").strip() or None
        appointment_code = (request.POST.get("appointment_code") or "").strip() or None
        try:
            checkin = hall_services.ticket_issue(
                actor=terminal.account,
                hall=terminal.hall,
                business_code=ctx["chosen"].code,
                identity_code=identity_code,
                appointment_code=appointment_code,
            )
        except DomainError as exc:
            ctx["error"], status = exc.message, exc.status
        else:
            return redirect("halls:ticket_print", token=checkin.ticket.token)
    return _page(request, "portal/kiosk/ticket.html", ctx, status)


# --- print-ready pages ------------------------------------------------------------------------------
@kiosk_view
def kiosk_cases(request: HttpRequest, terminal: Terminal) -> HttpResponse:
    person = _person(request)
    if person is None:
        return redirect("portal:kiosk_login")
    from yiwang.cases.services import today

    day, cal = today(), workdays.calendar()  # the calendar once, not per row
    cases = case_selectors.case_list(user=person).prefetch_related("notices")[:20]
    rows = [
        {"summary": case_summary(c, today=day, cal=cal), "case": c, "notices": list(c.notices.all())}
        for c in cases
    ]
    return _page(request, "portal/kiosk/cases.html", {"terminal": terminal, "rows": rows})


@kiosk_view
def kiosk_receipt(request: HttpRequest, terminal: Terminal, number: str) -> HttpResponse:
    person = _person(request)
    if person is None:
        return redirect("portal:kiosk_login")
    case = case_selectors.case_list(user=person).select_related("item").filter(number=number).first()
    if case is None:
        return _page(request, "portal/kiosk/receipt.html", {"terminal": terminal, "case": None}, 404)
    from yiwang.cases.services import today

    return _page(
        request,
        "portal/kiosk/receipt.html",
        {
            "terminal": terminal,
            "case": case,
            "summary": case_summary(case, today=today(), cal=workdays.calendar()),
            "applicant": mask_name(person.display_name),
            "id_masked": mask_id_number(person.id_number) if person.id_number else "",
        },
    )


# --- 智能问答 ------------------------------------------------------------------------------------------
@kiosk_view
@require_GET
def kiosk_ask(request: HttpRequest, terminal: Terminal) -> HttpResponse:
    """The knowledge base's questions and answers in kiosk mode (no login needed): cited answers,
    the guidance to the apply page, or the 12345 hotline and the question form when nothing fits."""
    q = (request.GET.get("q") or "").strip()
    out, errors = knowledge_pages.results(q, staff=False)
    return _page(
        request,
        "portal/kiosk/ask.html",
        {"terminal": terminal, "q": q, "out": out, "errors": errors},
        status=422 if errors else 200,
    )
