"""Which algorithm signs licence credentials, and the keys for each (from the core key service).

`YIWANG_LICENSE_ALG` chooses the algorithm of *new* credentials: "GmSM2" (SM2 with SM3, default
uid, see `sm2.py`; the default, as the commercial-cryptography rules for government systems ask) or
"EdDSA" (Ed25519). Verification accepts both whatever the setting, so switching it (or rotating the
key) leaves every licence already issued verifiable. `YIWANG_SM2_BACKEND` chooses the SM2
implementation (tongsuopy when importable, else gmssl; `sm2.py`).

Key ids: every published key has its own `kid`, "<alg>-<version>" ("GmSM2-3", "EdDSA-3"), so a
verifier that picks a key by `kid` alone finds the right one. Credentials issued before this
carry the bare version ("3"); they still verify here (the header's `alg` says which key).

Keys: both come from the key service's versioned "license-signing" key, so they rotate together
(`keys.key_rotate(purpose="license-signing")`) and a credential's `kid` names the algorithm and that
version. The Ed25519 key is the stored key itself. The SM2 key of a version is derived from the
stored secret with HKDF-SHA256 (info names the purpose, the algorithm and the version) — an
independent key, never the Ed25519 key reused — so the key service needs no new key kind and the
SM2 key is as protected (wrapped by the master key) and as versioned as the Ed25519 one. Derived
keys are immutable, so a per-process cache of them is safe (like the key service's own cache).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
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
    """The algorithm new licence credentials are signed with (environment, default GmSM2)."""
    value = os.environ.get(SETTING, "").strip() or GMSM2
    if value not in ALGS:
        raise ImproperlyConfigured(f"{SETTING} must be one of {', '.join(ALGS)}, not {value!r}")
    return value


_KID = re.compile(r"^(EdDSA|GmSM2)-([1-9][0-9]{0,8})$")
_LEGACY_KID = re.compile(r"^[1-9][0-9]{0,8}$")


def kid_for(alg: str, version: int) -> str:
    """The `kid` of a key: its algorithm and version, unique in the key set."""
    return f"{alg}-{version}"


class BadKid(ValueError):
    """A `kid` that names no key of this issuer (malformed, or another algorithm's key)."""


def kid_version(kid: object, alg: object) -> int:
    """The key version a credential's `kid` names, for the `alg` of its header: "<alg>-<version>",
    or a bare version (credentials issued before every key had its own kid). BadKid otherwise."""
    if isinstance(kid, str):
        m = _KID.match(kid)
        if m:
            if m.group(1) != alg:
                raise BadKid("the kid names a key of another algorithm")
            return int(m.group(2))
        if _LEGACY_KID.match(kid):
            return int(kid)
    raise BadKid("malformed kid")


_lock = threading.Lock()
_sm2_keys: dict[tuple[int, bytes, str], sm2.Sm2PrivateKey] = {}
_ed_public: dict[tuple[int, bytes], Ed25519PublicKey] = {}


def _sm2_key(km: keys.KeyMaterial, *, backend: str | None = None) -> sm2.Sm2PrivateKey:
    backend = sm2.resolve_backend(backend)
    # the secret too: a test database may reuse a version number
    cache_key = (km.version, km.secret, backend)
    hit = _sm2_keys.get(cache_key)
    if hit is not None:
        return hit
    seed = HKDF(
        algorithm=hashes.SHA256(),
        length=48,
        salt=None,
        info=f"yiwang:{PURPOSE}:SM2:v{km.version}".encode(),
    ).derive(km.secret)
    key = sm2.Sm2PrivateKey.from_seed(seed, backend=backend)
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
        return kid_for(self.alg, self.version)


def active_signer(alg: str | None = None) -> Signer:
    """The active licence-signing key version, in the configured (or given) algorithm."""
    alg = alg or configured_alg()
    km = keys.active_key(PURPOSE)
    if alg == EDDSA:
        return Signer(EDDSA, km.version, km.private_key())
    if alg == GMSM2:
        return Signer(GMSM2, km.version, _sm2_key(km))
    raise UnsupportedAlg(alg)


def _ed_key(km: keys.KeyMaterial) -> Ed25519PublicKey:
    cache_key = (km.version, km.public or b"")
    hit = _ed_public.get(cache_key)
    if hit is None:
        hit = km.public_key()
        with _lock:
            if len(_ed_public) > 64:
                _ed_public.clear()
            _ed_public[cache_key] = hit
    return hit


def public_key(alg: object, version: int):
    """The verification key of a version for an algorithm (cached per process: keys are
    immutable); keys.KeyError_ when the version does not exist, UnsupportedAlg for any other `alg`."""
    if alg == EDDSA:
        return _ed_key(keys.get_key(PURPOSE, version))
    if alg == GMSM2:
        return _sm2_key(keys.get_key(PURPOSE, version)).public_key()
    raise UnsupportedAlg(str(alg))


def public_jwks() -> list[dict]:
    """Every version's public keys as JWKs (EdDSA: OKP/Ed25519; SM2: EC with crv "SM2"), retired
    versions included (credentials signed with them stay valid), each with its own kid."""
    out = []
    for km in keys.public_keys(PURPOSE):
        ed = km.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        out.append(
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": EDDSA,
                "kid": kid_for(EDDSA, km.version),
                "x": sdjwt.b64u(ed),
            }
        )
        xy = _sm2_key(km).public_key().xy
        out.append(
            {
                "kty": "EC",
                "crv": "SM2",
                "alg": GMSM2,
                "kid": kid_for(GMSM2, km.version),
                "x": sdjwt.b64u(xy[:32]),
                "y": sdjwt.b64u(xy[32:]),
            }
        )
    return out


def clear_cache() -> None:
    with _lock:
        _sm2_keys.clear()
        _ed_public.clear()
