"""What 一圈通办 writes to the ledger (全程留痕): every peer message this city sends and every peer
message it applies, each in the transaction of the change (docs/federation.md, "Ledger").

- `federation.message.sent`: written when the message is put in the outbox, in the transaction of
  the change it reports (one per idempotency key: a second put of the same key writes nothing).
- `federation.message.received`: written when an incoming message is applied (once: duplicates and
  refusals change nothing and write nothing).

The entry's subject is `sha256:<hex>` of the message exactly as it travels — the body the sender
signs, whose RFC 9530 Content-Digest the signature covers — so an auditor holding both cities'
public logs matches A's sent entry with B's received entry by subject alone. The hash names one
message (it carries a random case number, times and the sender's idempotency key), never a person.
The payload (kept private, hashed with a salt as every entry's) names the message: idempotency key,
kind, sending and receiving city, the case number it is about, and the same SHA-256.

`yiwang ledger verify` re-derives sent entries from the outbox row (its stored payload, the bytes
sent) and received entries from the message log row of the applied message. Registered from
FederationConfig.ready(); the ledger itself knows no federation."""

from __future__ import annotations

import hashlib

from yiwang.core.models import OutboxMessage
from yiwang.ledger import rederive
from yiwang.ledger import services as ledger

from . import protocol
from .models import Direction, MessageStatus, PeerMessage

PREFIX = "federation.message."
SENT = PREFIX + "sent"
RECEIVED = PREFIX + "received"
PAPER_HANDOVER = "federation.paper.handed_over"


def message_sha256(body: bytes) -> str:
    """SHA-256 (hex) of the message bytes as sent: equal to its Content-Digest (sha-256)."""
    return hashlib.sha256(body).hexdigest()


def subject(sha256: str) -> str:
    return f"sha256:{sha256}"


def payload(*, envelope: dict, sha256: str) -> dict:
    inner = envelope.get("body") if isinstance(envelope.get("body"), dict) else {}
    return {
        "id": str(envelope.get("id", "")),
        "kind": str(envelope.get("kind", "")),
        "from": str(envelope.get("from", "")),
        "to": str(envelope.get("to", "")),
        "case": str(inner.get("number", ""))[:40],
        "sha256": sha256,
    }


def record_sent(*, message: OutboxMessage) -> None:
    """Inside the transaction that put `message` in the outbox."""
    sha = message_sha256(protocol.dumps(message.payload))
    ledger.entry_append(
        kind=SENT, subject=subject(sha), payload=payload(envelope=message.payload, sha256=sha)
    )


def record_received(*, envelope: dict, body: bytes) -> None:
    """Inside the transaction that applies the message."""
    sha = message_sha256(body)
    ledger.entry_append(kind=RECEIVED, subject=subject(sha), payload=payload(envelope=envelope, sha256=sha))


def _handover_payload(oc) -> dict:
    at = oc.paper_handed_over_at.isoformat() if oc.paper_handed_over_at else ""
    return {"case": oc.number, "by": oc.paper_handed_over_by_id, "at": at}


def record_paper_handover(*, oc) -> None:
    """纸质结果 handed over at this city's window (who handed it over, when; never the collector's
    name: the entry is public, the payload hashed with a salt)."""
    ledger.entry_append(kind=PAPER_HANDOVER, subject=f"federation:{oc.number}", payload=_handover_payload(oc))


def _rederive_handover(row) -> dict | None:
    from .models import OutboundCase

    stored = row.payload if isinstance(row.payload, dict) else {}
    oc = OutboundCase.objects.filter(number=stored.get("case", "")).first()
    return _handover_payload(oc) if oc is not None else None


def _rederive_sent(row) -> dict | None:
    stored = row.payload if isinstance(row.payload, dict) else {}
    message = OutboxMessage.objects.filter(idempotency_key=stored.get("id", "")).first()
    if message is None:
        return None
    sha = message_sha256(protocol.dumps(message.payload))
    return payload(envelope=message.payload, sha256=sha)


def _rederive_received(row) -> dict | None:
    import json

    stored = row.payload if isinstance(row.payload, dict) else {}
    message = PeerMessage.objects.filter(
        direction=Direction.IN, idempotency_key=stored.get("id", ""), status=MessageStatus.APPLIED
    ).first()
    if message is None:
        return None
    body = message.body.encode()
    try:
        envelope = json.loads(body)
    except ValueError:
        return None
    return payload(envelope=envelope if isinstance(envelope, dict) else {}, sha256=message_sha256(body))


def register() -> None:
    rederive.register(SENT, _rederive_sent)
    rederive.register(RECEIVED, _rederive_received)
    rederive.register(PAPER_HANDOVER, _rederive_handover)
