"""电子身份码 pages: the person's code (large QR, countdown, refresh link, 挂失, usage log) and the
staff page at a window where a code is scanned or pasted. Thin views over services and selectors;
both work without JavaScript (the person's page refreshes by a link; with JavaScript it counts
down and fetches a new code by itself)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.accounts.decorators import applicant_required, staff_required
from yiwang.core.errors import ValidationFailed

from . import codec, qr, selectors, services
from .models import Outcome

LOG_PAGE_SIZE = 20


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@applicant_required
@require_http_methods(["GET"])
def my_code(request: HttpRequest) -> HttpResponse:
    issued = services.code_issue(user=request.user)
    checks = Paginator(selectors.checks_for_person(user=request.user), LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    ctx = {
        "issued": issued,
        "svg": qr.svg(issued.code, title=f"电子身份码二维码，{issued.ttl} 秒内有效"),
        "checks": checks,
        "rows": [(c, selectors.place_label(c)) for c in checks],
        "last_revocation": selectors.last_revocation(user=request.user),
    }
    return _no_store(render(request, "identity/my_code.html", ctx))


@applicant_required
@require_POST
def my_revoke(request: HttpRequest) -> HttpResponse:
    n = services.codes_revoke(user=request.user)
    if n:
        messages.success(request, "已挂失：此前生成的身份码全部作废。下面是新的身份码。")
    else:
        messages.info(request, "没有需要作废的身份码。")
    return redirect("identity:my_code")


@staff_required
@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    ctx: dict = {"code": "", "max_input": codec.MAX_INPUT}
    status = 200
    if request.method == "POST":
        code = (request.POST.get("code") or "").strip()
        ctx["code"] = code
        try:
            check = services.code_verify(code=code, verifier=request.user)
        except ValidationFailed as exc:
            ctx["error"] = exc.fields.get("code", [exc.message])[0]
            status = 422
        else:
            ctx["check"] = check
            ctx["valid"] = check.outcome == Outcome.VALID
            ctx["message"] = services.outcome_message(check.outcome)
            ctx["place"] = selectors.place_label(check)
            ctx["code"] = ""  # ready for the next scan
            if ctx["valid"]:
                ctx["person"] = selectors.person_masked(check.person)
    else:
        ctx["place"] = selectors.verifier_place_label(user=request.user)
    return _no_store(render(request, "identity/verify.html", ctx, status=status))
