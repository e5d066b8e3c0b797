"""电子身份码 benchmark (docs/identity.md), in-process, one thread.

    .venv/bin/python bench/identity.py [--n 3000] [--db sqlite|postgres]

Measures, in the same run and on the same machine:
1. floor: raw Ed25519 sign + verify of a 55-byte message (`cryptography`, key objects reused):
   the cryptographic work a signed code cannot avoid; and a second floor, one raw one-row INSERT
   per transaction (the durable commit a one-time check cannot avoid);
2. issue: `identity.services.code_issue` (reference read, key lookups, AES-GCM seal, sign);
3. verify: `identity.services.code_verify` of fresh codes (parse, signature, retired-key check,
   unseal, reference read, verifier's window, one-time insert, ledger entry, commit);
4. issue+verify pairs, the figure reported against the floor (ratio = pairs/s ÷ floor/s), and
   against both floors together (1 / (1/sign+verify + 1/insert+commit)).

`--db postgres` uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/yiwang_identity_bench),
dropped and recreated; `--db sqlite` (default) a fresh SQLite file under a temporary YIWANG_HOME.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inprocess

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/yiwang_identity_bench"


def setup(db: str) -> None:
    inprocess.setup(db, name="identity", default_pg=DEFAULT_PG)


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def bench_floor(n: int) -> float:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    sk = Ed25519PrivateKey.generate()
    pk = sk.public_key()
    msgs = [os.urandom(55) for _ in range(n)]
    t0 = time.perf_counter()
    for m in msgs:
        pk.verify(sk.sign(m), m)
    return rate(n, time.perf_counter() - t0)


def bench_db_floor(n: int) -> float:
    """One raw one-row INSERT in its own transaction (one durable commit), as each check does."""
    from django.db import connection, transaction

    from yiwang.core import benchfloor

    benchfloor.ensure_table()
    sql = f"INSERT INTO {benchfloor.TABLE} (payload, created_at) VALUES (%s, %s)"  # noqa: S608
    t0 = time.perf_counter()
    for i in range(n):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [f"check-{i}", "2026-11-25T00:00:00+00:00"])
    return rate(n, time.perf_counter() - t0)


def bench_identity(n: int) -> dict:
    from yiwang.identity import services
    from yiwang.identity.models import Outcome
    from yiwang.testsupport.world import build_world

    world = build_world()
    people = [world.citizen, world.citizen2, world.company]
    for p in people:  # first codes create the references and keys: not part of the figures
        services.code_verify(code=services.code_issue(user=p).code, verifier=world.clerk)

    t0 = time.perf_counter()
    codes = [services.code_issue(user=people[i % 3]).code for i in range(n)]
    t_issue = time.perf_counter() - t0

    t0 = time.perf_counter()
    for code in codes:
        assert services.code_verify(code=code, verifier=world.clerk).outcome == Outcome.VALID
    t_verify = time.perf_counter() - t0

    t0 = time.perf_counter()
    for i in range(n):
        code = services.code_issue(user=people[i % 3]).code
        assert services.code_verify(code=code, verifier=world.clerk).outcome == Outcome.VALID
    t_pair = time.perf_counter() - t0
    return {
        "issue_per_s": rate(n, t_issue),
        "verify_per_s": rate(n, t_verify),
        "pair_per_s": rate(n, t_pair),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=3000, help="codes per measurement")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor (median reported)")
    args = parser.parse_args()
    setup(args.db)
    import logging

    logging.getLogger("yiwang.identity").setLevel(logging.WARNING)
    floor = statistics.median(bench_floor(args.n) for _ in range(args.repeat))
    db_floor = bench_db_floor(args.n)
    identity = bench_identity(args.n)
    floor_after = bench_floor(args.n)  # the machine is shared: a second floor shows drift
    # the least a one-time check can cost: the signature work plus one durable commit
    combined = 1 / (1 / floor + 1 / db_floor)
    result = {
        "db": args.db,
        "n": args.n,
        "floor_sign_verify_per_s": round(floor),
        "floor_after_per_s": round(floor_after),
        "floor_insert_commit_per_s": round(db_floor),
        **{k: round(v) for k, v in identity.items()},
        "pair_ratio_to_floor": round(identity["pair_per_s"] / floor, 3),
        "issue_ratio_to_floor": round(identity["issue_per_s"] / floor, 3),
        "pair_ratio_to_floor_with_commit": round(identity["pair_per_s"] / combined, 3),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
