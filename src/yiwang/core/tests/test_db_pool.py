"""`DB_POOL_SIZE` (docs/operations.md: the ASGI web servers in production). Under ASGI a request's
thread ends with it; without a pool each request opens a PostgreSQL connection of its own (a
backend started, its caches warmed, its prepared statements lost). With the pool the same
backends serve request after request, never more of them than the pool's size. Real uvicorn
servers on loopback against the test database, counted in PostgreSQL's own pg_stat_activity."""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from yiwang.core.testing import LoopbackServer, server_database_url

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="a PostgreSQL connection pool"),
]


class Server(LoopbackServer):
    def __init__(self, tmp_path: Path, *, pool: int, name: str):
        env = {
            # the server's connections carry a name of their own in pg_stat_activity
            "DATABASE_URL": f"{server_database_url()}?application_name={name}",
            "DB_POOL_SIZE": str(pool),
        }
        super().__init__(name, tmp_path, args=["--no-server-header"], env=env)

    def get(self, path: str) -> int:
        return self.request("GET", path)[0]

    def burst(self, n: int = 24, at_once: int = 8) -> list[int]:
        """`n` requests that read the database (the public hall list), `at_once` at a time."""
        with ThreadPoolExecutor(at_once) as ex:
            return list(ex.map(lambda _: self.get("/api/v1/halls"), range(n)))

    def backends(self) -> set[int]:
        with connection.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.name])
            return {row[0] for row in cur.fetchall()}


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(**kw) -> Server:
        started.append(Server(tmp_path, **kw))
        started[-1].wait_ready()
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
