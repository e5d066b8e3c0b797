"""Licence reads: the holder's own licences and verification (no writes)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.core import keys
from yiwang.core.models import KeyPurpose
from yiwang.core.text import is_digits

from . import sdjwt, statuslist
from .models import License, LicenseStatus
from .services import SHANGHAI, issuer_url, status_list_uri


def holder_hash(user: User) -> str | None:
    if user.kind == AccountKind.LEGAL and user.uscc:
        return keys.lookup_hash(user.uscc, kind="uscc")
    if user.kind == AccountKind.PERSON and user.id_number:
        from yiwang.accounts.services import id_number_hash

        return id_number_hash(user.id_number)
    return None


def licenses_for_holder(*, user: User) -> QuerySet[License]:
    """The licences a citizen or business holds (matched by ID number / credit code, so a
    licence issued before the account existed is found too). Staff hold none here."""
    h = holder_hash(user)
    if not h:
        return License.objects.none()
    return License.objects.filter(holder_id_hash=h).select_related("type").order_by("-issued_on", "-id")


def license_for_holder(*, user: User, identifier: str) -> License | None:
    return licenses_for_holder(user=user).filter(identifier=identifier).first()


def effective_status(lic: License, *, today=None) -> str:
    today = today or timezone.localdate()
    if lic.status == LicenseStatus.VALID and lic.valid_until and lic.valid_until < today:
        return LicenseStatus.EXPIRED
    return lic.status


# Immutable facts of a licence by status index (type code, issuer name and code): safe to keep per
# process like key material; never the status, which is read from the status list.
_facts: dict[int, tuple[str, str, str]] = {}
_FACTS_MAX = 200_000


def _license_facts(idx: int) -> tuple[str, str, str] | None:
    hit = _facts.get(idx)
    if hit is None:
        row = (
            License.objects.filter(status_index=idx)
            .values_list("type__code", "issuer_name", "issuer_uscc")
            .first()
        )
        if row is None:
            return None
        hit = tuple(row)
        if not transaction.get_connection().in_atomic_block:  # only what is committed
            if len(_facts) >= _FACTS_MAX:
                _facts.clear()
            _facts[idx] = hit
    return hit


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).astimezone(SHANGHAI).isoformat(timespec="seconds")


def license_verify(*, credential: str, now: datetime | None = None) -> dict:
    """Verify a licence credential (SD-JWT VC, issuance form or a presentation): signature with
    the issuer key version it names, disclosure digests, validity period and status list.
    Never raises for a bad credential: the verdict and its reasons say what is wrong."""
    out: dict = {
        "valid": False,
        "status": None,
        "reasons": [],
        "issuer": None,
        "expires_at": None,
        "disclosed": {},
    }
    try:
        parsed = sdjwt.parse(credential)
    except sdjwt.SdJwtError as exc:
        out["reasons"] = [exc.code]
        return out
    kid = parsed.header.get("kid")
    if parsed.header.get("typ") != sdjwt.TYP or not isinstance(kid, str) or not is_digits(kid):
        out["reasons"] = ["malformed"]
        return out
    try:
        key = keys.get_key(KeyPurpose.LICENSE_SIGNING, int(kid))
    except keys.KeyError_:
        out["reasons"] = ["unknown_key"]
        return out
    if parsed.payload.get("iss") != issuer_url():
        out["reasons"] = ["unknown_issuer"]
        return out
    if not sdjwt.verify_signature(parsed, key.public_key()):
        out["reasons"] = ["bad_signature"]
        return out
    reasons = sdjwt.resolve_disclosures(parsed)
    payload = parsed.payload
    now_ts = (now or timezone.now()).timestamp()
    exp, nbf = payload.get("exp"), payload.get("nbf")
    if (exp is not None and not isinstance(exp, int)) or (nbf is not None and not isinstance(nbf, int)):
        reasons.append("malformed")
    status = LicenseStatus.VALID
    if isinstance(exp, int):
        out["expires_at"] = _iso(exp)
        if now_ts > exp:
            status = LicenseStatus.EXPIRED
            reasons.append("expired")
    if isinstance(nbf, int) and now_ts < nbf:
        reasons.append("not_yet_valid")
    ref = payload.get("status")
    ref = ref.get("status_list") if isinstance(ref, dict) else None
    ref = ref if isinstance(ref, dict) else {}
    idx = ref.get("idx")
    lic = None
    if ref.get("uri") != status_list_uri() or not isinstance(idx, int):
        reasons.append("unknown_status_list")
    else:
        lic = _license_facts(idx)
        if lic is None or payload.get("vct") != f"urn:yiwang:license:{lic[0]}":
            reasons.append("unknown_license")
            lic = None
        elif statuslist.lookup(idx) != 0:
            now_status = License.objects.filter(status_index=idx).values_list("status", flat=True).first()
            status = now_status if now_status in statuslist.INVALID else LicenseStatus.REVOKED
            reasons.append(status)
    out["status"] = status
    out["issuer"] = {"iss": payload.get("iss"), "key_version": int(kid)}
    if lic is not None:
        out["issuer"].update(name=lic[1], code=lic[2])
    if (
        "malformed" not in reasons
        and "disclosure_mismatch" not in reasons
        and "duplicate_disclosure" not in reasons
    ):
        out["disclosed"] = parsed.disclosed
    out["reasons"] = sorted(set(reasons))
    out["valid"] = not reasons
    return out
