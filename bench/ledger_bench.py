"""Ledger benchmark (docs/benchmarks.md, "Ledger"), in-process on PostgreSQL.

    .venv/bin/python bench/ledger_bench.py [--appends 50000] [--proof-size 10000000] [--recompute 1000000]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/yiwang_ledger_bench) is dropped and
recreated. Figures:
1. appends: entry_append in caller transactions, then the sequencer (max_batch 5000), against a
   raw batched INSERT floor of the same rows in the same run (ratio);
2. proof generation at --proof-size entries: every perfect-subtree node bulk-loaded with
   generate_series + sha256() in SQL, then inclusion and consistency proofs through the real
   selectors, each verified;
3. `ledger verify` over --recompute entries (entries and nodes loaded with COPY, checkpoints
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


def load_nodes_sql(size: int) -> float:
    """Every perfect subtree of a `size`-leaf tree whose entries are int8send(i), in SQL."""
    from django.db import connection, transaction

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE ledger_node")
        cur.execute("SET synchronous_commit = off")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO ledger_node (id, hash) SELECT i, sha256('\\x00'::bytea || int8send(i)) "
            "FROM generate_series(0, %s - 1) AS i",
            [size],
        )
    level, count = 0, size
    while count > 1:
        count //= 2
        level += 1
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "INSERT INTO ledger_node (id, hash) "
                "SELECT (%s::bigint << 56) | i, sha256('\\x01'::bytea || a.hash || b.hash) "
                "FROM generate_series(0, %s - 1) AS i "
                "JOIN ledger_node a ON a.id = ((%s::bigint << 56) | (2 * i)) "
                "JOIN ledger_node b ON b.id = ((%s::bigint << 56) | (2 * i + 1))",
                [level, count, level - 1, level - 1],
            )
    with connection.cursor() as cur:
        cur.execute("ANALYZE ledger_node")
    return time.perf_counter() - t0


def bench_proofs(size: int, samples: int = 2000) -> dict:
    from yiwang.ledger import merkle, selectors

    load_s = load_nodes_sql(size)
    root = merkle.root_from_nodes(size, selectors.nodes_for(merkle.frontier(size)))
    rng = random.Random(1)
    incl, cons = [], []
    for _ in range(samples):
        index = rng.randrange(size)
        t0 = time.perf_counter()
        proof = selectors.proof_inclusion(index=index, size=size)
        incl.append(time.perf_counter() - t0)
        leaf = merkle.leaf_hash(index.to_bytes(8, "big", signed=True))
        merkle.verify_inclusion(index, size, leaf, proof, root)
    for _ in range(samples // 4):
        old = rng.randrange(1, size)
        t0 = time.perf_counter()
        proof = selectors.proof_consistency(old=old, new=size)
        cons.append(time.perf_counter() - t0)
        old_root = merkle.root_from_nodes(old, selectors.nodes_for(merkle.frontier(old)))
        merkle.verify_consistency(old, size, old_root, root, proof)

    def ms(xs, q):
        return 1000 * statistics.quantiles(xs, n=100)[q - 1]

    return {
        "size": size,
        "load_s": load_s,
        "inclusion_ms_p50": ms(incl, 50),
        "inclusion_ms_p99": ms(incl, 99),
        "consistency_ms_p50": ms(cons, 50),
        "consistency_ms_p99": ms(cons, 99),
    }


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
        cur.execute("TRUNCATE ledger_entry, ledger_node, ledger_checkpoint, ledger_pendingentry")
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
                kind="case.accepted",
                subject=services.subject_commitment(salt=subject_salt, subject_id=str(i // 5)),
                payload_digest=services.payload_hash(salt=salt, payload=payload),
                actor_role="clerk",
                at=now,
            )
            leaf = merkle.leaf_hash(data)
            leaves.append(leaf)
            copy.write_row((i, i + 1, "case.accepted", data, leaf, json.dumps(payload), salt, now))
    levels = audit._levels(leaves)
    with (
        connection.cursor() as cur,
        cur.connection.cursor().copy("COPY ledger_node (id, hash) FROM STDIN") as copy,
    ):
        for level, hashes in enumerate(levels):
            for i, h in enumerate(hashes):
                copy.write_row((merkle.node_key(level, i), h))
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
        cur.execute("ANALYZE ledger_node")
    return time.perf_counter() - t0


def bench_recompute(n: int) -> dict:
    from yiwang.ledger import audit, rederive

    load_s = load_log(n)
    t0 = time.perf_counter()
    report = audit.ledger_verify()
    t_verify = time.perf_counter() - t0
    assert report.ok, report.problems[:3]
    rederive.register("case.", lambda row: dict(row.payload))
    t0 = time.perf_counter()
    report2 = audit.ledger_verify()
    t_rederive = time.perf_counter() - t0
    rederive.unregister("case.")
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
    out.write_text(json.dumps(results, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
