"""The record export of 考核督办 alone, on a database filled by bench/generate_cases.py (the third
part of bench/supervision.py, without the rebuild, the tiles and the assessment before it):
`exports.records_xlsx_file` of the smallest unit × period with at least --rows rows of 按时办结率,
and its floor — the plain SELECT of the same rows and columns, with the same query settings
(`indicators.report_query_settings`) — --rounds times, one JSON line each (docs/benchmarks.md,
考核督办 at scale). bench/supervision.py uses `export_choice` and `export_floor` for its own export.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_scale10m .venv/bin/python bench/supervision_export.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def export_choice(ind, summaries, units, last, min_rows: int):
    """The smallest unit × period (the last quarter or one of the four months from its start) with
    at least `min_rows` rows on both sides of 按时办结率 (else the largest): (rows, period, unit)."""
    from yiwang.supervision.periods import period_containing

    on_time = ind.REGISTRY["on_time_completion_rate"]
    periods = [last, period_containing(last.start, "month")]
    while len(periods) < 4:
        periods.append(period_containing(periods[-1].end + timedelta(days=1), "month"))
    candidates = []
    for period in periods:
        for unit in units:
            v = summaries.value(on_time, period, unit)
            candidates.append((v.numerator + v.denominator, period, unit))
    big = [c for c in candidates if c[0] >= min_rows]
    return min(big, key=lambda c: c[0]) if big else max(candidates, key=lambda c: c[0])


def export_floor(ind, period, unit, raw) -> float:
    """Seconds for the plain SELECT of the export's rows and columns, both sides, fetched in full,
    with the export's query settings (like for like)."""
    on_time = ind.REGISTRY["on_time_completion_rate"]
    t = time.perf_counter()
    with ind.report_query_settings():
        for side in ("numerator", "denominator"):
            columns = (on_time.numerator if side == "numerator" else on_time.denominator).source.columns
            qs = ind.records(on_time, period, unit, side).values_list(*(c[1] for c in columns))
            sql, params = qs.query.sql_with_params()
            raw(sql, params)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    os.environ.setdefault("YIWANG_HOME", str(ROOT / "var"))
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from yiwang.supervision import exports, summaries
    from yiwang.supervision import indicators as ind
    from yiwang.supervision.periods import period_containing

    def raw(sql: str, params=()) -> list:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    last = period_containing(timezone.localdate(), "quarter").previous()
    busiest = (
        "SELECT d.uscc FROM cases_case c JOIN organizations_department d ON d.id = c.department_id"
        " GROUP BY d.uscc ORDER BY count(*) DESC LIMIT 1"
    )
    units = (ind.units("city")[0], ind.units("district")[0], ind.unit_get("department:" + raw(busiest)[0][0]))
    on_time = ind.REGISTRY["on_time_completion_rate"]
    rows, period, unit = export_choice(ind, summaries, units, last, args.rows)
    for n in range(args.rounds):
        t = time.perf_counter()
        f = exports.records_xlsx_file(indicator=on_time, period=period, unit=unit)
        export_s = time.perf_counter() - t
        size = f.seek(0, 2)
        f.close()
        floor_s = export_floor(ind, period, unit, raw)
        out = {
            "round": n + 1, "rows": rows, "unit": unit.key, "period": period.label, "bytes": size,
            "export_s": round(export_s, 2), "per_100k_rows_s": round(export_s * 100_000 / rows, 2),
            "floor_select_s": round(floor_s, 2), "ratio": round(export_s / floor_s, 2),
            "load": [round(x, 2) for x in os.getloadavg()],
        }  # fmt: skip
        print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
