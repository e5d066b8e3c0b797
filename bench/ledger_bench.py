"""Ledger benchmark (docs/benchmarks.md, "Ledger"), in-process on PostgreSQL.

    .venv/bin/python bench/ledger_bench.py [--appends 50000] [--proof-size 10000000] [--recompute 1000000]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/yiwang_ledger_bench) is dropped and
recreated. Figures:
1. appends: entry_append in caller transactions, then the sequencer (max_batch 5000), against a
   raw batched INSERT floor of the same rows in the same run (ratio);
2. proof generation at --proof-size entries: every perfect subtree hashed in Python and its
   tiles COPYed, then inclusion and consistency proofs through the real selectors, each verified,
   interleaved with a one-row primary-key read (the floor); then smaller sizes on the same tiles;
3. `ledger verify` over --recompute entries (entries and tiles loaded with COPY, checkpoints
   signed by the real key), with and without a re-derive hook.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yiwang_ledger_bench"


def recreate(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("YIWANG_HOME", tempfile.mkdtemp(prefix="yw-ledger-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    recreate(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_appends(n: int) -> dict:
    from django.db import connection, transaction

    from yiwang.ledger import services
    from yiwang.ledger.models import PendingEntry

    per_tx = 100
    salt = os.urandom(16)
    t0 = time.perf_counter()
    for start in range(0, n, per_tx):
        with transaction.atomic():
            for i in range(start, min(n, start + per_tx)):
                services.entry_append(
                    kind="case.accepted",
                    subject=services.subject_commitment(salt=salt, subject_id=f"case-{i // 5}"),
                    payload={"case": f"4201002026112500{i:06d}", "status": "accepted", "version": i % 7},
                    actor_role="clerk",
                )
    t_append = time.perf_counter() - t0
    rows = list(PendingEntry.objects.order_by("id").values_list("entry", "payload", "salt")[:n])
    t0 = time.perf_counter()
    integrated = services.sequencer_run(max_batch=5000)
    t_integrate = time.perf_counter() - t0
    assert integrated == n, integrated

    # floor: the same rows, raw batched INSERTs in transactions of `per_tx`
    import json

    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE bench_floor (id bigserial primary key, entry bytea, payload jsonb, salt bytea)"
        )
    data = [(bytes(e), json.dumps(p), bytes(s)) for e, p, s in rows]
    t0 = time.perf_counter()
    for start in range(0, n, per_tx):
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(
                "INSERT INTO bench_floor (entry, payload, salt) VALUES (%s, %s, %s)",
                data[start : start + per_tx],
            )
    t_floor = time.perf_counter() - t0
    # floor for integration: copy n rows from one table to another and delete them, in batches of 5000
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_floor2 (LIKE bench_floor)")
    t0 = time.perf_counter()
    for start in range(1, n + 1, 5000):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "INSERT INTO bench_floor2 SELECT * FROM bench_floor WHERE id >= %s AND id < %s",
                [start, start + 5000],
            )
            cur.execute("DELETE FROM bench_floor WHERE id >= %s AND id < %s", [start, start + 5000])
    t_floor_move = time.perf_counter() - t0
    return {
        "entries": n,
        "append_per_s": n / t_append,
        "integrate_per_s": n / t_integrate,
        "end_to_end_per_s": n / (t_append + t_integrate),
        "floor_insert_per_s": n / t_floor,
        "floor_move_per_s": n / t_floor_move,
        "append_ratio_to_floor": t_append / t_floor,
        "integrate_ratio_to_move_floor": t_integrate / t_floor_move,
    }


def copy_tiles(levels) -> int:
    """COPY every tile of the tree whose complete nodes per level are `levels` into ledger_tile."""
    from django.db import connection

    from yiwang.ledger import merkle

    rows = 0
    with (
        connection.cursor() as cur,
        cur.connection.cursor().copy("COPY ledger_tile (id, width, hashes) FROM STDIN") as copy,
    ):
        for tile, width, blob in merkle.tile_rows_from_levels(levels):
            copy.write_row((merkle.node_key(*tile), width, blob))
            rows += 1
    return rows


def load_tiles(size: int) -> tuple[float, int]:
    """Every perfect subtree of a `size`-leaf tree whose entries are int8send(i), hashed in
    Python (hashlib) and COPYed as tiles. Returns (seconds, tile rows)."""
    import hashlib

    from django.db import connection, transaction

    from yiwang.ledger import audit

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE ledger_tile")
    sha = hashlib.sha256
    leaves = [sha(b"\x00" + i.to_bytes(8, "big", signed=True)).digest() for i in range(size)]
    levels = audit._levels(leaves)
    del leaves
    with transaction.atomic():
        rows = copy_tiles(levels)
    with connection.cursor() as cur:
        cur.execute("ANALYZE ledger_tile")
    return time.perf_counter() - t0, rows


def _ms(xs, q):
    return 1000 * statistics.quantiles(xs, n=100)[q - 1]


def bench_proofs(size: int, samples: int = 2000) -> dict:
    """Proofs through the real selectors at `size` (each verified against the root), interleaved
    with the floor: one primary-key row read on the same connection. Then the same at smaller
    tree sizes on the same stored tiles (a tree of m < size uses the same nodes) for the scaling."""
    from django.db import connection

    from yiwang.ledger import merkle, selectors

    load_s, tile_rows = load_tiles(size)
    rng = random.Random(1)

    def floor() -> float:
        tile_id = merkle.node_key(0, rng.randrange(max(1, size // merkle.TILE_WIDTH)))
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("SELECT width, hashes FROM ledger_tile WHERE id = %s", [tile_id])
            cur.fetchone()
        return time.perf_counter() - t0

    def at(n: int, count: int) -> dict:
        root = merkle.root_from_nodes(n, selectors.nodes_for(merkle.frontier(n)))
        incl, cons, fl, reads = [], [], [], []
        for k in range(count):
            index = rng.randrange(n)
            t0 = time.perf_counter()
            proof = selectors.proof_inclusion(index=index, size=n)
            incl.append(time.perf_counter() - t0)
            fl.append(floor())
            leaf = merkle.leaf_hash(index.to_bytes(8, "big", signed=True))
            merkle.verify_inclusion(index, n, leaf, proof, root)
            plan = merkle.inclusion_plan(index, n)
            reads.append(len({merkle.tile_of(x) for x in merkle.plan_nodes(plan)}))
            if k % 2 == 0 and n > 1:
                old = rng.randrange(1, n)
                t0 = time.perf_counter()
                proof = selectors.proof_consistency(old=old, new=n)
                cons.append(time.perf_counter() - t0)
                fl.append(floor())
                old_root = merkle.root_from_nodes(old, selectors.nodes_for(merkle.frontier(old)))
                merkle.verify_consistency(old, n, old_root, root, proof)
                plan = merkle.consistency_plan(old, n)
                reads.append(len({merkle.tile_of(x) for x in merkle.plan_nodes(plan)}))
        return {
            "size": n,
            "inclusion_ms_p50": _ms(incl, 50),
            "inclusion_ms_p99": _ms(incl, 99),
            "consistency_ms_p50": _ms(cons, 50),
            "consistency_ms_p99": _ms(cons, 99),
            "floor_ms_p50": _ms(fl, 50),
            "floor_ms_p99": _ms(fl, 99),
            "tile_rows_per_proof_max": max(reads),
        }

    main = at(size, samples)
    scaling = [at(n, samples // 4) for n in (1_000, 100_000, 1_000_000) if n < size]
    return {"load_s": load_s, "tile_rows": tile_rows, **main, "scaling": scaling}


def load_log(n: int) -> float:
    """n real entries (canonical bytes, salted payload hashes), their nodes, signed checkpoints."""
    import json

    from django.db import connection
    from django.utils import timezone

    from yiwang.core import keys
    from yiwang.core.models import KeyPurpose
    from yiwang.ledger import audit, merkle, note, services
    from yiwang.ledger.models import Checkpoint

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE ledger_entry, ledger_tile, ledger_checkpoint, ledger_pendingentry CASCADE")
    now = timezone.now()
    subject_salt = os.urandom(16)
    leaves = []
    with (
        connection.cursor() as cur,
        cur.connection.cursor().copy(
            "COPY ledger_entry (index, pending_id, kind, entry, leaf_hash, payload, salt, integrated_at) FROM STDIN"
        ) as copy,
    ):
        for i in range(n):
            payload = {"case": f"4201002026112500{i:07d}", "status": "accepted"}
            salt = os.urandom(16)
            data = services.entry_bytes(
                kind="bench.accepted",
                subject=services.subject_commitment(salt=subject_salt, subject_id=str(i // 5)),
                payload_digest=services.payload_hash(salt=salt, payload=payload),
                actor_role="clerk",
                at=now,
            )
            leaf = merkle.leaf_hash(data)
            leaves.append(leaf)
            copy.write_row((i, i + 1, "bench.accepted", data, leaf, json.dumps(payload), salt, now))
    levels = audit._levels(leaves)
    copy_tiles(levels)
    view = audit._LevelView(levels)
    km = keys.active_key(KeyPurpose.LEDGER_CHECKPOINT)
    for size in (n // 3, n // 2, n):
        root = merkle.root_from_nodes(size, view)
        text = note.checkpoint_text(services.origin(), size, root)
        Checkpoint.objects.create(
            size=size,
            root=root,
            note=note.sign_note(text, name=services.origin(), private=km.private_key()),
            key_version=km.version,
            created_at=now,
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE ledger_entry")
        cur.execute("ANALYZE ledger_tile")
    return time.perf_counter() - t0


def bench_recompute(n: int) -> dict:
    from yiwang.ledger import audit, rederive

    load_s = load_log(n)
    t0 = time.perf_counter()
    report = audit.ledger_verify(rederive_records=False)
    t_verify = time.perf_counter() - t0
    assert report.ok, report.problems[:3]
    rederive.register("bench.", lambda row: dict(row.payload))
    t0 = time.perf_counter()
    report2 = audit.ledger_verify()
    t_rederive = time.perf_counter() - t0
    rederive.unregister("bench.")
    assert report2.ok and report2.rederived == n
    return {
        "entries": n,
        "load_s": load_s,
        "verify_s": t_verify,
        "verify_entries_per_s": n / t_verify,
        "verify_with_rederive_s": t_rederive,
        "rederive_overhead_entries_per_s": n / max(t_rederive - t_verify, 1e-9),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appends", type=int, default=50_000)
    parser.add_argument("--proof-size", type=int, default=10_000_000)
    parser.add_argument("--recompute", type=int, default=1_000_000)
    args = parser.parse_args()
    setup()
    results = {}
    if args.appends:
        results["appends"] = bench_appends(args.appends)
        print("appends", results["appends"], flush=True)
    if args.recompute:
        results["recompute"] = bench_recompute(args.recompute)
        print("recompute", results["recompute"], flush=True)
    if args.proof_size:
        results["proofs"] = bench_proofs(args.proof_size)
        print("proofs", results["proofs"], flush=True)
    import json

    out = ROOT / "bench" / "results" / f"ledger-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
