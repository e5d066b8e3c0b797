"""API shapes of the halls app (API.md "Halls"). No personal data beyond the caller's own."""

from __future__ import annotations

from django.urls import reverse

from yiwang.organizations.models import ServiceHall, Window

from . import selectors
from .models import Appointment, BusinessType, Ticket, WindowState


def hall_out(h: ServiceHall) -> dict:
    return {"code": h.code, "name": h.name, "address": h.address, "region": h.region.code, "hours": h.hours}


def business_out(b: BusinessType) -> dict:
    return {
        "code": b.code,
        "name": b.name,
        "prefix": b.prefix,
        "items": sorted(i.code for i in b.items.all()),
    }


def slot_out(v: selectors.SlotView) -> dict:
    return {
        "start": selectors.iso(v.slot.start),
        "end": selectors.iso(v.slot.end),
        "capacity": v.slot.capacity,
        "available": v.available,
    }


def appointment_out(a: Appointment) -> dict:
    return {
        "id": a.pk,
        "code": a.code,
        "hall": a.hall.code,
        "hall_name": a.hall.name,
        "business": a.business.code,
        "business_name": a.business.name,
        "start": selectors.iso(a.slot.start),
        "end": selectors.iso(a.slot.end),
        "status": a.status,
        "status_label": a.get_status_display(),
        "link": reverse("halls:appointment", args=[a.pk]),
    }


def ticket_out(t: Ticket, *, waiting_before: int | None = None) -> dict:
    return {
        "number": t.number,
        "business": t.business.code,
        "priority": t.priority,
        "green_channel": t.green_channel,
        "waiting_before": selectors.waiting_before(t) if waiting_before is None else waiting_before,
        "status": t.status,
        "status_label": t.get_status_display(),
        "window": t.window.number if t.window_id else None,
        "issued_at": selectors.iso(t.issued_at),
        "called_at": selectors.iso(t.called_at),
        "case": t.case.number if t.case_id else None,
        "position_link": reverse("halls:position", args=[t.token]),
    }


def window_out(w: Window) -> dict:
    return {
        "id": w.pk,
        "hall": w.hall.code,
        "number": w.number,
        "name": w.name,
        "business_types": sorted(w.business_types.values_list("code", flat=True)),
    }


def window_state_out(s: WindowState) -> dict:
    return {
        "id": s.window_id,
        "number": s.window.number,
        "status": s.status,
        "status_label": s.get_status_display(),
        "reason": s.reason,
        "current": s.current.number if s.current_id else None,
    }
