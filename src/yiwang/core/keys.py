"""The key service: every key of the platform, versioned, wrapped with the master key.

Purposes (core.models.KeyPurpose): field encryption (AES-256-GCM, rotates; old versions still
decrypt), lookup hashes (HMAC-SHA256, one stable key that never rotates), Ed25519 signing
keys for ledger checkpoints, licences, identity codes and HTTP message signatures (rotate; old
public keys stay available for verification), and ECDSA P-256 keys for electronic seals on PDFs
(core.seal): the platform seal CA (`seal-ca`) and one seal key per organ (`seal:<USCC>`, see
`seal_purpose`), created on first use and rotated like the others.

Key material is immutable once written, so a per-process read-through cache of it is safe;
which version is *active* is re-read from the database at most every ACTIVE_TTL seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Key, KeyPurpose

ACTIVE_TTL = 60.0
SIGNING_PURPOSES = {
    KeyPurpose.LEDGER_CHECKPOINT,
    KeyPurpose.LICENSE_SIGNING,
    KeyPurpose.IDENTITY_CODE,
    KeyPurpose.HTTP_SIGNATURE,
    KeyPurpose.NOTICE_SEAL,
}
SEAL_CA_PURPOSE = "seal-ca"
SEAL_PREFIX = "seal:"
TOKEN_PREFIX = "enc1"  # noqa: S105 - a format tag, not a secret


def seal_purpose(uscc: str) -> str:
    """The key purpose of one organ's seal key: `seal:<统一社会信用代码>`."""
    return SEAL_PREFIX + uscc


def is_seal_purpose(purpose: str) -> bool:
    """ECDSA P-256 purposes: the seal CA and the organs' seal keys."""
    return purpose == SEAL_CA_PURPOSE or purpose.startswith(SEAL_PREFIX)


class KeyError_(Exception):
    """A key that should exist does not, or a ciphertext does not decrypt."""


@dataclass(frozen=True)
class KeyMaterial:
    purpose: str
    version: int
    algorithm: str
    secret: bytes
    public: bytes | None

    def private_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.secret)

    def public_key(self) -> Ed25519PublicKey:
        assert self.public is not None
        return Ed25519PublicKey.from_public_bytes(self.public)

    def ec_private_key(self) -> ec.EllipticCurvePrivateKey:
        """An ECDSA P-256 key (seal purposes): `secret` is its PKCS#8 DER."""
        key = serialization.load_der_private_key(self.secret, password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key


_lock = threading.Lock()
_material: dict[tuple[str, int], KeyMaterial] = {}
_active: dict[str, tuple[float, int]] = {}


def clear_cache() -> None:
    with _lock:
        _material.clear()
        _active.clear()


# --- master key -------------------------------------------------------------------------------
def _master_key() -> bytes:
    configured = settings.YIWANG_MASTER_KEY
    if configured:
        raw = base64.b64decode(configured)
    else:
        path = settings.YIWANG_HOME / "master.key"
        if not path.exists():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(base64.b64encode(os.urandom(32)).decode())
        raw = base64.b64decode(path.read_text().strip())
    if len(raw) != 32:
        raise KeyError_("YIWANG_MASTER_KEY must be base64 of exactly 32 bytes")
    return raw


def _aad(purpose: str, version: int) -> bytes:
    return f"yiwang-key:{purpose}:{version}".encode()


def _wrap(secret: bytes, purpose: str, version: int) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_master_key()).encrypt(nonce, secret, _aad(purpose, version))


def _unwrap(blob: bytes, purpose: str, version: int, master: bytes | None = None) -> bytes:
    blob = bytes(blob)
    try:
        return AESGCM(master or _master_key()).decrypt(blob[:12], blob[12:], _aad(purpose, version))
    except InvalidTag as exc:
        raise KeyError_(f"key {purpose} v{version} does not unwrap with this master key") from exc


# --- key versions ------------------------------------------------------------------------------
def _new_secret(purpose: str) -> tuple[str, bytes, bytes | None]:
    if is_seal_purpose(purpose):
        ek = ec.generate_private_key(ec.SECP256R1())
        secret = ek.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        public = ek.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return "ECDSA-P256", secret, public
    if purpose in SIGNING_PURPOSES:
        sk = Ed25519PrivateKey.generate()
        secret = sk.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        public = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return "Ed25519", secret, public
    if purpose == KeyPurpose.LOOKUP_HASH:
        return "HMAC-SHA256", os.urandom(32), None
    return "AES-256-GCM", os.urandom(32), None


def _load(row: Key) -> KeyMaterial:
    km = KeyMaterial(
        purpose=row.purpose,
        version=row.version,
        algorithm=row.algorithm,
        secret=_unwrap(row.wrapped_secret, row.purpose, row.version),
        public=bytes(row.public_key) if row.public_key is not None else None,
    )
    with _lock:
        _material[(row.purpose, row.version)] = km
    return km


def get_key(purpose: str, version: int) -> KeyMaterial:
    cached = _material.get((purpose, version))
    if cached is not None:
        return cached
    row = Key.objects.filter(purpose=purpose, version=version).first()
    if row is None:
        raise KeyError_(f"no key {purpose} v{version}")
    return _load(row)


def _create_version(purpose: str, version: int) -> None:
    algorithm, secret, public = _new_secret(purpose)
    Key.objects.create(
        purpose=purpose,
        version=version,
        algorithm=algorithm,
        wrapped_secret=_wrap(secret, purpose, version),
        public_key=public,
        active=True,
    )


def active_key(purpose: str) -> KeyMaterial:
    """The version new data is encrypted or signed with; created on first use."""
    now = time.monotonic()
    hit = _active.get(purpose)
    if hit and now - hit[0] < ACTIVE_TTL:
        return get_key(purpose, hit[1])
    row = Key.objects.filter(purpose=purpose, active=True).first()
    if row is None:
        try:
            with transaction.atomic():
                _create_version(purpose, 1 + (Key.objects.filter(purpose=purpose).count()))
        except IntegrityError:
            pass  # another process created it first
        row = Key.objects.get(purpose=purpose, active=True)
    with _lock:
        _active[purpose] = (now, row.version)
    return get_key(purpose, row.version) if (purpose, row.version) in _material else _load(row)


@transaction.atomic
def key_rotate(*, purpose: str) -> KeyMaterial:
    """Retire the active version and create the next one. The lookup-hash key never rotates:
    rotating it would make every stored hash unfindable."""
    if purpose == KeyPurpose.LOOKUP_HASH:
        raise KeyError_("the lookup-hash key is stable and cannot be rotated")
    current = Key.objects.select_for_update().filter(purpose=purpose, active=True).first()
    latest = (
        Key.objects.filter(purpose=purpose).order_by("-version").values_list("version", flat=True).first()
        or 0
    )
    if current:
        Key.objects.filter(pk=current.pk).update(active=False, retired_at=timezone.now())
    _create_version(purpose, latest + 1)
    with _lock:
        _active.pop(purpose, None)
    return active_key(purpose)


@transaction.atomic
def keys_rewrap(*, old_master: bytes) -> int:
    """Move to a new master key: unwrap every stored key with the old master key and wrap it with
    the current one (YIWANG_MASTER_KEY). All or nothing."""
    count = 0
    for row in Key.objects.select_for_update().order_by("pk"):
        secret = _unwrap(row.wrapped_secret, row.purpose, row.version, master=old_master)
        Key.objects.filter(pk=row.pk).update(wrapped_secret=_wrap(secret, row.purpose, row.version))
        count += 1
    clear_cache()
    return count


def public_keys(purpose: str) -> list[KeyMaterial]:
    """All versions (active and retired) of a signing key, for verifiers."""
    return [
        get_key(purpose, v)
        for v in Key.objects.filter(purpose=purpose).order_by("version").values_list("version", flat=True)
    ]


# --- field encryption ---------------------------------------------------------------------------
def encrypt(plaintext: str, *, context: str = "") -> str:
    """Encrypt a value for storage: `enc1.<version>.<base64url(nonce|ciphertext)>`."""
    km = active_key(KeyPurpose.FIELD_ENCRYPTION)
    nonce = os.urandom(12)
    ct = AESGCM(km.secret).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{TOKEN_PREFIX}.{km.version}.{base64.urlsafe_b64encode(nonce + ct).decode().rstrip('=')}"


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX + ".")


def decrypt(token: str, *, context: str = "") -> str:
    try:
        prefix, version, data = token.split(".", 2)
        if prefix != TOKEN_PREFIX:
            raise ValueError(prefix)
        blob = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        km = get_key(KeyPurpose.FIELD_ENCRYPTION, int(version))
        return AESGCM(km.secret).decrypt(blob[:12], blob[12:], context.encode()).decode()
    except (ValueError, InvalidTag) as exc:
        raise KeyError_("value does not decrypt") from exc


# --- lookup hashes ------------------------------------------------------------------------------
def normalize(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().upper()


def lookup_hash(value: str, *, kind: str) -> str:
    """Keyed hash to find a record by a sensitive value without storing it in clear."""
    km = active_key(KeyPurpose.LOOKUP_HASH)
    return hmac.new(km.secret, f"{kind}:{normalize(value)}".encode(), hashlib.sha256).hexdigest()


# --- signatures ---------------------------------------------------------------------------------
def sign(purpose: str, data: bytes) -> tuple[int, bytes]:
    km = active_key(purpose)
    return km.version, km.private_key().sign(data)


def verify(purpose: str, version: int, data: bytes, signature: bytes) -> bool:
    try:
        get_key(purpose, version).public_key().verify(signature, data)
    except (InvalidSignature, KeyError_, ValueError):
        return False
    return True
