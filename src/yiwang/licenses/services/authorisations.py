"""授权用证 and 用证记录: the holder authorises another party to use a licence in its own
applications (and withdraws that), and every use of a licence is recorded with its ledger entry
(`license.authorised`, `license.authorisation_revoked`, `license.used`)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.catalog.models import Item
from yiwang.core.errors import InvalidTransition, NotFound, ValidationFailed
from yiwang.ledger import services as ledger

from .. import hooks
from ..ledgering import authorisation_payload, authorisation_revoke_payload, commitment, use_payload
from ..models import License, LicenseAuthorisation, LicensePresentation, LicenseStatus, LicenseUse, UseChannel
from ..selectors import UsableLicense, effective_status
from .base import clean_party_id, clean_text, is_holder, log, party_hash, user_display
from .license_types import add_months

MAX_AUTHORISATION_YEARS = 10

MAX_ITEM_CODES = 50


@transaction.atomic
def license_authorise(
    *,
    license: License,
    actor: User,
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
    today = today or timezone.localdate()
    if not is_holder(actor, license):
        raise NotFound("未找到该证照")
    if effective_status(license, today=today) != LicenseStatus.VALID:
        raise InvalidTransition("该证照当前不是有效状态，不能授权他人使用", code="invalid_transition")
    grantee_id = clean_party_id(grantee_id_type, grantee_id)
    grantee_hash = party_hash(id_type=grantee_id_type, id_value=grantee_id)
    if grantee_hash == license.holder_id_hash:
        raise ValidationFailed(fields={"grantee_id": ["不能授权给持证主体本身"]})
    purpose = clean_text("purpose", purpose)
    grantee_name = clean_text("grantee_name", grantee_name, required=False)
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
def license_authorisation_revoke(*, authorisation: LicenseAuthorisation, actor: User) -> LicenseAuthorisation:
    """The holder withdraws an authorisation at once (idempotent: a revoked one stays revoked)."""
    a = LicenseAuthorisation.objects.select_for_update().select_related("license").get(pk=authorisation.pk)
    if not is_holder(actor, a.license):
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


MAX_USE_FIELDS = 60


@transaction.atomic
def license_use_record(
    *,
    license: License,
    user: User | None,
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
        user_label=(user_label or user_display(user))[:200],
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


def license_reference_use(
    *, usable: UsableLicense, user: User | None, purpose: str, case_number: str
) -> LicenseUse | None:
    """Record that an application relies on a licence checked by `license_reference_check`: a
    licence of this platform gets its use record here; one of another issuer is recorded by the
    app that found it (`hooks.external_license_used`, in the caller's transaction). Returns the
    local use record, or None for another issuer's licence."""
    if usable.license is not None:
        return license_use_record(
            license=usable.license,
            user=user,
            purpose=purpose,
            fields=[],
            case_number=case_number,
            authorisation=usable.authorisation,
        )
    for fn in hooks.external_license_used.functions():
        fn(licence=usable.external, user=user, purpose=purpose, case_number=case_number)
    return None
