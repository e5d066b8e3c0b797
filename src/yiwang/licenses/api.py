"""Licence endpoints of API.md: the holder's own licences, verification, the status list."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from yiwang.accounts.auth import api_auth

from . import selectors, statuslist
from .services import status_list_uri

router = Router(tags=["licenses"])

MAX_CREDENTIAL = 64 * 1024


class LicenseOut(Schema):
    identifier: str
    type_code: str
    name: str
    status: str
    valid_from: str
    valid_until: str | None
    metadata: dict
    credential: str


class VerifyIn(Schema):
    credential: str = Field(max_length=MAX_CREDENTIAL)


class VerifyOut(Schema):
    valid: bool
    status: str | None
    reasons: list[str]
    issuer: dict | None
    expires_at: str | None
    disclosed: dict


@router.get("", response=list[LicenseOut], auth=api_auth)
def license_list(request: HttpRequest):
    return [
        {
            "identifier": lic.identifier,
            "type_code": lic.type.code,
            "name": lic.type.name,
            "status": selectors.effective_status(lic),
            "valid_from": lic.valid_from.isoformat(),
            "valid_until": lic.valid_until.isoformat() if lic.valid_until else None,
            "metadata": lic.metadata,
            "credential": lic.credential,
        }
        for lic in selectors.licenses_for_holder(user=request.auth)
    ]


@router.post("/verify", response=VerifyOut, auth=None)
def license_verify(request: HttpRequest, body: VerifyIn):
    return selectors.license_verify(credential=body.credential)


@router.get("/status-list", auth=None)
def status_list(request: HttpRequest):
    response = HttpResponse(
        statuslist.token(uri=status_list_uri()), content_type="application/statuslist+jwt"
    )
    response["Cache-Control"] = f"public, max-age={statuslist.TTL}"
    return response
