"""RFC 9162 §2.1 Merkle trees, without Django.

Leaf hash SHA-256(0x00 || entry), node hash SHA-256(0x01 || left || right). Proofs are built
from stored *perfect subtree* hashes: the node (level, index) covers leaves
[index * 2**level, (index + 1) * 2**level). Every perfect subtree of the log is stored once
when it becomes complete, so a proof needs O(log n) stored nodes and never rehashes the log:
`inclusion_plan`/`consistency_plan` name the nodes a proof needs, `assemble` folds them.

The database keeps those nodes in *tiles* (`tile_of`, `tile_encode`, `tile_decode`): tile (t, i)
holds every node of levels t*H .. t*H+H-1 under the i-th group of 2**H nodes of level t*H
(H = TILE_HEIGHT = 6: at most 126 hashes, 4,032 bytes, one row). A path's siblings at one level
share a tile and a proof's right edge lies in the right-most tile of each tile level, so a proof
at size n reads at most about 2 * ceil(log2(n) / H) rows (8 at 10 million entries).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
Node = tuple[int, int]  # (level, index)


class ProofError(ValueError):
    """A proof or tree size that does not verify."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def node_key(level: int, index: int) -> int:
    """One integer per node, used as the primary key of stored nodes."""
    return (level << 56) | index


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- the naive reference: MTH over a list, used by tests and `ledger verify` ------------------------
def mth(leaf_hashes: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash over leaf hashes (naive recursion)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(mth(leaf_hashes[:k]), mth(leaf_hashes[k:]))


# --- perfect subtrees -----------------------------------------------------------------------------
def range_nodes(start: int, end: int) -> list[Node]:
    """Perfect subtrees covering [start, end), left to right, as the RFC splits the range.

    `start` must be a multiple of the largest power of two <= end - start (true for every range
    RFC 9162's recursion produces, and for [0, n))."""
    out: list[Node] = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"unaligned range [{start}, {end})")
        out.append((level, start >> level))
        start += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """Hash of a range from its perfect subtrees, left to right (the right-most are smallest)."""
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


# A plan is a list of proof elements; each element is the list of perfect nodes that fold into it.
Plan = list[list[Node]]


def inclusion_plan(index: int, size: int) -> Plan:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) as stored nodes."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} not in tree of size {size}")
    out: Plan = []

    def path(m: int, start: int, n: int) -> None:
        if n == 1:
            return
        k = _split(n)
        if m < k:
            path(m, start, k)
            out.append(range_nodes(start + k, start + n))
        else:
            path(m - k, start + k, n - k)
            out.append(range_nodes(start, start + k))

    path(index, 0, size)
    return out


def consistency_plan(old: int, new: int) -> Plan:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) as stored nodes (empty when old == 0 or old == new)."""
    if not 0 <= old <= new:
        raise ProofError(f"old size {old} larger than new size {new}")
    out: Plan = []
    if old == 0 or old == new:
        return out

    def subproof(m: int, start: int, n: int, b: bool) -> None:
        if m == n:
            if not b:
                out.append(range_nodes(start, start + n))
            return
        k = _split(n)
        if m <= k:
            subproof(m, start, k, b)
            out.append(range_nodes(start + k, start + n))
        else:
            subproof(m - k, start + k, n - k, False)
            out.append(range_nodes(start, start + k))

    subproof(old, 0, new, True)
    return out


def plan_nodes(plan: Plan) -> set[Node]:
    return {node for element in plan for node in element}


def assemble(plan: Plan, hashes: Mapping[Node, bytes]) -> list[bytes]:
    return [fold([hashes[node] for node in element]) for element in plan]


def root_from_nodes(size: int, hashes: Mapping[Node, bytes]) -> bytes:
    return EMPTY_ROOT if size == 0 else fold([hashes[n] for n in range_nodes(0, size)])


# --- building nodes when leaves are appended ---------------------------------------------------------
def frontier(size: int) -> list[Node]:
    """The perfect subtrees of [0, size): the only old nodes an append needs."""
    return range_nodes(0, size)


def new_nodes(size: int, old_frontier: Mapping[Node, bytes], leaves: Sequence[bytes]) -> dict[Node, bytes]:
    """Every perfect subtree that becomes complete when `leaves` are appended to a tree of `size`.

    `old_frontier` holds the hashes of `frontier(size)`. Returns {(level, index): hash}."""
    out: dict[Node, bytes] = {}
    new_size = size + len(leaves)
    level_hashes: dict[int, bytes] = {size + i: h for i, h in enumerate(leaves)}
    for i, h in level_hashes.items():
        out[(0, i)] = h
    level = 0
    while (new_size >> (level + 1)) > (size >> (level + 1)):
        lo, hi = size >> (level + 1), new_size >> (level + 1)
        nxt: dict[int, bytes] = {}
        for idx in range(lo, hi):
            left = level_hashes.get(2 * idx)
            if left is None:
                left = old_frontier[(level, 2 * idx)]
            nxt[idx] = node_hash(left, level_hashes[2 * idx + 1])
            out[(level + 1, idx)] = nxt[idx]
        level_hashes = nxt
        level += 1
    return out


# --- tiles: how stored nodes are grouped into rows ----------------------------------------------------
TILE_HEIGHT = 6
TILE_WIDTH = 1 << TILE_HEIGHT


def tile_of(node: Node) -> Node:
    """(tile level, tile index) of the tile holding `node`."""
    level, index = node
    t, j = divmod(level, TILE_HEIGHT)
    return t, index >> (TILE_HEIGHT - j)


def tile_width(tile: Node, size: int) -> int:
    """How many nodes of the tile's base level are complete in a tree of `size` leaves."""
    t, i = tile
    return max(0, min(TILE_WIDTH, (size >> (t * TILE_HEIGHT)) - i * TILE_WIDTH))


def tile_nodes(tile: Node, width: int) -> list[Node]:
    """The complete nodes of a tile of `width`, in stored order (level by level, left to right)."""
    t, i = tile
    out: list[Node] = []
    for j in range(TILE_HEIGHT):
        first = i << (TILE_HEIGHT - j)
        out.extend((t * TILE_HEIGHT + j, first + x) for x in range(width >> j))
    return out


def tile_encode(tile: Node, width: int, hashes: Mapping[Node, bytes]) -> bytes:
    return b"".join(hashes[n] for n in tile_nodes(tile, width))


def tile_decode(tile: Node, width: int, blob: bytes) -> dict[Node, bytes]:
    nodes = tile_nodes(tile, width)
    if len(blob) != HASH_SIZE * len(nodes):
        raise ValueError(f"tile {tile} of width {width} has {len(blob)} bytes")
    return {n: blob[k * HASH_SIZE : (k + 1) * HASH_SIZE] for k, n in enumerate(nodes)}


def tile_offset(tile: Node, width: int, node: Node) -> int:
    """Byte offset of `node` inside the stored tile (which must hold it)."""
    t, i = tile
    level, index = node
    j = level - t * TILE_HEIGHT
    x = index - (i << (TILE_HEIGHT - j))
    if not (0 <= j < TILE_HEIGHT and 0 <= x < width >> j):
        raise KeyError(node)
    return HASH_SIZE * (sum(width >> k for k in range(j)) + x)


def tiles_after_append(
    new_size: int, created: Mapping[Node, bytes], stored: Mapping[Node, tuple[int, bytes]]
) -> dict[Node, tuple[int, bytes]]:
    """The tile rows to write after the tree grew to `new_size`: every tile that
    gains a node, as (width, blob). `created` is `new_nodes(...)`; `stored` holds the (width, blob)
    of those tiles already stored (only the right-most tile of a tile level can be partial)."""
    out: dict[Node, tuple[int, bytes]] = {}
    for tile in sorted({tile_of(n) for n in created}):
        width = tile_width(tile, new_size)
        old = tile_decode(tile, *stored[tile]) if tile in stored else {}
        out[tile] = (width, b"".join(created.get(n) or old[n] for n in tile_nodes(tile, width)))
    return out


def tile_rows_from_levels(levels: Sequence[Sequence[bytes]]) -> Iterable[tuple[Node, int, bytes]]:
    """(tile, width, blob) for every tile, from the complete nodes of each level (`levels[l]`
    holds the size >> l nodes of level l): bulk loads and benchmarks."""
    h = TILE_HEIGHT
    for t in range(0, (len(levels) + h - 1) // h):
        base = len(levels[t * h])
        for i in range((base + TILE_WIDTH - 1) // TILE_WIDTH):
            width = min(TILE_WIDTH, base - i * TILE_WIDTH)
            parts: list[bytes] = []
            for j in range(min(h, len(levels) - t * h)):
                lo = i << (h - j)
                parts.extend(levels[t * h + j][lo : lo + (width >> j)])
            yield (t, i), width, b"".join(parts)


def tile_rows(nodes: Mapping[Node, bytes], size: int) -> dict[Node, tuple[int, bytes]]:
    """Every tile of a tree of `size` from all its nodes (bulk loads, migrations)."""
    return tiles_after_append(size, nodes, {})


class MemoryTree:
    """An in-memory log that keeps every perfect subtree, like the database does (tests, bench)."""

    def __init__(self, entries: Iterable[bytes] = ()):
        self.nodes: dict[Node, bytes] = {}
        self.size = 0
        self.append_leaf_hashes([leaf_hash(e) for e in entries])

    def append_leaf_hashes(self, leaves: Sequence[bytes]) -> None:
        front = {n: self.nodes[n] for n in frontier(self.size)}
        self.nodes.update(new_nodes(self.size, front, leaves))
        self.size += len(leaves)

    def root(self, size: int | None = None) -> bytes:
        return root_from_nodes(self.size if size is None else size, self.nodes)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return assemble(inclusion_plan(index, size), self.nodes)

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        return assemble(consistency_plan(old, new), self.nodes)


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -------------------------------------------------
def _check_hash(h: bytes, what: str) -> None:
    if not isinstance(h, bytes | bytearray) or len(h) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte hash")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    if not 0 <= index < size:
        raise ProofError(f"index {index} not in tree of size {size}")
    _check_hash(leaf, "leaf hash")
    fn, sn = index, size - 1
    r = bytes(leaf)
    for p in proof:
        _check_hash(p, "proof element")
        if sn == 0:
            raise ProofError("proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless `proof` shows `leaf` at `index` in the tree of `size` with `root`."""
    _check_hash(root, "root")
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Raise ProofError unless `proof` shows the tree (old, old_root) is a prefix of (new, new_root)."""
    if not 0 <= old <= new:
        raise ProofError(f"old size {old} larger than new size {new}")
    if old == new:
        if proof:
            raise ProofError("proof must be empty for equal sizes")
        if old_root != new_root:
            raise ProofError("roots differ at equal sizes")
        return
    if old == 0:
        if proof:
            raise ProofError("proof must be empty from size 0")
        return
    _check_hash(old_root, "old root")
    _check_hash(new_root, "new root")
    for p in proof:
        _check_hash(p, "proof element")
    path = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: old_root is the first element
        path.insert(0, bytes(old_root))
    if not path:
        raise ProofError("empty proof")
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof too short")
    if fr != old_root or sr != new_root:
        raise ProofError("consistency proof does not lead to both roots")


__all__ = [
    "EMPTY_ROOT",
    "MemoryTree",
    "ProofError",
    "assemble",
    "consistency_plan",
    "fold",
    "inclusion_plan",
    "leaf_hash",
    "mth",
    "node_hash",
    "node_key",
    "plan_nodes",
    "range_nodes",
    "tile_decode",
    "tile_encode",
    "tile_of",
    "tiles_after_append",
    "verify_consistency",
    "verify_inclusion",
]
