"""Ledger reads: checkpoints, stored nodes, proofs (O(log n) tile rows, one query)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import connection

from . import merkle
from .models import Checkpoint, Entry, Tile


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def tiles_for(tiles: Iterable[merkle.Node]) -> dict[merkle.Node, tuple[int, bytes]]:
    """Stored tiles by (tile level, tile index): (width, blob). One primary-key query, raw SQL
    (this is every proof's hot path; the ORM's query building cost more than the query)."""
    wanted = {merkle.node_key(t, i): (t, i) for t, i in tiles}
    if not wanted:
        return {}
    sql = (
        f"SELECT id, width, hashes FROM {Tile._meta.db_table} "  # noqa: S608 - fixed table name, int params
        f"WHERE id IN ({', '.join(['%s'] * len(wanted))})"
    )
    with connection.cursor() as cur:
        cur.execute(sql, list(wanted))
        return {wanted[i]: (w, bytes(h)) for i, w, h in cur.fetchall()}


def nodes_for(nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Hashes of stored perfect subtrees; nodes that are not stored are left out."""
    nodes = list(nodes)
    tiles = tiles_for({merkle.tile_of(n) for n in nodes})
    out: dict[merkle.Node, bytes] = {}
    for n in nodes:
        tile = merkle.tile_of(n)
        if tile in tiles:
            width, blob = tiles[tile]
            try:
                k = merkle.tile_offset(tile, width, n)
            except KeyError:
                continue
            out[n] = blob[k : k + merkle.HASH_SIZE]
    return out


def tree_size() -> int:
    cp = latest_checkpoint()
    return cp.size if cp else 0


def proof_inclusion(*, index: int, size: int) -> list[bytes]:
    plan = merkle.inclusion_plan(index, size)
    return merkle.assemble(plan, nodes_for(merkle.plan_nodes(plan)))


def proof_consistency(*, old: int, new: int) -> list[bytes]:
    plan = merkle.consistency_plan(old, new)
    return merkle.assemble(plan, nodes_for(merkle.plan_nodes(plan)))


def leaf_hash_at(*, index: int) -> bytes | None:
    h = Entry.objects.filter(index=index).values_list("leaf_hash", flat=True).first()
    return bytes(h) if h is not None else None


def entries_range(*, start: int, end: int) -> list[dict]:
    return list(
        Entry.objects.filter(index__gte=start, index__lt=end)
        .order_by("index")
        .values("index", "leaf_hash", "entry")
    )


def witness_quorum() -> int:
    return int(getattr(settings, "YIWANG_LEDGER_WITNESS_QUORUM", 0))


def cosignature_lines(checkpoint: Checkpoint) -> list[str]:
    return list(checkpoint.cosignatures.order_by("witness__name").values_list("line", flat=True))


def checkpoint_with_cosignatures(checkpoint: Checkpoint) -> str:
    """The signed note with our witnesses' cosignature lines appended to its signature block."""
    return checkpoint.note + "".join(
        line if line.endswith("\n") else line + "\n" for line in cosignature_lines(checkpoint)
    )


def checkpoint_witnessed(checkpoint: Checkpoint) -> bool:
    """Counts as witnessed once `YIWANG_LEDGER_WITNESS_QUORUM` distinct witnesses cosigned it."""
    quorum = witness_quorum()
    return quorum <= 0 or checkpoint.cosignatures.values("witness").distinct().count() >= quorum
