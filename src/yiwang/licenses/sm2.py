"""SM2 signatures with SM3 (GB/T 32918.2 / GM/T 0003.2, GM/T 0009) for licence credentials.

Two interchangeable implementations ("backends") of the same construction:

- `tongsuopy` (default when importable): Tongsuo's fork of `cryptography` (the Tongsuo C library,
  statically linked in its wheel; its own `tongsuopy` package, so it does not replace
  `cryptography`), ~4,000 signatures or verifications per second on one core here;
- `gmssl` (the fallback): pure Python, ~60 per second; also the only one that takes a fixed `k`
  (the standards' known-answer examples).

`YIWANG_SM2_BACKEND` (environment: `auto` (default), `tongsuopy` or `gmssl`) or the `backend`
argument of the key classes chooses; `auto` takes tongsuopy when it imports and gmssl otherwise.
Both compute exactly the same thing (tests sign with one and verify with the other):

- the signer's identity hash Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) with the
  default distinguishing identifier ID_A = "1234567812345678" (GM/T 0009 §10; ENTL_A = 0x0080) —
  the default of both libraries,
- e = SM3(Z_A || M), and the signature (r, s) over e, serialised as in JWS for EC keys:
  r || s, each 32 bytes big-endian (64 bytes) (tongsuopy speaks DER, converted here).

Around them this module checks what the libraries leave out: r and s in [1, n-1] (GB/T 32918.2 §7.1
B1/B2), a public key on the curve, a signature of exactly 64 bytes; and it never lets a library
exception out of `verify` (a bad signature is `InvalidSignature`, like `cryptography`'s keys).

Private `alg` name in JWS headers: "GmSM2" (see docs/licenses.md for why).
"""

from __future__ import annotations

import hmac
import os
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from gmssl import sm2 as _gm

try:  # the C implementation; gmssl (pure Python) when it is not installed
    from tongsuopy.crypto import hashes as _ts_hashes
    from tongsuopy.crypto.asymciphers import ec as _ts_ec
except ImportError:  # pragma: no cover - exercised by a test in a subprocess without tongsuopy
    _ts_ec = _ts_hashes = None

JWS_ALG = "GmSM2"
DEFAULT_UID = b"1234567812345678"
TONGSUOPY = "tongsuopy"
GMSSL = "gmssl"
BACKENDS = (TONGSUOPY, GMSSL)
BACKEND_SETTING = "YIWANG_SM2_BACKEND"

CURVE = _gm.default_ecc_table  # sm2p256v1, GB/T 32918.5
P = int(CURVE["p"], 16)
A = int(CURVE["a"], 16)
B = int(CURVE["b"], 16)
N = int(CURVE["n"], 16)
G_HEX = CURVE["g"].lower()


def tongsuopy_available() -> bool:
    return _ts_ec is not None


def resolve_backend(backend: str | None = None) -> str:
    """The backend to use: the argument, else YIWANG_SM2_BACKEND, else `auto` — tongsuopy when it
    is importable, gmssl otherwise. Naming tongsuopy when it is not installed is an error."""
    name = (backend or os.environ.get(BACKEND_SETTING, "") or "auto").strip().lower()
    if name == "auto":
        return TONGSUOPY if tongsuopy_available() else GMSSL
    if name not in BACKENDS:
        raise ValueError(f"{BACKEND_SETTING} must be auto, tongsuopy or gmssl, not {name!r}")
    if name == TONGSUOPY and not tongsuopy_available():
        raise ValueError("tongsuopy is not installed")
    return name


def sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def identity_hash(public_xy: bytes, *, uid: bytes = DEFAULT_UID, curve: dict | None = None) -> bytes:
    """Z_A of GB/T 32918.2 §5.5, computed from the standard's formula with `cryptography`'s SM3."""
    c = curve or CURVE
    entl = (len(uid) * 8).to_bytes(2, "big")
    return sm3(entl + uid + bytes.fromhex(c["a"] + c["b"] + c["g"]) + public_xy)


def on_curve(public_xy: bytes) -> bool:
    if len(public_xy) != 64:
        return False
    x, y = int.from_bytes(public_xy[:32], "big"), int.from_bytes(public_xy[32:], "big")
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _engine(private_hex: str, public_hex: str) -> _gm.CryptSM2:
    # the constructor's `public_key.lstrip("04")` would eat an x coordinate starting with 0 or 4;
    # set the uncompressed coordinates (x || y, no 04 prefix) directly instead
    engine = _gm.CryptSM2(private_key=private_hex, public_key="00" * 64)
    engine.public_key = public_hex
    return engine


def _ts_algorithm():
    return _ts_ec.ECDSA(_ts_hashes.SM3())  # on an SM2 key: the SM2 signature with Z_A (default uid)


class Sm2PublicKey:
    jws_alg = JWS_ALG

    def __init__(self, public_xy: bytes, *, backend: str | None = None):
        if not on_curve(public_xy):
            raise ValueError("not a point of the SM2 curve")
        self._xy = bytes(public_xy)
        self.backend = resolve_backend(backend)
        if self.backend == TONGSUOPY:
            self._ts = _ts_ec.EllipticCurvePublicKey.from_encoded_point(_ts_ec.SM2(), b"\x04" + self._xy)
        else:
            self._engine = _engine("", self._xy.hex())

    @classmethod
    def from_bytes(cls, data: bytes, *, backend: str | None = None) -> Sm2PublicKey:
        """64 bytes x || y, or 65 bytes 04 || x || y (uncompressed point)."""
        if len(data) == 65 and data[0] == 4:
            data = data[1:]
        return cls(data, backend=backend)

    def public_bytes(self) -> bytes:
        """The uncompressed point 04 || x || y."""
        return b"\x04" + self._xy

    @property
    def xy(self) -> bytes:
        return self._xy

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raises InvalidSignature unless `signature` (r || s) is valid for `data` (default uid)."""
        if not isinstance(signature, bytes | bytearray) or len(signature) != 64:
            raise InvalidSignature("an SM2 signature is 64 bytes")
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        if not (1 <= r < N and 1 <= s < N):
            raise InvalidSignature("r or s out of range")
        if self.backend == TONGSUOPY:
            try:
                self._ts.verify(encode_dss_signature(r, s), bytes(data), _ts_algorithm())
            except Exception as exc:  # tongsuopy's InvalidSignature, or an error of its C library
                raise InvalidSignature("SM2 verification failed") from exc
            return
        try:
            ok = self._engine.verify_with_sm3(bytes(signature).hex(), bytes(data))
        except (TypeError, ValueError, IndexError) as exc:  # the point at infinity and the like
            raise InvalidSignature("SM2 verification failed") from exc
        if not ok:
            raise InvalidSignature("SM2 verification failed")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sm2PublicKey) and hmac.compare_digest(self._xy, other._xy)

    def __hash__(self) -> int:
        return hash(self._xy)


class Sm2PrivateKey:
    jws_alg = JWS_ALG

    def __init__(self, d: int, *, public_xy: bytes | None = None, backend: str | None = None):
        if not 1 <= d <= N - 2:
            raise ValueError("an SM2 private key is in [1, n-2]")
        self._d = d
        self._hex = f"{d:064x}"
        self.backend = resolve_backend(backend)
        if self.backend == TONGSUOPY:
            self._ts = _ts_ec.derive_private_key(d, _ts_ec.SM2())
            if public_xy is None:
                numbers = self._ts.public_key().public_numbers()
                public_xy = numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")
        elif public_xy is None:
            public_xy = bytes.fromhex(_gm.CryptSM2(private_key=self._hex, public_key="00" * 64)._kg(d, G_HEX))
        self._public = Sm2PublicKey(public_xy, backend=self.backend)
        self._engine = _engine(self._hex, public_xy.hex())  # for a fixed k (known answers)

    @classmethod
    def generate(cls, *, backend: str | None = None) -> Sm2PrivateKey:
        return cls(1 + secrets.randbelow(N - 2), backend=backend)

    @classmethod
    def from_seed(cls, seed: bytes, *, backend: str | None = None) -> Sm2PrivateKey:
        """A key from at least 40 uniformly random bytes (reduced into [1, n-2] with negligible bias)."""
        if len(seed) < 40:
            raise ValueError("seed must be at least 40 bytes")
        return cls(1 + int.from_bytes(seed, "big") % (N - 2), backend=backend)

    def private_value(self) -> int:
        return self._d

    def public_key(self) -> Sm2PublicKey:
        return self._public

    def sign(self, data: bytes, *, k: int | None = None) -> bytes:
        """r || s over SM3(Z_A || data) with the default uid. `k` only for known-answer tests
        (always computed by gmssl: the C library chooses its own k)."""
        if k is None and self.backend == TONGSUOPY:
            r, s = decode_dss_signature(self._ts.sign(bytes(data), _ts_algorithm()))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        while True:
            kk = k if k is not None else 1 + secrets.randbelow(N - 1)
            sig = self._engine.sign_with_sm3(bytes(data), f"{kk:064x}")
            if sig is not None:  # r = 0 or r + k = n (or s = 0): choose another k
                return bytes.fromhex(sig)
            if k is not None:
                raise ValueError("this k gives no signature")
