"""Where the time goes: profile case submission, case detail, the gateway query and the e-ID check
(and their floors) in-process (Django test client) on a PostgreSQL database built like
bench/run.py's, with cProfile, and count the SQL queries. Before profiling, each scenario's CPU
time of this process per request (time.process_time, no profiler) is measured: the application's
own share of the server CPU bench/run.py reports (PostgreSQL's backend is the rest).

    .venv/bin/python bench/profile_requests.py [--requests 200] [--top 25] [--only submit,detail]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as bench  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/yiwang_bench_profile")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="profile CPU time of this process (time.process_time), not wall time: waits on the "
        "database and the network drop out, which on a loaded machine are most of the wall time",
    )
    ap.add_argument(
        "--only",
        default="submit,submit_floor,detail,floor_read,gateway,gateway_floor,eid,eid_floor,floor_insert",
    )
    args = ap.parse_args(argv)

    home = tempfile.mkdtemp(prefix="yiwang-profile-")
    broker = bench.pick_broker(None, home)
    bench.configure_env(db_url=args.database_url, home=home, broker=broker)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    bench.recreate_database(args.database_url)
    bench.setup_django()
    data = bench.build_data(citizens=20, background=5000, floor_rows=5000, log=lambda *_: None)
    scen = bench.scenarios(data)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()

    def call(req: dict, seq: int):
        headers = {k: v for k, v in (req.get("headers") or {}).items()}
        extra = {"HTTP_AUTHORIZATION": headers["Authorization"]} if "Authorization" in headers else {}
        if req.get("idempotency"):
            extra["HTTP_IDEMPOTENCY_KEY"] = f"profile-{seq}"
        if req.get("method") == "POST":
            resp = client.post(req["path"], data=req["body"], content_type="application/json", **extra)
        else:
            resp = client.get(req["path"], **extra)
        assert 200 <= resp.status_code < 300, (resp.status_code, resp.content[:300])
        return resp

    for name in args.only.split(","):
        scenario = scen[name] or bench.eid_scenario(data, n=2 * args.requests + 40)
        reqs = scenario.get("requests") or [scenario]
        for i in range(10):  # warm caches (key material, element registry, URL resolver)
            call(reqs[i % len(reqs)], seq=10_000_000 + i + hash(name) % 1000 * 100)
        with CaptureQueriesContext(connection) as q:
            call(reqs[10 % len(reqs)], seq=20_000_000 + hash(name) % 1000)
        queries = [x["sql"] for x in q.captured_queries]
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            backend = cur.fetchone()[0]
        c0, b0 = time.process_time(), bench._cpu_seconds(backend)
        for i in range(args.requests // 2):
            call(reqs[(11 + i) % len(reqs)], seq=30_000_000 + i + 1000 * abs(hash(name) % 1000))
        cpu = (time.process_time() - c0) / (args.requests // 2) * 1000
        db_cpu = (bench._cpu_seconds(backend) - b0) / (args.requests // 2) * 1000  # its PostgreSQL backend
        reqs = reqs[11 + args.requests // 2 :] if name == "eid" else reqs
        prof = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        for i in range(args.requests):
            call(reqs[(i + 1) % len(reqs)], seq=i + 1 + 1000 * abs(hash(name) % 1000))
        prof.disable()
        wall = (time.perf_counter() - t0) / args.requests * 1000
        s = io.StringIO()
        pstats.Stats(prof, stream=s).strip_dirs().sort_stats(args.sort).print_stats(args.top)
        print(
            f"\n===== {name}: {cpu:.2f} ms CPU per request in-process (unprofiled) + {db_cpu:.2f} ms of its "
            f"PostgreSQL backend, {wall:.2f} ms profiled, "
            f"{len(queries)} SQL queries ====="
        )
        for sql in queries:
            print("   SQL:", sql[:160])
        print(s.getvalue())
        out = BENCH_DIR / "results"
        out.mkdir(exist_ok=True)
        prof.dump_stats(out / f"profile-{name}.pstats")
    connection.close()
    bench.drop_database(args.database_url)
    print(json.dumps({"profiles": str((BENCH_DIR / "results").relative_to(bench.ROOT))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
