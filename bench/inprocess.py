"""Shared set-up of the benchmarks.

In-process ones (bench/bundles.py, identity.py, licenses.py, …): `setup` gives a fresh database —
a SQLite file under a temporary YIWANG_HOME, or PostgreSQL from DATABASE_URL (default
`default_pg`), dropped and recreated — migrated, with the cache table; `demo_setup` (knowledge.py,
projects.py) one holding the demo, loaded once or reused from `--home`; `arguments`, `timed` and
`pct` their common options and timing.

Ones that start servers (bench/crash.py): `free_port`, `recreate` / `drop` of a PostgreSQL
database, and `gunicorn_start`, the production web server (`yiwang.gunicorn_conf`) waited for until
it answers."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin(url: str) -> tuple[str, str]:
    """(the server's `postgres` database URL, the database's name) of a PostgreSQL URL."""
    base, _, name = url.rpartition("/")
    return base + "/postgres", name.split("?")[0]


def drop(url: str) -> None:
    """Drop the database, ending any session still on it."""
    import psycopg
    from psycopg import sql

    admin, name = _admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def recreate(url: str) -> None:
    """Drop the database (ending its sessions) and create it empty."""
    import psycopg
    from psycopg import sql

    drop(url)
    admin, name = _admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup(db: str, *, name: str, default_pg: str, env: dict | None = None) -> None:
    """`db`: sqlite or postgres; `name` labels the temporary home; `env` extra variables."""
    os.environ["YIWANG_HOME"] = tempfile.mkdtemp(prefix=f"yw-{name}-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    os.environ.update(env or {})
    if db == "postgres":
        os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL") or default_pg
        recreate(os.environ["DATABASE_URL"])
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def arguments(*, repeat: int, description: str = "") -> argparse.ArgumentParser:
    """The options of the demo benchmarks: --db, --repeat, --home (add more before parsing)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument(
        "--home", default="", help="a YIWANG_HOME whose SQLite database already holds the demo (reused)"
    )
    return parser


def demo_setup(args: argparse.Namespace, *, name: str, default_pg: str, loaded: Callable[[], bool]) -> None:
    """A database holding the demo (`yiwang demo_load`), eager tasks, quiet logs: `args.home` as it
    is, else a fresh one (`setup`); the demo is loaded unless `loaded()` says it is there."""
    if args.home:
        os.environ["YIWANG_HOME"] = args.home
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        import django

        django.setup()
    else:
        setup(
            args.db,
            name=name,
            default_pg=default_pg,
            env={"CELERY_TASK_ALWAYS_EAGER": "1", "LOG_LEVEL": "WARNING"},
        )
    if not loaded():
        from yiwang.demo.services import demo_load

        t0 = time.perf_counter()
        demo_load(password="bench-password-1")
        print(f"demo loaded in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds of `repeat` calls of `fn` after one warm-up call."""
    fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def pct(samples: Sequence[float], p: float) -> float:
    """The p-th percentile of samples in seconds, in milliseconds (nearest rank)."""
    s = sorted(samples)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))] * 1000


def gunicorn_start(
    *, port: int, env: dict, log, ready_path: str = "/api/v1/items", timeout: float = 90
) -> subprocess.Popen:
    """`gunicorn -c python:yiwang.gunicorn_conf yiwang.wsgi:application` on 127.0.0.1:`port` in a
    session of its own (kill -9 of the group reaches its workers), output to the open file `log`;
    returns once `ready_path` answers, with any HTTP status."""
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "python:yiwang.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "yiwang.wsgi:application",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=5):
                return proc
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer")
