"""Exchange gateway benchmark (docs/exchange.md), in-process.

    .venv/bin/python bench/exchange.py [--queries 2000] [--sqlite] [--profile]

PostgreSQL by default: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/yiwang_exchange_bench)
is dropped and recreated; --sqlite uses a fresh SQLite file under a temporary YIWANG_HOME.
Two figures from the same run, same data, same subjects:
1. floor: a direct read of the local register (the row by lookup hash, decrypt the elements) —
   what a department would do reading its own table;
2. gateway: `services.query_run` for a staff caller of another department: resource, subject,
   purpose and element checks, agreement lookup, register read, the AccessRecord row and its
   `exchange.query` ledger entry in one transaction.
Prints queries per second of each and the ratio gateway/floor.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yiwang_exchange_bench"


def recreate(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup(sqlite: bool) -> str:
    os.environ.setdefault("YIWANG_HOME", tempfile.mkdtemp(prefix="yw-exchange-bench-"))
    if sqlite:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
        recreate(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return connection.vendor


def data(subjects: int):
    from yiwang.core.testing import make_ric, make_uscc
    from yiwang.exchange import services
    from yiwang.organizations.models import Department, Region
    from yiwang.organizations.services import staff_create
    from yiwang.testsupport.flows import population_resource

    city = Region.objects.create(code="420100", name="武汉市", level="city")
    ga = Department.objects.create(name="武汉市公安局", uscc=make_uscc("ga"), region=city)
    scjg = Department.objects.create(name="武汉市市场监督管理局", uscc=make_uscc("scjg"), region=city)
    cdo = staff_create(
        username="cdo",
        password="bench-pass-1234",
        name="首席数据官",
        roles=[{"role": "cdo", "department": ga, "region": city}],
    )
    staff = staff_create(
        username="reviewer",
        password="bench-pass-1234",
        name="审核",
        roles=[{"role": "reviewer", "department": scjg, "region": city}],
    )
    resource = population_resource(department=ga)
    rics = []
    for i in range(subjects):
        ric = make_ric(serial=100 + i % 800, born=date(1980, 1, 1) + timedelta(days=i // 800))
        rics.append(ric)
        services.register_put(
            resource=resource,
            subject=ric,
            values={"name": f"居民{i}", "gender": "男", "household_address": f"武汉市江岸区沿江大道{i}号"},
        )
    a = services.agreement_request(
        actor=staff,
        resource=resource,
        consumer=scjg,
        elements=["name", "household_address"],
        purposes=["case_handling"],
        legal_basis="《行政许可法》",
        valid_until=date.today() + timedelta(days=300),
    )
    services.agreement_decide(actor=cdo, agreement=a, action="approve", version=a.version)
    return resource, staff, rics


def run(n: int, sqlite: bool, profile: bool = False) -> dict:
    vendor = setup(sqlite)
    from yiwang.exchange import adapters, services

    resource, staff, rics = data(min(n, 1000))
    caller = services.caller_for_staff(user=staff)
    elements = ["name", "household_address"]

    def floor(ric: str) -> dict:
        h = services.subject_hash_of(kind="person", value=ric)
        return adapters.register_read(resource=resource, subject_hash=h, elements=elements)

    def gateway(ric: str) -> dict:
        r = services.query_run(
            caller=caller,
            resource_code="ga.population",
            subject={"id_number": ric},
            purpose="case_handling",
            elements=elements,
        )
        assert r.ok, r.reason
        return r.data

    assert floor(rics[0]) == gateway(rics[0])  # warm-up, and the same answer
    out = {"vendor": vendor, "queries": n}
    if profile:
        import cProfile
        import pstats

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            gateway(rics[1])
        print(f"SQL statements for one allowed query: {len(ctx.captured_queries)}")
        for q in ctx.captured_queries:
            print("  ", q["sql"][:160])
        prof = cProfile.Profile()
        prof.enable()
        for i in range(200):
            gateway(rics[i % len(rics)])
        prof.disable()
        st = pstats.Stats(prof).sort_stats("cumulative")
        st.print_stats("yiwang|stdnum|cryptography|json", 25)
        st.print_callees("query_run|_record")
        return out
    for name, fn in (("floor", floor), ("gateway", gateway)):
        started = time.perf_counter()
        for i in range(n):
            fn(rics[i % len(rics)])
        out[name] = n / (time.perf_counter() - started)
    out["ratio"] = out["gateway"] / out["floor"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="print the SQL of one allowed query and a cProfile of 200"
    )
    args = parser.parse_args()
    r = run(args.queries, args.sqlite, args.profile)
    if args.profile:
        return
    print(f"database: {r['vendor']}, {r['queries']} queries each")
    print(f"direct register read (floor): {r['floor']:8.0f} /s")
    print(f"gateway query_run:            {r['gateway']:8.0f} /s")
    print(f"ratio gateway/floor:          {r['ratio']:8.3f}")


if __name__ == "__main__":
    main()
