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
    render, sign, verify = [], [], []
    cpu = {"render": [], "seal": [], "verify": []}
    for i in range(args.n):
        t0, c0 = time.perf_counter(), time.process_time()
        doc = pdf.render_document(**args_pdf)
        t1, c1 = time.perf_counter(), time.process_time()
        signed = seal_once(doc, i + 1)
        t2, c2 = time.perf_counter(), time.process_time()
        assert seal.verify_pdf(signed).valid
        t3, c3 = time.perf_counter(), time.process_time()
        render.append((t1 - t0) * 1000)
        sign.append((t2 - t1) * 1000)
        verify.append((t3 - t2) * 1000)
        cpu["render"].append((c1 - c0) * 1000)
        cpu["seal"].append((c2 - c1) * 1000)
        cpu["verify"].append((c3 - c2) * 1000)

    def stats(xs):
        xs = sorted(xs)
        return {"median_ms": round(statistics.median(xs), 1), "p95_ms": round(xs[int(len(xs) * 0.95) - 1], 1)}

    print(
        json.dumps(
            {
                "db": args.db,
                "n": args.n,
                "pdf_bytes": len(first),
                "first_seal_with_key_and_certificates_ms": round(first_ms, 1),
                "wall": {"render": stats(render), "seal": stats(sign), "verify": stats(verify)},
                "cpu": {k: stats(v) for k, v in cpu.items()},
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
