"""Hall screens at scale: call-to-screen latency to EVERY connected client (docs/benchmarks.md).

One hall of 40 windows with the day's 2,000 tickets; 200 screens and 50 terminals hold the hall's
event stream (`GET /api/v1/halls/{code}/events`, SSE) on a server of 2 uvicorn worker processes;
the 40 window clerks call "next" through the API (`POST /api/v1/windows/{id}/calls`), all at the
same moment, `--rounds` times (the peak of a busy morning). For each call and each client the
latency is: arrival of the `call` event at the client − the moment the clerk's request was sent.
Also counted: calls a client never got (lost) and calls it got twice (duplicates).

    .venv/bin/python bench/halls_live.py                       # both backends
    .venv/bin/python bench/halls_live.py --backend embedded    # SQLite + the BroadcastEvent table
    .venv/bin/python bench/halls_live.py --backend redis       # PostgreSQL + Redis Streams

Embedded: a SQLite database in a temp dir, no Redis (the mode of `make demo`), one server for the
calls and the streams. Redis: the production layout (docs/operations.md) — the calls on 2 worker
processes, the streams on 2 processes of their own (`--events-workers`, port+1; nginx routes
`/api/v1/halls/*/events` there, deploy/nginx.conf); PostgreSQL
(`--database-url`, default postgres://postgres@127.0.0.1:5432/yiwang_bench_live, dropped and
re-created) and Redis (`--redis-url`, default redis://127.0.0.1:6379/8; the hall's stream key is
deleted before and after). Targets (issue 14): p99 ≤ 300 ms with Redis, ≤ 1.5 s embedded.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HALL = "bench"
WINDOWS = 40
TICKETS = 2000
BUSINESS = [
    ("general", "综合业务", "A"),
    ("enterprise", "企业开办", "B"),
    ("social", "社保医保", "C"),
    ("housing", "不动产", "D"),
]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


# --- setup (in a child process with its own environment) ------------------------------------------
SETUP = r"""
import json, os, sys
from datetime import date, timedelta
import django
django.setup()
from django.utils import timezone
from yiwang.accounts.services import api_token_issue
from yiwang.core.testing import make_ric
from yiwang.halls import services
from yiwang.halls.models import BusinessType
from yiwang.organizations.models import Region, ServiceHall, Window
from yiwang.organizations.services import staff_create

windows, tickets, business = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
region, _ = Region.objects.get_or_create(code="420100", defaults={"name": "武汉市", "level": "city"})
hall = ServiceHall.objects.create(name="基准测试大厅", code="bench", region=region)
types = [BusinessType.objects.create(hall=hall, code=c, name=n, prefix=p) for c, n, p in business]
tokens = {}
for i in range(1, windows + 1):
    w = Window.objects.create(hall=hall, number=str(i), name=f"{i} 号窗口", kind="comprehensive")
    types[(i - 1) % len(types)].windows.add(w)
    clerk = staff_create(username=f"clerk{i}", password="x" * 12, name=f"窗口{i}",
                         roles=[{"role": "clerk", "region": region, "window": w}])
    tokens[w.pk] = api_token_issue(user=clerk)[0]
from django.db import transaction
with transaction.atomic():  # one transaction: the day's tickets, quickly (the calls are measured)
  for n in range(tickets):
    services.ticket_issue(actor=clerk, hall=hall, business_code=types[n % len(types)].code,
                          id_number=make_ric(born=date(1980, 1, 1) + timedelta(days=n // 900), serial=100 + n % 900))
print("SETUP=" + json.dumps({"tokens": tokens}))
"""


def run_setup(env: dict) -> dict[int, str]:
    subprocess.run([str(BIN / "yiwang"), "migrate", "--no-input", "-v", "0"], env=env, check=True)
    subprocess.run([str(BIN / "yiwang"), "createcachetable"], env=env, check=True)
    out = subprocess.run(
        [sys.executable, "-c", SETUP, str(WINDOWS), str(TICKETS), json.dumps(BUSINESS)],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    line = next(x for x in out.stdout.splitlines() if x.startswith("SETUP="))
    return {int(k): v for k, v in json.loads(line[6:])["tokens"].items()}


# --- SSE clients (asyncio, in this process) ---------------------------------------------------------
class Client:
    """One screen or terminal holding the hall's stream. While the run lasts it only stamps each
    chunk of bytes with its arrival time; the events are parsed after the run (`parse`). A screen
    parses on its own device: parsing 50,000 deliveries line by line in this one bench process
    (~6 awaited readline calls and a json.loads each) cost seconds of CPU on the machine that also
    runs the server, and showed up as server latency."""

    def __init__(self, index: int):
        self.index = index
        self.chunks: list[tuple[float, bytes]] = []  # (arrival, bytes as read)
        self.arrivals: dict[str, list[tuple[str, float]]] = {}  # number → (event id, arrival); twice = dup
        self.ready = asyncio.Event()

    async def run(self, port: int, stop: asyncio.Event) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        writer.write(
            f"GET /api/v1/halls/{HALL}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        try:
            while not stop.is_set():
                chunk = await reader.read(1 << 16)
                if not chunk:
                    return
                self.chunks.append((time.time(), chunk))
                if not self.ready.is_set() and b"event: state" in b"".join(c for _, c in self.chunks):
                    self.ready.set()
        finally:
            writer.close()

    def parse(self) -> None:
        """The `call` events out of the bytes read, each at the arrival of the chunk completing it."""
        pending, event, event_id = b"", "", ""
        for arrival, chunk in self.chunks:
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                text = line.decode().rstrip("\r")
                if text.startswith("id:"):
                    event_id = text[3:].strip()
                elif text.startswith("event:"):
                    event = text[6:].strip()
                elif text.startswith("data:") and event == "call":
                    data = json.loads(text[5:])
                    self.arrivals.setdefault(data["number"], []).append((event_id, arrival))
                elif text == "":
                    event, event_id = "", ""
        self.chunks = []


def call_next(port: int, window_id: int, token: str) -> tuple[str | None, float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({"action": "next"})
    sent = time.time()
    conn.request(
        "POST",
        f"/api/v1/windows/{window_id}/calls",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    payload = json.loads(response.read() or b"{}")
    answered = time.time()
    conn.close()
    if response.status != 200 or not payload.get("ticket"):
        return None, sent, answered
    return payload["ticket"]["number"], sent, answered


async def measure(
    port: int,
    tokens: dict[int, str],
    *,
    events_port: int,
    screens: int,
    terminals: int,
    mode: str,
    rounds: int,
    pause: float,
    rate: float,
    duration: float,
):
    stop = asyncio.Event()
    clients = [Client(i) for i in range(screens + terminals)]
    tasks = []
    for c in clients:  # connect gradually, like screens switched on one by one
        tasks.append(asyncio.create_task(c.run(events_port, stop)))
        await asyncio.sleep(0.005)
    await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in clients)), 120)
    await asyncio.sleep(1)
    sent_at: dict[str, tuple[float, float]] = {}
    pool = ThreadPoolExecutor(max_workers=len(tokens))
    loop = asyncio.get_running_loop()
    items = list(tokens.items())
    if mode == "burst":  # all 40 windows press "next" at the same moment, `rounds` times
        for _ in range(rounds):
            results = await asyncio.gather(
                *(loop.run_in_executor(pool, call_next, port, wid, tok) for wid, tok in items)
            )
            for number, sent, answered in results:
                if number:
                    sent_at[number] = (sent, answered)
            await asyncio.sleep(pause)
    else:  # steady: `rate` calls a second from random windows (Poisson arrivals) for `duration` s
        rng = random.Random(14)
        pending = []
        end = time.monotonic() + duration
        while time.monotonic() < end:
            wid, tok = rng.choice(items)
            pending.append(loop.run_in_executor(pool, call_next, port, wid, tok))
            await asyncio.sleep(rng.expovariate(rate))
        for number, sent, answered in await asyncio.gather(*pending):
            if number:
                sent_at[number] = (sent, answered)
    await asyncio.sleep(max(3.0, pause))  # the last deliveries
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    pool.shutdown()
    for c in clients:
        c.parse()
    return clients, sent_at


def summarise(clients, sent_at, published: dict[str, float]) -> dict:
    """published: event id → publish time (the call's commit). Three latencies per delivery."""
    to_screen, end_to_end, lost, duplicates = [], [], 0, 0
    for c in clients:
        for number, (sent, _answered) in sent_at.items():
            got = c.arrivals.get(number, [])
            if not got:
                lost += 1
                continue
            duplicates += len(got) - 1
            event_id, arrival = got[0]
            end_to_end.append((arrival - sent) * 1000)
            if event_id in published:
                to_screen.append((arrival - published[event_id]) * 1000)
    processing = [
        (published[eid] - sent_at[n][0]) * 1000
        for n, eid in _first_ids(clients).items()
        if eid in published and n in sent_at
    ]

    def stats(values):
        return {
            "p50_ms": round(percentile(values, 50), 1),
            "p90_ms": round(percentile(values, 90), 1),
            "p99_ms": round(percentile(values, 99), 1),
            "max_ms": round(max(values), 1) if values else None,
        }

    return {
        "calls": len(sent_at),
        "clients": len(clients),
        "deliveries": sum(1 for c in clients for n in sent_at if c.arrivals.get(n)),
        "expected": len(sent_at) * len(clients),
        "lost": lost,
        "duplicates": duplicates,
        "call_to_screen": stats(to_screen),  # commit (publish) → client
        "request_to_commit": stats(processing),  # clerk's request sent → call committed
        "request_to_screen": stats(end_to_end),  # clerk's request sent → client
    }


def _first_ids(clients) -> dict[str, str]:
    ids: dict[str, str] = {}
    for c in clients:
        for number, got in c.arrivals.items():
            ids.setdefault(number, got[0][0])
    return ids


def publish_times(name: str, env: dict, home: Path, redis_client) -> dict[str, float]:
    """Event id → the moment it was published: the Redis stream id's milliseconds, or the
    BroadcastEvent row's created_at (both this machine's clock)."""
    out: dict[str, float] = {}
    if name == "redis":
        for sid, _fields in redis_client.xrange(f"yiwang:broadcast:hall:{HALL}"):
            sid = sid.decode()
            out[sid] = int(sid.split("-")[0]) / 1000
        return out
    import sqlite3
    from datetime import UTC, datetime

    db = sqlite3.connect(home / "yiwang.sqlite3")
    for pk, created in db.execute("SELECT id, created_at FROM core_broadcastevent WHERE event = 'call'"):
        out[str(pk)] = datetime.fromisoformat(created).replace(tzinfo=UTC).timestamp()
    db.close()
    return out


# --- one backend ------------------------------------------------------------------------------------
def run_backend(name: str, args) -> dict:
    home = Path(tempfile.mkdtemp(prefix=f"yiwang-live-bench-{name}-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(
        YIWANG_HOME=str(home),
        DJANGO_SETTINGS_MODULE="yiwang.settings",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", ""),
        YIWANG_SSE_HEARTBEAT_SECONDS="15",
    )
    redis_client = None
    dbname = None
    if name == "redis":
        import redis

        env["YIWANG_BROADCAST_URL"] = args.redis_url
        env["REDIS_URL"] = args.redis_url
        env["DATABASE_URL"] = args.database_url
        dbname = urllib.parse.urlsplit(args.database_url).path.lstrip("/")
        admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {dbname}"], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {dbname}"], check=True)
        redis_client = redis.Redis.from_url(args.redis_url)
        redis_client.delete(f"yiwang:broadcast:hall:{HALL}")
    else:
        env["YIWANG_BROADCAST_URL"] = ""
    started = time.time()
    tokens = run_setup(env)
    setup_s = time.time() - started
    port = args.port
    log = open(home / "uvicorn.log", "w")  # noqa: SIM115

    def serve(at: int, workers: int) -> subprocess.Popen:
        argv = [str(BIN / "uvicorn"), "yiwang.asgi:application", "--host", "127.0.0.1", "--port", str(at)]
        argv += ["--workers", str(workers), "--lifespan", "off", "--no-access-log", "--log-level", "warning"]
        return subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)

    servers = [serve(port, args.workers)]
    events_port = port
    events_workers = _events_workers(name, args)
    if events_workers:  # the streams on their own processes (nginx routes them there)
        events_port = port + 1
        servers.append(serve(events_port, events_workers))
    try:
        deadline = time.time() + 60
        for at in {port, events_port}:
            while True:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", at, timeout=2)
                    c.request("GET", "/api/v1/halls")
                    if c.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if time.time() > deadline or any(s.poll() is not None for s in servers):
                    raise SystemExit((home / "uvicorn.log").read_text()[-3000:])
                time.sleep(0.3)
        result = {}
        for mode in args.modes.split(","):
            clients, sent_at = asyncio.run(
                measure(
                    port,
                    tokens,
                    events_port=events_port,
                    screens=args.screens,
                    terminals=args.terminals,
                    mode=mode,
                    rounds=args.rounds,
                    pause=args.pause,
                    rate=args.rate,
                    duration=args.duration,
                )
            )
            result[mode] = summarise(clients, sent_at, publish_times(name, env, home, redis_client))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if redis_client is not None:
            redis_client.delete(f"yiwang:broadcast:hall:{HALL}")
        if dbname:
            admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {dbname}"], check=False)
        shutil.rmtree(home, ignore_errors=True)
    result.update(
        backend=name,
        database="postgresql" if name == "redis" else "sqlite",
        workers=args.workers,
        events_workers=events_workers,
        windows=WINDOWS,
        tickets=TICKETS,
        screens=args.screens,
        terminals=args.terminals,
        steady_load=f"{args.rate} calls/s for {args.duration} s",
        burst_load=f"{args.rounds} rounds of {WINDOWS} simultaneous calls, {args.pause} s apart",
        setup_seconds=round(setup_s, 1),
        target_p99_ms=300 if name == "redis" else 1500,
    )
    return result


def _events_workers(backend: str, args) -> int:
    """The production layout with Redis (streams on processes of their own); one server embedded."""
    if args.events_workers is not None:
        return args.events_workers
    return 2 if backend == "redis" else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["both", "redis", "embedded"], default="both")
    parser.add_argument("--screens", type=int, default=200)
    parser.add_argument("--terminals", type=int, default=50)
    parser.add_argument("--modes", default="steady,burst", help="steady, burst or both (comma-separated)")
    parser.add_argument(
        "--rate", type=float, default=2.0, help="steady: calls per second (the day's average is 0.07)"
    )
    parser.add_argument("--duration", type=float, default=60.0, help="steady: seconds")
    parser.add_argument("--rounds", type=int, default=5, help="burst: times all 40 windows call next at once")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between rounds")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument(
        "--events-workers",
        type=int,
        default=None,
        help="serve the streams from N processes of their own (port+1); default 2 with Redis "
        "(the production layout), 0 embedded; 0 puts calls and streams on the same processes",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/yiwang_bench_live")
    args = parser.parse_args()
    backends = ["embedded", "redis"] if args.backend == "both" else [args.backend]
    results = []
    for name in backends:
        r = run_backend(name, args)
        for mode in args.modes.split(","):
            m = r[mode]
            ok = (
                m["call_to_screen"]["p99_ms"] <= r["target_p99_ms"]
                and m["lost"] == 0
                and m["duplicates"] == 0
            )
            m["verdict"] = "meets target" if ok else "MISSES target"
        results.append(r)
        print(json.dumps(r, ensure_ascii=False))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"halls_live-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
