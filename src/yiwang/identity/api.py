"""电子身份码 endpoints of API.md: a person's current code, the check at a hall or kiosk (staff
only), the person's revocation (挂失) and their check log."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from yiwang.accounts.auth import api_auth
from yiwang.core.formats import local_time
from yiwang.core.idempotency import run_idempotent
from yiwang.core.pagination import paginate

from . import codec, qr, selectors, services
from .models import IdentityCheck, Outcome

router = Router(tags=["identity"])


class CodeOut(Schema):
    code: str
    qr_svg: str
    expires_at: str
    issued_at: str
    ttl_seconds: int


class VerifyIn(Schema):
    code: str = Field(max_length=codec.MAX_INPUT)


class PersonOut(Schema):
    name: str
    kind: str
    kind_label: str
    id_number_masked: str
    trust_level: int
    trust_level_label: str


class VerifyOut(Schema):
    valid: bool
    person: PersonOut
    checked_at: str
    place: str


class RevokeOut(Schema):
    revoked: bool
    revoked_at: str | None


def check_out(check: IdentityCheck) -> dict:
    return {
        "at": local_time(check.at),
        "outcome": check.outcome,
        "outcome_label": Outcome(check.outcome).label,
        "place": selectors.place_label(check),
        "hall": check.hall.name if check.hall_id else None,
        "window": check.window.number if check.window_id else None,
        "verifier": str(check.verifier),
    }


@router.get("/code", response=CodeOut, auth=api_auth, url_name="identity_code")
def code_get(request: HttpRequest, response: HttpResponse):
    issued = services.code_issue(user=request.auth)
    response["Cache-Control"] = "no-store"
    return {
        "code": issued.code,
        "qr_svg": qr.svg(issued.code),
        "expires_at": local_time(issued.expires_at),
        "issued_at": local_time(issued.issued_at),
        "ttl_seconds": issued.ttl,
    }


@router.post("/verify", response={200: VerifyOut}, auth=api_auth)
def code_verify(request: HttpRequest, body: VerifyIn):
    """With an `Idempotency-Key`, sending the check again (a retry after a lost answer, or the
    proxy's resend when a server died mid-request) gives the first answer — not `replayed` for the
    verifier's own check — and records one check."""

    def handler():
        check = services.code_verify(code=body.code, verifier=request.auth)
        if check.outcome != Outcome.VALID:
            # returned, not raised: the refused check's record commits with the key's record
            refused = services.rejection(check)
            return refused.status, refused.as_body()
        return 200, {
            "valid": True,
            "person": selectors.person_masked(check.person),
            "checked_at": local_time(check.at),
            "place": selectors.place_label(check),
        }

    status, out = run_idempotent(
        owner=str(request.auth.pk),
        key=request.headers.get("Idempotency-Key"),
        scope="POST /identity/verify",
        body=body.dict(),
        handler=handler,
    )
    if status != 200:
        raise services.CodeRejected(out["message"], code=out["code"])
    return out


@router.post("/codes/revoke", response=RevokeOut, auth=api_auth)
def codes_revoke(request: HttpRequest):
    n = services.codes_revoke(user=request.auth)
    at = selectors.last_revocation(user=request.auth)
    return {"revoked": n > 0, "revoked_at": local_time(at)}


@router.get("/checks", auth=api_auth)
def checks_list(request: HttpRequest):
    services.ensure_holder(request.auth)
    return paginate(request, selectors.checks_for_person(user=request.auth), check_out)
