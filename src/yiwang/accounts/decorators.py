"""Page access by kind of account, for every app's pages. They live here, low in the layers
(docs/architecture.md), so that domain apps' pages need not import the portal or the workbench:
`applicant_required` for citizens' and companies' pages, `staff_required` for staff pages. Which
staff member may do what stays with the services (roles and scopes)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .models import AccountKind

View = Callable[..., HttpResponse]


def is_staff(user) -> bool:
    """An authenticated staff account (工作人员)."""
    return bool(user.is_authenticated and user.kind == AccountKind.STAFF)


def applicant_required(view: View) -> View:
    """Logged-in citizens and companies; staff are sent to their workbench."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if is_staff(request.user):
            messages.info(request, "工作人员请在工作台办理业务")
            return redirect("workbench:queue")
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view: View) -> View:
    """Anonymous → login; citizens and companies → 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.kind != AccountKind.STAFF:
            return render(request, "403.html", {"message": "工作台仅供工作人员使用。"}, status=403)
        return view(request, *args, **kwargs)

    return wrapper
