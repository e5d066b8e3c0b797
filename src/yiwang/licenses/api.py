"""Licence endpoints of API.md: the holder's own licences, verification, the status list."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from yiwang.accounts.auth import api_auth
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.idempotency import run_idempotent
from yiwang.core.pagination import paginate

from . import importing, presenters, selectors, services, signing, statuslist, throttle
from .issuer import status_list_uri

router = Router(tags=["licenses"])

MAX_CREDENTIAL = 64 * 1024


class LicenseOut(Schema):
    identifier: str
    number: str = ""
    type_code: str
    name: str
    status: str
    valid_from: str
    valid_until: str | None
    metadata: dict
    credential: str | None
    via: str = "own"
    holder: str | None = None
    authorisation: dict | None = None


class AuthorisationIn(Schema):
    grantee_id_type: str = Field(max_length=3)
    grantee_id: str = Field(max_length=40)
    grantee_name: str = Field("", max_length=200)
    purpose: str = Field(max_length=200)
    item_codes: list[str] = Field(default_factory=list, max_length=50)
    valid_until: date


class PresentationIn(Schema):
    purpose: str = Field(max_length=200)
    recipient: str = Field(max_length=200)
    fields: list[str] = Field(max_length=100)
    valid_until: str = Field(max_length=40, description="YYYY-MM-DD (end of that day) or an ISO 8601 time")


def parse_until(text: str) -> date | datetime:
    text = (text or "").strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(fields={"valid_until": ["应为日期 YYYY-MM-DD 或 ISO 8601 时间"]}) from None


class VerifyIn(Schema):
    credential: str = Field(max_length=MAX_CREDENTIAL)


class VerifyOut(Schema):
    valid: bool
    status: str | None
    reasons: list[str]
    issuer: dict | None
    expires_at: str | None
    disclosed: dict
    annotation: dict | None = None


def _license_out(lic) -> dict:
    return {
        "identifier": lic.identifier,
        "number": lic.number,
        "type_code": lic.type.code,
        "name": lic.type.name,
        "status": selectors.effective_status(lic),
        "valid_from": lic.valid_from.isoformat(),
        "valid_until": lic.valid_until.isoformat() if lic.valid_until else None,
        "metadata": lic.metadata,
        "credential": lic.credential,
    }


@router.get("", response=list[LicenseOut], auth=api_auth)
def license_list(request: HttpRequest, include: str = ""):
    """The holder's own licences; `?include=authorised` adds the licences other holders
    authorised the caller to use (`via: "authorised"`, without the holder's credential)."""
    out = [_license_out(lic) for lic in selectors.licenses_for_holder(user=request.auth)]
    if "authorised" in include.split(","):
        for u in selectors.licenses_authorised_to(user=request.auth):
            row = _license_out(u.license)
            row.update(
                credential=None,
                via="authorised",
                holder=u.license.holder_name,
                authorisation=presenters.authorisation_brief(u.authorisation),
            )
            out.append(row)
    return out


@router.post("/verify", response={200: VerifyOut, 429: dict}, auth=None)
def license_verify(request: HttpRequest, body: VerifyIn):
    throttle.check(request, scope="api")
    result = selectors.license_verify(credential=body.credential)
    services.record_verification(result=result, user=request.user)
    return result


def _own(request: HttpRequest, identifier: str):
    lic = selectors.license_for_holder(user=request.auth, identifier=identifier)
    if lic is None:
        raise NotFound("未找到该证照")
    return lic


def _idempotent(request: HttpRequest, scope: str, body: dict, handler):
    status, out = run_idempotent(
        owner=str(request.auth.pk),
        key=request.headers.get("Idempotency-Key"),
        scope=scope,
        body=body,
        handler=handler,
    )
    return Status(status, out)


@router.post("/{identifier}/authorisations", response={201: dict}, auth=api_auth)
def authorisation_create(request: HttpRequest, identifier: str, body: AuthorisationIn):
    lic = _own(request, identifier)

    def handler():
        a = services.license_authorise(license=lic, actor=request.auth, **body.dict())
        return 201, presenters.authorisation_out(a)

    return _idempotent(request, f"POST /licenses/{identifier}/authorisations", body.dict(), handler)


@router.get("/{identifier}/authorisations", response=dict, auth=api_auth)
def authorisation_index(request: HttpRequest, identifier: str):
    lic = _own(request, identifier)
    return paginate(request, selectors.authorisations_for_license(license=lic), presenters.authorisation_out)


@router.delete("/authorisations/{pk}", response=dict, auth=api_auth)
def authorisation_revoke(request: HttpRequest, pk: int):
    a = selectors.authorisation_for_holder(user=request.auth, pk=pk)
    if a is None:
        raise NotFound("未找到该授权")
    return presenters.authorisation_out(
        services.license_authorisation_revoke(authorisation=a, actor=request.auth)
    )


@router.post("/{identifier}/presentations", response={201: dict}, auth=api_auth)
def presentation_create(request: HttpRequest, identifier: str, body: PresentationIn):
    lic = _own(request, identifier)
    data = body.dict()

    def handler():
        p = services.license_present(
            license=lic, actor=request.auth, **{**data, "valid_until": parse_until(body.valid_until)}
        )
        return 201, presenters.presentation_out(p, with_credential=True)

    return _idempotent(request, f"POST /licenses/{identifier}/presentations", data, handler)


@router.get("/{identifier}/presentations", response=dict, auth=api_auth)
def presentation_index(request: HttpRequest, identifier: str):
    lic = _own(request, identifier)
    return paginate(request, selectors.presentations_for_license(license=lic), presenters.presentation_out)


@router.delete("/presentations/{pk}", response=dict, auth=api_auth)
def presentation_withdraw(request: HttpRequest, pk: int):
    p = selectors.presentation_for_holder(user=request.auth, pk=pk)
    if p is None:
        raise NotFound("未找到该加注件")
    return presenters.presentation_out(
        services.license_presentation_withdraw(presentation=p, actor=request.auth)
    )


@router.get("/{identifier}/uses", response=dict, auth=api_auth)
def use_index(request: HttpRequest, identifier: str):
    lic = _own(request, identifier)
    return paginate(request, selectors.uses_for_license(license=lic), presenters.use_out)


@router.get("/status-list", auth=None)
def status_list(request: HttpRequest):
    response = HttpResponse(
        statuslist.token(uri=status_list_uri()), content_type="application/statuslist+jwt"
    )
    response["Cache-Control"] = f"public, max-age={statuslist.TTL}"
    return response


@router.get("/keys", auth=None)
def signing_keys(request: HttpRequest):
    """The issuer's licence verification keys, every version, as a JWK set: Ed25519 (`EdDSA`) and
    SM2 (`GmSM2`, `crv: "SM2"`) per version, each with its own `kid` ("GmSM2-<version>",
    "EdDSA-<version>"): a credential's `kid` names exactly one of them."""
    response = JsonResponse({"keys": signing.public_jwks()})
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- 归集 / 修复 (staff) -----------------------------------------------------------------------------
def _staff(request: HttpRequest):
    from yiwang.accounts.models import AccountKind

    if request.auth.kind != AccountKind.STAFF:
        raise PermissionDenied("只有工作人员可以归集和修复证照")
    return request.auth


@router.post("/imports", response={201: dict}, auth=api_auth)
def import_create(request: HttpRequest, file: File[UploadedFile]):
    """归集: an .xlsx or CSV file of existing licence records → the batch and its row report."""
    actor = _staff(request)
    if file.size and file.size > importing.MAX_BYTES:
        raise ValidationFailed(fields={"file": [f"文件不能超过 {importing.MAX_BYTES // (1024 * 1024)} MB"]})
    batch = services.license_import_file(content=file.read(), filename=file.name or "", actor=actor)
    return Status(201, presenters.batch_out(batch))


@router.get("/imports", response=dict, auth=api_auth)
def import_index(request: HttpRequest):
    user = _staff(request)
    return paginate(
        request, selectors.import_batches_for(user=user), lambda b: presenters.batch_out(b, with_report=False)
    )


@router.get("/imports/{pk}", response=dict, auth=api_auth)
def import_detail(request: HttpRequest, pk: int):
    user = _staff(request)
    batch = selectors.import_batches_for(user=user).filter(pk=pk).first()
    if batch is None:
        raise NotFound("未找到该归集批次")
    return presenters.batch_out(batch)


@router.get("/repairs", response=dict, auth=api_auth)
def repair_index(request: HttpRequest, status: str = ""):
    user = _staff(request)
    if status and status not in presenters.REPAIR_STATUS:
        raise ValidationFailed(fields={"status": ["应为 pending、reissued 或 discarded"]})
    return paginate(request, selectors.repairs_for(user=user, status=status or None), presenters.repair_out)


def _repair(request: HttpRequest, pk: int):
    item = selectors.repair_for(user=_staff(request), pk=pk)
    if item is None:
        raise NotFound("未找到该待修复记录")
    return item


@router.get("/repairs/{pk}", response=dict, auth=api_auth)
def repair_detail(request: HttpRequest, pk: int):
    return presenters.repair_out(_repair(request, pk))


class RepairIn(Schema):
    values: dict[str, str | int | float] = Field(default_factory=dict)


@router.post("/repairs/{pk}/reissue", response=dict, auth=api_auth)
def repair_reissue(request: HttpRequest, pk: int, body: RepairIn):
    item = services.license_repair_reissue(item=_repair(request, pk), actor=request.auth, values=body.values)
    return presenters.repair_out(item)


class DiscardIn(Schema):
    reason: str = Field(max_length=200)


@router.post("/repairs/{pk}/discard", response=dict, auth=api_auth)
def repair_discard(request: HttpRequest, pk: int, body: DiscardIn):
    item = services.license_repair_discard(item=_repair(request, pk), actor=request.auth, reason=body.reason)
    return presenters.repair_out(item)
