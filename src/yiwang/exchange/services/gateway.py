"""The query gateway that prefill and every cross-department lookup go through.

`query_run` checks, in this order: the resource exists and is shared, the purpose and elements
are known, the subject identifier is valid, the caller's department holds a valid agreement
covering the purpose (its own resources need none), the subject's consent where the resource's
legal basis requires it (a citizen asking for their own data counts as consent); then it reads
the provider (local register or signed HTTP call) and returns only agreed elements. Every query,
allowed or refused, leaves an `AccessRecord` and an `exchange.query` ledger entry in one
transaction. The provider call happens outside any transaction of ours (it may take seconds);
the checks are reads, and the record, its ledger entry and any consent request are one
transaction. What each refusal means (HTTP status, Chinese text) is `rules.REASONS`.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
import uuid
from dataclasses import InitVar, dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.identifiers import MESSAGES, identifier_check
from yiwang.organizations.models import Department
from yiwang.organizations.selectors import department_by_id

from .. import adapters, ledgering
from ..hooks import case_binding
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
    ResourceElement,
    SharingType,
    SubjectKind,
)
from ..rules import REASONS
from ..selectors import staff_department_ids, subject_hash_of
from .catalogue import elements_check
from .consent import consent_request

log = logging.getLogger("yiwang.exchange")


# --- who asks -----------------------------------------------------------------------------------
@dataclass
class Caller:
    """Who asks: a department, through a staff member, a platform service acting for a user
    (prefill) or a department system outside the platform (signed requests). Given its
    `department` or only its `department_id`: the checks and the record need the id alone, and
    the department's row is read (`consumer`) only when more is needed — a provider's call names
    its USCC, a consent request links it."""

    role: str  # staff | service | system
    actor: User | None = None
    system: ExternalSystem | None = None
    department_id: int | None = None
    department: InitVar[Department | None] = None
    _consumer: Department | None = field(default=None, init=False, repr=False)

    def __post_init__(self, department: Department | None) -> None:
        if department is not None:
            self._consumer, self.department_id = department, department.pk
        if self.department_id is None:
            raise ValueError("a caller is a department's: give department or department_id")

    @property
    def consumer(self) -> Department:
        if self._consumer is None:
            self.consumer_read(department_by_id(self.department_id))
        return self._consumer

    def consumer_read(self, department: Department | None) -> None:
        """The department as read by a statement that needed it anyway (the gateway's first)."""
        if self._consumer is None and department is not None:
            self._consumer = department


def caller_for_staff(*, user: User, department_uscc: str = "") -> Caller:
    ids = staff_department_ids(user)
    if not ids:
        raise PermissionDenied("仅部门工作人员或部门系统可以查询共享数据", code="not_department_staff")
    if department_uscc:
        dept = Department.objects.filter(pk__in=ids, uscc=department_uscc).first()
        if dept is None:
            raise PermissionDenied("您不是该部门的工作人员", code="not_department_staff")
        return Caller(department=dept, role="staff", actor=user)
    if len(ids) == 1:
        return Caller(department_id=next(iter(ids)), role="staff", actor=user)
    raise ValidationFailed(
        "您在多个部门任职，请指明以哪个部门的名义查询",
        fields={"consumer": ["请填写使用部门的统一社会信用代码"]},
    )


def caller_for_system(*, system: ExternalSystem) -> Caller:
    return Caller(department_id=system.department_id, role="system", system=system)


# --- the subject ---------------------------------------------------------------------------------
def _subject_identifier(kind: str, raw: str, field: str, message: str) -> str:
    value, problem = identifier_check(kind, raw)
    if problem:
        raise ValidationFailed(message, code="invalid_subject", fields={field: [MESSAGES[kind]]})
    return value


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
        value = _subject_identifier("ric", raw, "subject.id_number", "信息主体的公民身份号码有误")
    else:
        raw = subject.get("uscc")
        if not isinstance(raw, str) or not raw.strip():
            raise ValidationFailed(
                f"“{resource.name}”按统一社会信用代码查询",
                code="invalid_subject",
                fields={"subject.uscc": ["请填写信息主体的统一社会信用代码"]},
            )
        value = _subject_identifier("uscc", raw, "subject.uscc", "信息主体的统一社会信用代码有误")
    return value, subject_hash_of(kind=resource.subject_kind, value=value)


# --- the gateway --------------------------------------------------------------------------------
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
    case_bound: bool = False


# The gateway's reads are plain SQL, one statement each (the resource with its element codes and
# the consumer's agreements for it; the register row): the ORM's query building and the prefetch
# were most of a query's Python time. They are still read on every query (nothing cached in the
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
_AGREEMENT_COLUMNS = ("id", "status", "elements", "purposes", "valid_from", "valid_until", "revoke_reason")


@dataclass(frozen=True)
class _AgreementRow:
    pk: int
    status: str
    elements: list
    purposes: list
    valid_from: date
    valid_until: date | None
    revoke_reason: str


def _as_date(v: object) -> date | None:
    return date.fromisoformat(v[:10]) if isinstance(v, str) else v


def _as_list(v: object) -> list:
    return json.loads(v) if isinstance(v, (str, bytes)) else list(v or [])


_CONSUMER_COLUMNS = ("id", "name", "short_name", "uscc")


@functools.cache
def _gateway_read_sql(vendor: str) -> tuple[str, list[str], list[str]]:
    """`_gateway_read`'s statement and the attnames of the consumer's and the resource's columns in
    it, built once per database vendor (`vendor` only keys the cache)."""
    q = connection.ops.quote_name
    consumer_fields = [f for f in Department._meta.concrete_fields if f.attname in _CONSUMER_COLUMNS]
    resource_fields = [f for f in DataResource._meta.concrete_fields if f.attname in _RESOURCE_COLUMNS]
    cols = ", ".join(
        [f"c.{q(f.column)}" for f in consumer_fields]
        + [f"r.{q(f.column)}" for f in resource_fields]
        + [f"e.{q('code')}"]
        + [f"a.{q(c)}" for c in _AGREEMENT_COLUMNS]
    )
    sql = (
        f"SELECT {cols} FROM {q(Department._meta.db_table)} c "  # noqa: S608
        f"LEFT JOIN {q(DataResource._meta.db_table)} r ON r.{q('code')} = %s AND r.{q('active')} = %s "
        f"LEFT JOIN {q(ResourceElement._meta.db_table)} e ON e.{q('resource_id')} = r.{q('id')} "
        f"LEFT JOIN {q(Agreement._meta.db_table)} a ON a.{q('resource_id')} = r.{q('id')} "
        f"AND a.{q('consumer_id')} = c.{q('id')} AND a.{q('status')} IN (%s, %s) "
        f"WHERE c.{q('id')} = %s ORDER BY e.{q('position')}, e.{q('code')}, a.{q('id')} DESC"
    )
    return sql, [f.attname for f in consumer_fields], [f.attname for f in resource_fields]


def _gateway_read(
    code: str, *, consumer_id: int
) -> tuple[Department | None, DataResource | None, list[str], list[_AgreementRow]]:
    """The consumer department (its name and USCC, which the ledger entry names), the active
    resource asked for (only the columns the gateway uses; the rest load on access), its element
    codes in catalogue order and the consumer's approved and revoked agreements for it, newest
    first — one statement, a row per element and agreement (a resource has a few dozen elements at
    most, a consumer one or two agreements for it)."""
    sql, consumer_names, resource_names = _gateway_read_sql(connection.vendor)
    with connection.cursor() as cur:
        cur.execute(sql, [code, True, AgreementStatus.APPROVED, AgreementStatus.REVOKED, consumer_id])
        rows = cur.fetchall()
    if not rows:
        return None, None, [], []
    nc, nr = len(consumer_names), len(resource_names)
    consumer = Department.from_db(connection.alias, consumer_names, rows[0][:nc])
    if rows[0][nc] is None:  # no such active resource
        return consumer, None, [], []
    resource = DataResource.from_db(connection.alias, resource_names, rows[0][nc : nc + nr])
    n = nc + nr
    elements = list(dict.fromkeys(row[n] for row in rows if row[n] is not None))
    agreements: dict[int, _AgreementRow] = {}
    for row in rows:
        a = row[n + 1 :]
        if a[0] is not None and a[0] not in agreements:
            agreements[a[0]] = _AgreementRow(
                pk=a[0],
                status=a[1],
                elements=_as_list(a[2]),
                purposes=_as_list(a[3]),
                valid_from=_as_date(a[4]),
                valid_until=_as_date(a[5]),
                revoke_reason=a[6] or "",
            )
    return consumer, resource, elements, sorted(agreements.values(), key=lambda a: a.pk, reverse=True)


def _find_agreement(
    rows: list[_AgreementRow], *, resource: DataResource, purpose: str, on: date
) -> _AgreementRow:
    """The agreement (of the consumer's `rows`, newest first) that covers the purpose today."""
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


def _bind_to_case(
    st: _State, *, caller: Caller, purpose: str, case_number: str, subject_is_actor: bool
) -> None:
    """Why a department asks (issue 22, defect 1): prefill only for the platform filling in a
    person's own application; every other purpose names a case. A staff member's case must be
    one they act on, of their department, with the subject among its parties; an outside
    system's case reference is its own, unless it names a case here (then the same checks)."""
    if purpose == "prefill":
        if caller.role != "service":
            raise _Stop(Outcome.REFUSED, "purpose_not_for_caller")
        st.case_bound = True  # the platform's own reference (a case or one thing being filled in)
        return
    if caller.role == "service" and subject_is_actor:
        st.case_bound = True
        return
    if not case_number:
        raise _Stop(Outcome.INVALID, "case_required", fields={"case": ["请填写办件编号"]})
    check = case_binding.get("cases")
    reason = (
        check(
            actor=caller.actor,
            department_id=caller.department_id,
            case_number=case_number,
            subject_hash=st.subject_hash,
            exists_only=caller.role == "system",
        )
        if check is not None
        else "case_not_found"
    )
    if reason:
        raise _Stop(Outcome.REFUSED, reason)
    st.case_bound = True


def _check(
    st: _State,
    *,
    caller: Caller,
    resource_code: str,
    subject: dict,
    purpose: str,
    elements: list[str],
    subject_is_actor: bool,
    case_number: str,
    on: date,
) -> None:
    consumer, st.resource, known, agreements = _gateway_read(
        str(resource_code), consumer_id=caller.department_id
    )
    caller.consumer_read(consumer)
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
        st.elements = elements_check(resource=resource, elements=elements, known=known)
    except ValidationFailed as exc:
        raise _Stop(Outcome.INVALID, "unknown_element", exc.message, exc.fields) from exc
    if resource.sharing_type == SharingType.NONE and caller.department_id != resource.department_id:
        raise _Stop(Outcome.REFUSED, "not_shared")
    if caller.department_id == resource.department_id:
        st.allowed = list(st.elements)  # a department's own data
        st.consent_basis = "own_data"
        return
    st.agreement = _find_agreement(agreements, resource=resource, purpose=purpose, on=on)
    st.allowed = [e for e in st.elements if e in st.agreement.elements]
    if not st.allowed:
        raise _Stop(Outcome.REFUSED, "elements_not_agreed")
    # within the agreement's scope, the purpose's own check: a case the caller handles
    _bind_to_case(
        st, caller=caller, purpose=purpose, case_number=case_number, subject_is_actor=subject_is_actor
    )
    if not resource.consent_required:
        st.consent_basis = "not_required"
        return
    if subject_is_actor:
        st.consent_basis = "subject_is_actor"
        return
    consents = Consent.objects.filter(
        subject_hash=st.subject_hash, resource=resource, consumer_id=caller.department_id, purpose=purpose
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
                consumer_uscc=caller.consumer.uscc,
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
            case_number=case_number,
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
        # a case number the query could not be bound to is not written into the subject's record
        case_number=str(case_number or "")[:40] if st.case_bound else "",
        requested=[str(e)[:60] for e in elements][:100] if isinstance(elements, list) else [],
        result=result,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    log.info(
        "exchange query %s consumer=%s resource=%s outcome=%s reason=%s",
        request_id,
        caller.department_id,
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
        consent = consent_request(
            subject_hash=st.subject_hash,
            kind=st.resource.subject_kind,
            resource=st.resource,
            consumer=caller.consumer,
            purpose=purpose,
            elements=st.allowed,
            case_number=case_number,
        )
    record = AccessRecord(
        uid=uid,
        at=timezone.now(),
        consumer=caller.consumer,
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


# --- signed requests ------------------------------------------------------------------------------
def nonce_cleanup(*, before: timedelta = timedelta(0)) -> int:
    """Forget the nonces of signed requests past their expiry (the replay store of `httpsig`)."""
    from ..models import SignatureNonce

    return SignatureNonce.objects.filter(expires_at__lt=timezone.now() - before).delete()[0]
