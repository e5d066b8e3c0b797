"""core.broadcast on both backends — the database table (embedded) and Redis Streams (db 8 of the
local Redis, or YIWANG_TEST_REDIS_URL): events published by ANOTHER process reach a subscriber in
order and once; a reconnect with Last-Event-ID gets exactly the events after it; a gap that was
pruned gives `reset`; a subscriber that falls behind is dropped (and catches up on reconnect)."""

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from yiwang import testclock
from yiwang.core import broadcast
from yiwang.core.models import BroadcastEvent
from yiwang.core.testing import server_env

pytestmark = pytest.mark.django_db(transaction=True)
BIN = Path(sys.executable).parent
REDIS_TEST_URL = os.environ.get("YIWANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/8")


def publish_elsewhere(channel: str, numbers: list[str]) -> list[str]:
    """Publish from a separate process (`yiwang shell`); returns the ids it printed."""
    code = (
        "from yiwang.core.broadcast import publish\n"
        f"for n in {numbers!r}:\n"
        f"    print('ID=' + publish({channel!r}, 'call', {{'number': n, 'window': '5'}}))\n"
    )
    out = subprocess.run(
        testclock.command([str(BIN / "yiwang"), "shell", "-c", code]),
        env=server_env(YIWANG_BROADCAST_URL=settings.YIWANG_BROADCAST_URL),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [line[3:] for line in out.stdout.split() if line.startswith("ID=")]


@pytest.fixture(params=["database", "redis"])
def backend(request, settings):
    settings.YIWANG_BROADCAST_URL = "" if request.param == "database" else REDIS_TEST_URL
    settings.YIWANG_BROADCAST_POLL_SECONDS = 0.05
    assert broadcast.backend_name() == request.param
    return request.param


async def take(stream, n: int, timeout: float = 30) -> list[broadcast.Event]:
    got = []
    async with asyncio.timeout(timeout):
        async for ev in stream:
            got.append(ev)
            if len(got) == n:
                break
    return got


def test_another_process_publishes_subscribers_get_each_event_once_and_catch_up(backend):
    channel = f"test:{uuid.uuid4().hex}"

    async def scenario():
        live = broadcast.subscribe(channel)
        first = asyncio.ensure_future(take(live, 4))
        await asyncio.sleep(0.3)  # subscribed
        ids = await asyncio.to_thread(publish_elsewhere, channel, ["A001", "A002", "A003", "A004"])
        events = await first
        assert [e.data["number"] for e in events] == ["A001", "A002", "A003", "A004"]
        assert [e.id for e in events] == ids
        assert {e.event for e in events} == {"call"} and {e.channel for e in events} == {channel}

        # a screen that saw A002 reconnects: A003, A004, then the next live one, nothing twice
        again = broadcast.subscribe(channel, ids[1])
        second = asyncio.ensure_future(take(again, 3))
        await asyncio.sleep(0.3)
        new_id = await sync_to_async(broadcast.publish)(channel, "call", {"number": "A005", "window": "2"})
        caught = await second
        assert [e.data["number"] for e in caught] == ["A003", "A004", "A005"]
        assert caught[-1].id == new_id
        # the first subscriber also got A005, once
        assert [e.data["number"] for e in await take(live, 1)] == ["A005"]
        await live.aclose()
        await again.aclose()

        # a Last-Event-ID of the newest event: nothing to catch up, only live events
        last = broadcast.subscribe(channel, new_id, heartbeat=0.2)
        assert await take(last, 1) == [None]  # idle → heartbeat tick
        await last.aclose()

    asyncio.run(scenario())


def test_a_pruned_gap_gives_reset(backend):
    channel = f"test:{uuid.uuid4().hex}"
    ids = [broadcast.publish(channel, "call", {"number": f"B00{i}", "window": "1"}) for i in range(1, 4)]
    if backend == "database":
        BroadcastEvent.objects.filter(id=int(ids[1])).delete()
        BroadcastEvent.objects.filter(id__lt=int(ids[1])).delete()
    else:
        import redis

        r = redis.Redis.from_url(REDIS_TEST_URL)
        r.xtrim(f"yiwang:broadcast:{channel}", maxlen=1, approximate=False)

    async def scenario():
        stream = broadcast.subscribe(channel, ids[0])
        first = await take(stream, 1)
        await stream.aclose()
        return first

    (first,) = asyncio.run(scenario())
    assert first.event == broadcast.RESET  # the client reloads its snapshot


def test_a_stalled_subscriber_is_dropped_and_catches_up(backend, monkeypatch):
    monkeypatch.setattr(broadcast, "QUEUE_MAX", 3)
    channel = f"test:{uuid.uuid4().hex}"

    async def scenario():
        stream = broadcast.subscribe(channel)
        task = asyncio.ensure_future(take(stream, 1))
        await asyncio.sleep(0.3)
        ids = [await sync_to_async(broadcast.publish)(channel, "call", {"number": "C000"})]
        got = await task
        assert got[0].data["number"] == "C000"
        # now publish more than its queue holds while it reads nothing
        for i in range(1, 8):
            ids.append(await sync_to_async(broadcast.publish)(channel, "call", {"number": f"C{i:03d}"}))
        await asyncio.sleep(0.5)
        with pytest.raises(broadcast.ClosedSubscription):
            await take(stream, 8, timeout=5)
        again = broadcast.subscribe(channel, got[0].id)
        rest = await take(again, 7)
        await again.aclose()
        assert [e.id for e in rest] == ids[1:]

    asyncio.run(scenario())


def test_events_carry_flat_public_values_only(backend):
    with pytest.raises(ValueError):
        broadcast.publish("x", "call", {"person": {"name": "张三", "id_number": "420102199001011234"}})
    with pytest.raises(ValueError):
        broadcast.publish("x", "call", {"number": "A" * 500})
    assert broadcast.parse_event_id("not-an-id") is None


def test_batches_hold_every_waiting_event_once_in_order(backend):
    channel = f"test:{uuid.uuid4().hex}"

    async def scenario():
        stream = broadcast.subscribe(channel, batch=True, heartbeat=0.2)
        assert await take(stream, 1) == [None]  # subscribed, idle
        ids = [
            await sync_to_async(broadcast.publish)(channel, "call", {"number": f"D{i:03d}"}) for i in range(5)
        ]
        got: list[broadcast.Event] = []
        async with asyncio.timeout(30):
            async for item in stream:
                if item:
                    got.extend(item)
                if len(got) >= 5:
                    break
        await stream.aclose()
        assert [e.id for e in got] == ids
        # catch-up comes as one batch
        again = broadcast.subscribe(channel, ids[1], batch=True)
        (caught,) = await take(again, 1)
        await again.aclose()
        assert [e.id for e in caught] == ids[2:]

    asyncio.run(scenario())


def test_publish_many_sends_events_in_order_in_one_go(backend):
    """A hall's call and its new waiting counts go out together, in order, each with its own id."""
    channel = f"test:{uuid.uuid4().hex}"
    first = broadcast.publish(channel, "call", {"number": "E001", "window": "1"})
    ids = broadcast.publish_many(
        channel, [("call", {"number": "E002", "window": "2"}), ("queue", {"general": 7})]
    )
    assert len(ids) == 2 and len(set(ids)) == 2
    assert broadcast.publish_many(channel, []) == []
    with pytest.raises(ValueError):  # every event checked before any is sent
        broadcast.publish_many(channel, [("call", {"number": "E003"}), ("call", {"person": {"id": 1}})])

    async def scenario():
        stream = broadcast.subscribe(channel, first)
        got = await take(stream, 2)
        await stream.aclose()
        return got

    got = asyncio.run(scenario())
    assert [e.id for e in got] == ids
    assert [(e.event, e.data) for e in got] == [
        ("call", {"number": "E002", "window": "2"}),
        ("queue", {"general": 7}),
    ]
