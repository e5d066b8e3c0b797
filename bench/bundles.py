"""一件事 benchmark (docs/benchmarks.md), in-process, one thread.

    .venv/bin/python bench/bundles.py [--n 200] [--db sqlite|postgres]

Measures, in the same run and on the same machine:
1. merged-form derivation for a 10-item bundle (`bundles.merge.merge` over ten real item schemas of
   15 canonical elements each, heavily overlapping) against a floor: a plain dict union of the
   same properties (what any merge has to touch);
2. the same derivation with its database reads (`bundles.selectors.bundle_plan`: components,
   pinned versions, materials, licence types);
3. submission throughput: one 新生儿出生 bundle submission (3 department cases, one held) against
   single-item `case_submit` of one of its items, both with the same form, materials and
   database; reported as submissions/s and as department cases created per second, and the
   ratio bundle-cases/s ÷ single-cases/s (1.0 = fanning out costs nothing beyond the cases).

`--db postgres` uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/yiwang_bundles_bench),
dropped and recreated; `--db sqlite` (default) a fresh SQLite file under a temporary YIWANG_HOME.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inprocess

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/yiwang_bundles_bench"


def setup(db: str) -> None:
    inprocess.setup(
        db,
        name="bundles",
        default_pg=DEFAULT_PG,
        env={"CELERY_TASK_ALWAYS_EAGER": "1", "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")},
    )


def timed(fn, n: int) -> float:
    """Median seconds per call over n calls."""
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def ten_components():
    """Ten item-like schemas over the registry: each 15 elements from a pool of 40, so most appear
    in several items (as in a real bundle), with maxLength and enum constraints to combine."""
    import random

    from yiwang.bundles.merge import Component
    from yiwang.catalog.selectors import element_registry

    rng = random.Random(7)
    pool = sorted(k for k, e in element_registry().items() if e["type"] in ("string", "text"))[:40]
    comps = []
    for i in range(10):
        keys = rng.sample(pool, 15)
        props = {k: {"title": f"栏目{k}", "maxLength": rng.choice([50, 100, 200])} for k in keys}
        materials = [
            {"code": f"m{rng.randrange(12)}", "name": "材料", "material_form": "2"} for _ in range(4)
        ]
        comps.append(
            Component(
                code=f"item{i}",
                name=f"事项{i}",
                schema={"properties": props, "required": keys[:5]},
                materials=materials,
            )
        )
    return comps


def bench_merge(n: int) -> dict:
    from yiwang.bundles.merge import merge

    comps = ten_components()

    def floor():
        out = {}
        for c in comps:
            for k, p in c.schema["properties"].items():
                out.setdefault(k, dict(p))
        return out

    merged = merge(comps)
    assert not merged.conflicts
    t_floor, t_merge = timed(floor, n * 10), timed(lambda: merge(comps), n * 10)
    return {
        "fields_separately": merged.fields_asked,
        "fields_once": merged.fields_once,
        "floor_us": round(t_floor * 1e6, 1),
        "merge_us": round(t_merge * 1e6, 1),
        "merge_vs_floor": round(t_merge / t_floor, 1),
    }


def bench_submit(n: int) -> dict:
    from django.db import connection

    from yiwang.bundles import selectors, services
    from yiwang.bundles.tests.conftest import build_newborn, newborn_form, pdf, prepare_world
    from yiwang.cases.services import case_submit
    from yiwang.testsupport.world import build_world

    world = prepare_world(build_world())
    newborn = build_newborn(world)
    form = newborn_form(world)
    materials = [pdf("delivery_record"), pdf("id_card")]
    plan_s = timed(lambda: selectors.bundle_plan(bundle=newborn.bundle, answers={"insured": "no"}), n)

    insurance_form = {k: form[k] for k in ("applicant.phone", "child.name", "child.gender")}

    def single():
        case_submit(
            actor=world.citizen,
            item_code=newborn.insurance.code,
            form=insurance_form,
            channel="online",
            materials=[pdf("id_card")],
        )

    def bundle():
        services.bundle_case_submit(
            actor=world.citizen,
            bundle_code="newborn",
            answers={"insured": "no"},
            form=form,
            channel="online",
            materials=materials,
        )

    rounds = []
    for _ in range(5):  # interleaved rounds: the machine is shared and noisy
        t_single = timed(single, max(n // 5, 5))
        t_bundle = timed(bundle, max(n // 5, 5))
        rounds.append((t_single, t_bundle))
    t_single = statistics.median(r[0] for r in rounds)
    t_bundle = statistics.median(r[1] for r in rounds)
    return {
        "db": connection.vendor,
        "plan_ms": round(plan_s * 1e3, 2),
        "single_per_s": round(1 / t_single, 1),
        "bundle_per_s": round(1 / t_bundle, 1),
        "bundle_cases_per_s": round(3 / t_bundle, 1),
        "cases_per_s_vs_single": round((3 / t_bundle) / (1 / t_single), 2),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args(argv)
    setup(args.db)
    result = {"merge": bench_merge(args.n), "submit": bench_submit(args.n)}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
