"""An identity code is single-use across application processes: two gunicorn servers on loopback
share the test database (SQLite file or PostgreSQL); a code accepted by one is refused by the other
as 422 `replayed` — in order and when both are asked at the same moment."""

import threading
from pathlib import Path

import pytest

from yiwang.accounts.services import api_token_issue
from yiwang.core.testing import LoopbackServer
from yiwang.identity.models import IdentityCheck, Outcome

pytestmark = pytest.mark.django_db(transaction=True)  # committed, so the servers see it


class Server(LoopbackServer):
    """gunicorn (WSGI), one worker, sharing this test's home, master key and database."""

    def __init__(self, name: str, log_dir: Path):
        super().__init__(name, log_dir, wsgi=True)

    def wait_ready(self) -> None:
        super().wait_ready("/api/v1/identity/code", 401)  # up, and refusing an anonymous caller


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
