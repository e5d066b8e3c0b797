"""Halls endpoints of API.md (预约叫号): halls, business types, slots, appointments, tickets,
windows and their calls, the public display state and the statistics. The event stream
(`/halls/{code}/events`) lives with the real-time module."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from yiwang.accounts.auth import api_auth
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.idempotency import run_idempotent
from yiwang.core.pagination import paginate
from yiwang.organizations.models import Window

from . import devices, exports, presenters, rules, selectors, services

router = Router(tags=["halls"], auth=api_auth)


def _anonymous(request: HttpRequest):
    return AnonymousUser()


public = [*api_auth, _anonymous]


def _date(value: str | None, field: str = "date") -> date:
    if not value:
        return selectors.local(timezone.now()).date()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(fields={field: ["日期格式应为 YYYY-MM-DD"]}) from exc


@router.get("/halls", auth=public)
def hall_index(request: HttpRequest):
    return paginate(request, selectors.halls_public(), presenters.hall_out)


@router.get("/halls/{code}/business-types", auth=public)
def business_index(request: HttpRequest, code: str):
    hall = selectors.hall_by_code(code)
    items = [presenters.business_out(b) for b in selectors.business_types(hall)]
    return {"items": items, "count": len(items), "page": 1, "page_size": len(items)}


@router.get("/halls/{code}/slots", auth=public)
def slot_index(request: HttpRequest, code: str, business: str, date: str | None = None):
    hall = selectors.hall_by_code(code)
    bt = selectors.business_by_code(hall, business)
    items = [presenters.slot_out(v) for v in selectors.slots_for(bt, _date(date))]
    return {"items": items, "count": len(items), "page": 1, "page_size": len(items)}


class AppointmentIn(Schema):
    hall: str = Field(..., max_length=32)
    business: str = Field(..., max_length=32)
    start: str = Field(..., max_length=40)


def _idempotent(request, scope: str, body: dict, handler):
    status, out = run_idempotent(
        owner=str(request.auth.pk),
        key=request.headers.get("Idempotency-Key"),
        scope=scope,
        body=body,
        handler=handler,
    )
    return Status(status, out)


@router.post("/appointments", response={201: dict, 200: dict})
def appointment_create(request: HttpRequest, body: AppointmentIn):
    def handler():
        hall = selectors.hall_by_code(body.hall)
        bt = selectors.business_by_code(hall, body.business)
        appt = services.appointment_book(person=request.auth, hall=hall, business=bt, start=body.start)
        return 201, presenters.appointment_out(appt)

    return _idempotent(request, "POST /appointments", body.dict(), handler)


@router.get("/appointments")
def appointment_index(request: HttpRequest):
    return paginate(request, selectors.appointments_of(request.auth), presenters.appointment_out)


def _own_appointment(request, pk: int):
    appt = selectors.appointments_of(request.auth).filter(pk=pk).first()
    if appt is None:
        raise NotFound("没有这个预约")
    return appt


@router.get("/appointments/{pk}")
def appointment_detail(request: HttpRequest, pk: int):
    return presenters.appointment_out(_own_appointment(request, pk))


@router.delete("/appointments/{pk}")
def appointment_delete(request: HttpRequest, pk: int):
    appt = services.appointment_cancel(person=request.auth, appointment=_own_appointment(request, pk))
    return {"id": appt.pk, "status": appt.status, "status_label": appt.get_status_display()}


class TicketIn(Schema):
    business: str | None = Field(None, max_length=32)
    identity_code: str | None = Field(None, max_length=2000)
    appointment_code: str | None = Field(None, max_length=20)
    id_number: str | None = Field(None, max_length=30)
    green_channel: bool = False


@router.post(
    "/halls/{code}/tickets", response={201: dict, 200: dict}, auth=[*api_auth, devices.DeviceKeyAuth()]
)
def ticket_create(request: HttpRequest, code: str, body: TicketIn):
    """Hall staff, or a self-service terminal of the hall (its device account's token, or its
    `X-Device-Key`: halls/devices.py). The green channel is marked by staff only."""
    hall = selectors.hall_by_code(code)
    if not rules.may_issue_tickets(request.auth, hall):
        raise PermissionDenied("只有本大厅工作人员和自助终端可以取号", code="forbidden")
    if body.green_channel and devices.terminal_for(request) is not None:
        raise PermissionDenied("绿色通道须由工作人员标注", code="forbidden")

    def handler():
        checkin = services.ticket_issue(
            actor=request.auth,
            hall=hall,
            business_code=body.business,
            identity_code=body.identity_code,
            appointment_code=body.appointment_code,
            id_number=body.id_number,
            green_channel=body.green_channel,
        )
        return 201, presenters.ticket_out(checkin.ticket, waiting_before=checkin.waiting_before)

    return _idempotent(request, f"POST /halls/{code}/tickets", body.dict(), handler)


@router.get("/halls/{code}/display", auth=public)
def display(request: HttpRequest, code: str):
    return selectors.display_state(selectors.hall_by_code(code))


@router.get("/halls/{code}/stats")
def stats(request: HttpRequest, code: str, date: str | None = None, format: str | None = None):
    hall = selectors.hall_by_code(code)
    if not rules.may_see_stats(request.auth, hall):
        raise PermissionDenied("只有本大厅工作人员和督查人员可以查看统计", code="forbidden")
    data = selectors.hall_stats(hall, _date(date))
    if format == "xlsx":
        return exports.stats_xlsx(hall, data)
    return data


@router.get("/windows")
def window_index(request: HttpRequest):
    items = [presenters.window_out(w) for w in selectors.windows_of_staff(request.auth)]
    return {"items": items, "count": len(items), "page": 1, "page_size": len(items)}


class CallIn(Schema):
    action: str = Field(..., max_length=20)
    ticket: str | None = Field(None, max_length=8)
    to: str | None = Field(None, max_length=40)
    reason: str = Field("", max_length=100)


@router.post("/windows/{pk}/calls", response={200: dict})
def window_calls(request: HttpRequest, pk: int, body: CallIn):
    """With an `Idempotency-Key` the same call sent again (a retry after a lost answer, or the
    proxy's resend when a server died mid-request) answers like the first and calls no one else."""
    window = Window.objects.select_related("hall").filter(pk=pk).first()
    if window is None or not rules.may_staff_window(request.auth, window):
        raise NotFound("没有这个窗口")

    def handler():
        result = services.window_call(
            actor=request.auth,
            window=window,
            action=body.action,
            ticket_number=body.ticket,
            to=body.to,
            reason=body.reason,
        )
        return 200, {
            "ticket": presenters.ticket_out(result.ticket) if result.ticket else None,
            "window": presenters.window_state_out(result.state),
        }

    return _idempotent(request, f"POST /windows/{window.pk}/calls", body.dict(), handler)
