"""The hall event stream across application processes, on both broadcast backends (the database
table and Redis db 8): two uvicorn servers share the test database; calls made by the window
service in this (third) process reach screens on both servers once and in order; a screen that
reconnects to the other server with Last-Event-ID gets exactly the calls it missed; the payload
has no personal data; idle streams get heartbeat comments."""

from __future__ import annotations

import pytest

from yiwang.core import broadcast
from yiwang.core.testing import make_ric
from yiwang.halls import services

from .conftest import at
from .live_support import REDIS_TEST_URL, Server, SseClient

# committed, so the servers see it; on a working Monday at 10:00 (the servers start at that time too)
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.time_machine(at(7, 10))]


@pytest.fixture(params=["database", "redis"])
def backend(request, settings):
    settings.YIWANG_BROADCAST_URL = "" if request.param == "database" else REDIS_TEST_URL
    return request.param


@pytest.fixture
def servers(backend, tmp_path):
    pair = [Server("a", tmp_path), Server("b", tmp_path)]
    try:
        for s in pair:
            s.wait_ready()
        yield pair
    finally:
        for s in pair:
            s.stop()


def _ticket(world, n: int) -> str:
    issued = services.ticket_issue(
        actor=world.clerk, hall=world.hall, business_code="market", id_number=make_ric(serial=500 + n)
    )
    return issued.ticket.number


def _call(world) -> str:
    return services.window_call(actor=world.clerk, window=world.window, action="next").ticket.number


def test_calls_reach_screens_on_two_processes_once_in_order_and_catch_up(servers, world, backend):
    a, b = servers
    path = f"/api/v1/halls/{world.hall.code}/events"
    on_a = SseClient(a.port, path).start()
    on_b = SseClient(b.port, path).start()
    for screen in (on_a, on_b):
        assert screen.status == 200 and screen.content_type.startswith("text/event-stream")
        (state,) = screen.wait_for("state", 1)
        assert (
            state.id is None
            and state.data["calling"] == []
            and state.data["waiting"] == {"market": 0, "health": 0}
        )

    numbers = [_ticket(world, n) for n in range(4)]
    assert numbers == ["A001", "A002", "A003", "A004"]
    called = [_call(world) for _ in range(3)]
    assert called == ["A001", "A002", "A003"]

    for screen in (on_a, on_b):
        calls = screen.wait_for("call", 3)
        assert [c.data["number"] for c in calls] == called
        assert {c.data["window"] for c in calls} == {"1"}
        assert all(set(c.data) == {"number", "window", "at"} for c in calls)
        key = broadcast._redis_key if backend == "redis" else broadcast._db_key
        ids = [key(c.id) for c in calls]
        assert ids == sorted(set(ids))  # in order, each once
        queue = screen.wait_for("queue", 7)  # 4 tickets issued, 3 calls
        assert queue[-1].data == {"market": 1, "health": 0}
    assert [c.id for c in on_a.named("call")] == [c.id for c in on_b.named("call")]  # the same events
    raw = " ".join(str(e.data) for e in on_a.events)
    assert world.citizen.display_name not in raw and "4201" not in raw  # no names, no ID numbers

    # a screen that saw only A001 reconnects — to the other process — and catches up, no snapshot
    first_id = on_a.named("call")[0].id
    on_a.close()
    again = SseClient(b.port, path, last_event_id=first_id).start()
    caught = again.wait_for("call", 2)
    assert [c.data["number"] for c in caught] == ["A002", "A003"]
    assert again.named("state") == []

    assert _call(world) == "A004"
    assert [c.data["number"] for c in again.wait_for("call", 3)] == ["A002", "A003", "A004"]
    assert [c.data["number"] for c in on_b.wait_for("call", 4)] == ["A001", "A002", "A003", "A004"]

    # idle: heartbeat comments (1 s in these servers) keep the stream open
    again.wait_for("never", 1, timeout=2.5)
    assert again.comments >= 2
    again.close()
    on_b.close()


def test_an_unknown_hall_has_no_stream(servers, world):
    screen = SseClient(servers[0].port, "/api/v1/halls/no-such-hall/events").start()
    assert screen.status == 404
