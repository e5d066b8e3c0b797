"""加注件 (presentations): the holder makes a purpose-bound annotated copy of a licence for a
recipient — only chosen fields, until a date — opened by a link or verified; withdrawn at once.
Each opening or verification of a genuine one is a use (at most one a minute is recorded)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.core.errors import InvalidTransition, NotFound, ValidationFailed
from yiwang.core.formats import local_time
from yiwang.ledger import services as ledger

from .. import sdjwt, signing
from ..issuer import SHANGHAI
from ..ledgering import commitment, presentation_payload, presentation_withdraw_payload
from ..models import License, LicensePresentation, LicenseStatus, LicenseUse, UseChannel
from ..selectors import effective_status
from .authorisations import license_use_record
from .base import clean_text, is_holder, log, user_display
from .issuance import credential_claims

MAX_PRESENTATION_DAYS = 366

VIEW_RECORD_SECONDS = 60  # one recorded view per presentation per minute (reloads are not new uses)


def presentation_annotation(p: LicensePresentation) -> dict:
    return {
        "maker": p.maker,
        "made_at": local_time(p.created_at),
        "purpose": p.purpose,
        "recipient": p.recipient,
        "valid_until": local_time(p.expires_at),
    }


def disclosable_names(lic: License) -> list[str]:
    parsed = sdjwt.parse(lic.credential)
    sdjwt.resolve_disclosures(parsed)
    return list(parsed.disclosed)


def _expiry(valid_until: date | datetime, *, now: datetime) -> datetime:
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
    *,
    license: License,
    actor: User,
    purpose: str,
    recipient: str,
    fields: list[str],
    valid_until: date | datetime,
) -> LicensePresentation:
    """The holder makes a 加注件 for a recipient: only `fields`, for `purpose`, until `valid_until`
    (a date means the end of that day, Beijing time)."""
    if not is_holder(actor, license):
        raise NotFound("未找到该证照")
    now = timezone.now()
    if effective_status(license, today=timezone.localdate(now)) != LicenseStatus.VALID:
        raise InvalidTransition("该证照当前不是有效状态，不能出示")
    purpose = clean_text("purpose", purpose)
    recipient = clean_text("recipient", recipient)
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
        maker=user_display(actor) or license.holder_name,
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
def license_presentation_withdraw(*, presentation: LicensePresentation, actor: User) -> LicensePresentation:
    """Withdraw at once: the link stops working and verification reports it withdrawn."""
    p = LicensePresentation.objects.select_for_update().select_related("license").get(pk=presentation.pk)
    if not is_holder(actor, p.license):
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
    *, presentation: LicensePresentation, channel: str, user: User | AnonymousUser | None = None
) -> LicenseUse | None:
    """A presentation opened by its link or verified: one use, at most one per presentation,
    channel and minute (shared cache), so reloads and retries are not counted again."""
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


def record_verification(*, result: dict, user: User | AnonymousUser | None = None) -> LicenseUse | None:
    """After a verification: a genuine 加注件 (signature good, presentation known) is a use."""
    ann = result.get("annotation") or {}
    if not ann.get("id") or "bad_signature" in result.get("reasons", []):
        return None
    p = LicensePresentation.objects.select_related("license").filter(public_id=ann["id"]).first()
    if p is None:
        return None
    return presentation_use_record(presentation=p, channel=UseChannel.PRESENTATION_VERIFY, user=user)
