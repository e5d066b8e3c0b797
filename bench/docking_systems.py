"""部门业务系统对接 callback benchmark (docs/integration.md, docs/benchmarks.md), in process.

    .venv/bin/python bench/docking_systems.py [--cases 100] [--rounds 3] [--db sqlite|postgres]

Builds the test world, registers a department system for world.item and accepts 2 × cases ×
rounds cases (the pushes are not sent: the outbox task is switched off). Each round then measures,
in alternating order:

- real: one signed `reviewed` callback per case through `services.systems.callback_receive` —
  RFC 9421 verification with Content-Digest, the nonce stored, body checks, the sequence number
  taken by a conditional UPDATE, `case_apply_action("review")` as the system's account (event,
  ledger entry), the message-log row, one transaction;
- floor: the same `review` applied directly with `cases.services.case_apply_action` by the world's
  reviewer on as many other cases — the transition every callback ends in.

The callbacks are signed before the clock starts (that is the department's work). Prints the
median per-callback and per-transition time and the ratio (what the callback adds around the
transition)."""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from inprocess import setup


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--profile", action="store_true", help="cProfile the callbacks of the first round")
    args = ap.parse_args()
    setup(args.db, name="docking", default_pg="postgres://postgres@127.0.0.1:5432/yiwang_bench_docking")

    import datetime

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.db import connection

    from yiwang.cases import services as cases
    from yiwang.cases.models import Case
    from yiwang.core import tasks
    from yiwang.docking.services import systems
    from yiwang.exchange import httpsig
    from yiwang.testsupport.flows import submit_case
    from yiwang.testsupport.world import build_world

    tasks.outbox_enqueue = lambda **kw: None  # nothing is sent: only callbacks are measured
    world = build_world()
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    system = systems.department_system_register(
        code="bench",
        name="基准部门系统",
        department=world.dept,
        endpoint="http://127.0.0.1:9/push",
        key_id="bench-v1",
        public_key=base64.b64encode(raw).decode(),
        items=[world.item],
    )
    day = datetime.date.today()
    total = 2 * args.cases * args.rounds
    accepted = []
    t0 = time.perf_counter()
    for _ in range(total):
        case = submit_case(world, on=day)
        accepted.append(
            cases.case_apply_action(
                case=Case.objects.get(pk=case.pk), actor=world.clerk, action="accept", on=day
            )
        )
    print(f"{total} cases accepted in {time.perf_counter() - t0:.1f} s ({connection.vendor})", flush=True)

    url = "http://testserver" + systems.CALLBACK_PATH.format(code=system.code)
    results = {"real": [], "floor": []}
    for r in range(args.rounds):
        batch = accepted[r * 2 * args.cases : (r + 1) * 2 * args.cases]
        real_cases, floor_cases = batch[: args.cases], batch[args.cases :]
        signed = []
        for i, case in enumerate(real_cases):
            body = json.dumps(
                {"id": f"bench-{r}-{i}", "case": case.number, "seq": 1, "status": "reviewed"}
            ).encode()
            headers = httpsig.sign_request(
                method="POST", url=url, body=body, key_id="bench-v1", private_key=key
            )
            signed.append((body, headers))

        def real(signed=signed) -> float:
            start = time.perf_counter()
            for body, headers in signed:
                status, answer = systems.callback_receive(
                    code=system.code, method="POST", url=url, headers=headers, body=body, size=len(body)
                )
                assert status == 200, answer
            return (time.perf_counter() - start) / len(signed)

        def floor(floor_cases=floor_cases) -> float:
            start = time.perf_counter()
            for case in floor_cases:
                c = Case.objects.get(pk=case.pk)
                cases.case_apply_action(
                    case=c, actor=world.reviewer, action="review", version=c.version, on=day
                )
            return (time.perf_counter() - start) / len(floor_cases)

        if args.profile and r == 0:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.runcall(real)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
            return
        order = [("real", real), ("floor", floor)] if r % 2 == 0 else [("floor", floor), ("real", real)]
        for name, fn in order:
            results[name].append(fn())
        print(
            f"round {r + 1}: callback {results['real'][-1] * 1000:.1f} ms, "
            f"transition {results['floor'][-1] * 1000:.1f} ms",
            flush=True,
        )
    real_ms = statistics.median(results["real"]) * 1000
    floor_ms = statistics.median(results["floor"]) * 1000
    ratios = [a / b for a, b in zip(results["real"], results["floor"], strict=True)]
    print(
        json.dumps(
            {
                "db": connection.vendor,
                "cases_per_round": args.cases,
                "rounds": args.rounds,
                "callback_ms_median": round(real_ms, 2),
                "transition_ms_median": round(floor_ms, 2),
                "ratio_median": round(statistics.median(ratios), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
