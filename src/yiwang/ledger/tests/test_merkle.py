"""Merkle math against the transparency-dev/merkle vectors and a naive recomputation."""

import random

import pytest

from yiwang.ledger import merkle
from yiwang.ledger.tests import vectors as v

H = bytes.fromhex
LEAVES = [H(x) for x in v.LEAF_INPUTS]


def test_leaf_and_node_hashes_match_reference():
    tree = merkle.MemoryTree(LEAVES)
    for level, row in enumerate(v.NODE_HASHES):
        for index, want in enumerate(row):
            assert tree.nodes[(level, index)] == H(want)
    assert len(tree.nodes) == 8 + 4 + 2 + 1


@pytest.mark.parametrize("size", range(9))
def test_roots_match_reference(size):
    assert merkle.mth([merkle.leaf_hash(x) for x in LEAVES[:size]]) == H(v.ROOT_HASHES[size])
    assert merkle.MemoryTree(LEAVES[:size]).root() == H(v.ROOT_HASHES[size])
    assert merkle.MemoryTree(LEAVES).root(size) == H(v.ROOT_HASHES[size])


@pytest.mark.parametrize(("index", "size", "proof"), v.INCLUSION_PROOFS)
def test_inclusion_vectors(index, size, proof):
    tree = merkle.MemoryTree(LEAVES)
    want = [H(p) for p in proof]
    assert tree.inclusion_proof(index, size) == want
    leaf = merkle.leaf_hash(LEAVES[index])
    merkle.verify_inclusion(index, size, leaf, want, H(v.ROOT_HASHES[size]))


@pytest.mark.parametrize(("old", "new", "proof"), v.CONSISTENCY_PROOFS)
def test_consistency_vectors(old, new, proof):
    tree = merkle.MemoryTree(LEAVES)
    want = [H(p) for p in proof]
    assert tree.consistency_proof(old, new) == want
    merkle.verify_consistency(old, new, H(v.ROOT_HASHES[old]), H(v.ROOT_HASHES[new]), want)


def _inclusion_corruptions(index, size, proof, root, leaf):
    some = H("abacaba000000000000000000000000000000000000000000060061e00123456")
    out = [
        (index - 1, size, leaf, proof, root),
        (index + 1, size, leaf, proof, root),
        (index ^ 2, size, leaf, proof, root),
        (index, size * 2, leaf, proof, root),
        (index, size // 2, leaf, proof, root),
        (index, size, b"WrongLeaf", proof, root),
        (index, size, leaf, proof, merkle.EMPTY_ROOT),
        (index, size, leaf, proof, some),
        (index, size, leaf, [*proof, b""], root),
        (index, size, leaf, [*proof, root], root),
        (index, size, leaf, [b"", *proof], root),
        (index, size, leaf, [root, *proof], root),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        out.append((index, size, leaf, bad, root))
    if proof:
        out.append((index, size, leaf, proof[:-1], root))
    if len(proof) > 1:
        out.append((index, size, leaf, [proof[0], some, *proof[1:]], root))
    return out


@pytest.mark.parametrize(("index", "size", "proof"), v.INCLUSION_PROOFS[1:])
def test_corrupted_inclusion_proofs_fail(index, size, proof):
    proof = [H(p) for p in proof]
    leaf = merkle.leaf_hash(LEAVES[index])
    for args in _inclusion_corruptions(index, size, proof, H(v.ROOT_HASHES[size]), leaf):
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)


@pytest.mark.parametrize(("old", "new", "proof"), [p for p in v.CONSISTENCY_PROOFS if p[2]])
def test_corrupted_consistency_proofs_fail(old, new, proof):
    proof = [H(p) for p in proof]
    r1, r2 = H(v.ROOT_HASHES[old]), H(v.ROOT_HASHES[new])
    cases = [
        (old - 1, new, r1, r2, proof),
        (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof),
        (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof),
        (old, new, b"WrongRoot", r2, proof),
        (old, new, r1, b"WrongRoot", proof),
        (old, new, r2, r1, proof),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*proof, b""]),
        (old, new, r1, r2, [*proof, r1]),
        (old, new, r1, r2, [*proof, r2]),
        (old, new, r1, r2, [b"", *proof]),
        (old, new, r1, r2, [r1, *proof]),
        (old, new, r1, r2, [r2, *proof]),
        (old, new, r1, r2, [proof[0], *proof]),
        (old, new, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 16]) + bad[i][1:]
        cases.append((old, new, r1, r2, bad))
    for o, n, a, b, p in cases:
        with pytest.raises((merkle.ProofError, ValueError)):
            merkle.verify_consistency(o, n, a, b, p)


def test_trivial_consistency_cases():
    r1, r2 = b"\x01" * 32, b"\x02" * 32
    merkle.verify_consistency(0, 0, r1, r1, [])
    merkle.verify_consistency(0, 1, r1, r2, [])
    merkle.verify_consistency(1, 1, r2, r2, [])
    for args in [(1, 1, r1, r2, []), (1, 0, r1, r2, []), (2, 1, r1, r2, []), (1, 2, r1, r2, [])]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(0, 1, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [merkle.EMPTY_ROOT])


def _naive_path(m, leaves):
    n = len(leaves)
    if n == 1:
        return []
    k = merkle._split(n)
    if m < k:
        return [*_naive_path(m, leaves[:k]), merkle.mth(leaves[k:])]
    return [*_naive_path(m - k, leaves[k:]), merkle.mth(leaves[:k])]


def _naive_consistency(m, leaves, b=True):
    n = len(leaves)
    if m == n:
        return [] if b else [merkle.mth(leaves)]
    k = merkle._split(n)
    if m <= k:
        return [*_naive_consistency(m, leaves[:k], b), merkle.mth(leaves[k:])]
    return [*_naive_consistency(m - k, leaves[k:], False), merkle.mth(leaves[:k])]


def test_random_sizes_against_naive_recomputation():
    rng = random.Random(9162)
    for _ in range(60):
        n = rng.randint(1, 300)
        entries = [rng.randbytes(rng.randint(0, 20)) for _ in range(n)]
        leaves = [merkle.leaf_hash(e) for e in entries]
        # grow in random batches, as the sequencer does
        tree = merkle.MemoryTree()
        i = 0
        while i < n:
            step = rng.randint(1, 40)
            tree.append_leaf_hashes(leaves[i : i + step])
            i += step
        size = rng.randint(1, n)
        root = merkle.mth(leaves[:size])
        assert tree.root(size) == root
        index = rng.randrange(size)
        proof = tree.inclusion_proof(index, size)
        assert proof == _naive_path(index, leaves[:size])
        merkle.verify_inclusion(index, size, leaves[index], proof, root)
        old = rng.randint(1, size)
        cproof = tree.consistency_proof(old, size)
        assert cproof == ([] if old == size else _naive_consistency(old, leaves[:size]))
        merkle.verify_consistency(old, size, merkle.mth(leaves[:old]), root, cproof)
        if old < size:
            with pytest.raises(merkle.ProofError):
                merkle.verify_consistency(old, size, merkle.leaf_hash(b"fork"), root, cproof)


def test_proof_plans_name_logarithmically_many_nodes():
    size = 10_000_000
    for index in (0, 1, 4_999_999, size - 1):
        assert len(merkle.plan_nodes(merkle.inclusion_plan(index, size))) <= 2 * 24
    assert len(merkle.plan_nodes(merkle.consistency_plan(3_333_333, size))) <= 2 * 24 * 2


def _tiles_to_nodes(tiles):
    return {n: h for tile, (w, blob) in tiles.items() for n, h in merkle.tile_decode(tile, w, blob).items()}


def test_tiles_grown_in_batches_hold_every_node_and_give_the_same_proofs():
    """Tiles written the way the sequencer writes them (only the right-most tile of each tile
    level is read back and rewritten) hold exactly the perfect subtrees of the log."""
    rng = random.Random(6)
    for n in (1, 63, 64, 65, 4095, 4096, 4097, 5000):
        leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
        tiles, size = {}, 0
        while size < n:
            step = min(n - size, rng.choice([1, 7, 64, 300, 5000]))
            tails = {t: tiles[t] for t in {merkle.tile_of(x) for x in merkle.frontier(size)}}
            front = _tiles_to_nodes(tails)
            assert set(merkle.frontier(size)) <= front.keys()
            created = merkle.new_nodes(size, front, leaves[size : size + step])
            size += step
            tiles.update(merkle.tiles_after_append(size, created, tails))
        reference = merkle.MemoryTree()
        reference.append_leaf_hashes(leaves)
        assert _tiles_to_nodes(tiles) == reference.nodes
        assert all(w == merkle.tile_width(t, n) for t, (w, _) in tiles.items())
        assert merkle.tile_rows(reference.nodes, n) == tiles
        levels = [[reference.nodes[(lv, x)] for x in range(n >> lv)] for lv in range(n.bit_length())]
        assert {t: (w, b) for t, w, b in merkle.tile_rows_from_levels(levels)} == tiles
        for _ in range(5):
            index = rng.randrange(n)
            plan = merkle.inclusion_plan(index, n)
            assert merkle.assemble(plan, _tiles_to_nodes(tiles)) == reference.inclusion_proof(index, n)


def test_a_proof_at_ten_million_reads_at_most_eight_tiles():
    size = 10_000_000  # 24 levels, 4 tile levels
    rng = random.Random(10)
    worst = 0
    for _ in range(2000):
        index, old = rng.randrange(size), rng.randrange(1, size)
        for plan in (merkle.inclusion_plan(index, size), merkle.consistency_plan(old, size)):
            worst = max(worst, len({merkle.tile_of(n) for n in merkle.plan_nodes(plan)}))
    assert worst <= 2 * 4


def test_tile_offsets_match_the_encoding():
    tile = (1, 3)
    nodes = {n: merkle.leaf_hash(repr(n).encode()) for n in merkle.tile_nodes(tile, 40)}
    blob = merkle.tile_encode(tile, 40, nodes)
    assert len(blob) == 32 * (40 + 20 + 10 + 5 + 2 + 1)
    for n, h in nodes.items():
        k = merkle.tile_offset(tile, 40, n)
        assert blob[k : k + 32] == h
    with pytest.raises(KeyError):
        merkle.tile_offset(tile, 40, (6, 3 * 64 + 40))  # not complete at width 40
    with pytest.raises(ValueError):
        merkle.tile_decode(tile, 41, blob)
