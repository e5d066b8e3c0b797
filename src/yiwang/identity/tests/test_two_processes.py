"""An identity code is single-use across application processes: two gunicorn servers on loopback
share the test database (SQLite file or PostgreSQL); a code accepted by one is refused by the other
as 422 `replayed` — in order and when both are asked at the same moment."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from yiwang import testclock
from yiwang.accounts.services import api_token_issue
from yiwang.core.testing import server_database_url
from yiwang.identity.models import IdentityCheck, Outcome

pytestmark = pytest.mark.django_db(transaction=True)  # committed, so the servers see it
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name: str, log_dir: Path):
        self.name = name
        self.log = log_dir / f"gunicorn-{name}.log"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("PYTEST") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        }
        # the same home (so the same master key) and the same database as this test
        env.update(
            YIWANG_HOME=str(settings.YIWANG_HOME),
            DATABASE_URL=server_database_url(),
            DJANGO_SETTINGS_MODULE="yiwang.settings",
        )
        if settings.YIWANG_MASTER_KEY:
            env["YIWANG_MASTER_KEY"] = settings.YIWANG_MASTER_KEY
        self.proc = subprocess.Popen(  # at this test's time, which may not be the machine's
            testclock.command(
                [str(BIN / "gunicorn"), "yiwang.wsgi:application", "-b", f"127.0.0.1:{self.port}", "-w", "1"]
            ),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),  # noqa: SIM115
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while True:
            status, _ = self.request("GET", "/api/v1/identity/code")
            if status == 401:  # up, and refusing an anonymous caller
                return
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"server {self.name} did not start"
            time.sleep(0.2)

    def request(self, method: str, path: str, *, token: str = "", body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw.decode(errors="replace")
        except OSError:
            return 0, None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def servers(tmp_path):
    pair = [Server("a", tmp_path), Server("b", tmp_path)]
    try:
        for s in pair:
            s.wait_ready()
        yield pair
    finally:
        for s in pair:
            s.stop()


def test_a_code_verified_on_one_process_is_replayed_on_the_other(servers, world):
    a, b = servers
    assert a.proc.pid != b.proc.pid
    citizen, _ = api_token_issue(user=world.citizen)
    clerk, _ = api_token_issue(user=world.clerk)
    other_clerk, _ = api_token_issue(user=world.clerk_other_hall)

    for first, second in [(a, b), (b, a)]:
        status, out = first.request("GET", "/api/v1/identity/code", token=citizen)
        assert status == 200, out
        code = out["code"]
        status, out = first.request("POST", "/api/v1/identity/verify", token=clerk, body={"code": code})
        assert status == 200 and out["valid"] is True, out
        assert out["person"]["id_number_masked"] != world.citizen.id_number
        status, out = second.request(
            "POST", "/api/v1/identity/verify", token=other_clerk, body={"code": code}
        )
        assert status == 422 and out["code"] == "replayed", out
        assert out["message"] and out["fields"] == {}
        # and again on the first: the nonce is spent everywhere
        status, out = first.request("POST", "/api/v1/identity/verify", token=clerk, body={"code": code})
        assert status == 422 and out["code"] == "replayed", out

    # both processes asked at the same moment: exactly one accepts
    status, out = a.request("GET", "/api/v1/identity/code", token=citizen)
    code = out["code"]
    barrier = threading.Barrier(2)
    results: list[tuple[int, object]] = []

    def ask(server, token):
        barrier.wait(timeout=10)
        results.append(server.request("POST", "/api/v1/identity/verify", token=token, body={"code": code}))

    threads = [
        threading.Thread(target=ask, args=(a, clerk)),
        threading.Thread(target=ask, args=(b, other_clerk)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(s for s, _ in results) == [200, 422], results
    assert next(o for s, o in results if s == 422)["code"] == "replayed"

    assert IdentityCheck.objects.filter(outcome=Outcome.VALID).count() == 3
    assert IdentityCheck.objects.filter(outcome=Outcome.REPLAYED).count() == 5
