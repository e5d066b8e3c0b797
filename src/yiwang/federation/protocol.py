"""The wire between two cities: JSON messages signed with RFC 9421 HTTP Message Signatures and
Content-Digest (exchange.httpsig, Ed25519 through the key service). A city's key id is
`<division code>:yiwang-http-v<version>`, so a receiving city finds the sending peer from it."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

from yiwang.core import keys
from yiwang.core.models import KeyPurpose
from yiwang.exchange import httpsig

CITIES = {
    "420100": "武汉市",
    "420200": "黄石市",
    "420700": "鄂州市",
    "420900": "孝感市",
    "421100": "黄冈市",
    "421200": "咸宁市",
    "429004": "仙桃市",
    "429005": "潜江市",
    "429006": "天门市",
}
INBOX_PATH = "/api/v1/federation/peer/inbox"
ITEMS_PATH = "/api/v1/federation/peer/items"


def own_code() -> str:
    return settings.YIWANG_CITY


def own_name() -> str:
    return CITIES.get(own_code(), own_code())


def own_key() -> tuple[str, object]:
    key_id, private = httpsig.own_signing_key()
    return f"{own_code()}:{key_id}", private


def own_card() -> dict:
    """What this city gives a peer out of band to be paired: code, name, address and keys."""
    key_id, private = own_key()
    from cryptography.hazmat.primitives import serialization

    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    from yiwang.ledger import note
    from yiwang.ledger import services as ledger

    ledger_key = keys.active_key(KeyPurpose.LEDGER_CHECKPOINT)
    return {
        "code": own_code(),
        "name": own_name(),
        "base_url": settings.YIWANG_BASE_URL,
        "key_id": key_id,
        "public_key": base64.b64encode(public).decode(),
        "ledger_key": base64.b64encode(ledger_key.public or b"").decode(),
        # witnessing each other's ledger (C2SP tlog-witness): our log, and our key as a witness
        "ledger_origin": ledger.origin(),
        "ledger_verifier": note.verifier_key(ledger.origin(), ledger_key.public),
        "witness_key": ledger.witness_key(),
    }


def dumps(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    def json(self) -> dict:
        try:
            out = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return out if isinstance(out, dict) else {}


class Unreachable(Exception):
    """The peer did not answer (connection refused, timeout)."""


def signed_request(*, method: str, url: str, body: bytes = b"", timeout: float = 20.0) -> tuple[dict, Reply]:
    """Send one signed request; returns (the headers sent, the reply)."""
    key_id, private = own_key()
    headers = httpsig.sign_request(method=method, url=url, body=body, key_id=key_id, private_key=private)
    if not url.startswith(("http://", "https://")):
        raise Unreachable("bad_scheme")
    req = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url, data=body if method != "GET" else None, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - a configured peer URL
            return headers, Reply(r.status, dict(r.headers.items()), r.read())
    except urllib.error.HTTPError as e:
        return headers, Reply(e.code, dict(e.headers.items()), e.read())
    except (OSError, ValueError) as exc:
        raise Unreachable(type(exc).__name__) from exc


def public_key_of(peer) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes(peer.public_key))


def sign_reply(status: int, body: bytes) -> dict[str, str]:
    key_id, private = own_key()
    return httpsig.sign_response(status=status, body=body, key_id=key_id, private_key=private)
