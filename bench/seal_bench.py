"""Electronic seal benchmark (docs/benchmarks.md), in-process, one thread.

    .venv/bin/python bench/seal_bench.py [--n 50] [--db sqlite|postgres]

Measures, per notice-sized PDF (one A4 page, CJK text, the round seal as the widget):
1. render: `core.pdf.render_document` alone (what an unsigned PDF costs);
2. seal: `core.seal.seal_pdf` on the rendered bytes (PAdES, ECDSA P-256, the certificate look-up
   in the database, the seal appearance — cached per organ after the first);
3. verify: `core.seal.verify_pdf` (pyHanko validation against the platform CA).
Keys and certificates exist before timing (the first seal of an organ also creates its key and
certificate: reported apart). Prints median and p95 in milliseconds, as JSON: wall clock and the
process's CPU time (the CPU figures hold on a busy machine; the wall ones do not).

The floor, measured in the same run: 4. one raw ECDSA P-256 signature (`cryptography`) over the
SHA-256 of the same PDF bytes — the least any seal can cost; `seal / floor` says what PAdES,
the certificate look-up and the widget add.

With `--requests N` (on the test world, `yiwang.testsupport.world`), also:
5. accept: `cases.services.case_apply_action(action="accept")` — the request that issues a
   受理通知书 — with the seal task only queued on the Celery broker after the commit (the default
   SQLite broker under the bench's YIWANG_HOME), and a check that nothing was sealed in it;
6. seal task: `cases.services.sealing.notice_seal` on that notice afterwards (render, seal, store).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inprocess

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/yiwang_seal_bench"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--requests", type=int, default=0, help="cases accepted, then their notices sealed")
    args = ap.parse_args()
    inprocess.setup(args.db, name="seal", default_pg=DEFAULT_PG)
    import logging

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from yiwang.core import pdf, seal

    organ = seal.Organ(uscc="11420100MB0000001X", name="武汉市市场监督管理局")
    blocks = [("h2", "文书编号：420100202612010000012-02"), ("p", "张伟：")]
    blocks += [
        (
            "p",
            "你（单位）提出的“食品经营许可（新办）”申请，经审查，申请材料齐全、符合法定形式，本机关决定予以受理。",
        )
    ] * 3
    blocks += [("kv", "办件编号：420100202612010000012"), ("kv", "办理部门：武汉市市场监督管理局")]
    args_pdf = {
        "title": "受理通知书",
        "blocks": blocks,
        "footer": organ.name,
        "seal_text": f"{organ.name}\n政务服务专用章",
    }

    def seal_once(doc, i):
        return seal.seal_pdf(
            doc.pdf, organ=organ, field_name=f"YiwangNotice-B-{i}", reason="受理通知书", spot=doc.seal
        )

    t = time.perf_counter()
    first = seal_once(pdf.render_document(**args_pdf), 0)
    first_ms = (time.perf_counter() - t) * 1000
    render, sign, verify, floor = [], [], [], []
    cpu = {"render": [], "seal": [], "verify": [], "floor": []}
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    raw_key = ec.generate_private_key(ec.SECP256R1())
    for i in range(args.n):
        t0, c0 = time.perf_counter(), time.process_time()
        doc = pdf.render_document(**args_pdf)
        t1, c1 = time.perf_counter(), time.process_time()
        signed = seal_once(doc, i + 1)
        t2, c2 = time.perf_counter(), time.process_time()
        assert seal.verify_pdf(signed).valid
        t3, c3 = time.perf_counter(), time.process_time()
        raw_key.sign(doc.pdf, ec.ECDSA(hashes.SHA256()))  # the floor: hash + one ECDSA signature
        t4, c4 = time.perf_counter(), time.process_time()
        floor.append((t4 - t3) * 1000)
        cpu["floor"].append((c4 - c3) * 1000)
        render.append((t1 - t0) * 1000)
        sign.append((t2 - t1) * 1000)
        verify.append((t3 - t2) * 1000)
        cpu["render"].append((c1 - c0) * 1000)
        cpu["seal"].append((c2 - c1) * 1000)
        cpu["verify"].append((c3 - c2) * 1000)

    def stats(xs):
        xs = sorted(xs)
        return {"median_ms": round(statistics.median(xs), 1), "p95_ms": round(xs[int(len(xs) * 0.95) - 1], 1)}

    out = {
        "db": args.db,
        "n": args.n,
        "pdf_bytes": len(first),
        "first_seal_with_key_and_certificates_ms": round(first_ms, 1),
        "wall": {
            "render": stats(render),
            "seal": stats(sign),
            "verify": stats(verify),
            "floor": stats(floor),
        },
        "cpu": {k: stats(v) for k, v in cpu.items()},
    }
    out["seal_over_floor_cpu"] = round(
        statistics.median(cpu["seal"]) / max(statistics.median(cpu["floor"]), 0.001), 1
    )
    if args.requests:
        out["requests"] = requests(args.requests, stats)
    print(
        json.dumps(
            out,
            ensure_ascii=False,
            indent=2,
        )
    )


def requests(n: int, stats) -> dict:
    """The request that issues a notice vs the sealing after it (see the module docstring)."""
    from django.utils import timezone

    from yiwang.cases import services
    from yiwang.cases.models import Notice
    from yiwang.cases.services import sealing
    from yiwang.core.testing import good_form, good_materials
    from yiwang.testsupport.world import build_world

    world = build_world()
    today = timezone.localdate()

    def filed():
        return services.case_submit(
            actor=world.citizen,
            item_code=world.item.code,
            form=good_form(),
            channel="online",
            materials=good_materials(),
            on=today,
        )

    for _ in range(3):  # warm up: the department's seal key and certificate, caches
        case = services.case_apply_action(case=filed(), actor=world.clerk, action="accept", on=today)
        sealing.notice_seal(notice_id=Notice.objects.get(case=case, kind="acceptance").pk)
    wall = {"accept": [], "seal_task": []}
    cpu = {"accept": [], "seal_task": []}
    unsealed_after_request = 0
    for _ in range(n):
        case = filed()
        t0, c0 = time.perf_counter(), time.process_time()
        case = services.case_apply_action(case=case, actor=world.clerk, action="accept", on=today)
        t1, c1 = time.perf_counter(), time.process_time()
        notice = Notice.objects.get(case=case, kind="acceptance")
        unsealed_after_request += not notice.pdf
        t2, c2 = time.perf_counter(), time.process_time()
        sealing.notice_seal(notice_id=notice.pk)
        t3, c3 = time.perf_counter(), time.process_time()
        wall["accept"].append((t1 - t0) * 1000)
        wall["seal_task"].append((t3 - t2) * 1000)
        cpu["accept"].append((c1 - c0) * 1000)
        cpu["seal_task"].append((c3 - c2) * 1000)
    return {
        "n": n,
        "notices_unsealed_when_the_request_returned": unsealed_after_request,
        "wall": {k: stats(v) for k, v in wall.items()},
        "cpu": {k: stats(v) for k, v in cpu.items()},
    }


if __name__ == "__main__":
    main()
