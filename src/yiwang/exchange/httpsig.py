"""HTTP Message Signatures (RFC 9421, Ed25519) with Content-Digest (RFC 9530) for calls between
the gateway and department systems, on the `http-message-signatures` library.

Requests cover `@method @authority @path @query content-type content-digest` with `created`,
`nonce`, `keyid` and `alg`; responses cover `@status content-type content-digest`. The platform's
own key is the key service's HTTP-signature key (`keyid` "yiwang-http-v<version>"); department
systems are `ExternalSystem` rows holding their public key. Replay protection: the nonce of each
accepted request is stored in a table (`SignatureNonce`, unique per key), so every process sees it.
"""

from __future__ import annotations

import base64
import datetime
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import IntegrityError, transaction
from django.utils import timezone
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException
from http_message_signatures.structures import CaseInsensitiveDict

from yiwang.core import keys
from yiwang.core.models import KeyPurpose

REQUEST_COMPONENTS = ("@method", "@authority", "@path", "@query", "content-type", "content-digest")
RESPONSE_COMPONENTS = ("@status", "content-type", "content-digest")
MAX_AGE = datetime.timedelta(seconds=300)
OWN_KEY_PREFIX = "yiwang-http-v"


class SignatureError(Exception):
    """A signature is missing, malformed, expired, forged or replayed. `code` says which."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass
class RequestMessage:
    method: str
    url: str
    headers: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)


@dataclass
class ResponseMessage:
    status_code: int
    headers: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)
    request: RequestMessage | None = None


class _Resolver(HTTPSignatureKeyResolver):
    def __init__(self, *, private: Ed25519PrivateKey | None = None, public: Callable | None = None):
        self._private = private
        self._public = public
        self.missing = ""

    def resolve_private_key(self, key_id: str):
        return self._private

    def resolve_public_key(self, key_id: str):
        key = self._public(key_id) if self._public else None
        if key is None:
            self.missing = key_id
            raise SignatureError("unknown_key", key_id)
        return key


# --- the platform's own key --------------------------------------------------------------------
def own_key_id(version: int) -> str:
    return f"{OWN_KEY_PREFIX}{version}"


def own_signing_key() -> tuple[str, Ed25519PrivateKey]:
    km = keys.active_key(KeyPurpose.HTTP_SIGNATURE)
    return own_key_id(km.version), km.private_key()


def own_public_key(key_id: str) -> Ed25519PublicKey | None:
    if not key_id.startswith(OWN_KEY_PREFIX) or not key_id[len(OWN_KEY_PREFIX) :].isdigit():
        return None
    try:
        return keys.get_key(KeyPurpose.HTTP_SIGNATURE, int(key_id[len(OWN_KEY_PREFIX) :])).public_key()
    except keys.KeyError_:
        return None


def own_public_keys() -> list[dict]:
    """Every version of the platform's HTTP-signature key, for department systems."""
    keys.active_key(KeyPurpose.HTTP_SIGNATURE)
    return [
        {
            "keyid": own_key_id(km.version),
            "alg": "ed25519",
            "public_key": base64.b64encode(km.public or b"").decode(),
        }
        for km in keys.public_keys(KeyPurpose.HTTP_SIGNATURE)
    ]


# --- signing ------------------------------------------------------------------------------------
def sign_request(
    *,
    method: str,
    url: str,
    body: bytes,
    key_id: str,
    private_key: Ed25519PrivateKey,
    content_type: str = "application/json",
    headers: dict | None = None,
    nonce: str | None = None,
    created: datetime.datetime | None = None,
) -> dict[str, str]:
    """Headers to send with the request: Content-Type, Content-Digest, Signature-Input, Signature."""
    msg = RequestMessage(method=method, url=url, headers=CaseInsensitiveDict(headers or {}))
    msg.headers["Content-Type"] = content_type
    HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519, key_resolver=_Resolver(private=private_key)
    ).sign(
        msg,
        key_id=key_id,
        created=created or timezone.now(),
        nonce=nonce or base64.urlsafe_b64encode(os.urandom(18)).decode(),
        label="yw",
        covered_component_ids=REQUEST_COMPONENTS,
        body=body,
    )
    return dict(msg.headers.items())


def sign_with_own_key(*, method: str, url: str, body: bytes) -> dict[str, str]:
    """Sign an outgoing request with the platform's current key (the catalogue's requests to the
    provincial item library, through the `catalog.province_request_signer` hook)."""
    key_id, private_key = own_signing_key()
    return sign_request(method=method, url=url, body=body, key_id=key_id, private_key=private_key)


def sign_response(
    *,
    status: int,
    body: bytes,
    key_id: str,
    private_key: Ed25519PrivateKey,
    content_type: str = "application/json",
) -> dict[str, str]:
    msg = ResponseMessage(status_code=status, headers=CaseInsensitiveDict({"Content-Type": content_type}))
    HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519, key_resolver=_Resolver(private=private_key)
    ).sign(
        msg,
        key_id=key_id,
        created=timezone.now(),
        label="yw",
        covered_component_ids=RESPONSE_COMPONENTS,
        body=body,
    )
    return dict(msg.headers.items())


# --- verification -------------------------------------------------------------------------------
def _verify(message, *, body: bytes, public: Callable, required: Iterable[str], max_age):
    if "signature-input" not in message.headers or "signature" not in message.headers:
        raise SignatureError("signature_missing")
    resolver = _Resolver(public=public)
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
    try:
        results = verifier.verify(message, max_age=max_age, require_components=tuple(required), body=body)
    except SignatureError:
        raise
    except (HTTPMessageSignaturesException, ValueError, TypeError, KeyError) as exc:
        if resolver.missing:
            raise SignatureError("unknown_key", resolver.missing) from exc
        raise SignatureError("signature_invalid", str(exc)[:200]) from exc
    if len(results) != 1:
        raise SignatureError("signature_invalid", "exactly one signature expected")
    return results[0]


def verify_request(
    *,
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    public: Callable[[str], Ed25519PublicKey | None],
    max_age: datetime.timedelta = MAX_AGE,
) -> str:
    """Verify a signed request and record its nonce; returns the key id. Raises SignatureError
    (`signature_missing`, `signature_invalid`, `unknown_key`, `nonce_missing`, `replayed`)."""
    msg = RequestMessage(method=method, url=url, headers=CaseInsensitiveDict(dict(headers)))
    result = _verify(msg, body=body, public=public, required=REQUEST_COMPONENTS, max_age=max_age)
    key_id = str(result.parameters.get("keyid", ""))
    if not result.nonce or len(result.nonce) > 100:
        raise SignatureError("nonce_missing")
    nonce_remember(key_id=key_id, nonce=result.nonce, created=int(result.parameters.get("created", 0)))
    return key_id


def verify_response(
    *,
    status: int,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    public: Callable[[str], Ed25519PublicKey | None],
) -> str:
    msg = ResponseMessage(status_code=status, headers=CaseInsensitiveDict(dict(headers)))
    result = _verify(msg, body=body, public=public, required=RESPONSE_COMPONENTS, max_age=MAX_AGE)
    return str(result.parameters.get("keyid", ""))


def nonce_remember(*, key_id: str, nonce: str, created: int) -> None:
    """Store the nonce until the signature could no longer be accepted; a second use of the same
    nonce under the same key (in any process) raises `replayed`."""
    now = timezone.now()
    created_at = datetime.datetime.fromtimestamp(created, tz=datetime.UTC) if created else now
    from .models import SignatureNonce

    try:
        with transaction.atomic():
            SignatureNonce.objects.create(
                key_id=key_id, nonce=nonce, expires_at=max(created_at, now) + MAX_AGE + MAX_AGE
            )
    except IntegrityError as exc:
        raise SignatureError("replayed", key_id) from exc
    SignatureNonce.objects.filter(expires_at__lt=now).delete()
