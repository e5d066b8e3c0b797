"""Licence pages: the public verify page (扫码/粘贴核验) and the holder's wallet (我的证照), where a
holder chooses which fields to show. Thin views over selectors; no JavaScript needed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from yiwang.core.masking import mask_id_number
from yiwang.portal.views import applicant_required

from . import presenters, sdjwt, selectors
from .api import MAX_CREDENTIAL


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    credential = (request.POST.get("credential") or "").strip() if request.method == "POST" else ""
    ctx: dict = {"credential": credential}
    if request.method == "POST":
        if not credential:
            ctx["error"] = "请粘贴要核验的电子证照凭证。"
        elif len(credential) > MAX_CREDENTIAL:
            ctx["error"] = "凭证过长。"
        else:
            r = selectors.license_verify(credential=credential)
            ctx["result"] = r
            ctx["status_text"] = presenters.STATUS.get(r["status"] or "", "无法确认")
            ctx["reasons"] = [presenters.REASONS.get(x, x) for x in r["reasons"]]
            ctx["rows"] = presenters.disclosed_rows(r["disclosed"])
    return render(request, "licenses/verify.html", ctx, status=422 if ctx.get("error") else 200)


@applicant_required
@require_http_methods(["GET", "POST"])
def wallet_page(request: HttpRequest) -> HttpResponse:
    licenses = list(selectors.licenses_for_holder(user=request.user))
    cards = []
    chosen_for, presentation, error = None, "", ""
    if request.method == "POST":
        chosen_for = request.POST.get("identifier", "")
        fields = request.POST.getlist("fields")
        lic = next((x for x in licenses if x.identifier == chosen_for), None)
        if lic is None:
            error = "未找到该证照。"
        elif not fields:
            error = "请至少选择一项要出示的信息。"
        else:
            presentation = sdjwt.present(lic.credential, fields)
    for lic in licenses:
        parsed = sdjwt.parse(lic.credential)
        sdjwt.resolve_disclosures(parsed)
        cards.append(
            {
                "license": lic,
                "status": presenters.STATUS.get(selectors.effective_status(lic), ""),
                "fields": [
                    (
                        name,
                        presenters.label(name, lic.type.metadata_fields),
                        mask_id_number(value)
                        if name == "holder_id" and lic.holder_id_type == "111"
                        else value,
                    )
                    for name, value in parsed.disclosed.items()
                ],
                "presentation": presentation if lic.identifier == chosen_for else "",
                "error": error if lic.identifier == chosen_for else "",
            }
        )
    return render(request, "licenses/wallet.html", {"cards": cards}, status=422 if error else 200)
