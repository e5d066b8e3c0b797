"""Issuance: a completed, approved case's licences, signed as SD-JWT VC (RFC 9901) in the
completion's transaction, and existing licences brought in (存量证照); each on the status list and
in the ledger (`license.issued`).

The case's applicant and its revealed form are passed in by the caller (cases completes the case
and names them): licences sit below cases and never read a case's parties or form themselves."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.core.errors import ValidationFailed
from yiwang.ledger import services as ledger
from yiwang.organizations.models import Department

from .. import hooks, identifiers, numbering, sdjwt, signing
from ..issuer import SHANGHAI, issuer_url, status_list_uri
from ..ledgering import commitment, ledger_payload
from ..models import HolderIdType, License, LicenseSerial, LicenseType
from .base import HolderParty, IssuingCase, clean_party_id, clean_text, log, party_hash
from .license_types import license_types_for_case, valid_until_for


def _end_of_day_ts(day: date) -> int:
    return int(datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI).timestamp())


def _start_of_day_ts(day: date) -> int:
    return int(datetime.combine(day, time(0, 0), tzinfo=SHANGHAI).timestamp())


def license_metadata(lic: License) -> dict:
    """The licence's GB/T 36903 metadata, keyed as its credential's claims (presenters.LABELS):
    what the credential discloses and what the national licence library takes."""
    return {
        "identifier": lic.identifier,
        "number": lic.number,
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
    }


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
        **license_metadata(lic),
        **{f"x_{k}": v for k, v in lic.metadata.items()},
    }
    if lic.case_id:
        disclosable["related_item"] = lic.case.item.code
    return visible, disclosable


def sign_credential(lic: License) -> tuple[str, int]:
    """The licence's SD-JWT VC, signed with the active licence key in the configured algorithm
    (YIWANG_LICENSE_ALG: EdDSA or GmSM2); returns (credential, key version)."""
    signer = signing.active_signer()
    visible, disclosable = credential_claims(lic)
    credential = sdjwt.issue(claims=visible, disclosable=disclosable, key=signer.key, kid=signer.kid)
    return credential, signer.version


def _metadata(type_: LicenseType, form: Mapping[str, object]) -> dict:
    out = {}
    for f in type_.metadata_fields or []:
        source = f.get("source")
        if source and form.get(source) not in (None, ""):
            out[f["name"]] = form[source]
    return out


def license_issue(
    *, case: IssuingCase, holder: HolderParty | None, form: Mapping[str, object]
) -> License | None:
    """The first of `license_issue_all`, or None when the case results in no licence."""
    issued = license_issue_all(case=case, holder=holder, form=form)
    return issued[0] if issued else None


def license_issue_all(
    *, case: IssuingCase, holder: HolderParty | None, form: Mapping[str, object]
) -> list[License]:
    """Issue the licence(s) a completed, approved case results in (its item version's results of
    type 10 named as a catalogue type), inside the caller's (the completion's) transaction, to
    `holder` (the case's applicant) with metadata from `form` (the case's form, sensitive
    elements revealed). Idempotent per (case, type); [] for a denied case or one whose results
    are no licence of the catalogue."""
    assert transaction.get_connection().in_atomic_block, "license_issue runs in the completion's transaction"
    if case.decision != "approve":
        return []
    types = license_types_for_case(case)
    if not types:
        return []
    if holder is None:
        raise ValidationFailed("办件缺少申请人，无法签发证照")
    out = []
    for type_ in types:
        existing = License.objects.filter(case=case, type=type_).first()
        if existing:
            out.append(existing)
            continue
        out.append(_issue_one(case=case, type_=type_, party=holder, form=form))
    return out


def _issue_one(
    *, case: IssuingCase, type_: LicenseType, party: HolderParty, form: Mapping[str, object]
) -> License:
    dept = case.department
    issued_on = timezone.localdate(case.completed_at) if case.completed_at else timezone.localdate()
    lic = _issue(
        type_=type_,
        dept=dept,
        holder_name=party.name,
        holder_id_type=HolderIdType.USCC if party.id_type == "001" else HolderIdType.RIC,
        holder_id=party.id_number,
        holder_id_hash=party.id_hash,
        holder_user=party.user,
        case=case,
        issued_on=issued_on,
        jurisdiction=getattr(case.region, "code", "") or "",
        metadata=_metadata(type_, form),
    )
    log.info("license issued %s case=%s", lic.identifier, case.number)
    return lic


def _place_name(dept: Department) -> str:
    """The registry's place in a 不动产权证书 number: the city, and the district for a district's
    registry ("武汉市", "武汉市江岸区")."""
    region = dept.region
    if region is None:
        return ""
    if region.level == "city" or region.parent_id is None:
        return region.name
    parent = region.parent
    return f"{parent.name}{region.name}" if parent.level == "city" else region.name


def _issue(
    *,
    type_: LicenseType,
    dept: Department,
    holder_name: str,
    holder_id_type: str,
    holder_id: str,
    holder_id_hash: str,
    holder_user: User | None,
    case: IssuingCase | None,
    issued_on: date,
    jurisdiction: str,
    metadata: dict,
    valid_until: date | str | None = "rule",
) -> License:
    seq = LicenseSerial.objects.create().pk
    serial = f"{issued_on.year}{seq:08d}"
    identifier = identifiers.build(type_code=type_.code, issuer_uscc=dept.uscc, serial=serial, version=1)
    number = numbering.allocate(
        type_.number_rule,
        numbering.NumberContext(
            type_code=type_.code,
            region_code=getattr(dept.region, "code", "") or jurisdiction,
            place=_place_name(dept),
            holder_id_type=holder_id_type,
            holder_id=holder_id,
            issued_on=issued_on,
            metadata=metadata,
        ),
    )
    lic = License(
        identifier=identifier,
        type=type_,
        serial=serial,
        number=number,
        version=1,
        status_index=seq,
        issuer_name=dept.name,
        issuer_uscc=dept.uscc,
        issuer=dept,
        jurisdiction=jurisdiction,
        holder_name=holder_name,
        holder_id_type=holder_id_type,
        holder_id=holder_id,
        holder_id_hash=holder_id_hash,
        holder_user=holder_user,
        case=case,
        issued_on=issued_on,
        valid_from=issued_on,
        valid_until=valid_until_for(type_=type_, valid_from=issued_on)
        if valid_until == "rule"
        else valid_until,
        metadata=metadata,
    )
    lic.credential, lic.key_version = sign_credential(lic)
    lic.save()
    entry = ledger.entry_append(kind="license.issued", subject=commitment(lic), payload=ledger_payload(lic))
    License.objects.filter(pk=lic.pk).update(ledger_entry=entry.pk)
    lic.ledger_entry = entry.pk
    hooks.changed(license=lic, event="issued", ref=str(entry.pk))  # 归集, 数据上报 (docking)
    return lic


@transaction.atomic
def license_import(
    *,
    type_: LicenseType,
    issuer: Department,
    holder_name: str,
    holder_id_type: str,
    holder_id: str,
    issued_on: date,
    metadata: dict | None = None,
    holder_user: User | None = None,
    valid_until: date | str | None = "rule",
) -> License:
    """Bring an existing licence (存量证照, issued outside a case here) into the platform: signed,
    on the status list and in the ledger like any other. `issuer` is the issuing Department;
    `valid_until` defaults to the type's validity rule (None = 长期, or a date from the record)."""
    holder_id = clean_party_id(holder_id_type, holder_id, field="holder_id")
    holder_name = clean_text("holder_name", holder_name)
    lic = _issue(
        type_=type_,
        dept=issuer,
        holder_name=holder_name,
        holder_id_type=holder_id_type,
        holder_id=holder_id,
        holder_id_hash=party_hash(id_type=holder_id_type, id_value=holder_id),
        holder_user=holder_user,
        case=None,
        issued_on=issued_on,
        jurisdiction=getattr(issuer.region, "code", "") or "",
        metadata={k: v for k, v in (metadata or {}).items() if isinstance(k, str)},
        valid_until=valid_until,
    )
    log.info("license imported %s", lic.identifier)
    return lic
