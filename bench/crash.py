"""Crash test (issue 22): kill -9 the app server's processes and the task worker while citizens
submit applications and bundle applications (which fan out to department cases in the same
transaction) and the ledger integrates their entries; then check that

- every submission the server acknowledged (201/200 with a case number) is in the database, with
  its parties and events, exactly once — replaying every Idempotency-Key sent, answered or not,
  gives the same case or creates the one that was never made, never a second;
- every bundle case acknowledged has its department cases;
- the tasks resume: the ledger integrates every pending entry (its beat task runs again in the
  restarted worker, the sequencer's lease of a killed worker expires) and every notice is sealed;
- `yiwang ledger verify` passes.

    .venv/bin/python bench/crash.py                                  # SQLite (embedded mode), 60 s
    .venv/bin/python bench/crash.py --database-url postgres://postgres@127.0.0.1:5432/yiwang_crash
    .venv/bin/python bench/crash.py --seconds 20 --kills 4           # the reduced form CI runs
                                                                     # (testsupport/tests/test_crash.py)

The PostgreSQL database named is dropped and created. Processes: gunicorn with the production
settings (`yiwang.gunicorn_conf`, 2 workers) and one Celery worker with beat (threads pool), as
`yiwang serve_embedded` runs them. Kills rotate over: one gunicorn worker (the master forks a new
one), the gunicorn master and all its workers (restarted), the Celery worker (restarted). Clients
retry a request whose connection broke with the same Idempotency-Key, as the API contract says.
Exit status 0 when every check holds; the report is one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import date, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import inprocess  # noqa: E402 — puts src/ on the path too

BIN = Path(sys.executable).parent


def database_from_template(url: str, template: str) -> None:
    """A copy of an already migrated database (the test suite's), so the reduced run skips migrating.

    Through pg_dump | pg_restore, not CREATE DATABASE … TEMPLATE: a template may have no other
    session, and in the test suite the worker's own connections (a live server's, the test's) are
    on it — ending them broke the next test (CI: "terminating connection due to administrator
    command")."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    args = ["--host", parts.hostname or "127.0.0.1", "--port", str(parts.port or 5432)]
    args += ["--username", parts.username or "postgres"]
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    inprocess.recreate(url)
    dump = subprocess.Popen(["pg_dump", *args, "--format=custom", template], stdout=subprocess.PIPE, env=env)
    restore = subprocess.run(
        ["pg_restore", *args, "--no-owner", "--exit-on-error", "--dbname", parts.path.lstrip("/")],
        stdin=dump.stdout,
        env=env,
        capture_output=True,
        check=False,
    )
    dump.stdout.close()
    if dump.wait() or restore.returncode:
        raise SystemExit(f"copying {template}: {restore.stderr.decode(errors='replace')[-2000:]}")


def sqlite_from_template(path: Path, template: str) -> None:
    import sqlite3

    with sqlite3.connect(template) as src, sqlite3.connect(path) as dst:
        src.backup(dst)


# --- the data ---------------------------------------------------------------------------------
def build(*, citizens: int) -> dict:
    """The test world, `citizens` verified citizens with API tokens, and a two-item bundle."""
    import django

    django.setup()
    from django.core.management import call_command

    from yiwang.accounts.models import AccountKind, TrustLevel, User
    from yiwang.accounts.services import api_token_issue, id_number_hash, phone_hash
    from yiwang.core.testing import good_form, good_materials, make_ric
    from yiwang.testsupport.world import build_world

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    world = build_world()
    people = []
    for i in range(citizens):
        number = make_ric(region="420102", born=date(1971, 1, 1) + timedelta(days=97 * i), serial=300 + i)
        phone = f"137{i:08d}"
        u = User(
            username=f"crash-citizen-{i:03d}",
            kind=AccountKind.PERSON,
            display_name=f"市民{i:03d}号",
            id_number=number,
            id_number_hash=id_number_hash(number),
            phone=phone,
            phone_hash=phone_hash(phone),
            trust_level=TrustLevel.VERIFIED,
        )
        u.set_unusable_password()
        people.append(u)
    User.objects.bulk_create(people)
    people = list(User.objects.filter(username__startswith="crash-citizen-").order_by("username"))
    bundle_code = _bundle(world)
    return {
        "item_code": world.item.code,
        "bundle_code": bundle_code,
        "materials": good_materials(),
        "citizens": [
            {
                "token": api_token_issue(user=u)[0],
                "form": good_form(**{"applicant.name": u.display_name, "applicant.id_number": u.id_number}),
            }
            for u in people
        ],
    }


def _bundle(world) -> str:
    from yiwang.testsupport.flows import two_department_bundle

    return two_department_bundle(world, code="crash-bundle", name="开办餐饮一件事").code


# --- the servers ------------------------------------------------------------------------------
class Servers:
    def __init__(self, *, port: int, env: dict, home: Path):
        self.port, self.env, self.home = port, env, home
        self.gunicorn: subprocess.Popen | None = None
        self.celery: subprocess.Popen | None = None
        self.log = (home / "servers.log").open("ab")

    def start_gunicorn(self) -> None:
        self.gunicorn = inprocess.gunicorn_start(
            port=self.port, env={**self.env, "WEB_CONCURRENCY": "2"}, log=self.log
        )

    def start_celery(self) -> None:
        self.celery = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "yiwang",
                "worker",
                "--beat",
                "--pool",
                "threads",
                "--concurrency",
                "2",
                "--loglevel",
                "WARNING",
                "--schedule",
                str(self.home / "celerybeat-schedule"),
            ],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def gunicorn_workers(self) -> list[int]:
        pids = []
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if self.gunicorn and ppid == self.gunicorn.pid:
                    pids.append(int(d.name))
        return pids

    def kill_worker(self) -> str:
        workers = self.gunicorn_workers()
        if not workers:
            return "no worker"
        os.kill(random.choice(workers), signal.SIGKILL)
        return "gunicorn worker"

    def kill_app_server(self) -> str:
        """The whole app server dies (master and workers, as when its machine does); restarted."""
        workers = self.gunicorn_workers()
        os.kill(self.gunicorn.pid, signal.SIGKILL)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.gunicorn.wait()
        self.start_gunicorn()
        return "gunicorn master and workers"

    def kill_celery(self) -> str:
        os.killpg(self.celery.pid, signal.SIGKILL)
        self.celery.wait()
        time.sleep(0.5)
        self.start_celery()
        return "celery worker"

    def stop(self) -> None:
        for p in (self.gunicorn, self.celery):
            if p is not None and p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                    p.wait(timeout=20)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()


# --- the clients ------------------------------------------------------------------------------
def post(base: str, path: str, body: dict, *, token: str, key: str) -> tuple[int | None, dict]:
    req = urllib.request.Request(
        base + path,
        data=json.dumps(body, ensure_ascii=False).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read())
        except ValueError:
            return e.code, {}
    except (OSError, ValueError):  # connection refused or reset, a half answer: not acknowledged
        return None, {}


class Clients:
    def __init__(self, *, base: str, data: dict, bundle_share: float, pause: float = 0.0):
        self.base, self.data, self.bundle_share, self.pause = base, data, bundle_share, pause
        self.lock = threading.Lock()
        self.sent: list[dict] = []  # every request: kind, token, key, body, answer
        self.errors: list[tuple] = []
        self.stop = threading.Event()

    def request(self, rng: random.Random) -> dict:
        c = rng.choice(self.data["citizens"])
        if rng.random() < self.bundle_share:
            body = {
                "bundle_code": self.data["bundle_code"],
                "answers": {},
                "form": c["form"],
                "channel": "online",
                "materials": self.data["materials"],
            }
            return {"kind": "bundle", "path": "/api/v1/bundle-cases", "body": body, "token": c["token"]}
        body = {
            "item_code": self.data["item_code"],
            "form": c["form"],
            "channel": "online",
            "materials": self.data["materials"],
        }
        return {"kind": "case", "path": "/api/v1/cases", "body": body, "token": c["token"]}

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            r = self.request(rng)
            r["key"] = str(uuid.uuid4())
            r["number"] = None
            with self.lock:
                self.sent.append(r)
            for _attempt in range(6):  # the contract: retry with the same key
                status, answer = post(self.base, r["path"], r["body"], token=r["token"], key=r["key"])
                if status in (200, 201):
                    r["number"] = answer.get("number")
                    r["status"] = status
                    break
                if status is not None and status < 500 and status != 429:
                    with self.lock:
                        self.errors.append((r["kind"], status, answer.get("code")))
                    break
                time.sleep(0.5 + rng.random())
            if self.pause:
                self.stop.wait(self.pause)


# --- the checks -------------------------------------------------------------------------------
def check(*, base: str, clients: Clients, env: dict, drain_seconds: float) -> dict:
    from yiwang.bundles.models import BundleCase
    from yiwang.cases.models import Case, CaseEvent, CaseParty, Notice
    from yiwang.core.models import IdempotencyRecord
    from yiwang.ledger.models import PendingEntry

    acknowledged = [r for r in clients.sent if r["number"]]
    unanswered = [r for r in clients.sent if not r["number"]]
    report: dict = {
        "requests": len(clients.sent),
        "acknowledged": len(acknowledged),
        "unanswered_during_kills": len(unanswered),
        "client_errors": clients.errors[:10],
    }
    # 1. every acknowledged submission is there, with its parties and events
    case_numbers = [r["number"] for r in acknowledged if r["kind"] == "case"]
    bundle_numbers = [r["number"] for r in acknowledged if r["kind"] == "bundle"]
    found = set(Case.objects.filter(number__in=case_numbers).values_list("number", flat=True))
    report["acknowledged_cases_lost"] = sorted(set(case_numbers) - found)
    bare = set(case_numbers) - set(
        CaseParty.objects.filter(case__number__in=case_numbers).values_list("case__number", flat=True)
    )
    bare |= set(case_numbers) - set(
        CaseEvent.objects.filter(case__number__in=case_numbers).values_list("case__number", flat=True)
    )
    report["acknowledged_cases_without_parties_or_events"] = sorted(bare)
    bfound = {
        b.number: b.children.count()
        for b in BundleCase.objects.filter(number__in=bundle_numbers).prefetch_related("children")
    }
    report["acknowledged_bundles_lost"] = sorted(set(bundle_numbers) - set(bfound))
    report["acknowledged_bundles_without_two_cases"] = sorted(n for n, k in bfound.items() if k != 2)
    # 2. replaying every key gives the first answer, or creates what was never made — once
    records_before = IdempotencyRecord.objects.count()
    replay_mismatch, created_on_replay = [], 0
    for r in clients.sent:
        status, answer = post(base, r["path"], r["body"], token=r["token"], key=r["key"])
        if status not in (200, 201):
            replay_mismatch.append((r["kind"], r["key"], status, answer.get("code")))
        elif r["number"] and answer.get("number") != r["number"]:
            replay_mismatch.append((r["kind"], r["key"], status, "different number"))
        elif not r["number"]:
            created_on_replay += 1
            r["number"] = answer.get("number")
    report["replay_mismatches"] = replay_mismatch[:10]
    report["created_on_replay"] = created_on_replay
    report["idempotency_records_added_by_replay"] = IdempotencyRecord.objects.count() - records_before
    numbers = [r["number"] for r in clients.sent if r["kind"] == "case" and r["number"]]
    report["duplicate_cases"] = len(numbers) - len(set(numbers))
    bundle_numbers = [r["number"] for r in clients.sent if r["kind"] == "bundle" and r["number"]]
    # cases made by this run: one per case key and two per bundle key, nothing else
    expected = len(set(numbers)) + 2 * len(set(bundle_numbers))
    report["cases_in_database"] = Case.objects.count()
    report["cases_expected"] = expected
    # 3. the tasks resume: the ledger integrates everything, every notice gets sealed
    deadline = time.time() + drain_seconds
    while time.time() < deadline:
        pending = PendingEntry.objects.count()  # the sequencer deletes what it integrated
        unsealed = Notice.objects.filter(pdf="").count()
        if pending == 0 and unsealed == 0:
            break
        time.sleep(1)
    report["ledger_pending_after_drain"] = pending
    report["notices"] = Notice.objects.count()
    report["notices_unsealed_after_drain"] = unsealed
    # 4. the ledger verifies
    v = subprocess.run(
        [sys.executable, "-m", "yiwang.manage", "ledger", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report["ledger_verify"] = (v.stdout + v.stderr).strip().splitlines()[-2:]
    report["ledger_verify_ok"] = v.returncode == 0
    report["ok"] = (
        not report["acknowledged_cases_lost"]
        and not report["acknowledged_cases_without_parties_or_events"]
        and not report["acknowledged_bundles_lost"]
        and not report["acknowledged_bundles_without_two_cases"]
        and not replay_mismatch
        and report["duplicate_cases"] == 0
        and report["cases_in_database"] == expected
        and pending == 0
        and unsealed == 0
        and report["ledger_verify_ok"]
    )
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default="", help="PostgreSQL URL (dropped and created); default SQLite")
    ap.add_argument("--broker", default="", help="Celery broker; default the embedded SQLite broker")
    ap.add_argument("--home", default="", help="YIWANG_HOME (default: a new temporary directory)")
    ap.add_argument("--seconds", type=float, default=60, help="how long the clients submit")
    ap.add_argument("--kills", type=int, default=12, help="kill -9s during that time, evenly spread")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--citizens", type=int, default=20)
    ap.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="seconds each client waits between submissions (the embedded SQLite broker hands a worker "
        "about 2 tasks a second: a bounded run must not queue more than the drain can take)",
    )
    ap.add_argument("--bundle-share", type=float, default=0.25, help="share of bundle submissions")
    ap.add_argument("--drain-seconds", type=float, default=120, help="wait for tasks to resume")
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument(
        "--template",
        default="",
        help="start from a copy of this migrated database (PostgreSQL: its name; SQLite: its file)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the database and home")
    args = ap.parse_args(argv)

    home = Path(args.home or tempfile.mkdtemp(prefix="yiwang-crash-"))
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "YIWANG_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "yiwang.settings",
        "PYTHONPATH": str(ROOT / "src"),
        "LOG_LEVEL": "WARNING",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "YIWANG_NOTICE_SEAL_SWEEP": os.environ.get("YIWANG_NOTICE_SEAL_SWEEP", "5"),
    }
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        if args.template:
            database_from_template(args.database_url, args.template)
        else:
            inprocess.recreate(args.database_url)
    elif args.template:
        sqlite_from_template(home / "yiwang.sqlite3", args.template)
    env["CELERY_BROKER_URL"] = args.broker or f"sqla+sqlite:///{home}/broker.sqlite3"
    os.environ.clear()
    os.environ.update(env)
    t0 = time.time()
    data = build(citizens=args.citizens)
    setup_s = time.time() - t0
    from django.db import connections

    connections.close_all()

    port = inprocess.free_port()
    base = f"http://127.0.0.1:{port}"
    servers = Servers(port=port, env=env, home=home)
    rng = random.Random(args.seed)
    kills: list[str] = []
    try:
        servers.start_gunicorn()
        servers.start_celery()
        clients = Clients(base=base, data=data, bundle_share=args.bundle_share, pause=args.pause)
        threads = [
            threading.Thread(target=clients.run, args=(args.seed + i,), daemon=True)
            for i in range(args.clients)
        ]
        for t in threads:
            t.start()
        plan = [servers.kill_worker, servers.kill_celery, servers.kill_app_server]
        interval = args.seconds / (args.kills + 1)
        for i in range(args.kills):
            time.sleep(interval * (0.5 + rng.random()))
            kills.append(plan[i % len(plan)]())
        remaining = t0 + setup_s + args.seconds - time.time()
        time.sleep(max(0.0, remaining))
        clients.stop.set()
        for t in threads:
            t.join(timeout=120)
        report = check(base=base, clients=clients, env=env, drain_seconds=args.drain_seconds)
    finally:
        servers.stop()
        connections.close_all()
    report = {
        "database": "postgresql" if args.database_url else "sqlite",
        "broker": env["CELERY_BROKER_URL"].split(":", 1)[0],
        "setup_seconds": round(setup_s, 1),
        "load_seconds": args.seconds,
        "kills": kills,
        "load_average": os.getloadavg(),
        **report,
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if not args.keep:
        if args.database_url:
            inprocess.drop(args.database_url)
        if not args.home:
            import shutil

            shutil.rmtree(home, ignore_errors=True)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
