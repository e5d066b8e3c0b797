"""Yiwang benchmark: case submission and case detail on PostgreSQL behind gunicorn, against a floor
measured in the same run (docs/benchmarks.md).

    make bench                       # or: .venv/bin/python bench/run.py --help

Steps: drop and create a PostgreSQL database, migrate, build a small world (yiwang.testsupport) plus
N citizens with API tokens and a realistic background of submitted cases, start gunicorn (sync
workers) with the floor views mounted, then run interleaved rounds

    floor insert / case submission  (POST /bench/floor/insert  vs  POST /api/v1/cases)
    floor read   / case detail      (GET /bench/floor/rows/{id} vs GET /api/v1/cases/{number})

with the load generator of bench/loadgen.py. Each round runs the pair in alternating order; the
report gives medians over rounds, the real/floor ratios (median of the per-round ratios), and
server CPU per request (gunicorn workers + their PostgreSQL backends, from /proc), which is the
least noisy figure on a shared machine. Results go to bench/results/<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT / "src"))

from loadgen import LoadResult, run_load  # noqa: E402

GOALS = {"submit_vs_floor": 0.25, "submit_per_core": 50.0, "detail_vs_floor": 0.35}
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yiwang_bench"


# --- environment and data ----------------------------------------------------------------------
def configure_env(*, db_url: str, home: str, broker: str) -> dict:
    """Production-like settings: PostgreSQL, persistent connections, and — when the broker is
    Redis — the Redis cache too (the element registry and calendar are read through the cache)."""
    env = {
        "DATABASE_URL": db_url,
        "YIWANG_HOME": home,
        "YIWANG_BENCH_FLOOR": "1",
        "DJANGO_SETTINGS_MODULE": "yiwang.settings",
        "CELERY_BROKER_URL": broker,
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "600",
    }
    if broker.startswith("redis://"):
        env["REDIS_URL"] = broker
    os.environ.update(env)
    return env


def pick_broker(requested: str | None, home: str) -> str:
    """Production uses Redis; use it when one answers on 127.0.0.1:6379, else the embedded
    SQLite broker (which is much slower: see docs/benchmarks.md)."""
    if requested:
        return requested
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/13"
    except OSError:
        pass
    return f"sqla+sqlite:///{home}/broker.sqlite3"


def recreate_database(db_url: str) -> None:
    import psycopg
    from psycopg import sql

    name = db_url.rsplit("/", 1)[1].split("?")[0]
    admin_url = db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(db_url: str) -> None:
    import psycopg
    from psycopg import sql

    name = db_url.rsplit("/", 1)[1].split("?")[0]
    admin_url = db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def setup_django() -> None:
    import django

    django.setup()


def citizen_form(user) -> dict:
    from yiwang.core.testing import good_form

    return good_form(**{"applicant.name": user.display_name, "applicant.id_number": user.id_number})


def build_data(*, citizens: int, background: int, floor_rows: int, log=print) -> dict:
    """Build the data set; return what the load generator needs (tokens, case numbers)."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from yiwang.accounts.models import AccountKind, TrustLevel, User
    from yiwang.accounts.services import api_token_issue, id_number_hash, phone_hash
    from yiwang.cases import services as case_services
    from yiwang.core import benchfloor
    from yiwang.core.testing import good_materials, make_ric
    from yiwang.testsupport.world import build_world

    t0 = time.time()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    log(f"  migrated in {time.time() - t0:.1f}s")
    world = build_world()

    people = []
    for i in range(citizens):
        number = make_ric(
            region="420102", born=date(1970, 1, 1) + timedelta(days=97 * i), serial=300 + i % 600
        )
        phone = f"139{i:08d}"
        u = User(
            username=f"bench-citizen-{i:04d}",
            kind=AccountKind.PERSON,
            display_name=f"市民{i:04d}号",
            id_number=number,
            id_number_hash=id_number_hash(number),
            phone=phone,
            phone_hash=phone_hash(phone),
            trust_level=TrustLevel.VERIFIED,
        )
        u.set_unusable_password()  # no Argon2 anywhere near the request path: tokens are SHA-256
        people.append(u)
    User.objects.bulk_create(people)
    people = list(User.objects.filter(username__startswith="bench-citizen-").order_by("username"))
    tokens = {u.pk: api_token_issue(user=u)[0] for u in people}

    # One real submission per citizen through the service (files, parties, events, notice), then
    # clone them in bulk to reach `background` cases: the detail benchmark reads a realistic table.
    t0 = time.time()
    templates = []
    for u in people:
        templates.append(
            case_services.case_submit(
                actor=u,
                item_code=world.item.code,
                form=citizen_form(u),
                channel="online",
                materials=good_materials(),
            )
        )
    log(f"  {len(templates)} template cases via case_submit in {time.time() - t0:.1f}s")
    t0 = time.time()
    numbers_by_owner = clone_cases(templates=templates, total=background)
    for t in templates:
        numbers_by_owner.setdefault(t.owner_id, []).append(t.number)
    log(f"  {background} background cases cloned in {time.time() - t0:.1f}s")

    benchfloor.ensure_table()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {benchfloor.TABLE} (payload, created_at) "  # noqa: S608
            "SELECT md5(i::text), now() FROM generate_series(1, %s) AS i",
            [floor_rows],
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    return {
        "item_code": world.item.code,
        "citizens": [
            {"pk": u.pk, "token": tokens[u.pk], "form": citizen_form(u), "cases": numbers_by_owner[u.pk]}
            for u in people
        ],
        "floor_rows": floor_rows,
    }


def clone_cases(*, templates: list, total: int, batch: int = 2000) -> dict[int, list[str]]:
    """Copy template cases (rows of Case, CaseParty, CaseEvent, Notice, CaseMaterial) with fresh
    numbers from the case-number sequence. Returns {owner id: [numbers]}."""
    from django.db import connection, transaction

    from yiwang.cases.models import Case, CaseEvent, CaseMaterial, CaseParty, Notice

    out: dict[int, list[str]] = {}
    parties = {t.pk: list(CaseParty.objects.filter(case=t)) for t in templates}
    events = {t.pk: list(CaseEvent.objects.filter(case=t)) for t in templates}
    notices = {t.pk: list(Notice.objects.filter(case=t)) for t in templates}
    materials = {t.pk: list(CaseMaterial.objects.filter(case=t)) for t in templates}
    made = 0
    while made < total:
        n = min(batch, total - made)
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SELECT nextval('cases_case_number_seq') FROM generate_series(1, %s)", [n])
                seqs = [r[0] for r in cur.fetchall()]
            rows = []
            for i, seq in enumerate(seqs):
                t = templates[(made + i) % len(templates)]
                c = Case(
                    **{
                        f.attname: getattr(t, f.attname)
                        for f in Case._meta.concrete_fields
                        if not f.primary_key
                    }
                )
                c.number = f"{t.number[:14]}{seq:08d}"
                rows.append((t, c))
            Case.objects.bulk_create([c for _, c in rows])
            p_rows, e_rows, n_rows, m_rows = [], [], [], []
            for t, c in rows:
                out.setdefault(c.owner_id, []).append(c.number)
                for p in parties[t.pk]:
                    p_rows.append(_copy(p, case_id=c.pk))
                for e in events[t.pk]:
                    e_rows.append(_copy(e, case_id=c.pk))
                for k, nt in enumerate(notices[t.pk]):
                    n_rows.append(_copy(nt, case_id=c.pk, number=f"{c.number}-{k + 1:02d}"))
                for m in materials[t.pk]:
                    m_rows.append(_copy(m, case_id=c.pk))
            CaseParty.objects.bulk_create(p_rows)
            CaseEvent.objects.bulk_create(e_rows)
            Notice.objects.bulk_create(n_rows)
            CaseMaterial.objects.bulk_create(m_rows)
        made += n
    return out


def _copy(obj, **over):
    model = type(obj)
    values = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
    values.update(over)
    return model(**values)


# --- scenarios -----------------------------------------------------------------------------------
def scenarios(data: dict, *, detail_per_owner: int = 40) -> dict[str, dict]:
    from yiwang.core.testing import good_materials

    materials = good_materials()
    submit, detail = [], []
    for c in data["citizens"]:
        auth = {"Authorization": f"Bearer {c['token']}"}
        body = {
            "item_code": data["item_code"],
            "form": c["form"],
            "channel": "online",
            "materials": materials,
        }
        submit.append(
            {
                "method": "POST",
                "path": "/api/v1/cases",
                "body": json.dumps(body, ensure_ascii=False).encode(),
                "headers": auth,
                "idempotency": True,
            }
        )
        for number in c["cases"][:detail_per_owner]:
            detail.append({"method": "GET", "path": f"/api/v1/cases/{number}", "headers": auth})
    # interleave owners so that consecutive requests of one worker hit different owners
    detail.sort(key=lambda r: r["path"][-6:])
    payload = json.dumps({"payload": "floor-" + "x" * 90}).encode()
    rows = data["floor_rows"]
    floor_read = [
        {"method": "GET", "path": f"/bench/floor/rows/{1 + (i * 7919) % rows}"}
        for i in range(min(rows, 5000))
    ]
    return {
        "floor_insert": {"method": "POST", "path": "/bench/floor/insert", "body": payload},
        "submit": {"requests": submit},
        "floor_read": {"requests": floor_read},
        "detail": {"requests": detail},
    }


# --- server ----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(*, port: int, workers: int, env: dict, log_path: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [
        str(gunicorn),
        "yiwang.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--backlog",
        "2048",
        "--timeout",
        "60",
        "--chdir",
        str(ROOT / "src"),
    ]
    proc = subprocess.Popen(
        cmd,
        env={**os.environ, **env},
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited early; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/floor/rows/1", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    stop_gunicorn(proc)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- CPU accounting (Linux /proc): server cost per request, immune to the client's share --------
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def server_pids(master_pid: int, db_name: str) -> list[int]:
    kids = []
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True)
        kids = [int(x) for x in out.stdout.split()]
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [db_name]
        )
        backends = [r[0] for r in cur.fetchall()]
    return [master_pid, *kids, *backends]


def measure(name: str, *, base_url: str, scenario: dict, args, master_pid: int, db_name: str) -> dict:
    # Server CPU is sampled over the whole run (warm-up included), divided by all requests sent;
    # backends opened during the run are picked up at the end.
    before_pids = server_pids(master_pid, db_name)
    before = {p: _cpu_seconds(p) for p in before_pids}
    t0 = time.time()
    result: LoadResult = run_load(
        name=name,
        base_url=base_url,
        scenario=scenario,
        concurrency=args.concurrency,
        duration=args.duration,
        warmup=args.warmup,
    )
    wall = time.time() - t0
    after_pids = server_pids(master_pid, db_name)
    cpu = sum(_cpu_seconds(p) - before.get(p, 0.0) for p in after_pids)
    total_requests = result.requests * (args.duration + args.warmup) / args.duration  # warm-up share
    out = result.as_dict()
    out["server_cpu_ms_per_request"] = 1000 * cpu / total_requests if total_requests else None
    out["wall_seconds"] = round(wall, 2)
    return out


# --- report ----------------------------------------------------------------------------------
def summarise(rounds: list[dict], cores: int) -> dict:
    names = ["floor_insert", "submit", "floor_read", "detail"]
    med = {}
    for n in names:
        runs = [r[n] for r in rounds]
        med[n] = {
            "throughput": statistics.median(x["throughput"] for x in runs),
            "p50_ms": statistics.median(x["p50_ms"] for x in runs),
            "p99_ms": statistics.median(x["p99_ms"] for x in runs),
            "errors": sum(x["errors"] for x in runs),
            "server_cpu_ms_per_request": statistics.median(
                x["server_cpu_ms_per_request"] for x in runs if x["server_cpu_ms_per_request"]
            ),
            "per_core": statistics.median(x["throughput"] for x in runs) / cores,
        }
    ratio = {
        "submit_vs_floor": statistics.median(
            r["submit"]["throughput"] / r["floor_insert"]["throughput"] for r in rounds
        ),
        "detail_vs_floor": statistics.median(
            r["detail"]["throughput"] / r["floor_read"]["throughput"] for r in rounds
        ),
        "submit_cpu_vs_floor": med["floor_insert"]["server_cpu_ms_per_request"]
        / med["submit"]["server_cpu_ms_per_request"],
        "detail_cpu_vs_floor": med["floor_read"]["server_cpu_ms_per_request"]
        / med["detail"]["server_cpu_ms_per_request"],
    }
    capacity = {n: 1000 / med[n]["server_cpu_ms_per_request"] for n in names}
    goals = {
        "submit_vs_floor": ratio["submit_vs_floor"] >= GOALS["submit_vs_floor"],
        "submit_per_core": med["submit"]["per_core"] >= GOALS["submit_per_core"],
        "detail_vs_floor": ratio["detail_vs_floor"] >= GOALS["detail_vs_floor"],
        "no_errors": all(med[n]["errors"] == 0 for n in names),
    }
    return {"median": med, "ratio": ratio, "server_capacity_per_core": capacity, "goals_met": goals}


def print_report(summary: dict, *, cores: int, args) -> None:
    med, ratio = summary["median"], summary["ratio"]
    print()
    print(
        f"Medians over {args.rounds} interleaved rounds; {args.duration:.0f} s each after {args.warmup:.0f} s warm-up; "
        f"concurrency {args.concurrency}; gunicorn {args.workers} sync workers; {cores} cores shared by client and server"
    )
    print(
        f"{'scenario':<14}{'req/s':>9}{'per core':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'srv CPU ms/req':>16}"
    )
    for n in ["floor_insert", "submit", "floor_read", "detail"]:
        m = med[n]
        print(
            f"{n:<14}{m['throughput']:>9.1f}{m['per_core']:>10.1f}{m['p50_ms']:>9.1f}{m['p99_ms']:>9.1f}"
            f"{m['errors']:>8d}{m['server_cpu_ms_per_request']:>16.2f}"
        )
    cap = summary["server_capacity_per_core"]
    goals = summary["goals_met"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print()
    print(
        f"submission / insert floor: {ratio['submit_vs_floor']:.3f}x  (goal >= {GOALS['submit_vs_floor']}x: "
        f"{verdict(goals['submit_vs_floor'])}); by server CPU: {ratio['submit_cpu_vs_floor']:.3f}x"
    )
    print(
        f"submissions per core:      {med['submit']['per_core']:.1f}/s measured (goal >= {GOALS['submit_per_core']:.0f}: "
        f"{verdict(goals['submit_per_core'])}); server-CPU capacity {cap['submit']:.0f}/s per core"
    )
    print(
        f"detail / read floor:       {ratio['detail_vs_floor']:.3f}x  (goal >= {GOALS['detail_vs_floor']}x: "
        f"{verdict(goals['detail_vs_floor'])}); by server CPU: {ratio['detail_cpu_vs_floor']:.3f}x"
    )
    print(f"errors (must be 0):        {sum(m['errors'] for m in med.values())}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DB)
    ap.add_argument("--duration", type=float, default=15.0, help="measured seconds per run")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    ap.add_argument("--concurrency", type=int, default=8, help="client processes (connections)")
    ap.add_argument("--workers", type=int, default=max(4, 2 * (os.cpu_count() or 1)), help="gunicorn workers")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians are reported)")
    ap.add_argument("--citizens", type=int, default=50, help="citizens with tokens (case owners)")
    ap.add_argument("--background", type=int, default=20000, help="background submitted cases")
    ap.add_argument("--floor-rows", type=int, default=20000, help="rows in the floor table")
    ap.add_argument("--broker", default=None, help="CELERY_BROKER_URL (default: local Redis if up)")
    ap.add_argument("--keep-db", action="store_true", help="keep the benchmark database afterwards")
    args = ap.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/run.py needs PostgreSQL: set DATABASE_URL or --database-url")

    cores = os.cpu_count() or 1
    home = tempfile.mkdtemp(prefix="yiwang-bench-")
    broker = pick_broker(args.broker, home)
    env = configure_env(db_url=args.database_url, home=home, broker=broker)
    db_name = args.database_url.rsplit("/", 1)[1].split("?")[0]
    print(f"database {args.database_url} (recreated); YIWANG_HOME {home}; broker {broker.split('://')[0]}")
    recreate_database(args.database_url)
    setup_django()
    t0 = time.time()
    data = build_data(citizens=args.citizens, background=args.background, floor_rows=args.floor_rows)
    print(f"data built in {time.time() - t0:.1f}s")
    scen = scenarios(data)
    from django.db import connection

    connection.close()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = Path(home) / "gunicorn.log"
    proc = start_gunicorn(port=port, workers=args.workers, env=env, log_path=log_path)
    print(f"gunicorn pid {proc.pid} on {base_url}, {args.workers} sync workers")
    rounds: list[dict] = []
    try:
        for r in range(args.rounds):
            pairs = [("floor_insert", "submit"), ("floor_read", "detail")]
            results = {}
            for a, b in pairs:
                order = (a, b) if r % 2 == 0 else (b, a)
                for name in order:
                    results[name] = measure(
                        name,
                        base_url=base_url,
                        scenario=scen[name],
                        args=args,
                        master_pid=proc.pid,
                        db_name=db_name,
                    )
                    x = results[name]
                    print(
                        f"  round {r + 1} {name:<13} {x['throughput']:8.1f} req/s  p50 {x['p50_ms']:6.1f} ms  "
                        f"p99 {x['p99_ms']:7.1f} ms  errors {x['errors']}  srv CPU {x['server_cpu_ms_per_request']:.2f} ms/req",
                        flush=True,
                    )
                    for s in x["error_samples"]:
                        print(f"    error: {s}")
            rounds.append(results)
    finally:
        stop_gunicorn(proc)
        connection.close()

    summary = summarise(rounds, cores)
    print_report(summary, cores=cores, args=args)
    out_dir = BENCH_DIR / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    record = {
        "at": datetime.now().astimezone().isoformat(),
        "machine": {"cpu_count": cores, "load_avg_after": os.getloadavg(), "python": sys.version.split()[0]},
        "config": {
            **{k: v for k, v in vars(args).items() if k not in ("database_url", "broker")},
            "database": db_name,
            "broker": broker.split("://")[0],
            "cache": "redis" if broker.startswith("redis://") else "database",
            "server": "gunicorn sync",
            "load_generator": "bench/loadgen.py (processes, http.client keep-alive)",
        },
        "goals": GOALS,
        "rounds": rounds,
        "summary": summary,
    }
    path = out_dir / f"{stamp}.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False))
    print(f"\nresults: {path.relative_to(ROOT)}")
    if not args.keep_db:
        drop_database(args.database_url)
    _cleanup_broker(broker)
    return 0 if summary["goals_met"]["no_errors"] else 1


def _cleanup_broker(broker: str) -> None:
    """Drop what the run left in its Redis database (queued tasks nobody consumes, cache)."""
    if not broker.startswith("redis://"):
        return
    host_db = broker.split("://", 1)[1]
    db = host_db.rsplit("/", 1)[1] if "/" in host_db else "0"
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as s:
            s.sendall(f"SELECT {db}\r\nFLUSHDB\r\n".encode())  # the benchmark's own Redis db
            s.recv(64)
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
