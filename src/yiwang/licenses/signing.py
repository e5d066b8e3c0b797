"""Which algorithm signs licence credentials, and the keys for each (from the core key service).

`YIWANG_LICENSE_ALG` chooses the algorithm of *new* credentials: "EdDSA" (Ed25519, the default) or
"GmSM2" (SM2 with SM3, default uid, see `sm2.py`). Verification accepts both whatever the setting,
so switching it (or rotating the key) leaves every licence already issued verifiable.

Keys: both come from the key service's versioned "license-signing" key, so they rotate together
(`keys.key_rotate(purpose="license-signing")`) and a credential's `kid` is that version for either
algorithm. The Ed25519 key is the stored key itself. The SM2 key of a version is derived from the
stored secret with HKDF-SHA256 (info names the purpose, the algorithm and the version) — an
independent key, never the Ed25519 key reused — so the key service needs no new key kind and the
SM2 key is as protected (wrapped by the master key) and as versioned as the Ed25519 one. Derived
keys are immutable, so a per-process cache of them is safe (like the key service's own cache).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

from yiwang.core import keys
from yiwang.core.models import KeyPurpose

from . import sdjwt, sm2

EDDSA = sdjwt.ALG
GMSM2 = sm2.JWS_ALG
ALGS = (EDDSA, GMSM2)
SETTING = "YIWANG_LICENSE_ALG"
PURPOSE = KeyPurpose.LICENSE_SIGNING


class UnsupportedAlg(ValueError):
    pass


def configured_alg() -> str:
    """The algorithm new licence credentials are signed with (environment, default EdDSA)."""
    value = os.environ.get(SETTING, "").strip() or EDDSA
    if value not in ALGS:
        raise ImproperlyConfigured(f"{SETTING} must be one of {', '.join(ALGS)}, not {value!r}")
    return value


_lock = threading.Lock()
_sm2_keys: dict[tuple[int, bytes], sm2.Sm2PrivateKey] = {}


def _sm2_key(km: keys.KeyMaterial) -> sm2.Sm2PrivateKey:
    cache_key = (km.version, km.secret)  # the secret too: a test database may reuse a version number
    hit = _sm2_keys.get(cache_key)
    if hit is not None:
        return hit
    seed = HKDF(
        algorithm=hashes.SHA256(),
        length=48,
        salt=None,
        info=f"yiwang:{PURPOSE}:SM2:v{km.version}".encode(),
    ).derive(km.secret)
    key = sm2.Sm2PrivateKey.from_seed(seed)
    with _lock:
        if len(_sm2_keys) > 64:
            _sm2_keys.clear()
        _sm2_keys[cache_key] = key
    return key


@dataclass(frozen=True)
class Signer:
    alg: str
    version: int
    key: object  # Ed25519PrivateKey | Sm2PrivateKey: has .sign(data) -> bytes

    @property
    def kid(self) -> str:
        return str(self.version)


def active_signer(alg: str | None = None) -> Signer:
    """The active licence-signing key version, in the configured (or given) algorithm."""
    alg = alg or configured_alg()
    km = keys.active_key(PURPOSE)
    if alg == EDDSA:
        return Signer(EDDSA, km.version, km.private_key())
    if alg == GMSM2:
        return Signer(GMSM2, km.version, _sm2_key(km))
    raise UnsupportedAlg(alg)


def public_key(alg: object, version: int):
    """The verification key of a version for an algorithm; keys.KeyError_ when the version does
    not exist, UnsupportedAlg for any other `alg`."""
    if alg == EDDSA:
        return keys.get_key(PURPOSE, version).public_key()
    if alg == GMSM2:
        return _sm2_key(keys.get_key(PURPOSE, version)).public_key()
    raise UnsupportedAlg(str(alg))


def public_jwks() -> list[dict]:
    """Every version's public keys as JWKs (EdDSA: OKP/Ed25519; SM2: EC with crv "SM2")."""
    from cryptography.hazmat.primitives import serialization

    out = []
    for km in keys.public_keys(PURPOSE):
        ed = km.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        out.append(
            {"kty": "OKP", "crv": "Ed25519", "alg": EDDSA, "kid": str(km.version), "x": sdjwt.b64u(ed)}
        )
        xy = _sm2_key(km).public_key().xy
        out.append(
            {
                "kty": "EC",
                "crv": "SM2",
                "alg": GMSM2,
                "kid": str(km.version),
                "x": sdjwt.b64u(xy[:32]),
                "y": sdjwt.b64u(xy[32:]),
            }
        )
    return out


def clear_cache() -> None:
    with _lock:
        _sm2_keys.clear()
