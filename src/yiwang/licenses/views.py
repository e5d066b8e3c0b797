"""Licence pages: the public verify page (扫码/粘贴核验), the public page of a 加注件 (opened by its
link, no login), and the holder's wallet (我的证照): licences, 加注件 (create, list, withdraw),
use authorisations (grant, revoke), the use log, and licences others authorised to me.
Thin views over selectors and services; no JavaScript needed."""

from __future__ import annotations

import hmac
import re
from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from yiwang.accounts.decorators import applicant_required
from yiwang.core.errors import DomainError
from yiwang.core.text import as_int

from . import pdf, presenters, selectors, services, throttle
from .api import MAX_CREDENTIAL, parse_until
from .models import License, UseChannel


def _verdict_ctx(r: dict) -> dict:
    return {
        "result": r,
        "status_text": presenters.STATUS.get(r["status"] or "", "无法确认"),
        "reasons": [presenters.REASONS.get(x, x) for x in r["reasons"]],
        "rows": presenters.disclosed_rows(r["disclosed"], presenters.type_fields(r.get("type_code"))),
        "annotation_rows": presenters.annotation_rows(r.get("annotation")),
    }


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    credential = (request.POST.get("credential") or "").strip() if request.method == "POST" else ""
    ctx: dict = {"credential": credential}
    status = 200
    if request.method == "POST":
        if not throttle.hit(request, scope="page"):
            ctx["error"], status = throttle.MESSAGE, 429
        elif not credential:
            ctx["error"], status = "请粘贴要核验的电子证照凭证。", 422
        elif len(credential) > MAX_CREDENTIAL:
            ctx["error"], status = "凭证过长。", 422
        else:
            r = selectors.license_verify(credential=credential)
            ctx.update(_verdict_ctx(r))
            services.record_verification(result=r, user=request.user)
    return render(request, "licenses/verify.html", ctx, status=status)


@require_http_methods(["GET"])
def presentation_page(request: HttpRequest, public_id: str) -> HttpResponse:
    """A 加注件 opened by its link: the annotation and only the chosen fields, until it expires
    or the holder withdraws it. Each opening is a use (at most one a minute is recorded)."""
    p = selectors.presentation_by_link(public_id=public_id)
    if p is None:
        return render(
            request,
            "licenses/presentation.html",
            {"gone": "未找到该加注件，请向持证人确认链接。"},
            status=404,
        )
    state = selectors.presentation_state(p)
    if state != "active":
        gone = "持证人已撤回该加注件。" if state == "withdrawn" else "该加注件已过有效期。"
        return render(request, "licenses/presentation.html", {"gone": gone}, status=410)
    r = selectors.license_verify(credential=p.credential)
    services.presentation_use_record(presentation=p, channel=UseChannel.PRESENTATION_VIEW, user=request.user)
    ctx = {
        "p": p,
        "annotation": services.presentation_annotation(p),
        "credential": p.credential,
        **_verdict_ctx(r),
    }
    response = render(request, "licenses/presentation.html", ctx)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@applicant_required
@require_http_methods(["GET"])
def license_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The holder's printable copy (PDF) with the issuer's seal and a QR code to the check page."""
    lic = selectors.licenses_for_holder(user=request.user).filter(pk=pk).first()
    if lic is None:
        raise Http404("未找到该证照")
    body = pdf.render_license_pdf(lic, base_url=services.issuer_url())
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="license-{lic.serial}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET"])
def check_page(request: HttpRequest, identifier: str, token: str) -> HttpResponse:
    """Where the QR code of a printed licence leads: signature, status and validity of the stored
    credential, and what the paper shows (type, holder name, issuer, dates) — nothing more."""
    if not throttle.hit(request, scope="check"):
        return render(request, "licenses/check.html", {"error": throttle.MESSAGE}, status=429)
    lic = License.objects.select_related("type").filter(identifier=identifier[:120]).first()
    if lic is None or not hmac.compare_digest(pdf.check_token(lic), token):
        return render(request, "licenses/check.html", {"error": "未找到该证照，请核对二维码。"}, status=404)
    r = selectors.license_verify(credential=lic.credential)
    ctx = {
        "lic": lic,
        "result": r,
        "status_text": presenters.STATUS.get(r["status"] or "", "无法确认"),
        "reasons": [presenters.REASONS.get(x, x) for x in r["reasons"]],
    }
    response = render(request, "licenses/check.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


# --- wallet --------------------------------------------------------------------------------------
def _errors(exc: DomainError) -> list[str]:
    out = [f"{presenters.FORM_LABELS.get(k, k)}：{'；'.join(v)}" for k, v in exc.fields.items()]
    return out or [exc.message]


def _split_codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,，、;；]+", text or "") if c]


def _revoke_authorisation(request: HttpRequest) -> tuple[HttpResponse | None, dict]:
    a = selectors.authorisation_for_holder(
        user=request.user, pk=as_int(request.POST.get("authorisation"), 0) or 0
    )
    if a is None:
        return None, {"page_error": "未找到该授权。"}
    services.license_authorisation_revoke(authorisation=a, actor=request.user)
    messages.success(request, f"已撤销对“{a.grantee_name or '被授权方'}”的用证授权。")
    return redirect(reverse("licenses:wallet") + f"#auth-{a.license.pk}"), {}


def _withdraw_presentation(request: HttpRequest) -> tuple[HttpResponse | None, dict]:
    p = selectors.presentation_for_holder(
        user=request.user, pk=as_int(request.POST.get("presentation"), 0) or 0
    )
    if p is None:
        return None, {"page_error": "未找到该加注件。"}
    services.license_presentation_withdraw(presentation=p, actor=request.user)
    messages.success(request, f"已撤回给“{p.recipient}”的加注件，链接立即失效。")
    return redirect(reverse("licenses:wallet") + f"#pres-{p.license.pk}"), {}


def _authorise(request: HttpRequest, lic: License) -> str:
    until = parse_until(request.POST.get("valid_until", ""))
    services.license_authorise(
        license=lic,
        actor=request.user,
        grantee_id_type=request.POST.get("grantee_id_type", ""),
        grantee_id=request.POST.get("grantee_id", ""),
        grantee_name=request.POST.get("grantee_name", ""),
        purpose=request.POST.get("purpose", ""),
        item_codes=_split_codes(request.POST.get("item_codes", "")),
        valid_until=until if not hasattr(until, "hour") else until.date(),
    )
    messages.success(request, "已授权。被授权方办理相关事项时可直接使用该证照，无需再提交。")
    return f"#auth-{lic.pk}"


def _present(request: HttpRequest, lic: License) -> str:
    p = services.license_present(
        license=lic,
        actor=request.user,
        purpose=request.POST.get("purpose", ""),
        recipient=request.POST.get("recipient", ""),
        fields=request.POST.getlist("fields"),
        valid_until=parse_until(request.POST.get("valid_until", "")),
    )
    messages.success(request, f"已生成给“{p.recipient}”的加注件。")
    return f"?made={p.pk}#made-{p.pk}"


_HOLDER_ACTIONS = {
    "revoke_authorisation": _revoke_authorisation,
    "withdraw_presentation": _withdraw_presentation,
}
_LICENSE_ACTIONS = {"authorise": _authorise, "present": _present}


def _wallet_post(request: HttpRequest, licenses: list[License]) -> tuple[HttpResponse | None, dict]:
    """Handle one form; returns (redirect, {}) on success or (None, state for the page) on error."""
    action = request.POST.get("action", "present")
    if action in _HOLDER_ACTIONS:
        return _HOLDER_ACTIONS[action](request)
    identifier = request.POST.get("identifier", "")
    lic = next((x for x in licenses if x.identifier == identifier), None)
    if lic is None:
        return None, {"page_error": "未找到该证照。"}
    if action not in _LICENSE_ACTIONS:
        return None, {"page_error": "不支持的操作。"}
    try:
        anchor = _LICENSE_ACTIONS[action](request, lic)
    except DomainError as exc:
        return None, {"for": lic.pk, "form": action, "posted": request.POST, "errors": _errors(exc)}
    return redirect(reverse("licenses:wallet") + anchor), {}


def _card(lic: License, *, state: dict, made: int | None, today: date) -> dict:
    """A wallet card (`selectors.wallet_card`) with the form the holder just posted for it, if any."""
    card = selectors.wallet_card(license=lic, today=today, made=made)
    mine = state.get("for") == lic.pk
    posted = state.get("posted") if mine else None
    if posted is not None and state.get("form") == "present":
        chosen = set(posted.getlist("fields"))
        card["fields"] = [(name, title, value, name in chosen) for name, title, value, _ in card["fields"]]
    return {
        **card,
        "form": state.get("form") if mine else "",
        "errors": state.get("errors", []) if mine else [],
        "posted": posted,
    }


@applicant_required
@require_http_methods(["GET", "POST"])
def wallet_page(request: HttpRequest) -> HttpResponse:
    licenses = list(selectors.licenses_for_holder(user=request.user))
    state: dict = {}
    if request.method == "POST":
        response, state = _wallet_post(request, licenses)
        if response is not None:
            return response
    today = timezone.localdate()
    made = as_int(request.GET.get("made"))
    cards = [_card(lic, state=state, made=made, today=today) for lic in licenses]
    authorised = [
        {
            "u": u,
            "items": "、".join(u.authorisation.item_codes) if u.authorisation.item_codes else "不限",
        }
        for u in selectors.licenses_authorised_to(user=request.user, on=today)
    ]
    ctx = {
        "cards": cards,
        "authorised": authorised,
        "page_error": state.get("page_error", ""),
        "default_until": (today + timedelta(days=7)).isoformat(),
        "default_auth_until": (today + timedelta(days=365)).isoformat(),
        "today": today.isoformat(),
    }
    failed = bool(state.get("errors") or state.get("page_error"))
    return render(request, "licenses/wallet.html", ctx, status=422 if failed else 200)
