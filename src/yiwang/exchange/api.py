"""Exchange endpoints (API.md §Exchange): the catalogue, agreements, the query gateway, consent and
the citizen's access records. Department systems outside the platform call with HTTP Message
Signatures (RFC 9421) instead of a token."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, JsonResponse
from ninja import Router, Schema, Status
from pydantic import Field

from yiwang.accounts.auth import api_auth
from yiwang.accounts.models import AccountKind
from yiwang.core.errors import NotAuthenticated, NotFound, PermissionDenied
from yiwang.core.pagination import paginate

from . import httpsig, selectors, services
from .models import DataResource, ExternalSystem

router = Router(tags=["exchange"])


class SignedSystem:
    """Auth for department systems: a request carrying `Signature-Input` must verify (RFC 9421,
    Ed25519, Content-Digest, fresh nonce) under an active ExternalSystem key; one without it is
    left to the token and session authenticators."""

    def __call__(self, request: HttpRequest):
        if "signature-input" not in request.headers:
            return None
        systems: dict[str, ExternalSystem] = {}

        def public(key_id: str):
            system = (
                ExternalSystem.objects.select_related("department").filter(key_id=key_id, active=True).first()
            )
            if system is None:
                return None
            systems[key_id] = system
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            return Ed25519PublicKey.from_public_bytes(bytes(system.public_key))

        try:
            key_id = httpsig.verify_request(
                method=request.method,
                url=request.build_absolute_uri(),
                headers=request.headers.items(),
                body=request.body,
                public=public,
            )
        except httpsig.SignatureError as exc:
            message = {
                "replayed": "该签名请求已被使用过（重放），已拒绝",
                "unknown_key": "签名密钥未登记或已停用",
                "nonce_missing": "签名缺少一次性随机数（nonce）",
            }.get(exc.code, "请求签名无效")
            raise NotAuthenticated(
                message, code=exc.code if exc.code != "signature_missing" else "signature_invalid"
            ) from exc
        return systems[key_id]


signed_or_user = [SignedSystem(), *api_auth]


def _staff(request: HttpRequest):
    user = request.auth
    if isinstance(user, ExternalSystem) or user.kind != AccountKind.STAFF:
        raise PermissionDenied("仅部门工作人员可以办理", code="not_department_staff")
    return user


def _citizen(request: HttpRequest):
    user = request.auth
    if isinstance(user, ExternalSystem) or user.kind == AccountKind.STAFF:
        raise PermissionDenied("仅信息主体本人可以查看", code="not_subject")
    return user


# --- catalogue ------------------------------------------------------------------------------------
@router.get("/resources", auth=signed_or_user)
def resource_list(request: HttpRequest, q: str = "", department: str = "", sharing: str = ""):
    return paginate(
        request,
        selectors.resources_search(q=q, department=department, sharing=sharing),
        selectors.resource_dict,
    )


@router.get("/resources/{code}", auth=signed_or_user)
def resource_detail(request: HttpRequest, code: str):
    r = selectors.resource_get(code)
    if r is None:
        raise NotFound("未找到该数据资源")
    return selectors.resource_dict(r)


@router.get("/keys", auth=None)
def public_keys(request: HttpRequest):
    """The platform's HTTP-signature public keys (for department systems verifying our calls)."""
    return {"keys": httpsig.own_public_keys()}


# --- agreements -----------------------------------------------------------------------------------
class AgreementIn(Schema):
    resource: str = Field(max_length=60)
    elements: list[str] = Field(max_length=200)
    purposes: list[str] = Field(max_length=10)
    legal_basis: str = Field(max_length=300)
    valid_until: date
    valid_from: date | None = None
    purpose_note: str = Field("", max_length=300)
    consumer: str = Field("", max_length=18)


class DecisionIn(Schema):
    action: str = Field(max_length=10)
    version: int
    elements: list[str] | None = Field(None, max_length=200)
    valid_until: date | None = None
    reason: str = Field("", max_length=500)


@router.get("/agreements", auth=api_auth)
def agreement_list(request: HttpRequest, role: str = ""):
    user = _staff(request)
    return paginate(request, selectors.agreements_for_staff(user=user, role=role), selectors.agreement_dict)


@router.get("/agreements/{agreement_id}", auth=api_auth)
def agreement_detail(request: HttpRequest, agreement_id: int):
    a = selectors.agreement_for_staff(user=_staff(request), agreement_id=agreement_id)
    if a is None:
        raise NotFound("未找到该共享协议")
    return selectors.agreement_dict(a)


@router.post("/agreements", auth=api_auth, response={201: dict})
def agreement_create(request: HttpRequest, body: AgreementIn):
    user = _staff(request)
    resource = DataResource.objects.filter(code=body.resource, active=True).first()
    if resource is None:
        raise NotFound("未找到该数据资源")
    consumer = services.caller_for_staff(user=user, department_uscc=body.consumer).consumer
    a = services.agreement_request(
        actor=user,
        resource=resource,
        consumer=consumer,
        elements=body.elements,
        purposes=body.purposes,
        legal_basis=body.legal_basis,
        valid_until=body.valid_until,
        valid_from=body.valid_from,
        purpose_note=body.purpose_note,
    )
    return Status(201, selectors.agreement_dict(a))


@router.post("/agreements/{agreement_id}/decision", auth=api_auth)
def agreement_decision(request: HttpRequest, agreement_id: int, body: DecisionIn):
    user = _staff(request)
    a = selectors.agreement_for_staff(user=user, agreement_id=agreement_id)
    if a is None:
        raise NotFound("未找到该共享协议")
    a = services.agreement_decide(
        actor=user,
        agreement=a,
        action=body.action,
        version=body.version,
        elements=body.elements,
        valid_until=body.valid_until,
        reason=body.reason,
    )
    return selectors.agreement_dict(a)


class RevocationIn(Schema):
    version: int
    reason: str = Field(max_length=500)


@router.post("/agreements/{agreement_id}/revocation", auth=api_auth)
def agreement_revocation(request: HttpRequest, agreement_id: int, body: RevocationIn):
    user = _staff(request)
    a = selectors.agreement_for_staff(user=user, agreement_id=agreement_id)
    if a is None:
        raise NotFound("未找到该共享协议")
    a = services.agreement_revoke(actor=user, agreement=a, version=body.version, reason=body.reason)
    return selectors.agreement_dict(a)


# --- the gateway ------------------------------------------------------------------------------------
class QueryIn(Schema):
    resource: str = Field(max_length=60)
    subject: dict
    purpose: str = Field(max_length=30)
    elements: list[str] = Field(max_length=100)
    case: str = Field("", max_length=40)
    consumer: str = Field("", max_length=18)


@router.post("/queries", auth=signed_or_user)
def query(request: HttpRequest, body: QueryIn):
    if isinstance(request.auth, ExternalSystem):
        caller = services.caller_for_system(system=request.auth)
    else:
        caller = services.caller_for_staff(user=request.auth, department_uscc=body.consumer)
    r = services.query_run(
        caller=caller,
        resource_code=body.resource,
        subject=body.subject,
        purpose=body.purpose,
        elements=body.elements,
        case_number=body.case,
    )
    if not r.ok:
        return JsonResponse(r.error_body(), status=r.status, json_dumps_params={"ensure_ascii": False})
    return {"data": r.data, "withheld": r.withheld, "record": str(r.record.uid), "message": r.message}


# --- the citizen's side -----------------------------------------------------------------------------
class ConsentDecisionIn(Schema):
    action: str = Field(max_length=10)


@router.get("/access-records", auth=api_auth)
def access_records(request: HttpRequest):
    return paginate(
        request, selectors.access_records_for_user(user=_citizen(request)), selectors.access_record_dict
    )


@router.get("/consents", auth=api_auth)
def consent_list(request: HttpRequest):
    return paginate(request, selectors.consents_for_user(user=_citizen(request)), selectors.consent_dict)


@router.post("/consents/{consent_id}/decision", auth=api_auth)
def consent_decision(request: HttpRequest, consent_id: int, body: ConsentDecisionIn):
    if request.auth.kind == AccountKind.STAFF:
        # a staff account is no data subject: no consent request is its to see (API.md: 404, not a
        # 403 that confirms the request exists; issue 22)
        raise NotFound("未找到该授权请求")
    c = services.consent_decide(user=request.auth, consent_id=consent_id, action=body.action)
    return selectors.consent_dict(selectors.consents_for_user(user=request.auth).get(pk=c.pk))
