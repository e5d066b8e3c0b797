"""Licence writes: catalogue loading, issuance on case completion, status changes."""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yiwang.core import keys
from yiwang.core.errors import InvalidTransition, ValidationFailed
from yiwang.core.models import KeyPurpose
from yiwang.ledger import services as ledger

from . import identifiers, sdjwt, statuslist
from .catalogue import DEMO_TYPES
from .models import HolderIdType, License, LicenseSerial, LicenseStatus, LicenseType

log = logging.getLogger("yiwang.licenses")

LICENSE_RESULT_TYPE = "10"  # 办理结果类型 10 = 证照 (GB/T 39046)
SHANGHAI = timezone.get_fixed_timezone(8 * 60)


def issuer_url() -> str:
    return settings.YIWANG_LICENSE_ISSUER.rstrip("/")


def status_list_uri() -> str:
    return f"{issuer_url()}/api/v1/licenses/status-list"


# --- catalogue -----------------------------------------------------------------------------------
@transaction.atomic
def license_types_load() -> int:
    """Create or update the demo catalogue (idempotent). Returns the number of types."""
    for (definer_name, definer_uscc), seq, name, months, fields, issued_here in DEMO_TYPES:
        code = identifiers.validate_type_code(definer_uscc + seq)
        LicenseType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "definer_name": definer_name,
                "validity_months": months,
                "metadata_fields": fields,
                "issued_here": issued_here,
            },
        )
    return len(DEMO_TYPES)


# --- issuance ------------------------------------------------------------------------------------
def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until_for(*, type_: LicenseType, valid_from: date) -> date | None:
    if not type_.validity_months:
        return None
    return add_months(valid_from, type_.validity_months) - timedelta(days=1)


def license_types_for_case(case) -> list[LicenseType]:
    """The licence types a case's item version results in (results of type 10 named as a
    catalogue type; a type restricted to some items must list the case's item)."""
    names = [
        r.get("name")
        for r in (case.item_version.results or [])
        if isinstance(r, dict) and str(r.get("type")) == LICENSE_RESULT_TYPE and r.get("name")
    ]
    if not names:
        return []
    found = []
    for type_ in LicenseType.objects.filter(name__in=names, issued_here=True).prefetch_related("items"):
        items = list(type_.items.all())
        if not items or any(i.pk == case.item_id for i in items):
            found.append(type_)
    return found


def _end_of_day_ts(day: date) -> int:
    return int(datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI).timestamp())


def _start_of_day_ts(day: date) -> int:
    return int(datetime.combine(day, time(0, 0), tzinfo=SHANGHAI).timestamp())


def credential_claims(lic: License) -> tuple[dict, dict]:
    """(always visible claims, selectively disclosable claims) of a licence's SD-JWT VC."""
    visible = {
        "iss": issuer_url(),
        "vct": f"urn:yiwang:license:{lic.type.code}",
        "iat": int(timezone.now().timestamp()),
        "nbf": _start_of_day_ts(lic.valid_from),
        "status": {"status_list": {"idx": lic.status_index, "uri": status_list_uri()}},
    }
    if lic.valid_until:
        visible["exp"] = _end_of_day_ts(lic.valid_until)
    disclosable = {
        "identifier": lic.identifier,
        "number": lic.serial,
        "name": lic.type.name,
        "type_code": lic.type.code,
        "type_name": lic.type.name,
        "version": f"{lic.version:03d}",
        "issue_date": lic.issued_on.isoformat(),
        "issuer_name": lic.issuer_name,
        "issuer_code": lic.issuer_uscc,
        "definer_name": lic.type.definer_name,
        "definer_code": lic.type.definer_uscc,
        "valid_from": lic.valid_from.isoformat(),
        "valid_until": lic.valid_until.isoformat() if lic.valid_until else "长期",
        "jurisdiction": lic.jurisdiction,
        "holder": lic.holder_name,
        "holder_id": lic.holder_id,
        "holder_id_type": lic.holder_id_type,
        **{f"x_{k}": v for k, v in lic.metadata.items()},
    }
    if lic.case_id:
        disclosable["related_item"] = lic.case.item.code
    return visible, disclosable


def sign_credential(lic: License) -> tuple[str, int]:
    km = keys.active_key(KeyPurpose.LICENSE_SIGNING)
    visible, disclosable = credential_claims(lic)
    credential = sdjwt.issue(
        claims=visible, disclosable=disclosable, key=km.private_key(), kid=str(km.version)
    )
    return credential, km.version


def commitment(lic: License) -> str:
    return ledger.subject_commitment(salt=bytes.fromhex(lic.ledger_salt), subject_id=lic.identifier)


def ledger_payload(lic: License) -> dict:
    return {
        "identifier": lic.identifier,
        "type": lic.type.code,
        "issuer": lic.issuer_uscc,
        "issued_on": lic.issued_on.isoformat(),
        "valid_until": lic.valid_until.isoformat() if lic.valid_until else None,
        "key_version": lic.key_version,
        "status_index": lic.status_index,
    }


def _metadata(type_: LicenseType, form: dict) -> dict:
    out = {}
    for f in type_.metadata_fields or []:
        source = f.get("source")
        if source and form.get(source) not in (None, ""):
            out[f["name"]] = form[source]
    return out


def license_issue(*, case) -> License | None:
    """Issue the licence(s) a completed, approved case results in, inside the caller's (the
    completion's) transaction; returns the first, or None when the case results in no licence
    of the catalogue. Idempotent per (case, type)."""
    issued = license_issue_all(case=case)
    return issued[0] if issued else None


def license_issue_all(*, case) -> list[License]:
    assert transaction.get_connection().in_atomic_block, "license_issue runs in the completion's transaction"
    if case.decision != "approve":
        return []
    from yiwang.cases.models import CaseParty, PartyRole
    from yiwang.cases.services import form_reveal

    types = license_types_for_case(case)
    if not types:
        return []
    party = CaseParty.objects.filter(case=case, role=PartyRole.APPLICANT).first()
    if party is None:
        raise ValidationFailed("办件缺少申请人，无法签发证照")
    form = form_reveal(case.form or {})
    out = []
    for type_ in types:
        existing = License.objects.filter(case=case, type=type_).first()
        if existing:
            out.append(existing)
            continue
        out.append(_issue_one(case=case, type_=type_, party=party, form=form))
    return out


def _issue_one(*, case, type_: LicenseType, party, form: dict) -> License:
    dept = case.department
    issued_on = timezone.localdate(case.completed_at) if case.completed_at else timezone.localdate()
    seq = LicenseSerial.objects.create().pk
    serial = f"{issued_on.year}{seq:08d}"
    identifier = identifiers.build(type_code=type_.code, issuer_uscc=dept.uscc, serial=serial, version=1)
    lic = License(
        identifier=identifier,
        type=type_,
        serial=serial,
        version=1,
        status_index=seq,
        issuer_name=dept.name,
        issuer_uscc=dept.uscc,
        issuer=dept,
        jurisdiction=getattr(case.region, "code", "") or "",
        holder_name=party.name,
        holder_id_type=HolderIdType.USCC if party.id_type == "001" else HolderIdType.RIC,
        holder_id=party.id_number,
        holder_id_hash=party.id_hash,
        holder_user=party.user,
        case=case,
        issued_on=issued_on,
        valid_from=issued_on,
        valid_until=valid_until_for(type_=type_, valid_from=issued_on),
        metadata=_metadata(type_, form),
    )
    lic.credential, lic.key_version = sign_credential(lic)
    lic.save()
    entry = ledger.entry_append(kind="license.issued", subject=commitment(lic), payload=ledger_payload(lic))
    License.objects.filter(pk=lic.pk).update(ledger_entry=entry.pk)
    lic.ledger_entry = entry.pk
    log.info("license issued %s case=%s", lic.identifier, case.number)
    return lic


# --- status --------------------------------------------------------------------------------------
_ALLOWED = {
    LicenseStatus.SUSPENDED: {LicenseStatus.VALID},
    LicenseStatus.VALID: {LicenseStatus.SUSPENDED},
    LicenseStatus.REVOKED: {LicenseStatus.VALID, LicenseStatus.SUSPENDED, LicenseStatus.EXPIRED},
}


@transaction.atomic
def license_set_status(*, license: License, status: str, reason: str = "", actor_role: str = "") -> License:
    """Suspend, reinstate or revoke a licence (revocation is final); written to the ledger."""
    if status not in _ALLOWED or license.status not in _ALLOWED[status]:
        raise InvalidTransition("该证照当前状态不允许此操作")
    updated = License.objects.filter(pk=license.pk, status=license.status).update(
        status=status, status_reason=reason[:200]
    )
    if updated != 1:
        raise InvalidTransition("该证照状态已被他人修改，请刷新后重试")
    frm, license.status, license.status_reason = license.status, status, reason[:200]
    statuslist.invalidate()
    ledger.entry_append(
        kind=f"license.{status}",
        subject=commitment(license),
        payload={"identifier": license.identifier, "from": frm, "to": status, "reason": reason},
        actor_role=actor_role,
    )
    return license


@transaction.atomic
def licenses_expire(*, today: date | None = None) -> int:
    """Mark licences past their validity as expired (a scheduled sweep; verification checks
    `exp` itself, so this only keeps the status column true)."""
    today = today or timezone.localdate()
    return License.objects.filter(status=LicenseStatus.VALID, valid_until__lt=today).update(
        status=LicenseStatus.EXPIRED
    )
