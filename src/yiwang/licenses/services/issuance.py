"""Licence writes: catalogue loading, issuance on case completion, status changes."""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yiwang.core import keys
from yiwang.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from yiwang.core.formats import local_time
from yiwang.core.identifiers import ValidationError as IdValidationError
from yiwang.core.identifiers import validate_ric, validate_uscc
from yiwang.core.masking import mask_name
from yiwang.core.text import reject_markup
from yiwang.ledger import services as ledger

from .. import identifiers, sdjwt, signing, statuslist
from ..catalogue import DEMO_TYPES
from ..models import (
    HolderIdType,
    ImportBatch,
    License,
    LicenseAuthorisation,
    LicensePresentation,
    LicenseRepair,
    LicenseSerial,
    LicenseStatus,
    LicenseType,
    LicenseUse,
    RepairStatus,
    UseChannel,
)

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
    """The licence's SD-JWT VC, signed with the active licence key in the configured algorithm
    (YIWANG_LICENSE_ALG: EdDSA or GmSM2); returns (credential, key version)."""
    signer = signing.active_signer()
    visible, disclosable = credential_claims(lic)
    credential = sdjwt.issue(claims=visible, disclosable=disclosable, key=signer.key, kid=signer.kid)
    return credential, signer.version


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


def _issue(
    *,
    type_: LicenseType,
    dept,
    holder_name: str,
    holder_id_type: str,
    holder_id: str,
    holder_id_hash: str,
    holder_user,
    case,
    issued_on: date,
    jurisdiction: str,
    metadata: dict,
    valid_until: date | str | None = "rule",
) -> License:
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
    return lic


@transaction.atomic
def license_import(
    *,
    type_: LicenseType,
    issuer,
    holder_name: str,
    holder_id_type: str,
    holder_id: str,
    issued_on: date,
    metadata: dict | None = None,
    holder_user=None,
    valid_until: date | str | None = "rule",
) -> License:
    """Bring an existing licence (存量证照, issued outside a case here) into the platform: signed,
    on the status list and in the ledger like any other. `issuer` is the issuing Department;
    `valid_until` defaults to the type's validity rule (None = 长期, or a date from the record)."""
    holder_id = _clean_party_id(holder_id_type, holder_id, field="holder_id")
    holder_name = _clean_text("holder_name", holder_name)
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


# --- authorisation (授权用证) ----------------------------------------------------------------------
MAX_AUTHORISATION_YEARS = 10
MAX_ITEM_CODES = 50


def party_hash(*, id_type: str, id_value: str) -> str:
    """The lookup hash a party is found by: the same kinds as accounts (id_number) and holders (uscc)."""
    if id_type == HolderIdType.USCC:
        return keys.lookup_hash(id_value, kind="uscc")
    from yiwang.accounts.services import id_number_hash

    return id_number_hash(id_value)


def _clean_party_id(id_type: str, value: str, *, field: str = "grantee_id") -> str:
    value = keys.normalize(value or "")
    try:
        if id_type == HolderIdType.USCC:
            return validate_uscc(value)
        if id_type == HolderIdType.RIC:
            return validate_ric(value)
    except IdValidationError:
        label = "统一社会信用代码" if id_type == HolderIdType.USCC else "公民身份号码"
        raise ValidationFailed(fields={"grantee_id": [f"{label}格式或校验位有误"]}) from None
    raise ValidationFailed(
        fields={"grantee_id_type": ["代码类型应为 001（统一社会信用代码）或 111（公民身份号码）"]}
    )


def _clean_text(field: str, value: str, *, required: bool = True, max_length: int = 200) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(fields={field: ["必填"]})
    if len(value) > max_length:
        raise ValidationFailed(fields={field: [f"不能超过 {max_length} 个字"]})
    reject_markup(field=field, value=value)
    return value


def _is_holder(user, license: License) -> bool:
    from ..selectors import holder_hash

    h = holder_hash(user)
    return bool(h) and h == license.holder_id_hash


def authorisation_payload(a: LicenseAuthorisation) -> dict:
    """What the ledger attests for a grant: no grantee identity, only its kind."""
    return {
        "identifier": a.license.identifier,
        "authorisation": a.pk,
        "grantee_id_type": a.grantee_id_type,
        "purpose": a.purpose,
        "item_codes": a.item_codes,
        "valid_from": a.valid_from.isoformat(),
        "valid_until": a.valid_until.isoformat(),
    }


def authorisation_revoke_payload(a: LicenseAuthorisation) -> dict:
    return {"identifier": a.license.identifier, "authorisation": a.pk, "revoked_at": local_time(a.revoked_at)}


@transaction.atomic
def license_authorise(
    *,
    license: License,
    actor,
    grantee_id_type: str,
    grantee_id: str,
    purpose: str,
    valid_until: date,
    grantee_name: str = "",
    item_codes: list[str] | None = None,
    today: date | None = None,
) -> LicenseAuthorisation:
    """The holder authorises another party (统一社会信用代码 / 公民身份号码) to use the licence in
    its own applications, for a purpose, until a date, optionally only for some items."""
    from yiwang.catalog.models import Item

    from ..selectors import effective_status

    today = today or timezone.localdate()
    if not _is_holder(actor, license):
        raise NotFound("未找到该证照")
    if effective_status(license, today=today) != LicenseStatus.VALID:
        raise InvalidTransition("该证照当前不是有效状态，不能授权他人使用", code="invalid_transition")
    grantee_id = _clean_party_id(grantee_id_type, grantee_id)
    grantee_hash = party_hash(id_type=grantee_id_type, id_value=grantee_id)
    if grantee_hash == license.holder_id_hash:
        raise ValidationFailed(fields={"grantee_id": ["不能授权给持证主体本身"]})
    purpose = _clean_text("purpose", purpose)
    grantee_name = _clean_text("grantee_name", grantee_name, required=False)
    codes = list(dict.fromkeys(c.strip() for c in (item_codes or []) if isinstance(c, str) and c.strip()))
    if item_codes and not all(isinstance(c, str) for c in item_codes):
        raise ValidationFailed(fields={"item_codes": ["应为事项实施编码列表"]})
    if len(codes) > MAX_ITEM_CODES:
        raise ValidationFailed(fields={"item_codes": [f"最多限定 {MAX_ITEM_CODES} 个事项"]})
    if codes:
        known = set(Item.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValidationFailed(fields={"item_codes": [f"事项不存在：{'、'.join(unknown[:5])}"]})
    if not isinstance(valid_until, date) or isinstance(valid_until, datetime):
        raise ValidationFailed(fields={"valid_until": ["日期格式应为 YYYY-MM-DD"]})
    if valid_until < today:
        raise ValidationFailed(fields={"valid_until": ["授权截止日期不能早于今天"]})
    if valid_until > add_months(today, 12 * MAX_AUTHORISATION_YEARS):
        raise ValidationFailed(fields={"valid_until": [f"授权期限最长 {MAX_AUTHORISATION_YEARS} 年"]})
    if license.valid_until and valid_until > license.valid_until:
        raise ValidationFailed(fields={"valid_until": ["授权截止日期不能晚于证照有效期"]})
    a = LicenseAuthorisation.objects.create(
        license=license,
        grantee_name=grantee_name,
        grantee_id_type=grantee_id_type,
        grantee_id=grantee_id,
        grantee_id_hash=grantee_hash,
        purpose=purpose,
        item_codes=codes,
        valid_from=today,
        valid_until=valid_until,
        granted_by=actor,
    )
    entry = ledger.entry_append(
        kind="license.authorised", subject=commitment(license), payload=authorisation_payload(a)
    )
    LicenseAuthorisation.objects.filter(pk=a.pk).update(ledger_entry=entry.pk)
    a.ledger_entry = entry.pk
    log.info("license %s authorised (authorisation %s)", license.identifier, a.pk)
    return a


@transaction.atomic
def license_authorisation_revoke(*, authorisation: LicenseAuthorisation, actor) -> LicenseAuthorisation:
    """The holder withdraws an authorisation at once (idempotent: a revoked one stays revoked)."""
    a = LicenseAuthorisation.objects.select_for_update().select_related("license").get(pk=authorisation.pk)
    if not _is_holder(actor, a.license):
        raise NotFound("未找到该授权")
    if a.revoked_at is not None:
        return a
    a.revoked_at, a.revoked_by = timezone.now(), actor
    a.save(update_fields=["revoked_at", "revoked_by"])
    entry = ledger.entry_append(
        kind="license.authorisation_revoked",
        subject=commitment(a.license),
        payload=authorisation_revoke_payload(a),
        at=a.revoked_at,
    )
    LicenseAuthorisation.objects.filter(pk=a.pk).update(revoke_ledger_entry=entry.pk)
    a.revoke_ledger_entry = entry.pk
    log.info("license authorisation %s revoked", a.pk)
    return a


# --- use log (用证记录) ----------------------------------------------------------------------------
MAX_USE_FIELDS = 60


def use_payload(use: LicenseUse) -> dict:
    """What the ledger attests for a use: no person, only ids, channel, purpose, fields, case."""
    return {
        "identifier": use.license.identifier,
        "use": use.pk,
        "channel": use.channel,
        "purpose": use.purpose,
        "fields": use.fields,
        "case": use.case_number,
        "authorisation": use.authorisation_id,
        "presentation": use.presentation_id,
        "at": local_time(use.at),
    }


def _user_label(user) -> str:
    if user is None:
        return ""
    name = user.display_name or user.username
    return name if user.kind in ("legal", "staff") else mask_name(name)


@transaction.atomic
def license_use_record(
    *,
    license: License,
    user,
    purpose: str,
    fields: list[str],
    case_number: str = "",
    authorisation: LicenseAuthorisation | None = None,
    channel: str = "",
    presentation: LicensePresentation | None = None,
    user_label: str = "",
) -> LicenseUse:
    """Record one use of a licence (in the caller's transaction when there is one) and its
    ledger entry "license.used". `channel` defaults to application when a case is named."""
    channel = channel or (UseChannel.APPLICATION if case_number else UseChannel.OTHER)
    if channel not in UseChannel.values:
        raise ValueError(f"unknown licence use channel {channel!r}")
    if authorisation is not None and authorisation.license_id != license.pk:
        raise ValueError("authorisation belongs to another licence")
    names = [str(f)[:60] for f in (fields or [])][:MAX_USE_FIELDS]
    use = LicenseUse.objects.create(
        license=license,
        user=user,
        user_label=(user_label or _user_label(user))[:200],
        channel=channel,
        purpose=(purpose or "")[:200],
        fields=names,
        case_number=(case_number or "")[:40],
        authorisation=authorisation,
        presentation=presentation,
        at=timezone.now(),
    )
    entry = ledger.entry_append(
        kind="license.used", subject=commitment(license), payload=use_payload(use), at=use.at
    )
    LicenseUse.objects.filter(pk=use.pk).update(ledger_entry=entry.pk)
    use.ledger_entry = entry.pk
    return use


# --- presentations (加注件) -----------------------------------------------------------------------
MAX_PRESENTATION_DAYS = 366
VIEW_RECORD_SECONDS = 60  # one recorded view per presentation per minute (reloads are not new uses)


def presentation_path(p: LicensePresentation) -> str:
    return f"/licenses/p/{p.public_id}/"


def presentation_url(p: LicensePresentation) -> str:
    return issuer_url() + presentation_path(p)


def presentation_annotation(p: LicensePresentation) -> dict:
    return {
        "maker": p.maker,
        "made_at": local_time(p.created_at),
        "purpose": p.purpose,
        "recipient": p.recipient,
        "valid_until": local_time(p.expires_at),
    }


def presentation_payload(p: LicensePresentation) -> dict:
    return {
        "identifier": p.license.identifier,
        "presentation": p.pk,
        "purpose": p.purpose,
        "recipient": p.recipient,
        "fields": p.fields,
        "made_at": local_time(p.created_at),
        "expires_at": local_time(p.expires_at),
    }


def presentation_withdraw_payload(p: LicensePresentation) -> dict:
    return {
        "identifier": p.license.identifier,
        "presentation": p.pk,
        "withdrawn_at": local_time(p.withdrawn_at),
    }


def disclosable_names(lic: License) -> list[str]:
    parsed = sdjwt.parse(lic.credential)
    sdjwt.resolve_disclosures(parsed)
    return list(parsed.disclosed)


def _expiry(valid_until, *, now: datetime) -> datetime:
    if isinstance(valid_until, datetime):
        if timezone.is_naive(valid_until):
            valid_until = valid_until.replace(tzinfo=SHANGHAI)
        return valid_until
    if isinstance(valid_until, date):
        return datetime.combine(valid_until, time(23, 59, 59), tzinfo=SHANGHAI)
    raise ValidationFailed(fields={"valid_until": ["应为日期 YYYY-MM-DD 或时间"]})


def presentation_credential(lic: License, p: LicensePresentation) -> str:
    """A purpose-bound annotated copy signed with the licence key: the licence's claims, `exp` no
    later than the presentation's expiry, `jti` naming the presentation, the annotation (maker,
    time, purpose, recipient, valid until) always visible, and only the chosen disclosures."""
    visible, disclosable = credential_claims(lic)
    exp = int(p.expires_at.timestamp())
    visible["exp"] = min(visible.get("exp", exp), exp)
    visible["jti"] = p.public_id
    visible["annotation"] = presentation_annotation(p)
    signer = signing.active_signer()
    full = sdjwt.issue(claims=visible, disclosable=disclosable, key=signer.key, kid=signer.kid)
    return sdjwt.present(full, p.fields)


@transaction.atomic
def license_present(
    *, license: License, actor, purpose: str, recipient: str, fields: list[str], valid_until
) -> LicensePresentation:
    """The holder makes a 加注件 for a recipient: only `fields`, for `purpose`, until `valid_until`
    (a date means the end of that day, Beijing time)."""
    from ..selectors import effective_status

    if not _is_holder(actor, license):
        raise NotFound("未找到该证照")
    now = timezone.now()
    if effective_status(license, today=timezone.localdate(now)) != LicenseStatus.VALID:
        raise InvalidTransition("该证照当前不是有效状态，不能出示")
    purpose = _clean_text("purpose", purpose)
    recipient = _clean_text("recipient", recipient)
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise ValidationFailed(fields={"fields": ["应为信息项名称列表"]})
    names = disclosable_names(license)
    chosen = [n for n in names if n in set(fields)]
    unknown = sorted(set(fields) - set(names))
    if unknown:
        raise ValidationFailed(fields={"fields": [f"该证照没有这些信息项：{'、'.join(unknown[:5])}"]})
    if not chosen:
        raise ValidationFailed(fields={"fields": ["请至少选择一项要出示的信息"]})
    expires_at = _expiry(valid_until, now=now)
    if expires_at <= now:
        raise ValidationFailed(fields={"valid_until": ["有效期应晚于当前时间"]})
    if expires_at > now + timedelta(days=MAX_PRESENTATION_DAYS):
        raise ValidationFailed(fields={"valid_until": [f"加注件有效期最长 {MAX_PRESENTATION_DAYS} 天"]})
    if license.valid_until and expires_at.date() > license.valid_until:
        raise ValidationFailed(fields={"valid_until": ["加注件有效期不能晚于证照有效期"]})
    p = LicensePresentation(
        license=license,
        purpose=purpose,
        recipient=recipient,
        fields=chosen,
        maker=_user_label(actor) or license.holder_name,
        made_by=actor,
        expires_at=expires_at,
    )
    p.save()  # created_at is set here; the credential annotates it
    p.credential = presentation_credential(license, p)
    entry = ledger.entry_append(
        kind="license.presented",
        subject=commitment(license),
        payload=presentation_payload(p),
        at=p.created_at,
    )
    p.ledger_entry = entry.pk
    p.save(update_fields=["credential", "ledger_entry"])
    log.info("license %s presentation %s made", license.identifier, p.pk)
    return p


@transaction.atomic
def license_presentation_withdraw(*, presentation: LicensePresentation, actor) -> LicensePresentation:
    """Withdraw at once: the link stops working and verification reports it withdrawn."""
    p = LicensePresentation.objects.select_for_update().select_related("license").get(pk=presentation.pk)
    if not _is_holder(actor, p.license):
        raise NotFound("未找到该加注件")
    if p.withdrawn_at is not None:
        return p
    p.withdrawn_at = timezone.now()
    entry = ledger.entry_append(
        kind="license.presentation_withdrawn",
        subject=commitment(p.license),
        payload=presentation_withdraw_payload(p),
        at=p.withdrawn_at,
    )
    p.withdraw_ledger_entry = entry.pk
    p.save(update_fields=["withdrawn_at", "withdraw_ledger_entry"])
    return p


def presentation_use_record(
    *, presentation: LicensePresentation, channel: str, user=None
) -> LicenseUse | None:
    """A presentation opened by its link or verified: one use, at most one per presentation,
    channel and minute (shared cache), so reloads and retries are not counted again."""
    from django.core.cache import cache

    if not cache.add(f"licenses:use:{presentation.pk}:{channel}", 1, VIEW_RECORD_SECONDS):
        return None
    return license_use_record(
        license=presentation.license,
        user=user if user is not None and user.is_authenticated else None,
        purpose=presentation.purpose,
        fields=list(presentation.fields),
        channel=channel,
        presentation=presentation,
        user_label=f"加注件接收方：{presentation.recipient}",
    )


def record_verification(*, result: dict, user=None) -> LicenseUse | None:
    """After a verification: a genuine 加注件 (signature good, presentation known) is a use."""
    ann = result.get("annotation") or {}
    if not ann.get("id") or "bad_signature" in result.get("reasons", []):
        return None
    p = LicensePresentation.objects.select_related("license").filter(public_id=ann["id"]).first()
    if p is None:
        return None
    return presentation_use_record(presentation=p, channel=UseChannel.PRESENTATION_VERIFY, user=user)


# --- 归集 / 修复 (import of existing licence records, repair queue) ---------------------------------
def _import_actor_check(actor) -> None:
    from yiwang.accounts.models import AccountKind

    if actor is not None and getattr(actor, "kind", None) != AccountKind.STAFF:
        raise PermissionDenied("只有工作人员可以归集证照")


def _issue_clean(clean) -> License:
    return license_import(
        type_=clean.type_,
        issuer=clean.issuer,
        holder_name=clean.holder_name,
        holder_id_type=clean.holder_id_type,
        holder_id=clean.holder_id,
        issued_on=clean.issued_on,
        metadata=clean.metadata,
        valid_until=clean.valid_until,
    )


@transaction.atomic
def license_import_file(
    *, content: bytes, filename: str, actor=None, today: date | None = None
) -> ImportBatch:
    """归集: read an .xlsx or CSV file of existing licence records, check every row, issue every
    valid row through `license_import` and put every rejected row in the repair queue — all in
    one transaction, so a failure anywhere imports nothing. A file that cannot be read at all
    raises ValidationFailed (fields.file). `actor` None = the command line (any department)."""
    import hashlib
    import json

    from .. import importing

    _import_actor_check(actor)
    today = today or timezone.localdate()
    try:
        fmt, _headers, rows = importing.read_table(content, filename)
    except importing.FileError as exc:
        raise ValidationFailed(fields={"file": [str(exc)]}) from None
    results = importing.validate_rows(rows, actor=actor, today=today)
    batch = ImportBatch.objects.create(
        filename=(filename or "upload")[-200:],
        file_format=fmt,
        file_sha256=hashlib.sha256(content).hexdigest(),
        created_by=actor,
        total_rows=len(results),
    )
    report = []
    issued = rejected = 0
    for res in results:
        entry = {"row": res.row, "holder": res.holder_label()}
        if res.ok:
            lic = _issue_clean(res.clean)
            entry.update(outcome="issued", identifier=lic.identifier)
            issued += 1
        else:
            issuer = importing._load_departments().get(keys.normalize(res.values.get("issuer_code") or ""))
            repair = LicenseRepair.objects.create(
                batch=batch,
                row_number=res.row,
                data=json.dumps(res.values, ensure_ascii=False),
                errors=[e.as_dict() for e in res.errors],
                department=issuer,
            )
            entry.update(outcome="rejected", repair=repair.pk, errors=[e.as_dict() for e in res.errors])
            rejected += 1
        report.append(entry)
    batch.issued_count, batch.rejected_count, batch.report = issued, rejected, report
    batch.save(update_fields=["issued_count", "rejected_count", "report"])
    log.info("license import batch %s: %s issued, %s to repair", batch.pk, issued, rejected)
    return batch


def repair_values(item: LicenseRepair) -> dict[str, str]:
    import json

    try:
        data = json.loads(item.data or "{}")
    except ValueError:
        data = {}
    return {str(k): str(v) for k, v in data.items() if k != "holder_id_type_resolved"}


def _repair_allowed(actor, item: LicenseRepair) -> bool:
    from .. import importing

    allowed = importing.allowed_departments(actor)
    return (
        allowed is None
        or item.batch.created_by_id == actor.pk
        or (item.department_id is not None and item.department_id in allowed)
    )


@transaction.atomic
def license_repair_reissue(
    *, item: LicenseRepair, actor, values: dict, today: date | None = None
) -> LicenseRepair:
    """修复: staff correct a rejected row (`values` by field name; a field left out or blank for
    holder_id / holder_name keeps the stored value) and re-issue it. The corrected row is checked
    by the same rules, duplicates against licences already issued included; when it still fails,
    ValidationFailed names the fields and nothing changes."""
    import json

    from .. import importing

    _import_actor_check(actor)
    item = LicenseRepair.objects.select_for_update().select_related("batch").get(pk=item.pk)
    if actor is not None and not _repair_allowed(actor, item):
        raise NotFound("未找到该待修复记录")
    if item.status != RepairStatus.PENDING:
        raise InvalidTransition("该记录已处理")
    merged = repair_values(item)
    for k, v in (values or {}).items():
        if not isinstance(k, str) or not isinstance(v, str | int | float) or isinstance(v, bool):
            raise ValidationFailed(fields={str(k): ["应为文字"]})
        v = str(v).strip()
        if k in ("holder_id", "holder_name") and not v:
            continue
        merged[k] = v
    res = importing.validate_row(
        merged, today=today or timezone.localdate(), allowed=importing.allowed_departments(actor)
    )
    if res.clean is not None:
        dup = importing.existing_duplicate(res.clean)
        if dup is not None:
            res.errors.append(
                importing.RowError("row", "duplicate_existing", f"平台已有该证照（{dup.identifier}）")
            )
    if res.errors or res.clean is None:
        fields: dict[str, list[str]] = {}
        for e in res.errors:
            fields.setdefault(e.field, []).append(e.message)
        raise ValidationFailed("修正后的记录仍有问题", fields=fields)
    lic = _issue_clean(res.clean)
    item.status, item.license = RepairStatus.REISSUED, lic
    item.resolved_by, item.resolved_at = actor, timezone.now()
    item.data = json.dumps(res.values, ensure_ascii=False)
    item.department = res.clean.issuer
    item.save(update_fields=["status", "license", "resolved_by", "resolved_at", "data", "department"])
    log.info("license repair %s re-issued as %s", item.pk, lic.identifier)
    return item


@transaction.atomic
def license_repair_discard(*, item: LicenseRepair, actor, reason: str) -> LicenseRepair:
    """A rejected row that is not a licence to bring in (a test row, a licence long cancelled)."""
    _import_actor_check(actor)
    item = LicenseRepair.objects.select_for_update().select_related("batch").get(pk=item.pk)
    if actor is not None and not _repair_allowed(actor, item):
        raise NotFound("未找到该待修复记录")
    if item.status != RepairStatus.PENDING:
        raise InvalidTransition("该记录已处理")
    item.note = _clean_text("reason", reason, max_length=200)
    item.status, item.resolved_by, item.resolved_at = RepairStatus.DISCARDED, actor, timezone.now()
    item.save(update_fields=["note", "status", "resolved_by", "resolved_at"])
    return item
