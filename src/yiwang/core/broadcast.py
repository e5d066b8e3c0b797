"""Broadcast: public, personal-data-free events pushed to screens, window terminals and phones in
real time (hall calls, 叫号), across several application processes.

Writing. After the change has committed, a service calls::

    publish("hall:420100-SMZX", "call", {"number": "A012", "window": "5", "at": "…"})  # → event id

(inside a transaction use ``publish_on_commit``, which publishes once the transaction commits and
never if it rolls back). Events are public: they carry ticket numbers, window numbers and times,
never a name, an ID number or a phone number (``publish`` refuses nested data and long strings).

Reading. An async view iterates ``subscribe(channel, last_event_id)``: first every event after
``last_event_id`` that is still kept (catch-up after a reconnect, the SSE ``Last-Event-ID``), then
live events, each exactly once and in publishing order; ``None`` is yielded every ``heartbeat``
seconds without an event (the view writes an SSE comment). When the events after
``last_event_id`` are no longer all kept, the first thing yielded is an event named ``reset``
(the client reloads its snapshot, e.g. ``GET /api/v1/halls/{code}/display``).

Backends (``settings.YIWANG_BROADCAST_URL``):

- **Redis** (production; ``redis://…``, by default ``REDIS_URL``, or the Celery broker when it is
  Redis): one Redis Stream per channel (``XADD … MAXLEN ~ N``). The stream is both the fan-out
  (every process reads it) and the history (catch-up by ``XRANGE``). Event ids are the stream ids
  (``1733412345678-0``).
- **Database** (embedded mode, no Redis: SQLite or PostgreSQL): a table of recent events
  (``core.BroadcastEvent``, kept ``YIWANG_BROADCAST_RETENTION_SECONDS``). Ids are the row ids,
  assigned in commit order (SQLite writers are serialised; on PostgreSQL ``publish`` holds a
  transaction-scoped advisory lock so a smaller id never commits after a larger one has been read).

Fan-out inside a process: ONE reader per process and event loop (``_Hub``) — an ``XREAD BLOCK``
over the streams that have subscribers, or one query ``id > cursor`` every
``YIWANG_BROADCAST_POLL_SECONDS`` — hands each event to the in-process queues of the subscribers
of its channel. 200 screens on a process cost one reader, not 200 pollers. A subscriber whose queue
overflows (a stalled client) is dropped; its client reconnects with ``Last-Event-ID`` and catches
up, so nothing is lost.

Exactly once per connection: a subscriber registers its queue first, then reads the history
after its starting point, then takes live events, skipping every id not greater than the last one
it yielded (history and live overlap by design, never leave a gap).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

log = logging.getLogger("yiwang.core.broadcast")

QUEUE_MAX = 1000  # live events buffered per subscriber before it is dropped (it reconnects and catches up)
HISTORY_MAX = 1000  # events replayed on a reconnect at most (more: `reset`)
MAX_VALUE_CHARS = 200
RESET = "reset"


@dataclass(frozen=True)
class Event:
    id: str
    channel: str
    event: str
    data: dict[str, Any]

    def sse(self) -> str:
        """The event as a server-sent-events block (id, event, data lines, blank line); built once
        per event, not once per subscriber (one event goes to hundreds of screens)."""
        cached = self.__dict__.get("_sse")
        if cached is None:
            payload = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))
            cached = f"id: {self.id}\nevent: {self.event}\ndata: {payload}\n\n"
            object.__setattr__(self, "_sse", cached)
        return cached


class ClosedSubscription(Exception):
    """The subscriber fell too far behind and was dropped (the client reconnects and catches up)."""


# --- settings ---------------------------------------------------------------------------------------
def backend_url() -> str:
    return getattr(settings, "YIWANG_BROADCAST_URL", "") or ""


def backend_name() -> str:
    return "redis" if backend_url().startswith(("redis://", "rediss://", "unix://")) else "database"


def _check(channel: str, event: str, data: dict) -> None:
    if not channel or len(channel) > 100 or not event or len(event) > 50:
        raise ValueError("broadcast: channel (1..100) and event (1..50) names are required")
    if not isinstance(data, dict):
        raise ValueError("broadcast: data must be a dict")
    for key, value in data.items():
        if not isinstance(key, str) or not (value is None or isinstance(value, str | int | float | bool)):
            raise ValueError("broadcast: data holds flat public values only (no nested personal records)")
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            raise ValueError("broadcast: value too long")


# --- publishing -------------------------------------------------------------------------------------
def publish(channel: str, event: str, data: dict) -> str:
    """Publish one public event to everyone subscribed to `channel`, in every process; returns its
    id. Call after the change has committed (``publish_on_commit`` does that)."""
    return publish_many(channel, [(event, data)])[0]


def publish_many(channel: str, events: list[tuple[str, dict]]) -> list[str]:
    """Publish several events of one channel in order, in one round trip (one Redis pipeline, or
    one database transaction): a hall's call and its new waiting counts go out together."""
    for event, data in events:
        _check(channel, event, data)
    if not events:
        return []
    if backend_name() == "redis":
        return _redis_publish(channel, events)
    return _db_publish(channel, events)


def publish_on_commit(channel: str, event: str, data: dict) -> None:
    """Publish once the current transaction commits (at once outside a transaction)."""
    _check(channel, event, data)
    transaction.on_commit(partial(publish, channel, event, dict(data)))


def _db_publish(channel: str, events: list[tuple[str, dict]]) -> list[str]:
    from .models import BroadcastEvent

    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Ids in commit order: the next publisher waits until this one has committed.
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [0x59574243])  # "YWBC"
        rows = [
            BroadcastEvent.objects.create(channel=channel, event=event, data=data) for event, data in events
        ]
    if any(row.pk % 100 == 0 for row in rows):  # prune now and then (cheap, indexed)
        cutoff = timezone.now() - timezone.timedelta(seconds=_retention())
        BroadcastEvent.objects.filter(created_at__lt=cutoff).delete()
    return [str(row.pk) for row in rows]


def _retention() -> int:
    return int(getattr(settings, "YIWANG_BROADCAST_RETENTION_SECONDS", 86400))


def _poll_seconds() -> float:
    return float(getattr(settings, "YIWANG_BROADCAST_POLL_SECONDS", 0.2))


def _stream_key(channel: str) -> str:
    return f"yiwang:broadcast:{channel}"


def _stream_maxlen() -> int:
    return int(getattr(settings, "YIWANG_BROADCAST_STREAM_MAXLEN", 5000))


_sync_clients: dict[str, Any] = {}
_sync_lock = threading.Lock()


def _redis_sync():
    import redis

    url = backend_url()
    with _sync_lock:
        client = _sync_clients.get(url)
        if client is None:
            client = _sync_clients[url] = redis.Redis.from_url(url)
        return client


def _redis_publish(channel: str, events: list[tuple[str, dict]]) -> list[str]:
    pipe = _redis_sync().pipeline(transaction=False)  # one round trip; XADDs keep their order
    for event, data in events:
        fields = {"event": event, "data": json.dumps(data, ensure_ascii=False, separators=(",", ":"))}
        pipe.xadd(_stream_key(channel), fields, maxlen=_stream_maxlen(), approximate=True)
    return [sid.decode() if isinstance(sid, bytes) else str(sid) for sid in pipe.execute()]


# --- ids --------------------------------------------------------------------------------------------
def _db_key(value: str) -> int:
    return int(value)


def _redis_key(value: str) -> tuple[int, int]:
    ms, _, seq = value.partition("-")
    return int(ms), int(seq or 0)


def parse_event_id(value: str | None) -> str | None:
    """A client's Last-Event-ID if it is one of this backend's ids, else None (start live)."""
    if not value:
        return None
    value = value.strip()
    try:
        (_redis_key if backend_name() == "redis" else _db_key)(value)
    except ValueError:
        return None
    if backend_name() == "database" and not value.isdigit():
        return None
    return value


# --- backends (async side) --------------------------------------------------------------------------
class _DatabaseBackend:
    """Embedded mode: one query per poll interval for every channel of the process."""

    key = staticmethod(_db_key)

    def __init__(self):
        self.cursor: int | None = None

    @staticmethod
    def _sync_head(channel: str | None) -> int:
        from django.db import close_old_connections
        from django.db.models import Max

        from .models import BroadcastEvent

        close_old_connections()
        qs = (
            BroadcastEvent.objects.all()
            if channel is None
            else BroadcastEvent.objects.filter(channel=channel)
        )
        return qs.aggregate(m=Max("id"))["m"] or 0

    @staticmethod
    def _sync_history(channel: str, after: int) -> tuple[list[Event], bool]:
        from django.db.models import Min

        from .models import BroadcastEvent

        rows = list(
            BroadcastEvent.objects.filter(channel=channel, id__gt=after).order_by("id")[: HISTORY_MAX + 1]
        )
        oldest = BroadcastEvent.objects.aggregate(m=Min("id"))["m"]
        # complete unless rows after `after` may have been pruned (the oldest kept is later)
        complete = len(rows) <= HISTORY_MAX and (oldest is None or oldest <= after + 1)
        return [Event(str(r.id), r.channel, r.event, r.data) for r in rows[:HISTORY_MAX]], complete

    @staticmethod
    def _sync_read(cursor: int, channels: list[str]) -> list[Event]:
        from .models import BroadcastEvent

        rows = BroadcastEvent.objects.filter(id__gt=cursor).order_by("id")[:5000]
        return [Event(str(r.id), r.channel, r.event, r.data) for r in rows]

    async def _thread(self, fn, *args):
        from asgiref.sync import sync_to_async

        return await sync_to_async(fn, thread_sensitive=False)(*args)

    async def start(self) -> None:
        if self.cursor is None:
            self.cursor = await self._thread(self._sync_head, None)

    async def add_channel(self, channel: str) -> None:
        return None

    async def head(self, channel: str) -> str:
        # everything up to the reader's cursor has been read by the hub, later ones will be
        return str(max(self.cursor or 0, 0))

    async def history(self, channel: str, after: str) -> tuple[list[Event], bool]:
        return await self._thread(self._sync_history, channel, int(after))

    async def read(self, channels: list[str]) -> list[Event]:
        events = await self._thread(self._sync_read, self.cursor or 0, channels)
        if events:
            self.cursor = int(events[-1].id)
        else:
            await asyncio.sleep(_poll_seconds())
        return events

    async def close(self) -> None:
        return None


class _RedisBackend:
    """Production: one XREAD BLOCK per process over the streams that have subscribers."""

    key = staticmethod(_redis_key)
    BLOCK_MS = 500

    def __init__(self, url: str):
        import redis.asyncio as aioredis

        self.reader = aioredis.Redis.from_url(url)
        self.client = aioredis.Redis.from_url(url)
        self.cursors: dict[str, str] = {}

    async def start(self) -> None:
        return None

    async def _last_id(self, channel: str) -> str:
        last = await self.client.xrevrange(_stream_key(channel), count=1)
        return last[0][0].decode() if last else "0-0"

    async def add_channel(self, channel: str) -> None:
        if channel not in self.cursors:
            self.cursors[channel] = await self._last_id(channel)

    def remove_channel(self, channel: str) -> None:
        self.cursors.pop(channel, None)

    async def head(self, channel: str) -> str:
        return self.cursors.get(channel) or await self._last_id(channel)

    async def history(self, channel: str, after: str) -> tuple[list[Event], bool]:
        key = _stream_key(channel)
        rows = await self.client.xrange(key, min=f"({after}", max="+", count=HISTORY_MAX + 1)
        complete = len(rows) <= HISTORY_MAX
        if complete and after != "0-0":
            try:
                info = await self.client.xinfo_stream(key)
            except Exception:  # no such stream: nothing was ever published, nothing missed
                info = {}
            deleted = info.get("max-deleted-entry-id") or b"0-0"
            deleted = deleted.decode() if isinstance(deleted, bytes) else str(deleted)
            first = info.get("first-entry")
            first_id = (
                (first[0].decode() if isinstance(first[0], bytes) else str(first[0])) if first else None
            )
            trimmed = int(info.get("entries-added") or 0) > int(info.get("length") or 0)
            # a gap: something after `after` was deleted, or trimming removed entries older than
            # the first kept one and that one is after `after` (conservative: may reset needlessly)
            complete = _redis_key(deleted) <= _redis_key(after) and not (
                trimmed and first_id is not None and _redis_key(first_id) > _redis_key(after)
            )
        return [self._event(channel, sid, fields) for sid, fields in rows[:HISTORY_MAX]], complete

    @staticmethod
    def _event(channel: str, sid, fields: dict) -> Event:
        sid = sid.decode() if isinstance(sid, bytes) else str(sid)
        event = fields.get(b"event", b"").decode()
        data = json.loads(fields.get(b"data", b"{}"))
        return Event(sid, channel, event, data)

    async def read(self, channels: list[str]) -> list[Event]:
        streams = {_stream_key(c): self.cursors[c] for c in channels if c in self.cursors}
        if not streams:
            await asyncio.sleep(self.BLOCK_MS / 1000)
            return []
        reply = await self.reader.xread(streams, block=self.BLOCK_MS, count=1000)
        events = []
        prefix = len(_stream_key(""))
        for key, rows in reply or []:
            channel = (key.decode() if isinstance(key, bytes) else key)[prefix:]
            for sid, fields in rows:
                events.append(self._event(channel, sid, fields))
            if rows and channel in self.cursors:
                self.cursors[channel] = events[-1].id
        return events

    async def close(self) -> None:
        await self.reader.aclose()
        await self.client.aclose()


# --- the per-process hub ----------------------------------------------------------------------------
class _Hub:
    """One reader per process and event loop; fans events out to in-process subscriber queues."""

    def __init__(self):
        self.url = backend_url()
        self.backend = _RedisBackend(self.url) if backend_name() == "redis" else _DatabaseBackend()
        self.subscribers: dict[str, set[asyncio.Queue]] = {}
        self.task: asyncio.Task | None = None
        self.started = asyncio.Lock()

    async def add(self, channel: str, queue: asyncio.Queue) -> None:
        async with self.started:
            await self.backend.start()
            await self.backend.add_channel(channel)
            self.subscribers.setdefault(channel, set()).add(queue)
            if self.task is None or self.task.done():
                self.task = asyncio.get_running_loop().create_task(self._run())

    def remove(self, channel: str, queue: asyncio.Queue) -> None:
        queues = self.subscribers.get(channel)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self.subscribers[channel]
                if isinstance(self.backend, _RedisBackend):
                    self.backend.remove_channel(channel)

    async def _run(self) -> None:
        while self.subscribers:
            try:
                events = await self.backend.read(list(self.subscribers))
            except asyncio.CancelledError:
                raise
            except Exception:  # the database or Redis is away: subscribers keep waiting, we retry
                log.exception("broadcast reader failed; retrying")
                await asyncio.sleep(1)
                continue
            for ev in events:
                for queue in list(self.subscribers.get(ev.channel, ())):
                    try:
                        queue.put_nowait(ev)
                    except asyncio.QueueFull:
                        self.remove(ev.channel, queue)
                        while not queue.empty():
                            queue.get_nowait()
                        queue.put_nowait(None)  # tells the subscriber it was dropped


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Hub] = weakref.WeakKeyDictionary()


def _hub() -> _Hub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.url != backend_url():
        hub = _hubs[loop] = _Hub()
    return hub


async def latest_id(channel: str) -> str:
    """The id of the channel's latest stored event. A fresh screen reads it *before* its snapshot
    and subscribes after it, so an event published between the snapshot and the subscription's
    start is still delivered (an async generator starts only at its first iteration)."""
    backend = _hub().backend
    if isinstance(backend, _RedisBackend):
        return await backend._last_id(channel)
    return str(await backend._thread(backend._sync_head, channel))


async def subscribe(
    channel: str, last_event_id: str | None = None, *, heartbeat: float | None = None, batch: bool = False
) -> AsyncIterator[Event | list[Event] | None]:
    """Events of `channel` after `last_event_id` (catch-up), then live ones, each once and in order.

    Without `last_event_id` the subscription starts now. Yields None after `heartbeat` idle seconds.
    With `batch`, yields lists: every event already waiting at once (a burst of calls becomes one
    write to the client instead of one per event). Raises ClosedSubscription when the subscriber
    fell behind (the client reconnects)."""
    hub = _hub()
    queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_MAX)
    key: Callable[[str], Any] = hub.backend.key
    await hub.add(channel, queue)
    try:
        start = parse_event_id(last_event_id)
        last = start if start is not None else await hub.backend.head(channel)
        if start is not None:
            history, complete = await hub.backend.history(channel, start)
            caught: list[Event] = []
            if not complete:
                reset = Event(history[-1].id if history else last, channel, RESET, {})
                last = reset.id
                caught.append(reset)
                history = []
            for ev in history:
                if key(ev.id) > key(last):
                    last = ev.id
                    caught.append(ev)
            if batch and caught:
                yield caught
            else:
                for ev in caught:
                    yield ev
        while True:
            try:
                first = await asyncio.wait_for(queue.get(), heartbeat) if heartbeat else await queue.get()
            except TimeoutError:
                yield None
                continue
            ready = [first]
            if batch:
                while not queue.empty():
                    ready.append(queue.get_nowait())
            fresh: list[Event] = []
            dropped = False
            for ev in ready:
                if ev is None:
                    dropped = True
                    break
                if key(ev.id) > key(last):
                    last = ev.id
                    fresh.append(ev)
            if fresh:
                if batch:
                    yield fresh
                else:
                    yield fresh[0]  # without batch `ready` holds one event
            if dropped:
                raise ClosedSubscription(channel)
    finally:
        hub.remove(channel, queue)


def now_ms() -> int:
    """Wall-clock milliseconds (benchmarks stamp events with it)."""
    return int(time.time() * 1000)
