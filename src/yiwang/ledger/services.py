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
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from yiwang.core import keys
from yiwang.core.models import KeyPurpose
from yiwang.core.text import is_digits

from . import merkle, note
from .models import Checkpoint, Cosignature, Entry, Lease, PendingEntry, Tile, Witness, WitnessPeer
from .selectors import (
    checkpoint_with_cosignatures,
    checkpoint_witnessed,
    latest_checkpoint,
    nodes_for,
    proof_consistency,
    proof_inclusion,
    tiles_for,
    witness_quorum,
)

log = logging.getLogger("yiwang.ledger")
SHANGHAI = ZoneInfo("Asia/Shanghai")
SEQUENCER = "sequencer"
LEASE_SECONDS = 60


def origin() -> str:
    return getattr(settings, "YIWANG_LEDGER_ORIGIN", "yiwang.example/ledger")


def witness_name() -> str:
    return getattr(settings, "YIWANG_LEDGER_WITNESS_NAME", "yiwang.example/witness")


# --- entries ------------------------------------------------------------------------------------
# The encoder json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds on
# every call, built once (the same bytes; the audit encodes a million payloads).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(obj: object) -> bytes:
    """Stable JSON: sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(obj).encode()


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
    """Write one pending entry inside the caller's transaction (no change without its entry).

    One raw INSERT ... RETURNING id (no model save, the payload's canonical JSON is computed once
    for both its hash and the stored column). Returns an unsaved-looking but persisted instance
    whose `pk` callers keep on their record."""
    (entry,) = entries_append(
        [{"kind": kind, "subject": subject, "payload": payload, "actor_role": actor_role, "at": at}]
    )
    return entry


def entries_append(items: list[dict]) -> list[PendingEntry]:
    """`entry_append` for several entries (each a dict of its keyword arguments) in one INSERT,
    their ids in the order given (a case's events: one statement for the create and the submit)."""
    assert connection.in_atomic_block, "ledger.entry_append must run inside the change's transaction"
    if not items:
        return []
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows, params = [], []
    for item in items:
        kind = item["kind"]
        if not kind or len(kind) > 80:
            raise ValueError("kind must be 1-80 characters")
        salt = os.urandom(16)
        payload_json = canonical(item["payload"])
        digest = hashlib.sha256(salt + payload_json).hexdigest()
        data = entry_bytes(
            kind=kind,
            subject=item["subject"],
            payload_digest=digest,
            actor_role=item.get("actor_role") or "",
            at=item.get("at") or now,
        )
        params += [kind, data, payload_json.decode(), salt, stamp]
        rows.append(PendingEntry(kind=kind, entry=data, payload=item["payload"], salt=salt, created_at=now))
    with connection.cursor() as cur:
        cur.execute(_append_sql(len(rows)), params)
        ids = sorted(r[0] for r in cur.fetchall())  # assigned in the order of the VALUES
    for obj, pk in zip(rows, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return rows


def entry_withdraw(entry: PendingEntry) -> None:
    """Take back an entry this transaction appended, when the change it records did not happen
    after all (an insert that found its unique value taken): as if the entry had been written in
    a savepoint rolled back, without the savepoint. Only the very entry `entry_append` returned
    (its id and its random salt must match) and only while it is pending (the sequencer sees none
    before the commit); anything else is a programming error and raises."""
    assert connection.in_atomic_block, "ledger.entry_withdraw must run inside the change's transaction"
    deleted, _ = PendingEntry.objects.filter(pk=entry.pk, salt=entry.salt, kind=entry.kind).delete()
    if deleted != 1:
        raise RuntimeError(f"ledger entry {entry.pk} is not a pending entry of this transaction")


def _append_sql(n: int = 1) -> str:
    q = connection.ops.quote_name
    json_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    one = f"(%s, %s, {json_param}, %s, %s)"
    return (
        f"INSERT INTO {q(PendingEntry._meta.db_table)} (kind, entry, payload, salt, created_at) "  # noqa: S608
        f"VALUES {', '.join([one] * n)} RETURNING id"
    )


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
    if total and Witness.objects.filter(active=True).exists():
        from .tasks import witness

        witness.delay()  # ask our witnesses to cosign the new checkpoint (beat retries later)
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
    # The partial right-most tile of each tile level holds the frontier and is rewritten.
    tails = tiles_for({merkle.tile_of(n) for n in merkle.frontier(size)})
    front = {n: h for tile, (w, blob) in tails.items() for n, h in merkle.tile_decode(tile, w, blob).items()}
    created = merkle.new_nodes(size, front, leaves)
    new_size = size + len(pending)
    tiles = merkle.tiles_after_append(new_size, created, tails)
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
                f"INSERT INTO {q(Tile._meta.db_table)} (id, width, hashes) VALUES (%s, %s, %s) "  # noqa: S608
                "ON CONFLICT (id) DO UPDATE SET width = excluded.width, hashes = excluded.hashes",
                [(merkle.node_key(*tile), w, blob) for tile, (w, blob) in tiles.items()],
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
        "checkpoint": checkpoint_with_cosignatures(cp),
        "witnessed": checkpoint_witnessed(cp),
    }


def log_verifiers() -> list[note.Verifier]:
    name = origin()
    return [
        note.Verifier(name=name, key_id=note.key_id(name, note.ALG_ED25519, km.public), public=km.public)
        for km in keys.public_keys(KeyPurpose.LEDGER_CHECKPOINT)
    ]


def _key_versions() -> dict[bytes, int]:
    name = origin()
    return {
        note.key_id(name, note.ALG_ED25519, km.public): km.version
        for km in keys.public_keys(KeyPurpose.LEDGER_CHECKPOINT)
    }


def _cosigners(signed: str, text: str) -> list[str]:
    """Names of configured witnesses whose cosignature line in `signed` verifies over `text`."""
    lines = signed[signed.rfind("\n\n") + 2 :].splitlines()
    names = []
    for w in Witness.objects.order_by("name"):
        try:
            name, public = note.parse_witness_key(w.verifier_key)
        except note.NoteError:
            continue
        if any(note.verify_cosignature(text, line, name=name, public=public) is not None for line in lines):
            names.append(w.name)
    return names


def receipt_check(*, receipt: dict) -> dict:
    """Check a receipt: the checkpoint signature with a known key version of this log, then the
    inclusion proof of the entry (or leaf hash) against the checkpoint root, then which configured
    witnesses cosigned that checkpoint. Returns valid, code, Chinese message, key_version,
    tree_size, index, witnesses (names), witnessed (quorum reached)."""
    out: dict = {"valid": False, "key_version": None, "tree_size": None, "index": None, "witnesses": []}
    out["witnessed"] = False

    def fail(code: str, message: str) -> dict:
        return {**out, "code": code, "message": message}

    try:
        signed = str(receipt["checkpoint"])
        text, verifier = note.verified_by(signed, log_verifiers())
        body = note.parse_checkpoint(text)
        index = int(receipt["index"])
        hashes = [note.unb64(h) for h in receipt.get("hashes", [])]
        if receipt.get("entry") is not None:
            leaf = merkle.leaf_hash(note.unb64(receipt["entry"]))
            if receipt.get("leaf_hash") is not None and note.unb64(receipt["leaf_hash"]) != leaf:
                return fail("leaf_mismatch", "条目内容与叶哈希不一致")
        else:
            leaf = note.unb64(receipt["leaf_hash"])
    except (KeyError, TypeError, ValueError) as exc:
        return fail("malformed", f"回执格式有误：{exc}")
    if verifier is None:
        return fail("bad_signature", "检查点签名无效或签名密钥未知")
    out.update(key_version=_key_versions().get(verifier.key_id), tree_size=body.size, index=index)
    if body.origin != origin():
        return fail("unknown_origin", "检查点不属于本日志")
    if receipt.get("tree_size") is not None and int(receipt["tree_size"]) != body.size:
        return fail("size_mismatch", "回执中的树大小与检查点不一致")
    try:
        merkle.verify_inclusion(index, body.size, leaf, hashes, body.root)
    except merkle.ProofError:
        return fail("bad_proof", "包含性证明未通过验证")
    names = _cosigners(signed, text)
    out.update(valid=True, witnesses=names, witnessed=len(names) >= witness_quorum())
    return {**out, "code": "ok", "message": "回执有效：该条目已记入经签名的检查点"}


def receipt_verify(*, receipt: dict) -> tuple[bool, str, str]:
    """(valid, code, Chinese message); see receipt_check."""
    r = receipt_check(receipt=receipt)
    return r["valid"], r["code"], r["message"]


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
    if not first.startswith("old ") or not is_digits(first[4:]) or (first[4:] != "0" and first[4] == "0"):
        raise WitnessError(400, "malformed", "首行应为 old <大小>")
    if len(lines) - 1 > 63:
        raise WitnessError(400, "malformed", "一致性证明行过多")
    try:
        proof = [note.unb64(x) for x in lines[1:]]
    except note.NoteError as exc:
        raise WitnessError(400, "malformed", "一致性证明行不是 base64") from exc
    return int(first[4:]), proof, checkpoint


@transaction.atomic
def witness_peer_add(*, origin: str, verifier_key: str) -> WitnessPeer:
    """Start witnessing the log `origin` whose checkpoints verify with `verifier_key` (a signed-note
    verifier key). Idempotent for the same key; refuses to change the key of a known log."""
    origin = origin.strip()
    try:
        verifier = note.parse_verifier_key(verifier_key.strip())
    except note.NoteError as exc:
        raise ValueError(f"验证公钥格式有误：{exc}") from exc
    if not origin or verifier.name != origin:
        raise ValueError("验证公钥的名称应与日志来源标识一致")
    peer, created = WitnessPeer.objects.get_or_create(
        origin=origin, defaults={"verifier_key": verifier_key.strip()}
    )
    if not created and peer.verifier_key != verifier_key.strip():
        raise ValueError("该日志已登记其他验证公钥")
    return peer


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


# --- our own witnesses (we are the log; C2SP tlog-witness client) -------------------------------
WITNESS_TIMEOUT = 10


def witness_key() -> str:
    """This instance's cosignature/v1 verifier key, for logs that configure us as their witness."""
    km = keys.active_key(KeyPurpose.LEDGER_CHECKPOINT)
    return note.witness_verifier_key(witness_name(), km.public)


# How a checkpoint is sent to a witness: (url, body) -> (HTTP status, response body); raises OSError
# when the witness is unreachable (_http_post below).
WitnessPost = Callable[[str, bytes], tuple[int, bytes]]


def _http_post(url: str, body: bytes) -> tuple[int, bytes]:
    """POST a text body; (status, response body). Raises OSError when the witness is unreachable."""
    import urllib.error
    import urllib.request

    if not url.lower().startswith(("http://", "https://")):
        raise OSError("witness URL must be http(s)")
    req = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, method="POST", headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(req, timeout=WITNESS_TIMEOUT) as resp:  # noqa: S310
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def add_checkpoint_body(*, old: int, proof: list[bytes], checkpoint_note: str) -> bytes:
    head = "".join(f"{line}\n" for line in [f"old {old}", *(note.b64(h) for h in proof)])
    return (head + "\n" + checkpoint_note).encode()


def witness_submit(*, witness: Witness, checkpoint: Checkpoint, post: WitnessPost = _http_post) -> bool:
    """Send `checkpoint` to one witness (old size + consistency proof + checkpoint). On 409 retry
    once from the size the witness reports. Stores the verified cosignature; True if we have one.
    Never raises for a witness that is down or refuses: the error is kept on the witness row."""
    if Cosignature.objects.filter(witness=witness, checkpoint=checkpoint).exists():
        return True
    try:
        name, public = note.parse_witness_key(witness.verifier_key)
    except note.NoteError:
        return _witness_failed(witness, "bad verifier key")
    text = note.parse_note(checkpoint.note)[0]
    old = witness.size if 0 <= witness.size <= checkpoint.size else 0
    for attempt in (1, 2):
        proof = proof_consistency(old=old, new=checkpoint.size) if 0 < old < checkpoint.size else []
        body = add_checkpoint_body(old=old, proof=proof, checkpoint_note=checkpoint.note)
        try:
            status, reply = post(witness.url, body)
        except OSError as exc:
            return _witness_failed(witness, f"unreachable: {exc}")
        if status == 409 and attempt == 1:
            try:
                theirs = int(reply.decode().strip())
            except (UnicodeDecodeError, ValueError):
                return _witness_failed(witness, "409 without a size")
            if not 0 <= theirs <= checkpoint.size or theirs == old:
                Witness.objects.filter(pk=witness.pk).update(size=theirs)
                return _witness_failed(witness, f"409: witness is at size {theirs}")
            old = theirs
            continue
        if status != 200:
            return _witness_failed(witness, f"HTTP {status}: {reply[:200].decode(errors='replace')}")
        for line in reply.decode(errors="replace").splitlines():
            ts = note.verify_cosignature(text, line, name=name, public=public)
            if ts is not None:
                with transaction.atomic():
                    Cosignature.objects.get_or_create(
                        witness=witness,
                        checkpoint=checkpoint,
                        defaults={"line": line + "\n", "timestamp": ts},
                    )
                    Witness.objects.filter(pk=witness.pk).update(
                        size=checkpoint.size, last_error="", last_attempt_at=timezone.now()
                    )
                witness.size = checkpoint.size
                return True
        return _witness_failed(witness, "no valid cosignature in the reply")
    return _witness_failed(witness, "409 twice")


def _witness_failed(witness: Witness, error: str) -> bool:
    log.warning("ledger witness %s: %s", witness.name, error)
    Witness.objects.filter(pk=witness.pk).update(last_error=error[:300], last_attempt_at=timezone.now())
    return False


WITNESS_CATCH_UP = 20


def witnesses_collect(*, post: WitnessPost = _http_post) -> int:
    """Ask every active witness to cosign the checkpoints it has not cosigned yet, oldest first,
    each with a consistency proof from the size it last cosigned (the task after each integration,
    and every minute from beat, so a witness that was down catches up on the checkpoints signed
    meanwhile; at most the WITNESS_CATCH_UP latest, the latest always). Stops at a witness's first
    failure. Returns how many witnesses have cosigned the latest checkpoint."""
    cp = latest_checkpoint()
    if cp is None:
        return 0
    done = 0
    for witness in Witness.objects.filter(active=True).order_by("name"):
        todo = list(
            Checkpoint.objects.filter(size__gt=witness.size)
            .exclude(cosignatures__witness=witness)
            .order_by("-size")[:WITNESS_CATCH_UP]
        )
        ok = True
        for checkpoint in reversed(todo):
            if checkpoint.size <= witness.size and checkpoint.pk != cp.pk:
                continue  # the witness has moved past it (it only cosigns forward)
            ok = witness_submit(witness=witness, checkpoint=checkpoint, post=post)
            if not ok:
                break
            witness.refresh_from_db(fields=["size"])
        done += ok and Cosignature.objects.filter(witness=witness, checkpoint=cp).exists()
    return done
