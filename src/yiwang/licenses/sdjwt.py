"""SD-JWT (RFC 9901) and SD-JWT VC, a thin layer on `cryptography` (Ed25519, `alg: EdDSA`; or
SM2 with SM3, `alg: GmSM2`, through `sm2.py` — any key with `.sign(data)` and a `jws_alg`).

Only what the licences need: flat claims, each disclosable claim a Disclosure
`base64url(JSON [salt, name, value])`, its digest `base64url(SHA-256(ascii(disclosure)))` in the
payload's `_sd` array (sorted, so order reveals nothing), `_sd_alg: sha-256`. Serialisation:
`<issuer-signed JWT>~<disclosure>~...~` (no key binding). The signing and public keys are
passed in, so this module has no database or key-service knowledge.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG = "EdDSA"
TYP = "dc+sd-jwt"
SD_ALG = "sha-256"
RESERVED = {"_sd", "_sd_alg", "..."}


class SdJwtError(ValueError):
    """A credential that cannot even be parsed (reason code in .code)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64U = re.compile(r"[A-Za-z0-9_-]+")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# the last character of a canonical encoding leaves no stray bits: 4 unused bits when the length
# is 2 mod 4, 2 when it is 3 mod 4
_LAST_OK = {
    2: frozenset(c for i, c in enumerate(_ALPHABET) if i % 16 == 0),
    3: frozenset(c for i, c in enumerate(_ALPHABET) if i % 4 == 0),
}


def b64u_decode(text: str) -> bytes:
    if not isinstance(text, str) or not _B64U.fullmatch(text) or len(text) % 4 == 1:
        raise SdJwtError("malformed", "not base64url")
    rest = len(text) % 4
    if rest and text[-1] not in _LAST_OK[rest]:  # non-canonical: one changed character never passes
        raise SdJwtError("malformed", "not canonical base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SdJwtError("malformed", "not base64url") from exc


_decode_json = json.JSONDecoder().decode


def json_loads(data: bytes) -> object:
    """JSON from UTF-8 bytes (UnicodeDecodeError / JSONDecodeError for anything else)."""
    return _decode_json(data.decode("utf-8"))


def _json(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def digest(disclosure: str) -> str:
    """RFC 9901 §4.2.3: the digest is over the US-ASCII bytes of the base64url disclosure."""
    return b64u(hashlib.sha256(disclosure.encode("ascii")).digest())


def make_disclosure(name: str, value: object, *, salt: str | None = None) -> str:
    if name in RESERVED:
        raise ValueError(f"claim name {name!r} is reserved")
    salt = salt or b64u(os.urandom(16))
    return b64u(json.dumps([salt, name, value], ensure_ascii=False).encode())


def key_alg(key: object) -> str:
    """The JWS `alg` of a signing or verification key: EdDSA for Ed25519, else its `jws_alg`."""
    if isinstance(key, Ed25519PrivateKey | Ed25519PublicKey):
        return ALG
    alg = getattr(key, "jws_alg", None)
    if not isinstance(alg, str):
        raise TypeError(f"unsupported key {type(key).__name__}")
    return alg


def jwt_sign(*, header: dict, payload: dict, key: Ed25519PrivateKey) -> str:
    signing_input = f"{b64u(_json(header))}.{b64u(_json(payload))}"
    return f"{signing_input}.{b64u(key.sign(signing_input.encode('ascii')))}"


def jwt_decode(token: str) -> tuple[dict, dict, bytes, bytes]:
    """Parse a compact JWS: (header, payload, signing input, signature). No verification."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise SdJwtError("malformed", "a JWT has three parts")
    try:
        header = json_loads(b64u_decode(parts[0]))
        payload = json_loads(b64u_decode(parts[1]))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SdJwtError("malformed", "JWT header or payload is not JSON") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise SdJwtError("malformed", "JWT header and payload must be objects")
    return header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), b64u_decode(parts[2])


def issue(
    *,
    claims: dict,
    disclosable: dict,
    key: Ed25519PrivateKey,
    kid: str,
    salt: Callable[[], str] | None = None,
) -> str:
    """An SD-JWT VC with every claim of `disclosable` selectively disclosable; `claims` are
    always visible (iss, vct, iat, exp, status...). Returns the issuance form with all disclosures."""
    disclosures = [
        make_disclosure(name, value, salt=salt() if salt else None) for name, value in disclosable.items()
    ]
    payload = {**claims, "_sd": sorted(digest(d) for d in disclosures), "_sd_alg": SD_ALG}
    header = {"alg": key_alg(key), "typ": TYP, "kid": kid}
    return "~".join([jwt_sign(header=header, payload=payload, key=key), *disclosures]) + "~"


@dataclass
class Parsed:
    jwt: str
    header: dict
    payload: dict
    signing_input: bytes
    signature: bytes
    disclosures: list[str]
    # name -> (disclosure, value)
    disclosed: dict[str, object] = field(default_factory=dict)


def split(credential: str) -> tuple[str, list[str]]:
    if not isinstance(credential, str) or "~" not in credential:
        raise SdJwtError("malformed", "an SD-JWT is <JWT>~<disclosures>~")
    parts = credential.strip().split("~")
    if parts[-1] != "":
        raise SdJwtError("key_binding_unsupported", "key-binding JWTs are not accepted")
    jwt, disclosures = parts[0], parts[1:-1]
    if any(d == "" for d in disclosures):
        raise SdJwtError("malformed", "empty disclosure")
    return jwt, disclosures


def parse(credential: str) -> Parsed:
    jwt, disclosures = split(credential)
    header, payload, signing_input, signature = jwt_decode(jwt)
    return Parsed(jwt, header, payload, signing_input, signature, disclosures)


def verify_signature(parsed: Parsed, public_key: Ed25519PublicKey) -> bool:
    """The signature verifies with `public_key` and the header names that key's algorithm."""
    if parsed.header.get("alg") != key_alg(public_key):
        return False
    try:
        public_key.verify(parsed.signature, parsed.signing_input)
    except InvalidSignature:
        return False
    return True


def resolve_disclosures(parsed: Parsed) -> list[str]:
    """RFC 9901 §7.1: every disclosure's digest must appear exactly once in `_sd`; fills
    parsed.disclosed and returns the reason codes of problems (empty when all is well)."""
    if parsed.payload.get("_sd_alg", SD_ALG) != SD_ALG:
        return ["unsupported_sd_alg"]
    sd = parsed.payload.get("_sd", [])
    if not isinstance(sd, list) or not all(isinstance(x, str) for x in sd):
        return ["malformed"]
    available = set(sd)
    seen: set[str] = set()
    reasons: list[str] = []
    for disclosure in parsed.disclosures:
        d = digest(disclosure)
        if d in seen:
            reasons.append("duplicate_disclosure")
            continue
        seen.add(d)
        if d not in available:
            reasons.append("disclosure_mismatch")
            continue
        try:
            item = json_loads(b64u_decode(disclosure))
        except (SdJwtError, UnicodeDecodeError, json.JSONDecodeError):
            reasons.append("disclosure_mismatch")
            continue
        if (
            not isinstance(item, list)
            or len(item) != 3
            or not isinstance(item[0], str)
            or not isinstance(item[1], str)
            or item[1] in RESERVED
            or item[1] in parsed.payload
            or item[1] in parsed.disclosed
        ):
            reasons.append("disclosure_mismatch")
            continue
        parsed.disclosed[item[1]] = item[2]
    return sorted(set(reasons))


def present(credential: str, fields: Iterable[str]) -> str:
    """The holder's presentation: the issuer-signed JWT with only the disclosures of `fields`."""
    jwt, disclosures = split(credential)
    wanted = set(fields)
    chosen = []
    for d in disclosures:
        item = json.loads(b64u_decode(d))
        if item[1] in wanted:
            chosen.append(d)
    return "~".join([jwt, *chosen]) + "~"
