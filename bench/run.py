"""Yiwang benchmark: case submission and case detail on PostgreSQL behind gunicorn, against a floor
measured in the same run (docs/benchmarks.md).

    make bench                       # or: .venv/bin/python bench/run.py --help

Steps: drop and create a PostgreSQL database, migrate, build a small world (yiwang.testsupport) plus
N citizens with API tokens and a realistic background of submitted cases, start gunicorn (sync
workers) with the floor views mounted, then run interleaved rounds

    floor insert, same-writes floor / case submission
                  (POST /bench/floor/insert, POST /bench/floor/submit  vs  POST /api/v1/cases)
    floor read    / case detail     (GET /bench/floor/rows/{id} vs GET /api/v1/cases/{number})
    gateway floor / gateway query   (POST /bench/floor/gateway vs POST /api/v1/exchange/queries)
    e-ID floor    / e-ID check      (POST /bench/floor/eid-check vs POST /api/v1/identity/verify)

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

# Issue 22: submission <= 2x the same-writes floor in server CPU (ratio >= 0.5) and >= 100/s per core
# of server CPU; detail >= 0.35x the read floor; gateway and e-ID >= 0.5x their same-writes floors;
# p99 of submission and detail <= 3x their floors' p99.
GOALS = {
    "submit_cpu_vs_same_writes": 0.5,
    "submit_per_core": 100.0,
    "detail_vs_floor": 0.35,
    "gateway_cpu_vs_same_writes": 0.5,
    "eid_cpu_vs_same_writes": 0.5,
    "p99_vs_floor_max": 3.0,
}
NAMES = [
    "floor_insert",
    "submit_floor",
    "submit",
    "floor_read",
    "detail",
    "gateway_floor",
    "gateway",
    "eid_floor",
    "eid",
]
GROUPS = {
    "submit": ("floor_insert", "submit_floor", "submit"),
    "detail": ("floor_read", "detail"),
    "gateway": ("gateway_floor", "gateway"),
    "eid": ("eid_floor", "eid"),
}
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
        "DB_PREPARE_THRESHOLD": "5",  # as deploy/yiwang-web@.service
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

    exchange = build_exchange(world=world, people=people, numbers_by_owner=numbers_by_owner)
    identity = build_identity(world=world, people=people)

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
        "template_case": templates[0].number,
        "exchange": exchange,
        "identity": identity,
    }


def build_exchange(*, world, people: list, numbers_by_owner: dict) -> dict:
    """A population register (公安) with a row per citizen, an approved agreement for the first
    department's case handling, and a reviewer of that department asking about the applicant of
    one of its cases (the case binding of issue 22 holds: the subject is the case's applicant)."""
    from yiwang.accounts.services import api_token_issue
    from yiwang.core.testing import make_uscc
    from yiwang.exchange import services as exchange
    from yiwang.organizations.models import Department
    from yiwang.organizations.services import staff_create
    from yiwang.testsupport.flows import population_resource

    ga = Department.objects.create(name="武汉市公安局", uscc=make_uscc("ga"), region=world.city)
    cdo = staff_create(
        username="bench-cdo",
        password="bench-pass-1234",
        name="首席数据官",
        roles=[{"role": "cdo", "department": ga, "region": world.city}],
    )
    resource = population_resource(department=ga)
    for i, u in enumerate(people):
        exchange.register_put(
            resource=resource,
            subject=u.id_number,
            values={
                "name": u.display_name,
                "gender": "男",
                "household_address": f"武汉市江岸区沿江大道{i}号",
            },
        )
    a = exchange.agreement_request(
        actor=world.reviewer,
        resource=resource,
        consumer=world.dept,
        elements=["name", "household_address"],
        purposes=["case_handling"],
        legal_basis="《行政许可法》",
        valid_until=date.today() + timedelta(days=300),
    )
    exchange.agreement_decide(actor=cdo, agreement=a, action="approve", version=a.version)
    queries = [
        {
            "resource": resource.code,
            "subject": {"id_number": u.id_number},
            "purpose": "case_handling",
            "elements": ["name", "household_address"],
            "case": numbers_by_owner[u.pk][0],
        }
        for u in people
    ]
    # one real query: the access record the floor copies (as wide as the real ones)
    r = exchange.query_run(
        caller=exchange.caller_for_staff(user=world.reviewer),
        resource_code=resource.code,
        subject=queries[0]["subject"],
        purpose="case_handling",
        elements=queries[0]["elements"],
        case_number=queries[0]["case"],
    )
    assert r.ok, (r.reason, r.message)
    return {
        "token": api_token_issue(user=world.reviewer)[0],
        "queries": queries,
        "template_record": str(r.record.uid),
    }


def build_identity(*, world, people: list) -> dict:
    """Each citizen's identity reference, a window clerk's token, and one real check (the row the
    floor copies)."""
    from yiwang.accounts.services import api_token_issue
    from yiwang.identity import services as identity

    for u in people:
        identity.reference_create(user=u)
    check = identity.code_verify(code=identity.code_issue(user=people[0]).code, verifier=world.clerk)
    assert check.outcome == "valid", check.outcome
    return {
        "token": api_token_issue(user=world.clerk)[0],
        "template_check": check.pk,
        "people": [u.pk for u in people],
    }


def eid_codes(person_ids: list[int], n: int) -> list[str]:
    """n fresh codes (each is good once), as `identity.services.code_issue` makes them, without
    its reference read per code (the references are read once)."""
    from django.utils import timezone

    from yiwang.core import keys
    from yiwang.core.models import KeyPurpose
    from yiwang.identity import codec
    from yiwang.identity.models import IdentityReference
    from yiwang.identity.services import code_ttl

    refs = dict(
        IdentityReference.objects.filter(user_id__in=person_ids, revoked_at__isnull=True).values_list(
            "user_id", "ref"
        )
    )
    sign_key = keys.active_key(KeyPurpose.IDENTITY_CODE)
    enc_key = keys.active_key(KeyPurpose.FIELD_ENCRYPTION)
    private = sign_key.private_key()
    issued = int(timezone.now().timestamp())
    ttl = code_ttl()
    ordered = [bytes.fromhex(refs[p]) for p in person_ids]
    return [
        codec.encode(
            sign_key=private,
            sign_version=sign_key.version,
            enc_key=enc_key.secret,
            enc_version=enc_key.version,
            ref=ordered[i % len(ordered)],
            issued_at=issued,
            ttl=ttl,
        )
        for i in range(n)
    ]


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
    submit_floor = [
        {**r, "path": f"/bench/floor/submit?like={data['template_case']}", "headers": {}} for r in submit
    ]
    ex = data["exchange"]
    gateway = [
        {
            "method": "POST",
            "path": "/api/v1/exchange/queries",
            "body": json.dumps(q, ensure_ascii=False).encode(),
            "headers": {"Authorization": f"Bearer {ex['token']}"},
        }
        for q in ex["queries"]
    ]
    gateway_floor = [
        {
            "method": "POST",
            "path": f"/bench/floor/gateway?like={ex['template_record']}",
            "body": json.dumps(
                {
                    "resource": q["resource"],
                    "id_number": q["subject"]["id_number"],
                    "elements": q["elements"],
                },
                ensure_ascii=False,
            ).encode(),
        }
        for q in ex["queries"]
    ]
    eid_floor = {
        "method": "POST",
        "path": f"/bench/floor/eid-check?like={data['identity']['template_check']}",
        "body": b'{"code": "floor"}',
    }
    return {
        "floor_insert": {"method": "POST", "path": "/bench/floor/insert", "body": payload},
        "submit_floor": {"requests": submit_floor},
        "submit": {"requests": submit},
        "floor_read": {"requests": floor_read},
        "detail": {"requests": detail},
        "gateway_floor": {"requests": gateway_floor},
        "gateway": {"requests": gateway},
        "eid_floor": eid_floor,
        "eid": None,  # fresh one-time codes for every run: see eid_scenario
    }


def eid_scenario(data: dict, *, n: int) -> dict:
    auth = {"Authorization": f"Bearer {data['identity']['token']}"}
    return {
        "partition": True,
        "requests": [
            {
                "method": "POST",
                "path": "/api/v1/identity/verify",
                "body": json.dumps({"code": code}).encode(),
                "headers": auth,
            }
            for code in eid_codes(data["identity"]["people"], n)
        ],
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


def server_pid_groups(master_pid: int, db_name: str) -> tuple[list[int], list[int]]:
    """(gunicorn master and workers, their PostgreSQL backends)."""
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
    return [master_pid, *kids], backends


def measure(name: str, *, base_url: str, scenario: dict, args, master_pid: int, db_name: str) -> dict:
    # Server CPU is sampled over the whole run (warm-up included), divided by all requests sent;
    # backends opened during the run are picked up at the end.
    before_app, before_db = server_pid_groups(master_pid, db_name)
    before = {p: _cpu_seconds(p) for p in [*before_app, *before_db]}
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
    after_app, after_db = server_pid_groups(master_pid, db_name)
    cpu_app = sum(_cpu_seconds(p) - before.get(p, 0.0) for p in after_app)
    cpu_db = sum(_cpu_seconds(p) - before.get(p, 0.0) for p in after_db)
    total_requests = result.requests * (args.duration + args.warmup) / args.duration  # warm-up share
    out = result.as_dict()
    out["server_cpu_ms_per_request"] = 1000 * (cpu_app + cpu_db) / total_requests if total_requests else None
    # the PostgreSQL backends' share of it (the rest is gunicorn: Django and the HTTP server)
    out["db_cpu_ms_per_request"] = 1000 * cpu_db / total_requests if total_requests else None
    out["wall_seconds"] = round(wall, 2)
    return out


# --- report ----------------------------------------------------------------------------------
def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def summarise(rounds: list[dict], cores: int) -> dict:
    names = [n for n in NAMES if all(n in r for r in rounds)]
    med = {}
    for n in names:
        # a round in which nothing succeeded (a cold start longer than warm-up and measure on a
        # loaded machine) has no latencies: the medians are over the other rounds
        runs = [r[n] for r in rounds if r[n]["server_cpu_ms_per_request"]] or [r[n] for r in rounds]
        med[n] = {
            "throughput": statistics.median(x["throughput"] for x in runs),
            "p50_ms": statistics.median(x["p50_ms"] for x in runs),
            "p99_ms": statistics.median(x["p99_ms"] for x in runs),
            "errors": sum(x["errors"] for x in runs),
            "server_cpu_ms_per_request": statistics.median(
                x["server_cpu_ms_per_request"] for x in runs if x["server_cpu_ms_per_request"]
            ),
            "db_cpu_ms_per_request": statistics.median(
                x.get("db_cpu_ms_per_request") or 0.0 for x in runs if x["server_cpu_ms_per_request"]
            ),
            "per_core": statistics.median(x["throughput"] for x in runs) / cores,
        }

    def per_round(real: str, floor: str, key: str) -> float | None:
        if real not in med or floor not in med:
            return None
        ok = [
            r
            for r in rounds
            if r[real]["server_cpu_ms_per_request"] and r[floor]["server_cpu_ms_per_request"]
        ]
        if not ok:
            return None
        if key == "throughput":
            return statistics.median(r[real]["throughput"] / r[floor]["throughput"] for r in ok)
        # CPU: floor cost / real cost (>= goal is good), per round
        return statistics.median(
            r[floor]["server_cpu_ms_per_request"] / r[real]["server_cpu_ms_per_request"] for r in ok
        )

    pairs = {
        "submit_vs_floor": ("submit", "floor_insert"),
        "submit_vs_same_writes": ("submit", "submit_floor"),
        "detail_vs_floor": ("detail", "floor_read"),
        "gateway_vs_read_floor": ("gateway", "floor_read"),
        "gateway_vs_same_writes": ("gateway", "gateway_floor"),
        "eid_vs_insert_floor": ("eid", "floor_insert"),
        "eid_vs_same_writes": ("eid", "eid_floor"),
    }
    ratio: dict[str, float | None] = {}
    for label, (real, floor) in pairs.items():
        ratio[label] = per_round(real, floor, "throughput")
        ratio[label.replace("_vs_", "_cpu_vs_")] = per_round(real, floor, "cpu")
    p99 = {
        "submit_vs_same_writes": _ratio(
            med.get("submit", {}).get("p99_ms"), med.get("submit_floor", {}).get("p99_ms")
        ),
        "detail_vs_floor": _ratio(
            med.get("detail", {}).get("p99_ms"), med.get("floor_read", {}).get("p99_ms")
        ),
        "gateway_vs_same_writes": _ratio(
            med.get("gateway", {}).get("p99_ms"), med.get("gateway_floor", {}).get("p99_ms")
        ),
        "eid_vs_same_writes": _ratio(
            med.get("eid", {}).get("p99_ms"), med.get("eid_floor", {}).get("p99_ms")
        ),
    }
    capacity = {n: 1000 / med[n]["server_cpu_ms_per_request"] for n in names}

    def at_least(value: float | None, goal: float) -> bool | None:
        return None if value is None else value >= goal

    goals = {
        "submit_cpu_vs_same_writes": at_least(
            ratio["submit_cpu_vs_same_writes"], GOALS["submit_cpu_vs_same_writes"]
        ),
        "submit_per_core": at_least(capacity.get("submit"), GOALS["submit_per_core"]),
        "detail_vs_floor": at_least(ratio["detail_vs_floor"], GOALS["detail_vs_floor"]),
        "gateway_cpu_vs_same_writes": at_least(
            ratio["gateway_cpu_vs_same_writes"], GOALS["gateway_cpu_vs_same_writes"]
        ),
        "eid_cpu_vs_same_writes": at_least(ratio["eid_cpu_vs_same_writes"], GOALS["eid_cpu_vs_same_writes"]),
        "submit_p99": None
        if p99["submit_vs_same_writes"] is None
        else p99["submit_vs_same_writes"] <= GOALS["p99_vs_floor_max"],
        "detail_p99": None
        if p99["detail_vs_floor"] is None
        else p99["detail_vs_floor"] <= GOALS["p99_vs_floor_max"],
        "no_errors": all(med[n]["errors"] == 0 for n in names),
    }
    return {
        "median": med,
        "ratio": ratio,
        "p99_ratio": p99,
        "server_capacity_per_core": capacity,
        "goals_met": goals,
    }


def print_report(summary: dict, *, cores: int, args) -> None:
    med, ratio, p99 = summary["median"], summary["ratio"], summary["p99_ratio"]
    print()
    print(
        f"Medians over {args.rounds} interleaved rounds; {args.duration:.0f} s each after {args.warmup:.0f} s warm-up; "
        f"concurrency {args.concurrency}; gunicorn {args.workers} sync workers; {cores} cores shared by client and server"
    )
    print(
        f"{'scenario':<14}{'req/s':>9}{'per core':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'srv CPU ms/req':>16}"
        f"{'of it DB':>10}"
    )
    for n in NAMES:
        if n not in med:
            continue
        m = med[n]
        print(
            f"{n:<14}{m['throughput']:>9.1f}{m['per_core']:>10.1f}{m['p50_ms']:>9.1f}{m['p99_ms']:>9.1f}"
            f"{m['errors']:>8d}{m['server_cpu_ms_per_request']:>16.2f}{m['db_cpu_ms_per_request']:>10.2f}"
        )
    cap = summary["server_capacity_per_core"]
    goals = summary["goals_met"]

    def f(v: float | None) -> str:
        return "  n/a " if v is None else f"{v:.3f}x"

    def verdict(ok: bool | None) -> str:
        return "not run" if ok is None else ("met" if ok else "MISSED")

    print()
    print("real / floor          throughput   server CPU (floor ms / real ms)   p99 real/floor")
    rows = [
        ("submit / insert", "submit_vs_floor", None),
        ("submit / same-writes", "submit_vs_same_writes", "submit_vs_same_writes"),
        ("detail / read", "detail_vs_floor", "detail_vs_floor"),
        ("gateway / read", "gateway_vs_read_floor", None),
        ("gateway / same-writes", "gateway_vs_same_writes", "gateway_vs_same_writes"),
        ("e-ID / insert", "eid_vs_insert_floor", None),
        ("e-ID / same-writes", "eid_vs_same_writes", "eid_vs_same_writes"),
    ]
    for label, key, pkey in rows:
        print(
            f"{label:<22}{f(ratio.get(key)):>10}   {f(ratio.get(key.replace('_vs_', '_cpu_vs_'))):>18}"
            f"               {f(p99.get(pkey)) if pkey else '':>8}"
        )
    print()
    for g, ok in goals.items():
        print(f"goal {g:<28} {verdict(ok)}")
    if "submit" in cap:
        print(
            f"submissions per core by server CPU: {cap['submit']:.0f}/s (goal >= {GOALS['submit_per_core']:.0f})"
        )


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
    ap.add_argument(
        "--only",
        default=",".join(GROUPS),
        help=f"comma-separated groups to run, of {','.join(GROUPS)} (each with its floors)",
    )
    args = ap.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/run.py needs PostgreSQL: set DATABASE_URL or --database-url")

    cores = os.cpu_count() or 1
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
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
    groups = [GROUPS[g.strip()] for g in args.only.split(",") if g.strip()]
    try:
        for r in range(args.rounds):
            results = {}
            for group in groups:
                order = group if r % 2 == 0 else tuple(reversed(group))
                for name in order:
                    scenario = scen[name]
                    if name == "eid":  # one-time codes, enough for a fast run, made just before it
                        scenario = eid_scenario(data, n=int(700 * (args.duration + args.warmup + 2)))
                    results[name] = measure(
                        name,
                        base_url=base_url,
                        scenario=scenario,
                        args=args,
                        master_pid=proc.pid,
                        db_name=db_name,
                    )
                    x = results[name]
                    for s in x["error_samples"]:
                        print(f"    error: {s}", flush=True)
                    print(
                        f"  round {r + 1} {name:<13} {x['throughput']:8.1f} req/s  p50 {_ms(x['p50_ms'], 6)} ms  "
                        f"p99 {_ms(x['p99_ms'], 7)} ms  errors {x['errors']}  srv CPU {_ms(x['server_cpu_ms_per_request'], 0, 2)} ms/req",
                        flush=True,
                    )
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
        "machine": {
            "cpu_count": cores,
            "load_avg_before": load_before,
            "load_avg_after": os.getloadavg(),
            "python": sys.version.split()[0],
        },
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
    la = os.getloadavg()
    print(f"load average after: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}")
    print(f"\nresults: {path.relative_to(ROOT)}")
    if not args.keep_db:
        drop_database(args.database_url)
    _cleanup_broker(broker)
    return 0 if summary["goals_met"]["no_errors"] else 1


def _ms(value: float | None, width: int, digits: int = 1) -> str:
    """A figure for the progress lines; "-" when nothing succeeded (every request an error)."""
    return f"{'-':>{width}}" if value is None else f"{value:{width}.{digits}f}"


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
