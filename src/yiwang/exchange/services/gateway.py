"""Exchange writes: the catalogue, agreements (request → the provider CDO's decision), consent,
local register rows, and the query gateway that prefill and every cross-department lookup go
through.

The gateway (`query_run`) checks, in this order: the resource exists and is shared, the purpose
and elements are known, the subject identifier is valid, the caller's department holds a valid
agreement covering the purpose (its own resources need none), the subject's consent where the
resource's legal basis requires it (a citizen asking for their own data counts as consent); then
it reads the provider (local register or signed HTTP call) and returns only agreed elements.
Every query, allowed or refused, leaves an `AccessRecord` and an `exchange.query` ledger entry in
one transaction. The provider call happens outside any transaction of ours (it may take seconds);
the checks are reads, and the record, its ledger entry and any consent request are one transaction.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.catalog import elements as canonical
from yiwang.core import keys
from yiwang.core.errors import Conflict, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from yiwang.core.identifiers import ValidationError as StdnumError
from yiwang.core.identifiers import validate_ric, validate_uscc
from yiwang.organizations.models import Department, Role
from yiwang.organizations.selectors import staff_scope

from .. import adapters, ledgering
from ..models import (
    PURPOSES,
    AccessRecord,
    AdapterKind,
    Agreement,
    AgreementStatus,
    Consent,
    ConsentStatus,
    DataResource,
    ExternalSystem,
    Outcome,
    RegisterRecord,
    ResourceElement,
    SharingType,
    SubjectKind,
)

log = logging.getLogger("yiwang.exchange")
MAX_AGREEMENT_DAYS = 3 * 366


# --- bases --------------------------------------------------------------------------------------
def known_bases() -> set[str]:
    """Canonical base ids an element may be bound to: person and organisation bases ("name",
    "household_address", "registered_address", ...) and thing elements ("property.certificate_no")."""
    out = set(canonical.PERSON_BASE) | set(canonical.ORG_BASE)
    for party, bases in canonical.THING_BASE.items():
        out |= {f"{party}.{b}" for b in bases}
    return out


# --- who the caller is --------------------------------------------------------------------------
def staff_department_ids(user: User) -> set[int]:
    """Departments a staff member works for: department roles, and the departments served by
    their windows."""
    if user is None or user.kind != AccountKind.STAFF:
        return set()
    scope = staff_scope(user)
    ids = {d for _, d, _ in scope.department_roles}
    if scope.window_ids:
        from yiwang.organizations.models import Window

        ids |= set(
            Window.departments.through.objects.filter(window_id__in=scope.window_ids).values_list(
                "department_id", flat=True
            )
        )
    return ids


def cdo_department_ids(user: User) -> set[int]:
    if user is None or user.kind != AccountKind.STAFF:
        return set()
    return staff_scope(user).departments_for(Role.CDO)


@dataclass
class Caller:
    """Who asks: a department, through a staff member, a platform service acting for a user
    (prefill) or a department system outside the platform (signed requests)."""

    department: Department
    role: str  # staff | service | system
    actor: User | None = None
    system: ExternalSystem | None = None


def caller_for_staff(*, user: User, department_uscc: str = "") -> Caller:
    ids = staff_department_ids(user)
    if not ids:
        raise PermissionDenied("仅部门工作人员或部门系统可以查询共享数据", code="not_department_staff")
    qs = Department.objects.filter(pk__in=ids)
    if department_uscc:
        dept = qs.filter(uscc=department_uscc).first()
        if dept is None:
            raise PermissionDenied("您不是该部门的工作人员", code="not_department_staff")
    elif len(ids) == 1:
        dept = qs.first()
    else:
        raise ValidationFailed(
            "您在多个部门任职，请指明以哪个部门的名义查询",
            fields={"consumer": ["请填写使用部门的统一社会信用代码"]},
        )
    return Caller(department=dept, role="staff", actor=user)


def caller_for_system(*, system: ExternalSystem) -> Caller:
    return Caller(department=system.department, role="system", system=system)


# --- subjects -----------------------------------------------------------------------------------
def subject_hash_of(*, kind: str, value: str) -> str:
    return keys.lookup_hash(value, kind="id_number" if kind == SubjectKind.PERSON else "uscc")


def user_subject_hash(user: User) -> str:
    """The lookup hash under which a citizen's or company's data and records are kept."""
    if user.kind == AccountKind.PERSON and user.id_number_hash:
        return user.id_number_hash
    if user.kind == AccountKind.LEGAL and user.uscc:
        return subject_hash_of(kind=SubjectKind.ORG, value=user.uscc)
    return ""


def _subject_user(*, kind: str, subject_hash: str) -> User | None:
    if kind == SubjectKind.PERSON:
        return User.objects.filter(id_number_hash=subject_hash, kind=AccountKind.PERSON).first()
    return None


def _parse_subject(resource: DataResource, subject: dict) -> tuple[str, str]:
    """(normalised identifier, its lookup hash); raises ValidationFailed with a Chinese message."""
    if not isinstance(subject, dict):
        raise ValidationFailed("信息主体格式有误", code="invalid_subject", fields={"subject": ["应为对象"]})
    if resource.subject_kind == SubjectKind.PERSON:
        raw = subject.get("id_number")
        if not isinstance(raw, str) or not raw.strip():
            raise ValidationFailed(
                f"“{resource.name}”按公民身份号码查询",
                code="invalid_subject",
                fields={"subject.id_number": ["请填写信息主体的公民身份号码"]},
            )
        try:
            value = validate_ric(raw.strip())
        except StdnumError as exc:
            raise ValidationFailed(
                "信息主体的公民身份号码有误",
                code="invalid_subject",
                fields={"subject.id_number": ["公民身份号码格式或校验位有误"]},
            ) from exc
    else:
        raw = subject.get("uscc")
        if not isinstance(raw, str) or not raw.strip():
            raise ValidationFailed(
                f"“{resource.name}”按统一社会信用代码查询",
                code="invalid_subject",
                fields={"subject.uscc": ["请填写信息主体的统一社会信用代码"]},
            )
        try:
            value = validate_uscc(raw.strip())
        except StdnumError as exc:
            raise ValidationFailed(
                "信息主体的统一社会信用代码有误",
                code="invalid_subject",
                fields={"subject.uscc": ["统一社会信用代码格式或校验位有误"]},
            ) from exc
    return value, subject_hash_of(kind=resource.subject_kind, value=value)


# --- catalogue ----------------------------------------------------------------------------------
@transaction.atomic
def resource_save(
    *,
    department: Department,
    code: str,
    name: str,
    subject_kind: str,
    sharing_type: str,
    source_system: str,
    legal_basis: str,
    elements: list[dict],
    update_frequency: str = "daily",
    consent_required: bool = False,
    sharing_condition: str = "",
    description: str = "",
    owner: str = "",
    adapter: str = AdapterKind.LOCAL,
    system: ExternalSystem | None = None,
) -> DataResource:
    """Create or update a catalogue entry and its elements (by code). Elements:
    {"code", "name", "base"?, "sensitive"?, "mask"?, "data_type"?, "authoritative"?}."""
    errors: dict[str, list[str]] = {}
    if sharing_type not in SharingType.values:
        errors["sharing_type"] = ["共享类型应为无条件共享、有条件共享或不予共享"]
    if subject_kind not in SubjectKind.values:
        errors["subject_kind"] = ["信息主体类型有误"]
    if not elements:
        errors["elements"] = ["至少需要一个信息项"]
    bases = known_bases()
    for e in elements:
        if e.get("base") and e["base"] not in bases:
            errors.setdefault("elements", []).append(
                f"信息项“{e['code']}”对应的标准数据元“{e['base']}”不存在"
            )
    if adapter == AdapterKind.HTTP and system is None:
        errors["system"] = ["部门系统接口方式须指定提供系统"]
    if errors:
        raise ValidationFailed(fields=errors)
    resource, _ = DataResource.objects.update_or_create(
        code=code,
        defaults={
            "department": department,
            "name": name,
            "subject_kind": subject_kind,
            "sharing_type": sharing_type,
            "sharing_condition": sharing_condition,
            "source_system": source_system,
            "legal_basis": legal_basis,
            "update_frequency": update_frequency,
            "consent_required": consent_required,
            "description": description,
            "owner": owner,
            "adapter": adapter,
            "system": system,
        },
    )
    for pos, e in enumerate(elements):
        ResourceElement.objects.update_or_create(
            resource=resource,
            code=e["code"],
            defaults={
                "name": e["name"],
                "base": e.get("base", ""),
                "sensitive": bool(e.get("sensitive", False)),
                "mask": e.get("mask", ""),
                "data_type": e.get("data_type", "string"),
                "authoritative": bool(e.get("authoritative", True)),
                "position": pos,
            },
        )
    return resource


@transaction.atomic
def register_put(*, resource: DataResource, subject: str, values: dict) -> RegisterRecord:
    """Write (or replace) a local register row: keyed by the subject's lookup hash, sensitive
    element values encrypted."""
    codes = {e.code: e for e in resource.elements.all()}
    unknown = set(values) - set(codes)
    if unknown:
        raise ValidationFailed(fields={"values": [f"未知的信息项：{', '.join(sorted(unknown))}"]})
    sensitive = {c for c, e in codes.items() if e.sensitive}
    row, _ = RegisterRecord.objects.update_or_create(
        resource=resource,
        subject_hash=subject_hash_of(kind=resource.subject_kind, value=subject),
        defaults={"values": adapters.register_encode(resource=resource, values=values, sensitive=sensitive)},
    )
    return row


# --- agreements ---------------------------------------------------------------------------------
def _check_purposes(purposes: list[str]) -> list[str]:
    if not purposes:
        raise ValidationFailed(fields={"purposes": ["请选择用途"]})
    unknown = [p for p in purposes if p not in PURPOSES]
    if unknown:
        raise ValidationFailed(
            fields={"purposes": [f"未知的用途：{'、'.join(unknown)}；可选：{'、'.join(PURPOSES)}"]}
        )
    return sorted(set(purposes))


def _check_elements(
    resource: DataResource, elements: list[str], field_name: str = "elements", known: list[str] | None = None
) -> list[str]:
    if not elements:
        raise ValidationFailed(fields={field_name: ["请选择信息项"]})
    codes = known if known is not None else list(resource.elements.values_list("code", flat=True))
    unknown = [e for e in elements if e not in codes]
    if unknown:
        raise ValidationFailed(
            f"数据资源“{resource.name}”没有这些信息项：{'、'.join(unknown)}",
            code="unknown_element",
            fields={field_name: [f"未知的信息项：{e}" for e in unknown]},
        )
    order = {c: i for i, c in enumerate(codes)}
    return sorted(set(elements), key=lambda c: order[c])


@transaction.atomic
def agreement_request(
    *,
    actor: User,
    resource: DataResource,
    consumer: Department,
    elements: list[str],
    purposes: list[str],
    legal_basis: str,
    valid_until: date,
    valid_from: date | None = None,
    purpose_note: str = "",
    on: date | None = None,
) -> Agreement:
    """A consuming department asks for named elements of a resource. 无条件共享 resources are
    approved at once (still recorded); 不予共享 resources cannot be requested."""
    today = on or timezone.localdate()
    if consumer.pk not in staff_department_ids(actor) and not actor.is_superuser:
        raise PermissionDenied("只能以本部门名义申请共享", code="not_department_staff")
    if resource.sharing_type == SharingType.NONE:
        raise PermissionDenied("该数据资源不予共享，不能申请", code="not_shared")
    elements = _check_elements(resource, elements)
    purposes = _check_purposes(purposes)
    valid_from = valid_from or today
    errors: dict[str, list[str]] = {}
    if not legal_basis.strip():
        errors["legal_basis"] = ["请填写使用依据（法律法规或“三定”规定等）"]
    if valid_until < valid_from or valid_until < today:
        errors["valid_until"] = ["有效期应晚于生效日期和今天"]
    elif (valid_until - valid_from).days > MAX_AGREEMENT_DAYS:
        errors["valid_until"] = ["有效期最长三年"]
    if errors:
        raise ValidationFailed(fields=errors)
    a = Agreement.objects.create(
        resource=resource,
        consumer=consumer,
        requested_elements=elements,
        requested_until=valid_until,
        purposes=purposes,
        purpose_note=purpose_note.strip()[:300],
        legal_basis=legal_basis.strip()[:300],
        requested_by=actor,
        valid_from=valid_from,
    )
    ledgering.record_agreement(a, decision=False)
    if resource.sharing_type == SharingType.UNCONDITIONAL:
        Agreement.objects.filter(pk=a.pk).update(
            status=AgreementStatus.APPROVED,
            elements=elements,
            valid_until=valid_until,
            decided_at=timezone.now(),
            decision_reason="无条件共享，自动批准",
            automatic=True,
            version=a.version + 1,
        )
        a.refresh_from_db()
        ledgering.record_agreement(a, decision=True)
    return a


@transaction.atomic
def agreement_decide(
    *,
    actor: User,
    agreement: Agreement,
    action: str,
    version: int,
    elements: list[str] | None = None,
    valid_until: date | None = None,
    reason: str = "",
) -> Agreement:
    """The provider's chief data officer approves (possibly narrowed: fewer elements, a shorter
    period) or refuses, with reasons."""
    if agreement.resource.department_id not in cdo_department_ids(actor):
        raise PermissionDenied("只有数据提供部门的首席数据官可以审批共享申请", code="not_cdo")
    if agreement.status != AgreementStatus.REQUESTED:
        raise Conflict("该申请已审批", code="invalid_transition")
    reason = reason.strip()[:500]
    now = timezone.now()
    if action == "refuse":
        if not reason:
            raise ValidationFailed(fields={"reason": ["拒绝时请说明理由"]})
        changes = {"status": AgreementStatus.REFUSED, "elements": []}
    elif action == "approve":
        chosen = _check_elements(agreement.resource, elements or agreement.requested_elements)
        outside = [e for e in chosen if e not in agreement.requested_elements]
        until = valid_until or agreement.requested_until
        errors: dict[str, list[str]] = {}
        if outside:
            errors["elements"] = [f"只能在申请范围内批准：{'、'.join(outside)} 未申请"]
        if until > agreement.requested_until:
            errors["valid_until"] = ["批准的有效期不能长于申请的有效期"]
        elif until < agreement.valid_from:
            errors["valid_until"] = ["有效期不能早于生效日期"]
        narrowed = len(chosen) < len(agreement.requested_elements) or until < agreement.requested_until
        if narrowed and not reason:
            errors["reason"] = ["缩小范围或缩短期限时请说明理由"]
        if errors:
            raise ValidationFailed(fields=errors)
        changes = {"status": AgreementStatus.APPROVED, "elements": chosen, "valid_until": until}
    else:
        raise ValidationFailed(fields={"action": ["操作应为 approve 或 refuse"]})
    updated = Agreement.objects.filter(
        pk=agreement.pk, version=version, status=AgreementStatus.REQUESTED
    ).update(decided_by=actor, decided_at=now, decision_reason=reason, version=version + 1, **changes)
    if not updated:
        raise StaleVersion("该申请已被他人处理，请刷新后重试")
    agreement.refresh_from_db()
    ledgering.record_agreement(agreement, decision=True)
    return agreement


@transaction.atomic
def agreement_revoke(*, actor: User, agreement: Agreement, version: int, reason: str) -> Agreement:
    """End an approved agreement before its term, with a reason: the provider's chief data
    officer (e.g. the consumer misused the data, the legal basis lapsed), or the consuming
    department (it no longer needs the data). Queries under it are refused from the next one on
    (`agreement_revoked`); the revocation is a ledger entry like the request and the decision."""
    if agreement.resource.department_id in cdo_department_ids(actor):
        side = "provider"
    elif agreement.consumer_id in staff_department_ids(actor):
        side = "consumer"
    else:
        raise PermissionDenied("只有数据提供部门的首席数据官或使用部门可以终止共享协议", code="not_cdo")
    if agreement.status != AgreementStatus.APPROVED:
        raise Conflict("只能终止已批准的共享协议", code="invalid_transition")
    reason = reason.strip()[:500]
    if not reason:
        raise ValidationFailed(fields={"reason": ["请说明终止理由"]})
    updated = Agreement.objects.filter(
        pk=agreement.pk, version=version, status=AgreementStatus.APPROVED
    ).update(
        status=AgreementStatus.REVOKED,
        revoked_by=actor,
        revoked_at=timezone.now(),
        revoked_side=side,
        revoke_reason=reason,
        version=version + 1,
    )
    if not updated:
        raise StaleVersion("该协议已被他人变更，请刷新后重试")
    agreement.refresh_from_db()
    ledgering.record_agreement_revocation(agreement)
    return agreement


def agreement_valid_q(*, on: date) -> Q:
    return Q(status=AgreementStatus.APPROVED, valid_from__lte=on) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


# --- consent ------------------------------------------------------------------------------------
def _own_consent(*, user: User, consent_id: int) -> Consent:
    h = user_subject_hash(user)
    c = Consent.objects.select_related("resource", "consumer").filter(pk=consent_id, subject_hash=h).first()
    if not h or c is None:
        raise NotFound("未找到该授权请求")
    return c


@transaction.atomic
def consent_decide(*, user: User, consent_id: int, action: str) -> Consent:
    """The data subject grants or refuses a pending request, or withdraws a granted consent.
    Withdrawal takes effect for the very next query."""
    c = _own_consent(user=user, consent_id=consent_id)
    now = timezone.now()
    if action in ("grant", "refuse"):
        if c.status != ConsentStatus.PENDING:
            raise Conflict("该授权请求已处理", code="invalid_transition")
        status = ConsentStatus.GRANTED if action == "grant" else ConsentStatus.REFUSED
        n = Consent.objects.filter(pk=c.pk, status=ConsentStatus.PENDING).update(
            status=status, decided_at=now, subject_user=user, version=c.version + 1
        )
        if not n:
            raise StaleVersion("该授权请求已被处理，请刷新后重试")
        c.refresh_from_db()
        ledgering.record_consent(c, withdrawal=False)
    elif action == "withdraw":
        if c.status != ConsentStatus.GRANTED:
            raise Conflict("只能撤回已同意的授权", code="invalid_transition")
        n = Consent.objects.filter(pk=c.pk, status=ConsentStatus.GRANTED).update(
            status=ConsentStatus.WITHDRAWN, withdrawn_at=now, version=c.version + 1
        )
        if not n:
            raise StaleVersion("该授权已被撤回，请刷新后重试")
        c.refresh_from_db()
        ledgering.record_consent(c, withdrawal=True)
    else:
        raise ValidationFailed(fields={"action": ["操作应为 grant、refuse 或 withdraw"]})
    return c


def _consent_request(
    *,
    subject_hash: str,
    kind: str,
    resource: DataResource,
    consumer: Department,
    purpose: str,
    elements: list[str],
    case_number: str,
) -> Consent:
    """A pending consent request (one open request per subject, consumer, resource and purpose)."""
    try:
        with transaction.atomic():
            return Consent.objects.create(
                subject_hash=subject_hash,
                subject_user=_subject_user(kind=kind, subject_hash=subject_hash),
                resource=resource,
                consumer=consumer,
                purpose=purpose,
                elements=elements,
                case_number=case_number[:40],
                ledger_salt=os.urandom(16).hex(),
            )
    except IntegrityError:
        return Consent.objects.get(
            subject_hash=subject_hash,
            resource=resource,
            consumer=consumer,
            purpose=purpose,
            status__in=[ConsentStatus.PENDING, ConsentStatus.GRANTED],
        )


# --- the gateway --------------------------------------------------------------------------------
REASONS: dict[str, tuple[int, str]] = {
    "unknown_resource": (404, "未找到该数据资源"),
    "unknown_purpose": (422, "未知的用途"),
    "unknown_element": (422, "请求了该数据资源没有的信息项"),
    "invalid_subject": (422, "信息主体标识有误"),
    "not_shared": (403, "该数据资源不予共享"),
    "no_agreement": (403, "本部门没有该数据资源的有效共享协议"),
    "agreement_expired": (403, "本部门对该数据资源的共享协议已过期"),
    "agreement_revoked": (403, "本部门对该数据资源的共享协议已终止"),
    "purpose_not_agreed": (403, "共享协议未包含该用途"),
    "elements_not_agreed": (403, "所请求的信息项均不在共享协议范围内"),
    "consent_required": (403, "需经信息主体本人授权，已向其发送授权请求"),
    "consent_pending": (403, "信息主体尚未确认授权"),
    "consent_refused": (403, "信息主体已拒绝授权"),
    "consent_withdrawn": (403, "信息主体已撤回授权，已重新向其发送授权请求"),
    "subject_not_found": (404, "未查询到该信息主体的数据"),
    "provider_timeout": (504, adapters.ProviderError.MESSAGES["provider_timeout"]),
    "provider_unavailable": (502, adapters.ProviderError.MESSAGES["provider_unavailable"]),
    "provider_error": (502, adapters.ProviderError.MESSAGES["provider_error"]),
    "provider_bad_response": (502, adapters.ProviderError.MESSAGES["provider_bad_response"]),
    "provider_signature_invalid": (502, adapters.ProviderError.MESSAGES["provider_signature_invalid"]),
    "provider_response_too_large": (502, adapters.ProviderError.MESSAGES["provider_response_too_large"]),
    "provider_not_configured": (502, adapters.ProviderError.MESSAGES["provider_not_configured"]),
    "circuit_open": (503, adapters.ProviderError.MESSAGES["circuit_open"]),
}


@dataclass
class QueryResult:
    outcome: str
    reason: str = ""
    message: str = ""
    data: dict = field(default_factory=dict)
    withheld: list[str] = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    record: AccessRecord | None = None
    consent: Consent | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.ALLOWED

    @property
    def status(self) -> int:
        return 200 if self.ok else REASONS.get(self.reason, (403, ""))[0]

    def error_body(self) -> dict:
        return {
            "code": self.reason,
            "message": self.message,
            "fields": self.fields,
            "record": str(self.record.uid) if self.record else None,
        }


class _Stop(Exception):
    def __init__(self, outcome: str, reason: str, message: str = "", fields: dict | None = None):
        super().__init__(reason)
        self.outcome, self.reason = outcome, reason
        self.message = message or REASONS.get(reason, (0, reason))[1]
        self.fields = fields or {}


@dataclass
class _State:
    resource: DataResource | None = None
    subject_value: str = ""
    subject_hash: str = ""
    elements: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)
    agreement: _AgreementRow | None = None
    consent: Consent | None = None
    consent_basis: str = ""
    new_consent: bool = False


# The gateway's reads are plain SQL, one statement each (resource with its element codes; the
# consumer's agreements for it; the register row): the ORM's query building and the prefetch were
# most of a query's Python time. They are still read on every query (nothing cached in the
# process), so a revoked agreement or a changed catalogue entry counts from the next query on.
_RESOURCE_COLUMNS = (
    "id",
    "code",
    "name",
    "department_id",
    "subject_kind",
    "sharing_type",
    "consent_required",
    "adapter",
    "system_id",
)


def _gateway_resource(code: str) -> tuple[DataResource | None, list[str]]:
    """An active resource (only the columns the gateway uses; the rest load on access) and its
    element codes in catalogue order."""
    q = connection.ops.quote_name
    fields = [f for f in DataResource._meta.concrete_fields if f.attname in _RESOURCE_COLUMNS]
    cols = ", ".join(f"r.{q(f.column)}" for f in fields)
    sql = (
        f"SELECT {cols}, e.{q('code')} FROM {q(DataResource._meta.db_table)} r "  # noqa: S608
        f"LEFT JOIN {q(ResourceElement._meta.db_table)} e ON e.{q('resource_id')} = r.{q('id')} "
        f"WHERE r.{q('code')} = %s AND r.{q('active')} = %s ORDER BY e.{q('position')}, e.{q('code')}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [code, True])
        rows = cur.fetchall()
    if not rows:
        return None, []
    n = len(fields)
    resource = DataResource.from_db(connection.alias, [f.attname for f in fields], rows[0][:n])
    return resource, [row[n] for row in rows if row[n] is not None]


@dataclass(frozen=True)
class _AgreementRow:
    pk: int
    status: str
    elements: list
    purposes: list
    valid_from: date
    valid_until: date | None
    revoke_reason: str


def _as_date(v) -> date | None:
    return date.fromisoformat(v[:10]) if isinstance(v, str) else v


def _as_list(v) -> list:
    return json.loads(v) if isinstance(v, (str, bytes)) else list(v or [])


def _gateway_agreements(*, consumer_id: int, resource_id: int) -> list[_AgreementRow]:
    """The consumer's approved and revoked agreements for the resource, newest first."""
    q = connection.ops.quote_name
    sql = (
        f"SELECT {q('id')}, {q('status')}, {q('elements')}, {q('purposes')}, {q('valid_from')}, "  # noqa: S608
        f"{q('valid_until')}, {q('revoke_reason')} FROM {q(Agreement._meta.db_table)} "
        f"WHERE {q('consumer_id')} = %s AND {q('resource_id')} = %s AND {q('status')} IN (%s, %s) "
        f"ORDER BY {q('id')} DESC"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [consumer_id, resource_id, AgreementStatus.APPROVED, AgreementStatus.REVOKED])
        rows = cur.fetchall()
    return [
        _AgreementRow(
            pk=r[0],
            status=r[1],
            elements=_as_list(r[2]),
            purposes=_as_list(r[3]),
            valid_from=_as_date(r[4]),
            valid_until=_as_date(r[5]),
            revoke_reason=r[6] or "",
        )
        for r in rows
    ]


def _find_agreement(*, consumer: Department, resource: DataResource, purpose: str, on: date) -> _AgreementRow:
    rows = _gateway_agreements(consumer_id=consumer.pk, resource_id=resource.pk)
    valid = sorted(
        (
            a
            for a in rows
            if a.status == AgreementStatus.APPROVED
            and a.valid_from <= on
            and (a.valid_until is None or a.valid_until >= on)
        ),
        key=lambda a: (a.valid_until or date.max, a.pk),
        reverse=True,
    )
    covering = [a for a in valid if purpose in a.purposes]
    if covering:
        return covering[0]
    if valid:
        raise _Stop(
            Outcome.REFUSED,
            "purpose_not_agreed",
            f"共享协议未包含用途“{PURPOSES[purpose]}”",
        )
    # newest first: a revocation or a lapse, whichever came last, explains the refusal
    last = next(
        (
            a
            for a in rows
            if a.status == AgreementStatus.REVOKED or (a.valid_until is not None and a.valid_until < on)
        ),
        None,
    )
    if last is not None and last.status == AgreementStatus.REVOKED:
        raise _Stop(
            Outcome.REFUSED, "agreement_revoked", f"本部门对该数据资源的共享协议已终止：{last.revoke_reason}"
        )
    if last is not None:
        raise _Stop(Outcome.REFUSED, "agreement_expired")
    raise _Stop(Outcome.REFUSED, "no_agreement", f"本部门没有数据资源“{resource.name}”的有效共享协议")


def _check(
    st: _State,
    *,
    caller: Caller,
    resource_code: str,
    subject: dict,
    purpose: str,
    elements: list[str],
    subject_is_actor: bool,
    on: date,
) -> None:
    st.resource, known = _gateway_resource(str(resource_code))
    resource = st.resource
    if resource is None:
        raise _Stop(Outcome.INVALID, "unknown_resource", f"未找到数据资源“{str(resource_code)[:60]}”")
    try:
        st.subject_value, st.subject_hash = _parse_subject(resource, subject)
    except ValidationFailed as exc:
        raise _Stop(Outcome.INVALID, "invalid_subject", exc.message, exc.fields) from exc
    if purpose not in PURPOSES:
        raise _Stop(
            Outcome.INVALID,
            "unknown_purpose",
            f"未知的用途“{str(purpose)[:30]}”，可选：{'、'.join(f'{k}（{v}）' for k, v in PURPOSES.items())}",
            {"purpose": ["未知的用途"]},
        )
    if not isinstance(elements, list) or not elements or not all(isinstance(e, str) for e in elements):
        raise _Stop(
            Outcome.INVALID, "unknown_element", "请列出要查询的信息项", {"elements": ["请列出信息项"]}
        )
    try:
        st.elements = _check_elements(resource, elements, known=known)
    except ValidationFailed as exc:
        raise _Stop(Outcome.INVALID, "unknown_element", exc.message, exc.fields) from exc
    if resource.sharing_type == SharingType.NONE and caller.department.pk != resource.department_id:
        raise _Stop(Outcome.REFUSED, "not_shared")
    if caller.department.pk == resource.department_id:
        st.allowed = list(st.elements)  # a department's own data
        st.consent_basis = "own_data"
        return
    st.agreement = _find_agreement(consumer=caller.department, resource=resource, purpose=purpose, on=on)
    st.allowed = [e for e in st.elements if e in st.agreement.elements]
    if not st.allowed:
        raise _Stop(Outcome.REFUSED, "elements_not_agreed")
    if not resource.consent_required:
        st.consent_basis = "not_required"
        return
    if subject_is_actor:
        st.consent_basis = "subject_is_actor"
        return
    consents = Consent.objects.filter(
        subject_hash=st.subject_hash, resource=resource, consumer=caller.department, purpose=purpose
    ).order_by("-created_at", "-pk")
    latest = consents.first()
    if latest is not None and latest.status == ConsentStatus.GRANTED:
        st.consent, st.consent_basis = latest, "consent"
        return
    if latest is not None and latest.status == ConsentStatus.PENDING:
        st.consent = latest
        raise _Stop(Outcome.REFUSED, "consent_pending")
    if latest is not None and latest.status == ConsentStatus.REFUSED:
        st.consent = latest
        raise _Stop(Outcome.REFUSED, "consent_refused")
    st.new_consent = True
    raise _Stop(Outcome.REFUSED, "consent_withdrawn" if latest is not None else "consent_required")


def _fetch(st: _State, *, caller: Caller, purpose: str, request_id: str) -> dict:
    resource = st.resource
    assert resource is not None
    if resource.adapter == AdapterKind.HTTP:
        key = "id_number" if resource.subject_kind == SubjectKind.PERSON else "uscc"
        try:
            values = adapters.http_read(
                resource=resource,
                subject={key: st.subject_value},
                elements=st.allowed,
                purpose=purpose,
                consumer_uscc=caller.department.uscc,
                request_id=request_id,
            )
        except adapters.ProviderError as exc:
            raise _Stop(Outcome.FAILED, exc.code, exc.message) from exc
    else:
        values = adapters.register_read(resource=resource, subject_hash=st.subject_hash, elements=st.allowed)
    if values is None:
        raise _Stop(Outcome.NOT_FOUND, "subject_not_found")
    return values


def query_run(
    *,
    caller: Caller,
    resource_code: str,
    subject: dict,
    purpose: str,
    elements: list[str],
    case_number: str = "",
    subject_is_actor: bool = False,
    on: date | None = None,
) -> QueryResult:
    """Run one query through the gateway. Never raises for a refusal, a validation problem or a
    provider failure: the result says what happened (`outcome`, `reason`, Chinese `message`) and
    the record is written either way."""
    started = time.monotonic()
    st = _State()
    result = QueryResult(outcome=Outcome.ALLOWED)
    request_id = uuid.uuid4()
    try:
        _check(
            st,
            caller=caller,
            resource_code=resource_code,
            subject=subject,
            purpose=purpose,
            elements=elements,
            subject_is_actor=subject_is_actor,
            on=on or timezone.localdate(),
        )
        values = _fetch(st, caller=caller, purpose=purpose, request_id=str(request_id))
        result.data = {code: values[code] for code in st.allowed if code in values}
        result.withheld = [e for e in st.elements if e not in st.allowed]
        result.message = "查询成功" + (
            f"；以下信息项不在共享协议范围内，未提供：{'、'.join(result.withheld)}" if result.withheld else ""
        )
    except _Stop as stop:
        result = QueryResult(
            outcome=stop.outcome, reason=stop.reason, message=stop.message, fields=stop.fields
        )
    result.record, result.consent = _record(
        st,
        caller=caller,
        uid=request_id,
        resource_code=str(resource_code)[:60],
        purpose=str(purpose)[:30],
        case_number=str(case_number or "")[:40],
        requested=[str(e)[:60] for e in elements][:100] if isinstance(elements, list) else [],
        result=result,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    log.info(
        "exchange query %s consumer=%s resource=%s outcome=%s reason=%s",
        request_id,
        caller.department.pk,
        str(resource_code)[:60],
        result.outcome,
        result.reason,
    )
    return result


_ACCESS_FIELDS = [f for f in AccessRecord._meta.concrete_fields if not f.primary_key]
_INSERT_SQL: dict[str, str] = {}  # per database vendor: the statement text only, no data


def _access_record_insert(record: AccessRecord) -> None:
    """One INSERT of a fully built record (`at` set by the caller, not by auto_now_add)."""
    sql = _INSERT_SQL.get(connection.vendor)
    if sql is None:
        q = connection.ops.quote_name
        sql = _INSERT_SQL[connection.vendor] = (
            f"INSERT INTO {q(AccessRecord._meta.db_table)} "  # noqa: S608
            f"({', '.join(q(f.column) for f in _ACCESS_FIELDS)}) "
            f"VALUES ({', '.join(['%s'] * len(_ACCESS_FIELDS))}) RETURNING {q('id')}"
        )
    values = [f.get_db_prep_save(getattr(record, f.attname), connection) for f in _ACCESS_FIELDS]
    with connection.cursor() as cur:
        cur.execute(sql, values)
        record.pk = cur.fetchone()[0]
    record._state.adding = False
    record._state.db = connection.alias


@transaction.atomic
def _record(
    st: _State,
    *,
    caller: Caller,
    uid: uuid.UUID,
    resource_code: str,
    purpose: str,
    case_number: str,
    requested: list[str],
    result: QueryResult,
    duration_ms: int,
) -> tuple[AccessRecord, Consent | None]:
    consent = st.consent
    if st.new_consent and st.resource is not None:
        consent = _consent_request(
            subject_hash=st.subject_hash,
            kind=st.resource.subject_kind,
            resource=st.resource,
            consumer=caller.department,
            purpose=purpose,
            elements=st.allowed,
            case_number=case_number,
        )
    record = AccessRecord(
        uid=uid,
        at=timezone.now(),
        consumer=caller.department,
        actor=caller.actor,
        actor_role=caller.role,
        system=caller.system,
        resource=st.resource,
        resource_code=resource_code,
        subject_hash=st.subject_hash,
        subject_kind=st.resource.subject_kind if st.resource else "",
        purpose=purpose,
        case_number=case_number,
        elements_requested=requested,
        elements_returned=sorted(result.data),
        outcome=result.outcome,
        reason=result.reason,
        agreement_id=st.agreement.pk if st.agreement else None,
        consent=consent,
        consent_basis=st.consent_basis if result.ok else "",
        duration_ms=min(duration_ms, 2**31 - 1),
        ledger_salt=os.urandom(16).hex(),
    )
    # the entry first, so the record is written once, already naming its entry
    ledgering.record_query(record)
    _access_record_insert(record)
    return record, consent


# --- prefill (一件事 免填写) ------------------------------------------------------------------------
@dataclass
class PrefillValue:
    value: object
    resource_code: str
    resource_name: str
    department_name: str
    authoritative: bool


@dataclass
class PrefillResult:
    values: dict[str, PrefillValue] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (resource code, reason, 中文)


def prefill_lookup(
    *,
    consumer: Department,
    actor: User,
    subject: dict,
    bases: set[str],
    purpose: str,
    case_number: str = "",
    subject_is_actor: bool = False,
) -> PrefillResult:
    """Values for canonical bases about one subject, read through the gateway: one query per
    resource that binds some wanted base (only those elements), with the same checks and records
    as `/queries`. Refusals, missing consent and provider failures land in `failures`; nothing is
    raised for them. When several resources give a base, an authoritative one wins."""
    out = PrefillResult()
    if "id_number" in subject:
        kind = SubjectKind.PERSON
    elif "uscc" in subject:
        kind = SubjectKind.ORG
    else:
        out.failures.append(("", "invalid_subject", "信息主体应为公民身份号码或统一社会信用代码"))
        return out
    wanted = set(bases)
    rows = (
        ResourceElement.objects.filter(base__in=wanted, resource__active=True, resource__subject_kind=kind)
        .exclude(resource__sharing_type=SharingType.NONE)
        .select_related("resource", "resource__department")
        .order_by("resource__code", "position")
    )
    by_resource: dict[int, list[ResourceElement]] = {}
    resources: dict[int, DataResource] = {}
    for el in rows:
        by_resource.setdefault(el.resource_id, []).append(el)
        resources[el.resource_id] = el.resource
    caller = Caller(department=consumer, role="service", actor=actor)
    for rid, els in by_resource.items():
        resource = resources[rid]
        r = query_run(
            caller=caller,
            resource_code=resource.code,
            subject=subject,
            purpose=purpose,
            elements=[e.code for e in els],
            case_number=case_number,
            subject_is_actor=subject_is_actor,
        )
        if not r.ok:
            out.failures.append((resource.code, r.reason, r.message))
            continue
        for el in els:
            if el.code not in r.data or r.data[el.code] in (None, ""):
                continue
            current = out.values.get(el.base)
            if current is not None and (current.authoritative or not el.authoritative):
                continue
            out.values[el.base] = PrefillValue(
                value=r.data[el.code],
                resource_code=resource.code,
                resource_name=resource.name,
                department_name=resource.department.name,
                authoritative=el.authoritative,
            )
    return out


def nonce_cleanup(*, before: timedelta = timedelta(0)) -> int:
    from ..models import SignatureNonce

    return SignatureNonce.objects.filter(expires_at__lt=timezone.now() - before).delete()[0]
