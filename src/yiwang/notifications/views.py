"""The inbox page of every logged-in account (citizens, businesses, staff) and its preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core.errors import NotFound, ValidationFailed

from . import presenters, selectors, services

PAGE_SIZE = 20


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread = request.GET.get("unread") == "1"
    qs = selectors.notifications_for(user=request.user, unread=True if unread else None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "items": [
                {
                    **presenters.notification_out(n),
                    "created_display": f"{localtime(n.created_at):%Y-%m-%d %H:%M}",
                }
                for n in page.object_list
            ],
            "unread": unread,
            "unread_count": selectors.unread_count(user=request.user),
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        n = selectors.notification_for(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    services.notification_read(user=request.user, notification=n)
    return _back(request)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_read_all(user=request.user)
    messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    prefs = selectors.preferences_for(user=request.user)
    error = ""
    if request.method == "POST":
        choices = {
            cat["category"]: {
                ch["channel"]: f"{cat['category']}.{ch['channel']}" in request.POST
                for ch in cat["channels"]
                if not ch["fixed"]
            }
            for cat in prefs["categories"]
        }
        try:
            services.preferences_set(user=request.user, choices=choices)
        except ValidationFailed as exc:
            error = exc.message
        else:
            messages.success(request, "接收设置已保存。")
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"prefs": prefs, "error": error})
