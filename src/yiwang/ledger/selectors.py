"""Ledger reads: checkpoints, stored nodes, proofs (O(log n) node rows, one query)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from . import merkle
from .models import Checkpoint, Entry, Node


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def nodes_for(nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    wanted = {merkle.node_key(lv, ix): (lv, ix) for lv, ix in nodes}
    if not wanted:
        return {}
    rows = Node.objects.filter(id__in=list(wanted)).values_list("id", "hash")
    return {wanted[i]: bytes(h) for i, h in rows}


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
