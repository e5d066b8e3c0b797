"""一圈通办 delivery benchmark (docs/federation.md, docs/benchmarks.md): cross-city messages from
武汉 (A) to 鄂州 (B), two independent instances on loopback (own homes, keys, SQLite databases,
gunicorn), through kill -9 of the sender and of the receiver at random moments.

    .venv/bin/python bench/federation.py [--messages 2000] [--keys 50] [--senders 2] [--chaos-every 2.0]

Steps: migrate one template database, seed and pair both cities, start B's gunicorn (with the
benchmark floor mounted), open `--keys` forwarded cases in B (OutboundCase rows naming A), then put
`--messages` signed `case.status` messages in A's outbox (one per case event, `--keys` ordering
keys). `--senders` delivery processes in A (`services.deliver_due` in a loop) send them while a
chaos loop kill -9s a sender (restarted at once) or B's gunicorn (restarted after a moment) every
`--chaos-every` seconds on average. At the end B must hold each message applied exactly once:
0 lost, 0 applied twice, and each key's events in order. The floor: the same number of raw
signed POSTs (RFC 9421 signing in A, one row inserted in B by /bench/floor/insert) from one
process, in the same run. Prints messages per second of both and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

A, B = "420100", "420700"

ENQUEUE = """
import django, datetime
django.setup()
from django.db import transaction
from yiwang.core import tasks
tasks.outbox_enqueue = lambda **kw: None  # the senders below deliver; nothing at commit
from yiwang.federation import services
from yiwang.federation.models import Peer
peer = Peer.objects.get(code={b!r})
n, keys = {n}, {keys}
at = datetime.datetime(2026, 12, 5, 10, tzinfo=datetime.timezone.utc).isoformat()
for start in range(0, n, 200):
    with transaction.atomic():
        for i in range(start, min(n, start + 200)):
            number = f"BENCH{{i % keys:04d}}"
            services.message_put(peer=peer, topic=services.TOPIC_STATUS, kind="case.status", key=number,
                ident=f"bench:{{i}}", body={{"number": number, "seq": i // keys + 1, "action": "accept",
                "status": "accepted", "note": "", "at": at}})
print("queued", n)
"""

CASES = """
import django
django.setup()
from yiwang.accounts.models import User
from yiwang.core.benchfloor import ensure_table
from yiwang.federation.models import OutboundCase, Peer
ensure_table()
peer = Peer.objects.get(code={a!r})
owner = User.objects.get(username="citizen")
for k in range({keys}):
    OutboundCase.objects.get_or_create(number=f"BENCH{{k:04d}}", defaults=dict(peer=peer, item_code="x",
        item_name="基准", item_version=1, owner=owner, filed_by=owner, channel="online"))
"""

SENDER = """
import django, time
django.setup()
from yiwang.core.models import OutboxMessage
from yiwang.federation import services
while OutboxMessage.objects.exclude(status__in=["sent", "cancelled", "dead"]).exists():
    try:
        services.deliver_due(limit=100)
    except Exception as exc:  # a database lock under contention: try again
        print("sender:", type(exc).__name__, flush=True)
    time.sleep(0.05)
"""

FLOOR = """
import django, time, urllib.request
django.setup()
from yiwang.federation import protocol
url = {url!r} + "/bench/floor/insert"
n = {n}
t = time.perf_counter()
for i in range(n):
    body = protocol.dumps({{"kind": "floor", "id": f"floor:{{i}}"}})
    _, reply = protocol.signed_request(method="POST", url=url, body=body)
    assert reply.status in (200, 201), reply.status
print(time.perf_counter() - t)
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=50)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument(
        "--chaos-every", type=float, default=2.0, help="mean seconds between two kills (0: none)"
    )
    parser.add_argument(
        "--floor", type=int, default=0, help="raw signed POSTs for the floor (default: --messages)"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    os.environ.setdefault("YIWANG_HOME", tempfile.mkdtemp(prefix="yiwang-fed-bench-"))
    from yiwang.federation.tests.cities import City, build_template, pair

    root = Path(tempfile.mkdtemp(prefix="yiwang-fed-"))
    print(f"work folder {root}")
    template = build_template(root)
    a, b = City(A, root, template), City(B, root, template)
    pair(a, b)
    pair(b, a)
    for city in (a, b):
        city.env["YIWANG_OUTBOX_LEASE_SECONDS"] = "5"  # a killed sender's message is taken over soon
        city.env["YIWANG_OUTBOX_MAX_ATTEMPTS"] = "1000"
        city.env["LOG_LEVEL"] = "WARNING"
    b.run("-c", textwrap.dedent(CASES.format(a=A, keys=args.keys)), python=True)
    a.run("-c", textwrap.dedent(ENQUEUE.format(b=B, n=args.messages, keys=args.keys)), python=True)
    b.start(YIWANG_BENCH_FLOOR="1")

    def spawn_sender() -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(SENDER)],
            env=a.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    senders = [spawn_sender() for _ in range(args.senders)]
    kills = {"sender": 0, "receiver": 0}
    started = time.perf_counter()
    next_kill = started + (rng.expovariate(1 / args.chaos_every) if args.chaos_every else float("inf"))
    while any(s.poll() is None for s in senders):
        now = time.perf_counter()
        if now >= next_kill:
            if rng.random() < 0.5:
                victim = rng.randrange(len(senders))
                if senders[victim].poll() is None:
                    os.killpg(senders[victim].pid, signal.SIGKILL)
                    senders[victim].wait()
                    senders[victim] = spawn_sender()
                    kills["sender"] += 1
            else:
                b.kill()
                kills["receiver"] += 1
                time.sleep(rng.uniform(0.2, 1.5))
                b.start(YIWANG_BENCH_FLOOR="1")
            next_kill = time.perf_counter() + rng.expovariate(1 / args.chaos_every)
        time.sleep(0.05)
    elapsed = time.perf_counter() - started

    applied = b.sql(
        "select count(*), count(distinct idempotency_key) from federation_peermessage "
        "where direction='in' and status='applied' and kind='case.status'"
    )[0]
    events = b.sql("select count(*) from federation_outboundevent")[0][0]
    duplicates = b.sql(
        "select count(*) from federation_peermessage where direction='in' and status='duplicate'"
    )[0][0]
    order_ok = all(seqs == list(range(1, len(seqs) + 1)) for seqs in _seqs_by_case(b).values())
    unsent = a.sql("select count(*) from core_outboxmessage where status!='sent'")[0][0]
    n_floor = args.floor or args.messages
    floor_seconds = float(
        a.run("-c", textwrap.dedent(FLOOR.format(url=b.url, n=n_floor)), python=True).strip().splitlines()[-1]
    )
    b.stop()
    result = {
        "messages": args.messages,
        "keys": args.keys,
        "senders": args.senders,
        "kills": kills,
        "lost": args.messages - applied[0],
        "applied_twice": applied[0] - applied[1] + max(0, events - args.messages),
        "redelivered_answered_as_duplicate": duplicates,
        "events_in_order": order_ok,
        "unsent_in_a": unsent,
        "seconds": round(elapsed, 2),
        "messages_per_second": round(args.messages / elapsed, 1),
        "floor_signed_posts_per_second": round(n_floor / floor_seconds, 1),
    }
    result["ratio_vs_floor"] = round(
        result["messages_per_second"] / result["floor_signed_posts_per_second"], 3
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if result["lost"] or result["applied_twice"] or not order_ok:
        sys.exit(1)


def _seqs_by_case(b) -> dict[str, list[int]]:
    rows = b.sql(
        "select c.number, e.seq from federation_outboundevent e join federation_outboundcase c "
        "on c.id = e.case_id order by c.number, e.id"
    )
    out: dict[str, list[int]] = {}
    for number, seq in rows:
        out.setdefault(number, []).append(seq)
    return out


if __name__ == "__main__":
    main()
