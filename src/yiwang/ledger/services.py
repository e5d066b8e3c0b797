"""Ledger writes: append a pending entry in the caller's transaction, integrate pending entries
(one sequencer at a time, through a lease row), sign checkpoints, witness other logs."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from yiwang.core import keys
from yiwang.core.models import KeyPurpose

from . import merkle, note
from .models import Checkpoint, Entry, Lease, Node, PendingEntry, WitnessPeer
from .selectors import latest_checkpoint, nodes_for, proof_inclusion

log = logging.getLogger("yiwang.ledger")
SHANGHAI = ZoneInfo("Asia/Shanghai")
SEQUENCER = "sequencer"
LEASE_SECONDS = 60


def origin() -> str:
    return getattr(settings, "YIWANG_LEDGER_ORIGIN", "yiwang.example/ledger")


def witness_name() -> str:
    return getattr(settings, "YIWANG_LEDGER_WITNESS_NAME", "yiwang.example/witness")


# --- entries ------------------------------------------------------------------------------------
def canonical(obj: object) -> bytes:
    """Stable JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def subject_commitment(*, salt: bytes, subject_id: str) -> str:
    """HMAC-SHA256(salt, subject_id) hex. The caller keeps a per-case random salt."""
    return hmac.new(salt, subject_id.encode(), hashlib.sha256).hexdigest()


def payload_hash(*, salt: bytes, payload: dict) -> str:
    return hashlib.sha256(bytes(salt) + canonical(payload)).hexdigest()


def entry_bytes(*, kind: str, subject: str, payload_digest: str, actor_role: str, at: datetime) -> bytes:
    time_text = at.astimezone(SHANGHAI).replace(microsecond=0).isoformat(timespec="seconds")
    return canonical(
        {
            "kind": kind,
            "time": time_text,
            "actor_role": actor_role,
            "subject": subject,
            "payload_hash": payload_digest,
        }
    )


def entry_append(
    *, kind: str, subject: str, payload: dict, actor_role: str = "", at: datetime | None = None
) -> PendingEntry:
    """Write one pending entry inside the caller's transaction (no change without its entry)."""
    assert connection.in_atomic_block, "ledger.entry_append must run inside the change's transaction"
    if not kind or len(kind) > 80:
        raise ValueError("kind must be 1-80 characters")
    salt = os.urandom(16)
    digest = payload_hash(salt=salt, payload=payload)
    data = entry_bytes(
        kind=kind, subject=subject, payload_digest=digest, actor_role=actor_role, at=at or timezone.now()
    )
    return PendingEntry.objects.create(kind=kind, entry=data, payload=payload, salt=salt)


# --- the sequencer --------------------------------------------------------------------------------
class LeaseLost(Exception):
    """Another sequencer holds the lease (or ours expired): stop without writing."""


def _lease_acquire(holder: str, seconds: int) -> bool:
    if not Lease.objects.filter(name=SEQUENCER).exists():
        try:
            with transaction.atomic():
                Lease.objects.create(name=SEQUENCER)
        except IntegrityError:
            pass
    now = timezone.now()
    got = Lease.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__lt=now) | Q(holder=holder), name=SEQUENCER
    ).update(holder=holder, expires_at=now + timedelta(seconds=seconds))
    return got == 1


def _lease_release(holder: str) -> None:
    Lease.objects.filter(name=SEQUENCER, holder=holder).update(holder="", expires_at=None)


def sequencer_run(*, max_batch: int = 5000, lease_seconds: int = LEASE_SECONDS) -> int:
    """Integrate committed pending entries in batches of `max_batch`, one signed checkpoint per
    batch. Returns how many entries were integrated (0 when another sequencer holds the lease)."""
    holder = uuid.uuid4().hex
    if not _lease_acquire(holder, lease_seconds):
        return 0
    total = 0
    try:
        while True:
            n = _integrate_batch(holder=holder, max_batch=max_batch, lease_seconds=lease_seconds)
            total += n
            if n < max_batch:
                break
    except LeaseLost:
        log.warning("ledger sequencer lost its lease after %s entries", total)
    finally:
        _lease_release(holder)
    return total


@transaction.atomic
def _integrate_batch(*, holder: str, max_batch: int, lease_seconds: int) -> int:
    now = timezone.now()
    # Fencing: extend our lease inside this transaction; the UPDATE also locks the row (PostgreSQL),
    # and SQLite's IMMEDIATE transaction already serialises writers.
    if not Lease.objects.filter(name=SEQUENCER, holder=holder, expires_at__gt=now).update(
        expires_at=now + timedelta(seconds=lease_seconds)
    ):
        raise LeaseLost
    previous = latest_checkpoint()
    size = previous.size if previous else 0
    # Raw SQL on the hot path: the payload stays JSON text end to end (no decode/encode per row).
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id, kind, entry, payload, salt FROM {q(PendingEntry._meta.db_table)} ORDER BY id LIMIT %s",  # noqa: S608
            [max_batch],
        )
        pending = cur.fetchall()
    if not pending and previous is not None:
        return 0
    leaves = [merkle.leaf_hash(bytes(p[2])) for p in pending]
    front = nodes_for(merkle.frontier(size))
    created = merkle.new_nodes(size, front, leaves)
    new_size = size + len(pending)
    json_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cur:
        if pending:
            cur.executemany(
                f"INSERT INTO {q(Entry._meta.db_table)} ({q('index')}, pending_id, kind, entry, leaf_hash, "  # noqa: S608
                f"payload, salt, integrated_at) VALUES (%s, %s, %s, %s, %s, {json_param}, %s, %s)",
                [
                    (size + i, pid, kind, bytes(data), leaves[i], _json_text(payload), bytes(salt), now)
                    for i, (pid, kind, data, payload, salt) in enumerate(pending)
                ],
            )
            cur.executemany(
                f"INSERT INTO {q(Node._meta.db_table)} (id, hash) VALUES (%s, %s)",  # noqa: S608
                [(merkle.node_key(lv, ix), h) for (lv, ix), h in created.items()],
            )
    if pending:
        PendingEntry.objects.filter(id__in=[p[0] for p in pending])._raw_delete(using="default")
    overlay = {**front, **created}
    root = merkle.root_from_nodes(new_size, overlay)
    if previous is not None:
        # Never sign a checkpoint inconsistent with the last one we signed.
        old_body = note.parse_checkpoint(note.parse_note(previous.note)[0])
        plan = merkle.consistency_plan(old_body.size, new_size)
        have = nodes_for(sorted(merkle.plan_nodes(plan) - overlay.keys()))
        proof = merkle.assemble(plan, {**have, **overlay})
        merkle.verify_consistency(old_body.size, new_size, old_body.root, root, proof)
    km = keys.active_key(KeyPurpose.LEDGER_CHECKPOINT)
    signed = note.sign_note(
        note.checkpoint_text(origin(), new_size, root), name=origin(), private=km.private_key()
    )
    Checkpoint.objects.create(size=new_size, root=root, note=signed, key_version=km.version, created_at=now)
    if not Lease.objects.filter(name=SEQUENCER, holder=holder).update(tree_size=new_size):
        raise LeaseLost
    log.info("ledger integrated %s entries, size %s", len(pending), new_size)
    return len(pending)


def _json_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


# --- receipts ---------------------------------------------------------------------------------------
def receipt_for(*, entry_id: int) -> dict | None:
    """Index, inclusion proof against the latest checkpoint, and that checkpoint, once integrated."""
    row = Entry.objects.filter(pending_id=entry_id).only("index", "entry", "leaf_hash").first()
    if row is None:
        return None
    cp = latest_checkpoint()
    if cp is None or cp.size <= row.index:
        return None
    proof = proof_inclusion(index=row.index, size=cp.size)
    return {
        "entry_id": entry_id,
        "index": row.index,
        "tree_size": cp.size,
        "entry": note.b64(bytes(row.entry)),
        "leaf_hash": note.b64(bytes(row.leaf_hash)),
        "hashes": [note.b64(h) for h in proof],
        "checkpoint": cp.note,
    }


def log_verifiers() -> list[note.Verifier]:
    name = origin()
    return [
        note.Verifier(name=name, key_id=note.key_id(name, note.ALG_ED25519, km.public), public=km.public)
        for km in keys.public_keys(KeyPurpose.LEDGER_CHECKPOINT)
    ]


def receipt_verify(*, receipt: dict) -> tuple[bool, str, str]:
    """(valid, code, Chinese message). Checks the checkpoint signature with a known key version of
    this log, then the inclusion proof of the entry (or leaf hash) against the checkpoint root."""
    try:
        text, verifier = note.verified_by(str(receipt["checkpoint"]), log_verifiers())
        body = note.parse_checkpoint(text)
        index = int(receipt["index"])
        hashes = [note.unb64(h) for h in receipt.get("hashes", [])]
        if receipt.get("entry") is not None:
            leaf = merkle.leaf_hash(note.unb64(receipt["entry"]))
            if receipt.get("leaf_hash") is not None and note.unb64(receipt["leaf_hash"]) != leaf:
                return False, "leaf_mismatch", "条目内容与叶哈希不一致"
        else:
            leaf = note.unb64(receipt["leaf_hash"])
    except (KeyError, TypeError, ValueError) as exc:
        return False, "malformed", f"回执格式有误：{exc}"
    if verifier is None:
        return False, "bad_signature", "检查点签名无效或签名密钥未知"
    if body.origin != origin():
        return False, "unknown_origin", "检查点不属于本日志"
    if receipt.get("tree_size") is not None and int(receipt["tree_size"]) != body.size:
        return False, "size_mismatch", "回执中的树大小与检查点不一致"
    try:
        merkle.verify_inclusion(index, body.size, leaf, hashes, body.root)
    except merkle.ProofError:
        return False, "bad_proof", "包含性证明未通过验证"
    return True, "ok", "回执有效：该条目已记入经签名的检查点"


# --- witness for other logs (C2SP tlog-witness) ---------------------------------------------------
class WitnessError(Exception):
    def __init__(self, status: int, code: str, message: str, size: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.size = status, code, message, size


def _parse_add_checkpoint(body: bytes) -> tuple[int, list[bytes], str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WitnessError(400, "malformed", "请求不是 UTF-8 文本") from exc
    head, sep, checkpoint = text.partition("\n\n")
    if not sep:
        raise WitnessError(400, "malformed", "缺少空行分隔的检查点")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old ") or not first[4:].isdigit() or (first[4:] != "0" and first[4] == "0"):
        raise WitnessError(400, "malformed", "首行应为 old <大小>")
    if len(lines) - 1 > 63:
        raise WitnessError(400, "malformed", "一致性证明行过多")
    try:
        proof = [note.unb64(x) for x in lines[1:]]
    except note.NoteError as exc:
        raise WitnessError(400, "malformed", "一致性证明行不是 base64") from exc
    return int(first[4:]), proof, checkpoint


def witness_add_checkpoint(*, body: bytes) -> str:
    """Verify a peer log's checkpoint and its consistency with the last one we cosigned, persist it
    atomically (conditional UPDATE), and return our cosignature line."""
    old, proof, signed = _parse_add_checkpoint(body)
    try:
        text, sigs = note.parse_note(signed)
        cp = note.parse_checkpoint(text)
    except note.NoteError as exc:
        raise WitnessError(400, "malformed", f"检查点格式有误：{exc}") from exc
    peer = WitnessPeer.objects.filter(origin=cp.origin, active=True).first()
    if peer is None:
        raise WitnessError(404, "unknown_origin", "未登记的日志来源")
    try:
        verifier = note.parse_verifier_key(peer.verifier_key)
    except note.NoteError as exc:
        raise WitnessError(403, "bad_peer_key", "该日志登记的验证公钥无效") from exc
    if not any(
        s.name == verifier.name
        and s.key_id == verifier.key_id
        and verifier.verify(text.encode(), s.signature)
        for s in sigs
    ):
        raise WitnessError(403, "bad_signature", "检查点签名未通过验证")
    if old > cp.size:
        raise WitnessError(400, "old_size_too_large", "旧大小大于检查点大小")
    if old != peer.size:
        raise WitnessError(409, "size_mismatch", "旧大小与见证记录不符", size=peer.size)
    stored_root = bytes(peer.root) if peer.root is not None else None
    if old == cp.size:
        if proof or (stored_root is not None and stored_root != cp.root):
            raise WitnessError(409, "root_mismatch", "相同大小的检查点根哈希不同（日志分叉）", size=peer.size)
    elif old == 0:
        if proof:
            raise WitnessError(422, "bad_proof", "旧大小为 0 时一致性证明必须为空")
    else:
        try:
            merkle.verify_consistency(old, cp.size, stored_root or b"", cp.root, proof)
        except merkle.ProofError as exc:
            raise WitnessError(422, "bad_proof", "一致性证明未通过验证") from exc
    updated = WitnessPeer.objects.filter(pk=peer.pk, version=peer.version, size=old).update(
        size=cp.size, root=cp.root, checkpoint=signed, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        current = WitnessPeer.objects.filter(pk=peer.pk).values_list("size", flat=True).first() or 0
        raise WitnessError(409, "size_mismatch", "见证记录已被并发更新", size=current)
    km = keys.active_key(KeyPurpose.LEDGER_CHECKPOINT)
    return note.cosign(text, name=witness_name(), private=km.private_key(), timestamp=int(time.time()))
