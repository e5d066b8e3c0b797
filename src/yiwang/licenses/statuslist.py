"""The licence status list in IETF Token Status List form (draft-ietf-oauth-status-list):
1 bit per licence (0 = valid, 1 = invalid: suspended or revoked), index = the licence's
`status_index`, least significant bit first, zlib-compressed, base64url, in a signed JWT
(`typ: statuslist+jwt`) published at GET /api/v1/licenses/status-list.

Verification reads the same list: its decompressed bits are kept in Django's cache (shared by
all processes) and dropped whenever a licence's status changes. Each process may reuse the bits
it read for LOCAL_TTL seconds (as a Token Status List verifier may cache a list for its `ttl`):
a status change is seen at once in the process that made it and within LOCAL_TTL elsewhere."""

from __future__ import annotations

import time
import zlib

from cryptography.exceptions import InvalidSignature
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from yiwang.core import keys

from . import sdjwt, signing
from .models import License, LicenseStatus

CACHE_KEY = "licenses:status-list:bits"
TTL = 30  # seconds a verifier may cache the list (the token's `ttl`)
LOCAL_TTL = 1.0  # seconds a process reuses the bits it read from the shared cache
_local: list = [0.0, None]  # [monotonic time read, bits]
INVALID = (LicenseStatus.SUSPENDED, LicenseStatus.REVOKED)


def bits_build() -> bytes:
    size = License.objects.order_by("-status_index").values_list("status_index", flat=True).first() or 0
    raw = bytearray((size + 1 + 7) // 8 or 1)
    for idx in License.objects.filter(status__in=INVALID).values_list("status_index", flat=True):
        raw[idx // 8] |= 1 << (idx % 8)
    return bytes(raw)


def bit(raw: bytes, idx: int) -> int | None:
    if idx < 0 or idx // 8 >= len(raw):
        return None
    return (raw[idx // 8] >> (idx % 8)) & 1


def current_bits() -> bytes:
    now = time.monotonic()
    if _local[1] is not None and now - _local[0] < LOCAL_TTL:
        return _local[1]
    raw = cache.get(CACHE_KEY)
    if raw is None:
        raw = bits_build()
        cache.set(CACHE_KEY, raw, TTL)
    if not transaction.get_connection().in_atomic_block:  # never remember what a transaction saw
        _local[0], _local[1] = now, raw
    return raw


def lookup(idx: int) -> int | None:
    """The status bit for an index; an index beyond the cached list (a licence issued since) is
    looked up in a freshly built list once."""
    value = bit(current_bits(), idx)
    if value is None:
        invalidate()
        value = bit(current_bits(), idx)
    return value


def clear_local() -> None:
    _local[0], _local[1] = 0.0, None


def invalidate() -> None:
    clear_local()
    cache.delete(CACHE_KEY)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(invalidate_committed)


def invalidate_committed() -> None:
    clear_local()
    cache.delete(CACHE_KEY)


def token(*, uri: str) -> str:
    """The signed list, in the algorithm of new credentials (YIWANG_LICENSE_ALG: GmSM2 by default)
    with the licence-signing key's kid for it."""
    raw = bits_build()
    signer = signing.active_signer()
    now = int(timezone.now().timestamp())
    payload = {
        "sub": uri,
        "iat": now,
        "exp": now + 24 * 3600,
        "ttl": TTL,
        "status_list": {"bits": 1, "lst": sdjwt.b64u(zlib.compress(raw, 9))},
    }
    header = {"alg": signer.alg, "typ": "statuslist+jwt", "kid": signer.kid}
    return sdjwt.jwt_sign(header=header, payload=payload, key=signer.key)


def token_decode(text: str) -> tuple[dict, bytes]:
    """Verify a status list token with the licence-signing key it names (GmSM2 or EdDSA);
    (payload, bits)."""
    header, payload, signing_input, signature = sdjwt.jwt_decode(text)
    alg = header.get("alg")
    if header.get("typ") != "statuslist+jwt" or alg not in signing.ALGS:
        raise sdjwt.SdJwtError("malformed", "not a status list token")
    try:
        key = signing.public_key(alg, signing.kid_version(header.get("kid"), alg))
    except (signing.BadKid, keys.KeyError_) as exc:
        raise sdjwt.SdJwtError("unknown_key", "no such status list key") from exc
    try:
        key.verify(signature, signing_input)
    except InvalidSignature as exc:
        raise sdjwt.SdJwtError("bad_signature", "status list signature does not verify") from exc
    lst = payload.get("status_list") or {}
    if lst.get("bits") != 1:
        raise sdjwt.SdJwtError("malformed", "unsupported status size")
    return payload, zlib.decompress(sdjwt.b64u_decode(lst.get("lst", "")))
