"""`DB_POOL_SIZE` (docs/operations.md: the ASGI web servers in production). Under ASGI a request's
thread ends with it; without a pool each request opens a PostgreSQL connection of its own (a
backend started, its caches warmed, its prepared statements lost). With the pool the same
backends serve request after request, never more of them than the pool's size. Real uvicorn
servers on loopback against the test database, counted in PostgreSQL's own pg_stat_activity."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from yiwang.core.testing import server_database_url

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="a PostgreSQL connection pool"),
]
BIN = Path(sys.executable).parent


class Server:
    def __init__(self, tmp_path: Path, *, pool: int, name: str):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.name = name
        self.log = tmp_path / f"uvicorn-{name}.log"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("PYTEST") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(
            YIWANG_HOME=str(settings.YIWANG_HOME),
            # the server's connections carry a name of their own in pg_stat_activity
            DATABASE_URL=f"{server_database_url()}?application_name={name}",
            DJANGO_SETTINGS_MODULE="yiwang.settings",
            DB_POOL_SIZE=str(pool),
        )
        if settings.YIWANG_MASTER_KEY:
            env["YIWANG_MASTER_KEY"] = settings.YIWANG_MASTER_KEY
        self.proc = subprocess.Popen(
            [str(BIN / "uvicorn"), "yiwang.asgi:application", "--host", "127.0.0.1",
             "--port", str(self.port), "--lifespan", "off", "--no-server-header"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),  # noqa: SIM115
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while self.get("/api/v1/no-such-thing") != 404:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"server {name} did not start"
            time.sleep(0.2)

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return 0

    def burst(self, n: int = 24, at_once: int = 8) -> list[int]:
        """`n` requests that read the database (the public hall list), `at_once` at a time."""
        with ThreadPoolExecutor(at_once) as ex:
            return list(ex.map(lambda _: self.get("/api/v1/halls"), range(n)))

    def backends(self) -> set[int]:
        with connection.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.name])
            return {row[0] for row in cur.fetchall()}

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(**kw) -> Server:
        started.append(Server(tmp_path, **kw))
        return started[-1]

    yield start
    for s in started:
        s.stop()


def test_a_pooled_server_serves_every_request_from_the_same_few_connections(serve):
    pooled = serve(pool=2, name="yiwang-pool-test")
    assert pooled.burst() == [200] * 24
    first = pooled.backends()
    assert 1 <= len(first) <= 2  # kept open between requests, never more than the pool's size
    assert pooled.burst() == [200] * 24
    assert pooled.backends() == first  # the same backends served the second burst: none opened


def test_without_a_pool_each_request_connection_ends_with_the_request(serve):
    plain = serve(pool=0, name="yiwang-nopool-test")
    assert plain.burst() == [200] * 24
    deadline = time.monotonic() + 10
    while plain.backends() and time.monotonic() < deadline:  # a closing backend leaves shortly
        time.sleep(0.1)
    assert plain.backends() == set()
