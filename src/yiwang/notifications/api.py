"""Notification endpoints: the caller's inbox and channel preferences (docs/api.md)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from yiwang.accounts.auth import api_auth
from yiwang.core.pagination import paginate

from . import presenters, selectors, services

router = Router(tags=["notifications"], auth=api_auth)


class PreferencesIn(Schema):
    categories: dict[str, dict[str, bool]]


@router.get("/notifications")
def notification_index(request: HttpRequest, unread: bool | None = None):
    """Own messages, newest first; `?unread=true` only unread ones. Adds `unread_count`."""
    qs = selectors.notifications_for(user=request.auth, unread=unread)
    out = paginate(request, qs, presenters.notification_out)
    out["unread_count"] = selectors.unread_count(user=request.auth)
    return out


@router.post("/notifications/read-all")
def notification_read_all(request: HttpRequest):
    return {"updated": services.notifications_read_all(user=request.auth)}


@router.post("/notifications/{notification_id}/read")
def notification_read(request: HttpRequest, notification_id: int):
    n = selectors.notification_for(user=request.auth, pk=notification_id)
    return presenters.notification_out(services.notification_read(user=request.auth, notification=n))


@router.get("/notifications/preferences")
def preferences_get(request: HttpRequest):
    return selectors.preferences_for(user=request.auth)


@router.put("/notifications/preferences")
def preferences_put(request: HttpRequest, body: PreferencesIn):
    services.preferences_set(user=request.auth, choices=body.categories)
    return selectors.preferences_for(user=request.auth)
