"""The competent city's licences in the receiving city (docs/federation.md, "Licences").

City B issues the licence(s) of a completed case as it does for any case (`licenses`); its
completion report to A carries each licence's metadata and its SD-JWT VC credential. City A checks
each credential with B's licence verification keys — fetched from B over the signed peer channel
(`GET /api/v1/federation/peer/license-keys`, an RFC 9421-signed JWK set, kept on the Peer) — the
issuer B declares there, the disclosure digests and the validity period, and keeps the licence
(credential encrypted) for the person to see and show. Status (revocation) stays B's: its status
list is not copied, but read from B (its signed token) when the licence is used.

免提交 in A (docs/federation.md, "Using B's licence in A"): `peer_license_find` is registered in
`licenses.hooks.external_license_find`; for an identifier A received from a peer it checks again
that the credential verifies with that peer's key, that its disclosed holder is the applicant
(lookup hash of the disclosed ID against the applicant's), its validity dates and — when the
peer's status list can be read — its status, and answers an `ExternalLicense` (source
`federation:<peer code>`). `peer_license_use_record` (`external_license_used`) records the use."""

from __future__ import annotations

import datetime
import logging
import zlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.core.errors import DomainError
from yiwang.licenses import sdjwt, signing, statuslist
from yiwang.licenses.hooks import ExternalLicense
from yiwang.licenses.issuer import issuer_url
from yiwang.licenses.models import License
from yiwang.licenses.selectors import holder_hash
from yiwang.licenses.services.base import party_hash
from yiwang.licenses.sm2 import Sm2PublicKey

from . import protocol
from .models import OutboundCase, Peer, PeerLicense, PeerLicenseUse, PeerStatus

log = logging.getLogger("yiwang.federation")
KEYS_PATH = "/api/v1/federation/peer/license-keys"
SOURCE = "federation"  # ExternalLicense.source is f"{SOURCE}:{peer code}"
STATUS_TIMEOUT = 5.0  # seconds to read the peer's status list while the applicant waits


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


# --- 免提交 in A with a licence B issued (licenses.hooks.external_license_find / _used) -----------
def _status_at_peer(peer: Peer, payload: dict) -> str | None:
    """ "valid" or "revoked" as the peer's own signed status list says now; None when it cannot
    be read (unreachable, not the peer's list, a token that does not verify with its keys)."""
    ref = (payload.get("status") or {}).get("status_list") or {}
    uri, idx = ref.get("uri"), ref.get("idx")
    issuer = str((peer.license_keys or {}).get("issuer", ""))
    if not (isinstance(uri, str) and isinstance(idx, int) and issuer and uri.startswith(issuer + "/")):
        return None
    try:
        _, reply = protocol.signed_request(method="GET", url=uri, timeout=STATUS_TIMEOUT)
    except protocol.Unreachable as exc:
        log.info("federation: status list of %s not read: %s", peer.code, exc)
        return None
    if reply.status != 200:
        return None
    try:
        header, body, signing_input, signature = sdjwt.jwt_decode(reply.body.decode("ascii").strip())
        kid = header.get("kid")
        key = _jwk_key(_peer_keys(peer, kid)[1] or {}) if isinstance(kid, str) else None
        if key is None or header.get("typ") != "statuslist+jwt" or header.get("alg") != sdjwt.key_alg(key):
            return None
        key.verify(signature, signing_input)
        lst = body.get("status_list") or {}
        if body.get("sub") != uri or lst.get("bits") != 1:
            return None
        raw = zlib.decompress(sdjwt.b64u_decode(str(lst.get("lst", ""))))
    except (sdjwt.SdJwtError, InvalidSignature, UnicodeDecodeError, ValueError, zlib.error):
        log.warning("federation: status list of %s does not verify", peer.code)
        return None
    bit = statuslist.bit(raw, idx)
    return None if bit is None else ("revoked" if bit else "valid")


def _day(value) -> datetime.date | None:
    return None if value in (None, "", "长期") else _date(value)


def _answer(lic: PeerLicense, applicant_hash: str) -> ExternalLicense | None:
    peer = lic.case.peer
    if peer.status != PeerStatus.PAIRED:
        return None
    reasons = [
        r
        for r in credential_check(peer=peer, credential=lic.credential)
        if r not in ("expired", "not_yet_valid")
    ]
    if reasons:
        log.warning("federation: peer licence %s does not verify now: %s", lic.pk, ",".join(reasons))
        return None
    parsed = sdjwt.parse(lic.credential)
    sdjwt.resolve_disclosures(parsed)
    d, p = parsed.disclosed, parsed.payload
    holder_id, id_type = d.get("holder_id"), d.get("holder_id_type")
    if not isinstance(holder_id, str) or not isinstance(id_type, str):
        return None
    if party_hash(id_type=id_type, id_value=holder_id) != applicant_hash:
        return None  # another holder's licence: not found for this applicant
    if d.get("identifier") != lic.identifier:
        return None
    vct = str(p.get("vct", ""))
    type_code = vct.removeprefix("urn:yiwang:license:") if vct.startswith("urn:yiwang:license:") else ""
    valid_until = _day(d.get("valid_until"))
    status = _status_at_peer(peer, p)
    checked = status is not None
    if valid_until and valid_until < timezone.localdate():
        status = "expired"
    return ExternalLicense(
        identifier=lic.identifier,
        type_code=type_code,
        type_name=str(d.get("type_name") or lic.name),
        number=str(d.get("number") or lic.number),
        issuer_name=str(d.get("issuer_name") or lic.issuer_name),
        issuer_code=str(d.get("issuer_code") or lic.issuer_uscc),
        holder_name=str(d.get("holder") or ""),
        holder_id_type=id_type,
        issued_on=_day(d.get("issue_date")),
        valid_from=_day(d.get("valid_from")),
        valid_until=valid_until,
        status=status or "valid",
        source=f"{SOURCE}:{peer.code}",
        lookup_ref=str(lic.pk),
        metadata={"peer": peer.code, "peer_name": peer.name, "status_checked": checked},
    )


def peer_license_find(
    *, identifier: str, applicant, type_code: str, purpose: str, item_code: str
) -> ExternalLicense | None:
    """licenses.hooks.external_license_find: a licence a paired city issued and reported here, if
    its verified credential names the applicant as holder (None otherwise: not ours to answer)."""
    h = holder_hash(applicant) if applicant is not None and applicant.is_authenticated else None
    if not h:
        return None
    rows = (
        PeerLicense.objects.select_related("case__peer")
        .filter(identifier=identifier, verified=True)
        .order_by("-pk")
    )
    for lic in rows:
        found = _answer(lic, h)
        if found is not None:
            return found
    return None


def peer_license_use_record(
    *, licence: ExternalLicense, user, purpose: str, case_number: str
) -> PeerLicenseUse | None:
    """licenses.hooks.external_license_used (in the application's transaction): record the use of
    a licence this app found (source federation:…); others' are not ours to record."""
    if not licence.source.startswith(f"{SOURCE}:") or not licence.lookup_ref.isdigit():
        return None
    lic = PeerLicense.objects.filter(pk=int(licence.lookup_ref), identifier=licence.identifier).first()
    if lic is None:
        return None
    use = PeerLicenseUse.objects.create(
        license=lic,
        user=user if user is not None and user.is_authenticated else None,
        purpose=purpose[:200],
        case_number=case_number[:40],
        status_checked=bool(licence.metadata.get("status_checked")),
    )
    use_notice_put(use)
    return use


def use_notice_put(use: PeerLicenseUse) -> None:
    """Tell the issuing city of the use (用证记录), in the transaction that records it here: one
    signed `license.used` message through the outbox, one per case and licence (a second check of
    the same application, at acceptance, sends nothing more). The issuer records it as a use of
    its own licence (licenses.LicenseUse, its ledger entry `license.used`)."""
    from .services import TOPIC_NOTICE, message_put

    lic = use.license
    peer = lic.case.peer
    message_put(
        peer=peer,
        topic=TOPIC_NOTICE,
        kind="license.used",
        key=lic.identifier,
        ident=f"use:{use.case_number}:{lic.identifier}",
        body={
            "number": use.case_number,  # the case in this city that relied on it
            "identifier": lic.identifier,
            "license_number": lic.number,
            "issued_for": lic.case.remote_number,  # the issuer's case that produced it
            "purpose": use.purpose,
            "used_at": (use.used_at or timezone.now()).isoformat(),
            "status_checked": use.status_checked,
        },
    )
