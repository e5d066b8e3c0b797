"""Pages of the halls app: booking and my appointments (citizens), the phone queue-position page
(public, by the link on the ticket), the window terminal, check-in, administration and statistics
(staff). Thin views over services and selectors; every rule is checked there."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from yiwang.accounts.decorators import applicant_required, staff_required
from yiwang.accounts.models import AccountKind, User
from yiwang.core.errors import DomainError, NotFound
from yiwang.organizations.models import Window

from . import exports, presenters, qr, rules, selectors, services
from .models import BusinessType, Closure, HallRole, WindowStatus


def _errors(exc: DomainError) -> list[str]:
    return [exc.message] + ["；".join(v) for v in exc.fields.values()]


def _404(request, message="页面不存在") -> HttpResponse:
    return render(request, "404.html", {"message": message}, status=404)


def _403(request, message="无权访问该页面") -> HttpResponse:
    return render(request, "403.html", {"message": message}, status=403)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- citizens --------------------------------------------------------------------------------------
def hall_list(request: HttpRequest) -> HttpResponse:
    return render(request, "halls/hall_list.html", {"halls": selectors.halls_public()})


@applicant_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, code: str) -> HttpResponse:
    try:
        hall = selectors.hall_by_code(code)
    except NotFound:
        return _404(request, "没有这个大厅")
    types = list(selectors.business_types(hall))
    business = next((b for b in types if b.code == request.GET.get("business")), types[0] if types else None)
    days = selectors.bookable_days(hall)
    day = _day(request.GET.get("date"))
    day = day if day in days else (days[0] if days else None)
    errors: list[str] = []
    if request.method == "POST":
        try:
            bt = selectors.business_by_code(hall, request.POST.get("business", ""))
            appt = services.appointment_book(
                person=request.user, hall=hall, business=bt, start=request.POST.get("start", "")
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, f"预约成功，预约码 {appt.code}")
            return redirect("halls:appointment", pk=appt.pk)
    slots = selectors.slots_for(business, day) if business and day else []
    block = selectors.booking_block(hall, request.user)
    return render(
        request,
        "halls/book.html",
        {
            "hall": hall,
            "types": types,
            "business": business,
            "days": days,
            "day": day,
            "slots": [(v, presenters.slot_out(v)) for v in slots],
            "errors": errors,
            "block": block,
        },
    )


@applicant_required
def my_appointments(request: HttpRequest) -> HttpResponse:
    appts = list(selectors.appointments_of(request.user)[:100])
    return render(request, "halls/my_appointments.html", {"appointments": appts})


@applicant_required
@require_http_methods(["GET", "POST"])
def appointment(request: HttpRequest, pk: int) -> HttpResponse:
    appt = selectors.appointments_of(request.user).filter(pk=pk).first()
    if appt is None:
        return _404(request, "没有这个预约")
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.appointment_cancel(person=request.user, appointment=appt)
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "预约已取消")
            return redirect("halls:appointment", pk=appt.pk)
    return render(
        request,
        "halls/appointment.html",
        {"a": appt, "qr": qr.svg(appt.code), "items": list(appt.business.items.all()[:50]), "errors": errors},
    )


def position(request: HttpRequest, token: str) -> HttpResponse:
    """The phone page of a ticket (public: whoever holds the link; no personal data)."""
    try:
        t = selectors.ticket_by_token(token)
    except NotFound:
        return _404(request, "没有这个排队号")
    return render(
        request,
        "halls/position.html",
        {"t": t, "ahead": selectors.waiting_before(t), "display": selectors.display_state(t.hall, last=3)},
    )


# --- window terminal -------------------------------------------------------------------------------
@staff_required
def windows(request: HttpRequest) -> HttpResponse:
    mine = selectors.windows_of_staff(request.user)
    admin_halls = rules.halls_administered(request.user)
    halls = {w.hall for w in mine} | set(admin_halls)
    halls |= {r.hall for r in HallRole.objects.filter(user=request.user).select_related("hall")}
    return render(
        request,
        "halls/windows.html",
        {"windows": mine, "halls": sorted(halls, key=lambda h: h.name), "admin_halls": admin_halls},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def terminal(request: HttpRequest, pk: int) -> HttpResponse:
    window = Window.objects.select_related("hall").filter(pk=pk).first()
    if window is None or not rules.may_staff_window(request.user, window):
        return _404(request, "没有这个窗口")
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            result = services.window_call(
                actor=request.user,
                window=window,
                action=action,
                ticket_number=request.POST.get("ticket") or None,
                to=request.POST.get("to") or None,
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            t = result.ticket
            labels = {
                "next": "已叫号",
                "recall": "已重呼",
                "skip": "已过号",
                "requeue": "已重新排队",
                "transfer": "已转移",
                "pause": "窗口已暂停",
                "resume": "窗口已恢复",
                "finish": "已办结",
            }
            messages.success(request, f"{labels.get(action, '完成')}{'：' + t.number if t else ''}")
            return redirect("halls:terminal", pk=window.pk)
    state = selectors.window_state(window)
    today = selectors.local(timezone.now()).date()
    waiting = selectors.waiting_counts(window.hall, today)
    types = [(b, waiting.get(b.code, 0)) for b in BusinessType.objects.filter(windows=window, active=True)]
    return render(
        request,
        "halls/terminal.html",
        {
            "window": window,
            "state": state,
            "paused": state.status == WindowStatus.PAUSED,
            "current": state.current if state.current_id and state.current.status == "called" else None,
            "types": types,
            "other_types": BusinessType.objects.filter(hall=window.hall, active=True).exclude(windows=window),
            "other_windows": Window.objects.filter(hall=window.hall).exclude(pk=window.pk),
            "recall_max": selectors.hall_settings(window.hall).recall_max,
            "refusal": rules.window_service_refusal(request.user, window),
            "errors": errors,
        },
    )


# --- check-in (reception) --------------------------------------------------------------------------
@staff_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, code: str) -> HttpResponse:
    try:
        hall = selectors.hall_by_code(code)
    except NotFound:
        return _404(request, "没有这个大厅")
    if not rules.may_issue_tickets(request.user, hall):
        return _403(request, "只有本大厅工作人员可以取号")
    errors: list[str] = []
    ticket, token = None, ""
    if request.method == "POST":
        method, value = request.POST.get("method", ""), request.POST.get("value", "").strip()
        kwargs = {
            k: (value if method == k else None) for k in ("identity_code", "appointment_code", "id_number")
        }
        try:
            checkin_ = services.ticket_issue(
                actor=request.user,
                hall=hall,
                business_code=request.POST.get("business") or None,
                green_channel=request.POST.get("green_channel") == "1",
                **kwargs,
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            ticket = presenters.ticket_out(checkin_.ticket, waiting_before=checkin_.waiting_before)
            token = checkin_.ticket.token
    return render(
        request,
        "halls/checkin.html",
        {
            "hall": hall,
            "types": selectors.business_types(hall),
            "errors": errors,
            "ticket": ticket,
            "ticket_token": token,
        },
    )


def ticket_print(request: HttpRequest, token: str) -> HttpResponse:
    """Print-ready ticket: number, business type, people ahead, the phone link as a QR code."""
    try:
        t = selectors.ticket_by_token(token)
    except NotFound:
        return _404(request, "没有这个排队号")
    link = request.build_absolute_uri(presenters.ticket_out(t)["position_link"])
    return render(
        request,
        "halls/ticket_print.html",
        {"t": t, "ahead": selectors.waiting_before(t), "qr": qr.svg(link, title="排队进度"), "link": link},
    )


# --- administration --------------------------------------------------------------------------------
@staff_required
@require_http_methods(["GET", "POST"])
def admin(request: HttpRequest, code: str) -> HttpResponse:
    try:
        hall = selectors.hall_by_code(code)
    except NotFound:
        return _404(request, "没有这个大厅")
    if not rules.may_admin_hall(request.user, hall):
        return _403(request, "只有大厅管理员可以管理大厅")
    errors: list[str] = []
    if request.method == "POST":
        try:
            note = _admin_post(request, hall)
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, note)
            return redirect("halls:admin", code=hall.code)
    types = list(BusinessType.objects.filter(hall=hall).prefetch_related("windows", "items", "capacities"))
    hall_windows = list(Window.objects.filter(hall=hall).prefetch_related("staff_roles__user"))
    staff = User.objects.filter(kind=AccountKind.STAFF, is_active=True).order_by("username")[:300]
    return render(
        request,
        "halls/admin.html",
        {
            "hall": hall,
            "s": selectors.hall_settings(hall),
            "types": types,
            "windows": hall_windows,
            "closures": Closure.objects.filter(hall=hall)[:20],
            "staff": staff,
            "hall_roles": HallRole.objects.filter(hall=hall).select_related("user"),
            "errors": errors,
        },
    )


def _admin_post(request: HttpRequest, hall) -> str:
    do, p = request.POST.get("do", ""), request.POST
    if do == "settings":
        services.hall_settings_update(
            actor=request.user, hall=hall, values={f: p[f] for f in services.SETTING_FIELDS if f in p}
        )
        return "大厅设置已保存"
    if do == "business":
        item_codes = [c.strip() for c in p.get("items", "").replace("，", ",").split(",") if c.strip()]
        from yiwang.catalog.models import Item

        item_ids = list(Item.objects.filter(code__in=item_codes).values_list("pk", flat=True))
        services.business_type_save(
            actor=request.user,
            hall=hall,
            code=p.get("code", ""),
            name=p.get("name", ""),
            prefix=p.get("prefix", ""),
            item_ids=item_ids,
            window_ids=[int(x) for x in p.getlist("windows") if x.isdigit()],
            active=p.get("active", "1") == "1",
        )
        return "业务类型已保存"
    if do == "capacity":
        bt = BusinessType.objects.filter(hall=hall, code=p.get("business", "")).first()
        if bt is None:
            raise NotFound("没有这个业务类型")
        rows = []
        for line in p.get("rows", "").splitlines():
            parts = line.replace("，", ",").replace("-", ",").replace(" ", ",").split(",")
            parts = [x for x in parts if x]
            if parts:
                rows.append(
                    (parts[0], parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else "")
                )
        n = services.capacity_set(actor=request.user, business=bt, rows=rows)
        return f"已保存 {n} 个时段容量"
    if do == "closure":
        first, last = _day(p.get("first_day")), _day(p.get("last_day"))
        if first is None or last is None:
            from yiwang.core.errors import ValidationFailed

            raise ValidationFailed(fields={"first_day": ["请填写日期（YYYY-MM-DD）"]})
        _, told = services.closure_create(
            actor=request.user, hall=hall, first_day=first, last_day=last, reason=p.get("reason", "")
        )
        return f"闭厅已安排，已通知 {told} 位预约群众改约"
    if do in ("staff_on", "staff_off"):
        window = Window.objects.filter(hall=hall, pk=int(p.get("window", "0") or 0)).first()
        user = User.objects.filter(username=p.get("username", "")).first()
        if window is None or user is None:
            raise NotFound("没有这个窗口或人员")
        services.window_staff_set(actor=request.user, window=window, user=user, on=do == "staff_on")
        return "窗口人员已更新"
    raise NotFound("未知操作")


# --- statistics ------------------------------------------------------------------------------------
@staff_required
def stats(request: HttpRequest, code: str) -> HttpResponse:
    try:
        hall = selectors.hall_by_code(code)
    except NotFound:
        return _404(request, "没有这个大厅")
    if not rules.may_see_stats(request.user, hall):
        return _403(request, "只有本大厅工作人员和督查人员可以查看统计")
    day = _day(request.GET.get("date")) or selectors.local(timezone.now()).date()
    data = selectors.hall_stats(hall, day)
    if request.GET.get("format") == "xlsx":
        return exports.stats_xlsx(hall, data)
    return render(request, "halls/stats.html", {"hall": hall, "day": day, "data": data})
