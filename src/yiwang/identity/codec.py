"""The 电子身份码 wire format: 119 bytes, written as 191 characters of RFC 4648 base32 (upper case,
no padding), which a QR code stores in its compact alphanumeric mode.

    offset size
    0      1    format (1)
    1      2    signing key version (core key service, purpose identity-code), big-endian
    3      2    field-encryption key version (for the reference), big-endian
    5      4    issued at, Unix seconds, big-endian
    9      2    lifetime in seconds, big-endian
    11     12   nonce (random; AES-GCM nonce of the reference; the one-time identifier)
    23     32   AES-256-GCM(reference, 16 bytes) with bytes 0..22 as associated data
    55     64   Ed25519 signature over DOMAIN || bytes 0..54

No personal data: the per-person reference is random, and encrypted under a fresh nonce in
every code, so two codes of one person do not look alike."""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = 1
DOMAIN = b"yiwang-identity-code:v1:"
REF_AAD = b"yiwang-identity-ref:v1:"
HEADER = struct.Struct(">BHHIH12s")  # 23 bytes
REF_LEN = 16
SEALED_LEN = REF_LEN + 16
SIG_LEN = 64
SIGNED_LEN = HEADER.size + SEALED_LEN  # 55
TOTAL_LEN = SIGNED_LEN + SIG_LEN  # 119
TEXT_LEN = (TOTAL_LEN * 8 + 4) // 5  # 191
MAX_INPUT = 512  # what an API or page accepts before even trying to decode


class Malformed(ValueError):
    """Not a code of this format at all (bad characters, wrong length)."""


@dataclass(frozen=True)
class Parsed:
    fmt: int
    sign_version: int
    enc_version: int
    issued_at: int
    ttl: int
    nonce: bytes
    sealed: bytes
    signed: bytes  # DOMAIN || header || sealed: what the signature covers
    signature: bytes

    @property
    def expires_at(self) -> int:
        return self.issued_at + self.ttl


def signing_input(body: bytes) -> bytes:
    return DOMAIN + body


def seal(*, enc_key: bytes, nonce: bytes, header: bytes, ref: bytes) -> bytes:
    return AESGCM(enc_key).encrypt(nonce, ref, REF_AAD + header)


def unseal(*, enc_key: bytes, parsed: Parsed) -> bytes | None:
    header = parsed.signed[len(DOMAIN) : len(DOMAIN) + HEADER.size]
    try:
        return AESGCM(enc_key).decrypt(parsed.nonce, parsed.sealed, REF_AAD + header)
    except InvalidTag:
        return None


def header_bytes(*, sign_version: int, enc_version: int, issued_at: int, ttl: int, nonce: bytes) -> bytes:
    return HEADER.pack(FORMAT, sign_version, enc_version, issued_at, ttl, nonce)


def new_nonce() -> bytes:
    return os.urandom(12)


def encode(
    *,
    sign_key: Ed25519PrivateKey,
    sign_version: int,
    enc_key: bytes,
    enc_version: int,
    ref: bytes,
    issued_at: int,
    ttl: int,
) -> str:
    """A code's text: header, sealed reference, signature (see the module docstring)."""
    nonce = new_nonce()
    header = header_bytes(
        sign_version=sign_version, enc_version=enc_version, issued_at=issued_at, ttl=ttl, nonce=nonce
    )
    body = header + seal(enc_key=enc_key, nonce=nonce, header=header, ref=ref)
    return to_text(body + sign_key.sign(signing_input(body)))


def to_text(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=")


def parse(text: str) -> Parsed:
    """Decode a code's text (spaces and case forgiven, as scanners and people type them)."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        raise Malformed("too long")
    cleaned = "".join(text.split()).upper()
    if len(cleaned) != TEXT_LEN:
        raise Malformed("wrong length")
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError) as exc:
        raise Malformed("not base32") from exc
    if len(raw) != TOTAL_LEN or to_text(raw) != cleaned:  # one text per code: no spare bits
        raise Malformed("wrong length")
    fmt, sign_version, enc_version, issued_at, ttl, nonce = HEADER.unpack_from(raw)
    return Parsed(
        fmt=fmt,
        sign_version=sign_version,
        enc_version=enc_version,
        issued_at=issued_at,
        ttl=ttl,
        nonce=nonce,
        sealed=raw[HEADER.size : SIGNED_LEN],
        signed=signing_input(raw[:SIGNED_LEN]),
        signature=raw[SIGNED_LEN:],
    )
