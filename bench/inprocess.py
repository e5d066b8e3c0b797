"""Shared set-up of the in-process benchmarks (bench/bundles.py, identity.py, licenses.py): a fresh
database — a SQLite file under a temporary YIWANG_HOME, or PostgreSQL from DATABASE_URL (default
`default_pg`), dropped and recreated — migrated, with the cache table."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def recreate(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


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
