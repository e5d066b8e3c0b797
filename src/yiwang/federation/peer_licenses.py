"""The competent city's licences in the receiving city (docs/federation.md, "Licences").

City B issues the licence(s) of a completed case as it does for any case (`licenses`); its
completion report to A carries each licence's metadata and its SD-JWT VC credential. City A checks
each credential with B's licence verification keys — fetched from B over the signed peer channel
(`GET /api/v1/federation/peer/license-keys`, an RFC 9421-signed JWK set, kept on the Peer) — the
issuer B declares there, the disclosure digests and the validity period, and keeps the licence
(credential encrypted) for the person to see and show. Status (revocation) stays B's: its status
list is not copied."""

from __future__ import annotations

import datetime
import logging

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.core.errors import DomainError
from yiwang.licenses import sdjwt, signing
from yiwang.licenses.issuer import issuer_url
from yiwang.licenses.models import License
from yiwang.licenses.sm2 import Sm2PublicKey

from .models import OutboundCase, Peer, PeerLicense

log = logging.getLogger("yiwang.federation")
KEYS_PATH = "/api/v1/federation/peer/license-keys"


def own_license_keys() -> dict:
    """What B publishes to its peers (signed): its licence issuer and every key version."""
    return {"issuer": issuer_url(), "keys": signing.public_jwks()}


def case_licenses(case_id: int) -> list[dict]:
    """B: the licences a case resulted in, as the completion report carries them."""
    return [
        {
            "identifier": lic.identifier,
            "number": lic.number,
            "type_code": lic.type.code,
            "name": lic.type.name,
            "issuer_name": lic.issuer_name,
            "issuer_uscc": lic.issuer_uscc,
            "valid_from": lic.valid_from.isoformat(),
            "valid_until": lic.valid_until.isoformat() if lic.valid_until else None,
            "credential": lic.credential,
        }
        for lic in License.objects.select_related("type").filter(case_id=case_id).order_by("pk")
    ]


def _jwk_key(jwk: dict):
    try:
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            return Ed25519PublicKey.from_public_bytes(sdjwt.b64u_decode(jwk["x"]))
        if jwk.get("kty") == "EC" and jwk.get("crv") == "SM2":
            return Sm2PublicKey(sdjwt.b64u_decode(jwk["x"]) + sdjwt.b64u_decode(jwk["y"]))
    except (KeyError, ValueError, TypeError):
        return None
    return None


def _peer_keys(peer: Peer, kid: str) -> tuple[str, dict | None]:
    """B's issuer and the JWK named `kid`; fetched again (signed) when the kid is not known yet."""
    from .services import _signed_get

    known = peer.license_keys or {}
    jwk = next((k for k in known.get("keys", []) if k.get("kid") == kid), None)
    if jwk is None:
        try:
            known = _signed_get(peer, KEYS_PATH)
        except DomainError as exc:
            log.info("federation: licence keys of %s not fetched: %s", peer.code, exc.code)
            return str(known.get("issuer", "")), None
        Peer.objects.filter(pk=peer.pk).update(license_keys=known)
        peer.license_keys = known
        jwk = next((k for k in known.get("keys", []) if isinstance(k, dict) and k.get("kid") == kid), None)
    return str(known.get("issuer", "")), jwk


def credential_check(*, peer: Peer, credential: str, now: datetime.datetime | None = None) -> list[str]:
    """Problems with a credential B issued ([] = it verifies with B's key, names B as issuer, its
    disclosures match and it is within its validity)."""
    try:
        parsed = sdjwt.parse(credential)
    except sdjwt.SdJwtError as exc:
        return [exc.code]
    kid = parsed.header.get("kid")
    if not isinstance(kid, str):
        return ["malformed"]
    issuer, jwk = _peer_keys(peer, kid)
    key = _jwk_key(jwk) if jwk else None
    if key is None:
        return ["unknown_key"]
    if not issuer or parsed.payload.get("iss") != issuer:
        return ["unknown_issuer"]
    if not sdjwt.verify_signature(parsed, key):
        return ["bad_signature"]
    reasons = sdjwt.resolve_disclosures(parsed)
    now_ts = (now or timezone.now()).timestamp()
    exp, nbf = parsed.payload.get("exp"), parsed.payload.get("nbf")
    if isinstance(exp, int) and now_ts > exp:
        reasons.append("expired")
    if isinstance(nbf, int) and now_ts < nbf:
        reasons.append("not_yet_valid")
    return sorted(set(reasons))


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def licenses_record(*, oc: OutboundCase, items: list) -> int:
    """A: keep the licences B reported for a case, each checked with B's keys (once per licence)."""
    kept = 0
    for item in items or []:
        if not isinstance(item, dict) or not item.get("identifier") or not item.get("credential"):
            continue
        reasons = credential_check(peer=oc.peer, credential=str(item["credential"]))
        try:
            with transaction.atomic():
                PeerLicense.objects.create(
                    case=oc,
                    owner=oc.owner,
                    identifier=str(item["identifier"])[:120],
                    number=str(item.get("number") or "")[:80],
                    type_code=str(item.get("type_code") or "")[:40],
                    name=str(item.get("name") or "电子证照")[:100],
                    issuer_name=str(item.get("issuer_name") or "")[:100],
                    issuer_uscc=str(item.get("issuer_uscc") or "")[:18],
                    valid_from=_date(item.get("valid_from")),
                    valid_until=_date(item.get("valid_until")),
                    credential=str(item["credential"]),
                    verified=not reasons,
                    reasons=reasons,
                )
        except IntegrityError:
            continue
        kept += 1
    return kept


def license_dict(lic: PeerLicense) -> dict:
    return {
        "identifier": lic.identifier,
        "number": lic.number,
        "type_code": lic.type_code,
        "name": lic.name,
        "issuer_name": lic.issuer_name,
        "valid_from": lic.valid_from.isoformat() if lic.valid_from else None,
        "valid_until": lic.valid_until.isoformat() if lic.valid_until else None,
        "verified": lic.verified,
        "reasons": lic.reasons,
    }
