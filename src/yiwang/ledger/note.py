"""C2SP signed-note, tlog-checkpoint and tlog-cosignature/v1 encodings (Ed25519 only)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from yiwang.core.text import is_digits

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
DASH = "\u2014"


class NoteError(ValueError):
    """A malformed note, checkpoint or key."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise NoteError("bad base64") from exc


def key_id(name: str, alg: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def verifier_key(name: str, public: bytes) -> str:
    return f"{name}+{key_id(name, ALG_ED25519, public).hex()}+{b64(bytes([ALG_ED25519]) + public)}"


@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: bytes
    public: bytes

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


def parse_verifier_key(vkey: str) -> Verifier:
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3 or not parts[0]:
        raise NoteError("verifier key must be name+hex+base64")
    name, hex_id, key = parts
    raw = unb64(key)
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise NoteError("only Ed25519 verifier keys are supported")
    try:
        kid = bytes.fromhex(hex_id)
    except ValueError as exc:
        raise NoteError("bad key id") from exc
    if kid != key_id(name, ALG_ED25519, raw[1:]):
        raise NoteError("key id does not match the key")
    return Verifier(name=name, key_id=kid, public=raw[1:])


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes


def sign_note(text: str, *, name: str, private: Ed25519PrivateKey) -> str:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    public = private.public_key().public_bytes_raw()
    sig = private.sign(text.encode())
    return f"{text}\n{DASH} {name} {b64(key_id(name, ALG_ED25519, public) + sig)}\n"


def parse_note(note: str) -> tuple[str, list[Signature]]:
    """Split a signed note into its text (with final newline) and signature lines."""
    if not note.endswith("\n"):
        raise NoteError("note must end with a newline")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise NoteError("note has no signature block")
    text, block = note[: cut + 1], note[cut + 2 :]
    sigs = []
    for line in block.splitlines():
        if not line.startswith(DASH + " "):
            raise NoteError("bad signature line")
        try:
            _, name, data = line.split(" ")
        except ValueError as exc:
            raise NoteError("bad signature line") from exc
        raw = unb64(data)
        if len(raw) < 5:
            raise NoteError("signature too short")
        sigs.append(Signature(name=name, key_id=raw[:4], signature=raw[4:]))
    if not sigs:
        raise NoteError("note has no signatures")
    return text, sigs


def verified_by(note: str, verifiers: list[Verifier]) -> tuple[str, Verifier | None]:
    """(text, the first trusted verifier whose signature verifies, or None). Unknown keys are ignored."""
    text, sigs = parse_note(note)
    for sig in sigs:
        for v in verifiers:
            if sig.name == v.name and sig.key_id == v.key_id and v.verify(text.encode(), sig.signature):
                return text, v
    return text, None


@dataclass(frozen=True)
class CheckpointBody:
    origin: str
    size: int
    root: bytes


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{b64(root)}\n"


def parse_checkpoint(text: str) -> CheckpointBody:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("checkpoint needs origin, size and root lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if not origin or not is_digits(size) or (size != "0" and size.startswith("0")):
        raise NoteError("bad checkpoint origin or size")
    raw = unb64(root)
    if len(raw) != 32:
        raise NoteError("checkpoint root must be 32 bytes")
    return CheckpointBody(origin=origin, size=int(size), root=raw)


def cosign(text: str, *, name: str, private: Ed25519PrivateKey, timestamp: int) -> str:
    """A tlog-cosignature/v1 signature line over a checkpoint text."""
    public = private.public_key().public_bytes_raw()
    message = f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()
    sig = private.sign(message)
    kid = key_id(name, ALG_COSIGNATURE_V1, public)
    return f"{DASH} {name} {b64(kid + timestamp.to_bytes(8, 'big') + sig)}\n"


def verify_cosignature(text: str, line: str, *, name: str, public: bytes) -> int | None:
    """The cosignature's timestamp if `line` is a valid cosignature by (name, public), else None."""
    try:
        dash, got_name, data = line.rstrip("\n").split(" ")
        raw = unb64(data)
    except (ValueError, NoteError):
        return None
    if dash != DASH or got_name != name or len(raw) != 4 + 8 + 64:
        return None
    if raw[:4] != key_id(name, ALG_COSIGNATURE_V1, public):
        return None
    ts = int.from_bytes(raw[4:12], "big")
    message = f"cosignature/v1\ntime {ts}\n".encode() + text.encode()
    v = Verifier(name=name, key_id=raw[:4], public=public)
    return ts if v.verify(message, raw[12:]) else None


def witness_verifier_key(name: str, public: bytes) -> str:
    """A cosignature/v1 (tlog-cosignature) verifier key: name+hex(key id)+base64(0x04 || key)."""
    kid = key_id(name, ALG_COSIGNATURE_V1, public)
    return f"{name}+{kid.hex()}+{b64(bytes([ALG_COSIGNATURE_V1]) + public)}"


def parse_witness_key(vkey: str) -> tuple[str, bytes]:
    """(name, Ed25519 public key) of a witness verifier key (algorithm 0x04, or 0x01 for the same
    key published as a plain Ed25519 note key). The key id must match the key."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3 or not parts[0]:
        raise NoteError("verifier key must be name+hex+base64")
    name, hex_id, key = parts
    raw = unb64(key)
    if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise NoteError("only Ed25519 and cosignature/v1 witness keys are supported")
    try:
        kid = bytes.fromhex(hex_id)
    except ValueError as exc:
        raise NoteError("bad key id") from exc
    if kid != key_id(name, raw[0], raw[1:]):
        raise NoteError("key id does not match the key")
    return name, raw[1:]
