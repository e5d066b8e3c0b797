"""考核督办 at scale (docs/benchmarks.md): on a database filled by bench/generate_cases.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_sup17_bench \\
        .venv/bin/python bench/supervision.py [--repeat 20]

Each figure is set against a raw SQL aggregate over the same data, measured in the same run
(alternating, so both see the same load), and the load average is printed with it:

0. with --rebuild: `summaries.rebuild()` (day cells and the monthly rollup from the records,
   month by month) — its time and the process's peak RSS right after it;
1. dashboard tiles (`selectors.tiles` of the current quarter: city, a district, the busiest
   department; `selectors.trend` of six months) p95 over --repeat calls — goal ≤ 200 ms — against
   the raw SQL aggregate of one tile over `cases_case` (what a tile costs without summaries), over
   the day cells and over the monthly rollup (the floor of a summary read); and the refresh of one
   busy day (what a read pays after writes to that day: the day and its month's rollup);
2. the quarterly assessment of the departments and of the districts (`assessment_run`, last
   quarter, recomputed from scratch) — goal ≤ 30 s — against one raw SQL GROUP BY of the
   departments' on-time counts over the quarter's cases;
3. the Excel export of ≥ --export-rows rows (`exports.records_xlsx`, both sides of the on-time
   rate: the smallest unit × month or quarter with at least that many rows) — goal 100k rows
   ≤ 10 s — against a raw SQL SELECT of the same rows and columns fetched in full;
4. memory: the process's peak RSS (goal ≤ 512 MB) after all of the above.
Ratios are measured ÷ floor.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from supervision_export import export_choice, export_floor  # noqa: E402 — bench/ on the path


def rss() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[max(0, round(0.95 * len(xs)) - 1)]


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def raw(sql: str, params=()) -> list:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


RAW_TILE = """
SELECT count(*) FILTER (WHERE c.due_date IS NULL OR (c.completed_at AT TIME ZONE 'Asia/Shanghai')::date <= c.due_date),
       count(*)
  FROM cases_case c JOIN organizations_region r ON r.id = c.region_id
 WHERE c.status = 'completed' AND c.completed_at >= %s AND c.completed_at < %s AND r.path LIKE %s
   AND (%s = 0 OR c.department_id = %s)
"""
RAW_DAYS = """
SELECT sum(d.completed_on_time), sum(d.completed) FROM supervision_dailycount d
  JOIN organizations_region r ON r.id = d.region_id
 WHERE d.day BETWEEN %s AND %s AND r.path LIKE %s AND (%s = 0 OR d.department_id = %s)
"""
RAW_MONTHS = """
SELECT sum(m.completed_on_time), sum(m.completed) FROM supervision_monthcount m
  JOIN organizations_region r ON r.id = m.region_id
 WHERE m.month BETWEEN %s AND %s AND r.path LIKE %s AND (%s = 0 OR m.department_id = %s)
"""
RAW_ASSESS = """
SELECT c.department_id,
       count(*) FILTER (WHERE c.due_date IS NULL OR (c.completed_at AT TIME ZONE 'Asia/Shanghai')::date <= c.due_date),
       count(*)
  FROM cases_case c WHERE c.status = 'completed' AND c.completed_at >= %s AND c.completed_at < %s
 GROUP BY c.department_id
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--export-rows", type=int, default=100_000)
    ap.add_argument("--rebuild", action="store_true", help="time summaries.rebuild() first (then ANALYZE)")
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    os.environ.setdefault("YIWANG_HOME", str(ROOT / "var"))
    import django

    django.setup()
    from django.utils import timezone

    from yiwang.supervision import exports, selectors, services, summaries
    from yiwang.supervision import indicators as ind
    from yiwang.supervision.models import Assessment
    from yiwang.supervision.periods import period_containing

    out: dict = {"load_start": load(), "cases": raw("SELECT count(*) FROM cases_case")[0][0]}
    out["ratings"] = raw("SELECT count(*) FROM evaluations_evaluation")[0][0]
    if args.rebuild:
        t = time.perf_counter()
        cells = summaries.rebuild()
        from django.db import connection

        with connection.cursor() as cur:  # statistics for the new rows (autovacuum may be off)
            cur.execute("ANALYZE supervision_dailycount; ANALYZE supervision_monthcount")
        out["rebuild"] = {
            "seconds": round(time.perf_counter() - t, 1),
            "day_cells": cells,
            "month_cells": raw("SELECT count(*) FROM supervision_monthcount")[0][0],
            "peak_rss_mb_after": rss(),
            "load": load(),
        }
    out["summary_rows"] = {
        "day_cells": raw("SELECT count(*) FROM supervision_dailycount")[0][0],
        "month_cells": raw("SELECT count(*) FROM supervision_monthcount")[0][0],
    }
    today = timezone.localdate()
    quarter = period_containing(today, "quarter")
    last = quarter.previous()
    city = ind.units("city")[0]
    district = ind.units("district")[0]
    busiest = "SELECT d.uscc FROM cases_case c JOIN organizations_department d ON d.id = c.department_id"
    busiest += " GROUP BY d.uscc ORDER BY count(*) DESC LIMIT 1"
    dept = ind.unit_get("department:" + raw(busiest)[0][0])
    summaries.refresh()
    start, end = ind._day_range(quarter)
    months = (quarter.start, quarter.end.replace(day=1))

    # 1. tiles
    tiles: dict = {}
    for unit in (city, district, dept):
        fast, floor_raw, floor_days, floor_months = [], [], [], []
        scope = "%" if unit.kind == "department" else unit.path + "%"
        dept_pk = unit.pk if unit.kind == "department" else 0
        for _ in range(args.repeat):
            fast.append(timed(lambda u=unit: selectors.tiles(period=quarter, unit=u)))
            floor_raw.append(timed(lambda s=scope, d=dept_pk: raw(RAW_TILE, [start, end, s, d, d])))
            floor_days.append(
                timed(lambda s=scope, d=dept_pk: raw(RAW_DAYS, [quarter.start, quarter.end, s, d, d]))
            )
            floor_months.append(timed(lambda s=scope, d=dept_pk: raw(RAW_MONTHS, [*months, s, d, d])))
        row = {
            "tiles_p95_ms": round(p95(fast), 1),
            "tiles_median_ms": round(statistics.median(fast), 1),
            "raw_sql_one_tile_over_cases_p95_ms": round(p95(floor_raw), 1),
            "raw_sql_one_tile_over_day_cells_p95_ms": round(p95(floor_days), 1),
            "raw_sql_one_tile_over_month_rollup_p95_ms": round(p95(floor_months), 1),
        }
        row["ratio_to_cases_floor"] = ratio(row["tiles_p95_ms"], row["raw_sql_one_tile_over_cases_p95_ms"])
        row["ratio_to_rollup_floor"] = ratio(
            row["tiles_p95_ms"], row["raw_sql_one_tile_over_month_rollup_p95_ms"]
        )
        row["load"] = load()
        tiles[unit.key] = row
    trend = [
        timed(lambda: selectors.trend(unit=city, months=6, until=quarter.end)) for _ in range(args.repeat)
    ]
    tiles["trend_city_6_months_p95_ms"] = round(p95(trend), 1)
    # a read after writes: the refresh of one busy day (a weekday of last quarter) marked dirty
    from yiwang.supervision.models import SummaryMark

    busy = last.start + timedelta(days=(7 - last.start.weekday()) % 7 + 1)
    one_day = []
    for _ in range(5):
        SummaryMark.objects.create(day=busy)
        one_day.append(timed(summaries.refresh))
    tiles["refresh_one_busy_day_median_ms"] = round(statistics.median(one_day), 1)
    out["tiles"] = tiles

    # 2. quarterly assessment (recomputed: the draft is removed first)
    lstart, lend = ind._day_range(last)
    assess = {}
    for level in ("department", "district"):
        Assessment.objects.filter(period=last.label, level=level).delete()
        t = time.perf_counter()
        a = services.assessment_run(period=last.label, level=level)
        assess[level] = {"seconds": round(time.perf_counter() - t, 2), "units": len(a.results)}
    t = time.perf_counter()
    raw(RAW_ASSESS, [lstart, lend])
    assess["raw_sql_group_by_department_seconds"] = round(time.perf_counter() - t, 2)
    assess["ratio_department"] = ratio(
        assess["department"]["seconds"], assess["raw_sql_group_by_department_seconds"]
    )
    assess["load"] = load()
    out["assessment"] = assess

    # 3. Excel export of ≥ --export-rows rows: the smallest unit × month or quarter with as many
    on_time = ind.REGISTRY["on_time_completion_rate"]
    rows, period, unit = export_choice(ind, summaries, (city, district, dept), last, args.export_rows)
    t = time.perf_counter()
    data = exports.records_xlsx(indicator=on_time, period=period, unit=unit)
    export_s = time.perf_counter() - t
    floor_s = export_floor(ind, period, unit, raw)
    out["export"] = {
        "rows": rows, "unit": unit.key, "period": period.label, "seconds": round(export_s, 2),
        "seconds_per_100k_rows": round(export_s * 100_000 / rows, 2), "bytes": len(data),
        "raw_sql_select_same_rows_and_columns_seconds": round(floor_s, 2),
        "ratio": ratio(export_s, floor_s), "load": load(),
    }  # fmt: skip
    out["peak_rss_mb"] = rss()
    out["load_end"] = load()
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
