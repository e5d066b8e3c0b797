"""Independent Yiwang instances on loopback for the multi-city tests and bench/federation.py:
each city its own YIWANG_HOME (so its own master key and keys), SQLite database (copied from one
migrated template) and gunicorn process; tasks run eagerly (no worker), retries are sent by
`yiwang federation deliver`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from yiwang import testclock
from yiwang.core.testing import PASSWORD, free_port

BIN = Path(sys.executable).parent


class City:
    def __init__(self, code: str, root: Path, template: Path):
        self.code = code
        self.home = root / code
        self.home.mkdir()
        shutil.copy(template, self.home / "yiwang.sqlite3")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = _env(
            YIWANG_HOME=str(self.home),
            DATABASE_URL=f"sqlite:///{self.home / 'yiwang.sqlite3'}",
            YIWANG_CITY=code,
            YIWANG_LEDGER_ORIGIN=f"yiwang.{code}/ledger",
            YIWANG_LEDGER_WITNESS_NAME=f"yiwang.{code}/witness",
            YIWANG_BASE_URL=self.url,
            YIWANG_LICENSE_ISSUER=self.url,  # its status list is where its peers can read it
        )
        self.proc: subprocess.Popen | None = None
        out = self.run("-m", "yiwang.federation.tests.city", code, python=True)
        seeded = json.loads(out.strip().splitlines()[-1])
        self.card, self.item = seeded["card"], seeded["item"]

    def run(self, *args: str, python: bool = False) -> str:
        argv = [sys.executable, *args] if python else [str(BIN / "yiwang"), *args]
        done = subprocess.run(
            testclock.command(argv), env=self.env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def start(self, **extra_env: str) -> None:
        log = open(self.home / "gunicorn.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            testclock.command(
                [
                    str(BIN / "gunicorn"),
                    "yiwang.wsgi:application",
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "-w",
                    "1",
                    "--threads",
                    "4",
                    "--timeout",
                    "120",
                ]
            ),
            env={**self.env, **extra_env},
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while self.request("GET", "/api/v1/federation/peers")[0] != 200:
            assert self.proc.poll() is None, (self.home / "gunicorn.log").read_text()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.3)

    def kill(self) -> None:
        """kill -9 of the server (master and workers)."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None

    def request(self, method, path, *, token="", body=None, raw: bytes | None = None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raw_out = e.read()
            try:
                return e.code, json.loads(raw_out)
            except ValueError:
                return e.code, raw_out.decode(errors="replace")
        except OSError:
            return 0, None

    def token(self, username: str) -> str:
        status, out = self.request(
            "POST", "/api/v1/auth/token", body={"username": username, "password": PASSWORD}
        )
        assert status == 200, out
        return out["token"]

    def sql(self, query: str, *params) -> list[tuple]:
        with sqlite3.connect(self.home / "yiwang.sqlite3", timeout=30) as db:
            return db.execute(query, params).fetchall()


def _env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "YIWANG_", "CELERY"))
        and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="yiwang.settings",
        CELERY_TASK_ALWAYS_EAGER="1",  # no worker: delivery at commit, retries by `federation deliver`
        YIWANG_OUTBOX_BACKOFF_BASE="0.01",
        YIWANG_OUTBOX_BACKOFF_CAP="0.05",
        **extra,
    )
    return env


def build_template(root: Path) -> Path:
    """A migrated SQLite database every city starts from (copied: one migration for all)."""
    template = root / "template.sqlite3"
    home = root / "template-home"
    home.mkdir()
    env = _env(YIWANG_HOME=str(home), DATABASE_URL=f"sqlite:///{template}")
    for argv in (["migrate", "--no-input"], ["createcachetable"]):
        done = subprocess.run([str(BIN / "yiwang"), *argv], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
    return template


def pair(here: City, there: City) -> None:
    """`here` pairs with `there` from its card (handed over out of band: a file)."""
    card = here.home / f"card-{there.code}.json"
    card.write_text(json.dumps(there.card))
    here.run("federation", "pair", "--card", str(card))
