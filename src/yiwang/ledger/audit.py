"""`yiwang ledger verify`: recompute the log from its stored entries and check everything stored
against it. Problems are reported in log order; the first one is the first divergence."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from . import merkle, note, rederive
from .models import Checkpoint, Entry, Tile
from .services import log_verifiers, origin, payload_hash

CHUNK = 5000
_decode = json.JSONDecoder().decode  # json.loads without its per-call set-up (str input)
LEVEL_MASK = (1 << 56) - 1


@dataclass
class Report:
    entries: int = 0
    nodes: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    rederived: int = 0
    problems: list[str] = field(default_factory=list)
    limit: int = 50

    def problem(self, text: str) -> None:
        if len(self.problems) < self.limit:
            self.problems.append(text)

    @property
    def ok(self) -> bool:
        return not self.problems


def _levels(leaves: list[bytes]) -> list[list[bytes]]:
    levels = [leaves]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


class _LevelView(dict):
    """(level, index) -> hash over the recomputed levels, for merkle.assemble/root_from_nodes."""

    def __init__(self, levels: list[list[bytes]]):
        super().__init__()
        self.levels = levels

    def __getitem__(self, key):
        level, index = key
        return self.levels[level][index]


def ledger_verify(*, rederive_records: bool = True, progress: Callable[[str], None] | None = None) -> Report:
    report = Report()
    leaves: list[bytes] = []
    expected = 0
    for index, kind, data, stored_leaf, payload, salt, pending_id in _entry_rows():
        data = bytes(data)
        if index != expected:
            report.problem(f"entry {expected} is missing (next stored entry is {index})")
            expected = index
        leaf = merkle.leaf_hash(data)
        if bytes(stored_leaf) != leaf:
            report.problem(f"entry {index}: stored leaf hash does not match the entry bytes")
        try:
            obj = _decode(data.decode())
            attested = obj["payload_hash"]
        except (ValueError, KeyError, TypeError):
            report.problem(f"entry {index}: entry bytes are not a canonical ledger entry")
            attested = None
        else:
            if obj.get("kind") != kind:
                report.problem(f"entry {index}: kind column differs from the entry bytes")
        if attested is not None and payload_hash(salt=bytes(salt), payload=payload) != attested:
            report.problem(f"entry {index}: stored payload does not hash to the entry's payload_hash")
        fn = rederive.lookup(kind) if rederive_records else None
        if fn is not None and attested is not None:
            live = fn(_Row(index=index, kind=kind, payload=payload, salt=bytes(salt), pending_id=pending_id))
            report.rederived += 1
            if live is None:
                report.problem(f"entry {index}: the record it attests ({kind}) is gone")
            elif payload_hash(salt=bytes(salt), payload=live) != attested:
                report.problem(f"entry {index}: the live record ({kind}) no longer matches the entry")
        leaves.append(leaf)
        expected += 1
    report.entries = len(leaves)
    if progress:
        progress(f"{report.entries} entries read")

    levels = _levels(leaves)
    view = _LevelView(levels)
    want_nodes = sum(len(level) for level in levels) if leaves else 0
    seen = 0
    for tile_id, width, blob in (
        Tile.objects.order_by("id").values_list("id", "width", "hashes").iterator(chunk_size=CHUNK)
    ):
        tile = (tile_id >> 56, tile_id & LEVEL_MASK)
        blob = bytes(blob)
        nodes = merkle.tile_nodes(tile, width)
        if len(blob) == merkle.HASH_SIZE * len(nodes):
            try:  # the common case, in one comparison: the whole tile as recomputed
                if b"".join(levels[level][index] for level, index in nodes) == blob:
                    seen += len(nodes)
                    continue
            except IndexError:
                pass  # a node outside the recomputed tree: found node by node below
        try:
            stored = merkle.tile_decode(tile, width, blob)
        except ValueError:
            report.problem(f"stored tile {tile} is malformed")
            continue
        for (level, index), h in stored.items():
            seen += 1
            if level >= len(levels) or index >= len(levels[level]):
                report.problem(f"stored node ({level}, {index}) lies outside the recomputed tree")
            elif h != levels[level][index]:
                what = f"entry {index}" if level == 0 else f"node ({level}, {index})"
                report.problem(f"stored tree differs from the recomputed tree at {what}")
    report.nodes = seen
    if seen != want_nodes:
        report.problem(f"{seen} stored nodes, {want_nodes} expected from the entries")

    verifiers = log_verifiers()
    previous: note.CheckpointBody | None = None
    for cp in Checkpoint.objects.order_by("size").iterator():
        report.checkpoints += 1
        try:
            text, verifier = note.verified_by(cp.note, verifiers)
            body = note.parse_checkpoint(text)
        except note.NoteError as exc:
            report.problem(f"checkpoint {cp.size}: malformed note ({exc})")
            continue
        if verifier is None:
            report.problem(f"checkpoint {cp.size}: signature does not verify with any key of this log")
            continue
        if body.origin != origin() or body.size != cp.size or body.root != bytes(cp.root):
            report.problem(f"checkpoint {cp.size}: signed body differs from the stored row")
        for witness_name, vkey, line in cp.cosignatures.values_list(
            "witness__name", "witness__verifier_key", "line"
        ):
            report.cosignatures += 1
            try:
                name, public = note.parse_witness_key(vkey)
            except note.NoteError:
                name, public = witness_name, b""
            if not public or note.verify_cosignature(text, line, name=name, public=public) is None:
                report.problem(f"checkpoint {cp.size}: cosignature of {witness_name} does not verify")
        if body.size > len(leaves):
            report.problem(f"checkpoint {cp.size}: larger than the {len(leaves)} stored entries")
        elif merkle.root_from_nodes(body.size, view) != body.root:
            report.problem(f"checkpoint {cp.size}: root differs from the tree recomputed from the entries")
        elif previous is not None:
            proof = merkle.assemble(merkle.consistency_plan(previous.size, body.size), view)
            try:
                merkle.verify_consistency(previous.size, body.size, previous.root, body.root, proof)
            except merkle.ProofError:
                report.problem(f"checkpoints {previous.size} and {body.size} are inconsistent")
        previous = body
    return report


def _entry_rows():
    """The stored entries in log order, read through a server-side cursor where the database has
    one (Django's row converters cost a third of the audit); payloads decoded from JSON here."""
    q = connection.ops.quote_name
    columns = ", ".join(
        q(c) for c in ("index", "kind", "entry", "leaf_hash", "payload", "salt", "pending_id")
    )
    sql = f"SELECT {columns} FROM {q(Entry._meta.db_table)} ORDER BY {q('index')}"  # noqa: S608 - constant identifiers
    with connection.chunked_cursor() as cur:
        cur.execute(sql)
        while rows := cur.fetchmany(CHUNK):
            for index, kind, data, leaf, payload, salt, pending_id in rows:
                if isinstance(payload, str):  # SQLite stores JSON as text
                    payload = _decode(payload)
                yield index, kind, data, leaf, payload, salt, pending_id


@dataclass(frozen=True)
class _Row:
    """What a re-derive function receives: the entry's index, kind, stored payload and salt, and
    the id `entry_append` returned (callers map it to their record)."""

    index: int
    kind: str
    payload: dict
    salt: bytes
    pending_id: int
