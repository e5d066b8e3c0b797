"""电子证照归集与共享 with the provincial licence library (docs/integration.md).

归集: every licence issued here, and every later change of its status, is pushed to the library
with its national metadata (GB/T 36903 fields, the signed SD-JWT VC): `license_share_put` runs in
the issuing transaction (licenses.hooks.license_changed) and writes an outbox message; the outbox
sends it (`send_license`), signed, with the message's idempotency key, in order per licence; each
change has its `LicenseShare` row with its delivery status. The outbox payload names the licence
and the change only: the holder's identifier is read when the message is sent, never stored in it.

共享: an identifier that is no licence of this platform is looked up at the library for the
applicant (licenses.hooks.external_license_find → `license_lookup`): by the holder's identifier
(the applicant applying is the holder's consent, `basis` "holder_consent") and the licence type,
with the purpose and the item; the answer is checked (signature, shape, that it is the
applicant's licence of that type) and used for 免提交 like a local licence. Its use is recorded
(`ExternalLicenseUse`) and pushed to the library's 用证记录. Every exchange is a
`ProvinceExchange` row."""

from __future__ import annotations

import logging
import uuid
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.core import outbox
from yiwang.licenses import identifiers as license_identifiers
from yiwang.licenses.hooks import ExternalLicense, ExternalLookupFailed
from yiwang.licenses.issuer import issuer_url
from yiwang.licenses.models import License
from yiwang.licenses.services import license_metadata

from .. import province
from ..models import (
    DeliveryStatus,
    ExchangeKind,
    ExchangeOutcome,
    ExternalLicenseUse,
    LicenseShare,
    ProvinceExchange,
)

log = logging.getLogger("yiwang.docking")

TOPIC_LICENSE = "province.license"
TOPIC_LICENSE_USE = "province.license_use"
PATH_LICENSES = "/licenses"
PATH_QUERY = "/licenses/query"
PATH_USES = "/licenses/uses"
DESTINATION = "province"
STATUSES = ("valid", "suspended", "revoked", "expired")
MAX_ITEMS = 200


# --- 归集: pushing licences issued here ------------------------------------------------------------
def license_share_put(*, license: License, event: str, ref: str) -> LicenseShare | None:
    """(licenses.hooks.license_changed, in the change's transaction) one outbox message and one
    `LicenseShare` row per change; nothing when no province is configured (a later
    `licenses_share_catch_up` pushes what was issued meanwhile)."""
    if not province.configured():
        return None
    existing = LicenseShare.objects.filter(license=license, event=event, ref=ref).first()
    if existing is not None:
        return existing
    idem = f"{settings.YIWANG_CITY}:license:{license.identifier}:{event}:{ref}"
    message = outbox.outbox_put(
        topic=TOPIC_LICENSE,
        key=license.identifier,
        payload={"license_id": license.pk, "event": event, "ref": ref},
        idempotency_key=idem,
        destination=DESTINATION,
    )
    return LicenseShare.objects.create(
        license=license, identifier=license.identifier, event=event, ref=ref, message=message
    )


@transaction.atomic
def licenses_share_catch_up(*, limit: int = 1000) -> int:
    """Queue the 归集 of licences issued here that were never pushed (issued before a province
    was configured); their current status goes with them. Returns how many were queued."""
    if not province.configured():
        return 0
    shared = LicenseShare.objects.filter(event="issued").values("license_id")
    n = 0
    for lic in License.objects.exclude(pk__in=shared).select_related("type").order_by("pk")[:limit]:
        license_share_put(license=lic, event="issued", ref=str(lic.ledger_entry or lic.pk))
        n += 1
    return n


def national_record(lic: License) -> dict:
    """The licence as the library takes it: GB/T 36903 metadata (keys as in the licence's own
    credential claims; docs/integration.md has the table) and the signed credential."""
    return {
        **license_metadata(lic),
        "related_item": lic.case.item.code if lic.case_id else "",
        "case_number": lic.case.number if lic.case_id else "",
        "extension": lic.metadata,
        "status": lic.status,
        "status_reason": lic.status_reason,
        "credential": lic.credential,
        "credential_format": "vc+sd-jwt",
        "issuer_keys": issuer_url().rstrip("/") + "/api/v1/licenses/keys",
    }


def _delivered(model, message: outbox.OutboxEnvelope, answer: province.Answer) -> None:
    model.objects.filter(message_id=message.id).update(
        status=DeliveryStatus.SENT,
        attempts=message.attempt,
        sent_at=timezone.now(),
        receipt=str(answer.data.get("receipt") or "")[:100],
        last_error="",
    )


def _undelivered(model, message: outbox.OutboxEnvelope, exc: province.ProvinceError) -> None:
    last = message.attempt >= outbox.outbox_config().max_attempts
    model.objects.filter(message_id=message.id).update(
        status=DeliveryStatus.FAILED if exc.retryable and not last else DeliveryStatus.REFUSED,
        attempts=message.attempt,
        last_error=str(exc)[:300],
    )


def _raise_for(exc: province.ProvinceError) -> None:
    if exc.retryable:
        raise outbox.RetryableSendError(str(exc)) from exc
    raise outbox.PermanentSendError(str(exc)) from exc


def send_license(message: outbox.OutboxEnvelope) -> None:
    """Outbox sender of TOPIC_LICENSE: the licence's record with the change, signed."""
    lic = (
        License.objects.select_related("type", "case__item")
        .filter(pk=message.payload.get("license_id"))
        .first()
    )
    if lic is None:
        raise outbox.PermanentSendError("证照不存在")
    event = str(message.payload.get("event") or "")
    record = national_record(lic)
    # the status the change set (a later change is a later message of the same licence)
    record["status"] = "valid" if event == "issued" else event
    body = {
        "op": "issue" if event == "issued" else "status",
        "event": event,
        "change_ref": str(message.payload.get("ref") or ""),
        "from": settings.YIWANG_CITY,
        "license": record,
    }
    try:
        answer = province.call(
            kind=ExchangeKind.LICENSE_PUSH,
            path=PATH_LICENSES,
            payload=body,
            subject=lic.identifier,
            idempotency_key=message.idempotency_key,
            message_id=message.id,
            attempt=message.attempt,
            timeout=message.timeout,
        )
    except province.ProvinceError as exc:
        _undelivered(LicenseShare, message, exc)
        _raise_for(exc)
    _delivered(LicenseShare, message, answer)


# --- 共享: looking up other issuers' licences ----------------------------------------------------
def _holder(applicant: User) -> tuple[str, str] | None:
    if applicant.kind == AccountKind.LEGAL and applicant.uscc:
        return "001", applicant.uscc
    if applicant.kind == AccountKind.PERSON and applicant.id_number:
        return "111", applicant.id_number
    return None


def _day(value, *, field: str, open_ok: bool = False) -> date | None:
    if value in (None, "") or (open_ok and value == "长期"):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(field) from exc


def _parse_item(raw: object, *, holder_id: str, exchange: ProvinceExchange) -> ExternalLicense:
    """One licence of the library's answer, checked field by field (ValueError names the field)."""
    if not isinstance(raw, dict):
        raise ValueError("item")
    text = {k: raw.get(k) for k in ("identifier", "type_code", "type_name", "issuer_name", "issuer_code")}
    for k, v in text.items():
        if not isinstance(v, str) or not v or len(v) > 200:
            raise ValueError(k)
    if not license_identifiers.is_valid(text["identifier"]):
        raise ValueError("identifier")
    if len(text["type_code"]) != 21 or not text["identifier"].startswith(
        f"1.2.156.3005.2.{text['type_code']}."
    ):
        raise ValueError("type_code")
    if raw.get("status") not in STATUSES:
        raise ValueError("status")
    if str(raw.get("holder_id") or "").upper() != holder_id.upper():
        raise ValueError("holder_id")
    metadata = raw.get("extension") or {}
    if not isinstance(metadata, dict):
        raise ValueError("extension")
    return ExternalLicense(
        identifier=text["identifier"],
        type_code=text["type_code"],
        type_name=text["type_name"][:100],
        number=str(raw.get("number") or "")[:80],
        issuer_name=text["issuer_name"][:100],
        issuer_code=text["issuer_code"][:18],
        holder_name=str(raw.get("holder") or "")[:200],
        holder_id_type=str(raw.get("holder_id_type") or "")[:3],
        issued_on=_day(raw.get("issue_date"), field="issue_date"),
        valid_from=_day(raw.get("valid_from"), field="valid_from"),
        valid_until=_day(raw.get("valid_until"), field="valid_until", open_ok=True),
        status=raw["status"],
        source=DESTINATION,
        lookup_ref=str(exchange.pk),
        metadata=metadata,
    )


def licenses_lookup(
    *, applicant: User, type_code: str, purpose: str, item_code: str = "", identifier: str = ""
) -> list[ExternalLicense]:
    """The applicant's licences of `type_code` in the provincial library (one `identifier`
    only, when given). Raises ExternalLookupFailed when the library cannot answer properly; []
    when no province is configured or the applicant has no identifier to look up by."""
    holder = _holder(applicant)
    if holder is None or not province.configured():
        return []
    id_type, id_value = holder
    body = {
        "holder_id_type": id_type,
        "holder_id": id_value,
        "type_code": type_code,
        "identifier": identifier,
        "basis": "holder_consent",
        "purpose": purpose[:200],
        "item_code": item_code,
        "requester": settings.YIWANG_CITY,
    }
    try:
        answer = province.call(
            kind=ExchangeKind.LICENSE_LOOKUP,
            path=PATH_QUERY,
            payload=body,
            subject=identifier or type_code,
            requester=applicant,
            purpose=purpose,
            basis="holder_consent",
        )
    except province.ProvinceError as exc:
        raise ExternalLookupFailed(str(exc)) from exc
    items = answer.data.get("items")
    record = answer.exchange
    try:
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise ValueError("items")
        found = [_parse_item(raw, holder_id=id_value, exchange=record) for raw in items]
    except ValueError as exc:
        ProvinceExchange.objects.filter(pk=record.pk).update(
            outcome=ExchangeOutcome.FAILED,
            error_code="malformed",
            error=f"{province.ERRORS['malformed']}：{exc}",
        )
        raise ExternalLookupFailed(f"{province.ERRORS['malformed']}：{exc}") from exc
    found = [f for f in found if f.type_code == type_code and (not identifier or f.identifier == identifier)]
    ProvinceExchange.objects.filter(pk=record.pk).update(
        found=len(found), outcome=ExchangeOutcome.OK if found else ExchangeOutcome.NOT_FOUND
    )
    return found


def license_lookup(
    *, identifier: str, applicant: User, type_code: str, purpose: str, item_code: str
) -> ExternalLicense | None:
    """licenses.hooks.external_license_find: the applicant's licence `identifier` in the library."""
    if not license_identifiers.is_valid(identifier):
        return None
    found = licenses_lookup(
        applicant=applicant, type_code=type_code, purpose=purpose, item_code=item_code, identifier=identifier
    )
    return found[0] if found else None


def external_use_record(
    *, licence: ExternalLicense, user: User | None, purpose: str, case_number: str
) -> ExternalLicenseUse | None:
    """licenses.hooks.external_license_used (in the application's transaction): record the use
    and push it to the library's 用证记录 through the outbox — only of a licence the library
    answered (`source` "province"; another app's, e.g. a peer city's, is that app's to record)."""
    if licence.source != DESTINATION:
        return None
    now = timezone.now()
    idem = f"{settings.YIWANG_CITY}:license-use:{uuid.uuid4().hex}"
    message = outbox.outbox_put(
        topic=TOPIC_LICENSE_USE,
        key=licence.identifier,
        payload={
            "identifier": licence.identifier,
            "type_code": licence.type_code,
            "purpose": purpose[:200],
            "case_number": case_number,
            "used_at": now.isoformat(),
            "user_kind": getattr(user, "kind", ""),
            "from": settings.YIWANG_CITY,
        },
        idempotency_key=idem,
        destination=DESTINATION,
    )
    lookup = (
        ProvinceExchange.objects.filter(pk=int(licence.lookup_ref)).first()
        if licence.lookup_ref.isdigit()
        else None
    )
    return ExternalLicenseUse.objects.create(
        identifier=licence.identifier,
        type_code=licence.type_code,
        user=user,
        purpose=purpose[:200],
        case_number=case_number,
        lookup=lookup,
        used_at=now,
        message=message,
    )


def send_license_use(message: outbox.OutboxEnvelope) -> None:
    """Outbox sender of TOPIC_LICENSE_USE."""
    try:
        answer = province.call(
            kind=ExchangeKind.LICENSE_USE,
            path=PATH_USES,
            payload=message.payload,
            subject=str(message.payload.get("identifier", "")),
            idempotency_key=message.idempotency_key,
            message_id=message.id,
            attempt=message.attempt,
            timeout=message.timeout,
        )
    except province.ProvinceError as exc:
        _undelivered(ExternalLicenseUse, message, exc)
        _raise_for(exc)
    _delivered(ExternalLicenseUse, message, answer)
