"""数据一本账 exports and the duplicate detector (docs/benchmarks.md), in-process, one thread.

    .venv/bin/python bench/projects.py [--db sqlite|postgres] [--repeat 30] [--home DIR]

On the demo data (`yiwang demo_load`: a dozen projects, their systems, the exchange's catalogue)
it times, in the same run, each operation against a floor that does only the unavoidable part:
1. `exports.catalogue_turtle()` (DCAT-AP Turtle) — floor: rdflib serialising a graph holding the
   same triples (no queries, no graph building);
2. `exports.ledger_workbook()` (Excel) — floor: openpyxl writing the same cell values;
3. `selectors.duplicates_find()` for one filing — floor: reading the rows it compares (every
   system with its resources, every project) without comparing anything;
4. `selectors.ledger_resources()` — floor: the catalogue's rows read as plain values.

`--home DIR` reuses a YIWANG_HOME whose SQLite database already holds the demo (for instance the
one bench/knowledge.py leaves in /tmp/yw-knowledge-bench-*).
"""

from __future__ import annotations

import io
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inprocess

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/yiwang_projects_bench"


def main() -> None:
    args = inprocess.arguments(repeat=30).parse_args()

    def loaded() -> bool:
        from yiwang.projects.models import Project

        return Project.objects.exists()

    inprocess.demo_setup(args, name="projects", default_pg=DEFAULT_PG, loaded=loaded)
    from openpyxl import Workbook
    from rdflib import Graph

    from yiwang.exchange.models import DataResource
    from yiwang.projects import exports, selectors
    from yiwang.projects.models import InformationSystem, Project

    graph = exports.catalogue_graph()
    triples = list(graph)
    resources, systems = selectors.ledger_resources(), selectors.ledger_systems()
    rows = [[str(v) for v in r.values()] for r in resources] + [[str(v) for v in s.values()] for s in systems]

    def turtle_floor():
        g = Graph()
        for t in triples:
            g.add(t)
        g.serialize(format="turtle")

    def workbook_floor():
        wb = Workbook()
        ws = wb.active
        for r in rows:
            ws.append(r)
        buf = io.BytesIO()
        wb.save(buf)

    filing = dict(
        name="食品经营许可审批系统升级",
        functions="食品经营许可 受理 审批 发证",
        resource_codes={r["code"] for r in resources[:2]},
        system_names=["食品经营许可审批平台"],
    )

    def duplicates_floor():
        [(s.name, s.functions, [r.code for r in s.resources.all()]) for s in
         InformationSystem.objects.prefetch_related("resources")]  # fmt: skip
        list(Project.objects.values_list("name", "functions", "stage"))

    measures = [
        ("`exports.catalogue_turtle` (DCAT-AP)", exports.catalogue_turtle, "rdflib serialising the same triples", turtle_floor),
        ("`exports.ledger_workbook` (Excel)", exports.ledger_workbook, "openpyxl writing the same cells", workbook_floor),
        ("`selectors.duplicates_find` (one filing)", lambda: selectors.duplicates_find(**filing),
         "reading the systems and projects compared", duplicates_floor),
        ("`selectors.ledger_resources`", selectors.ledger_resources, "the catalogue's rows as values",
         lambda: list(DataResource.objects.values())),
    ]  # fmt: skip
    load = os.getloadavg()
    print(
        f"\ndemo: {Project.objects.count()} projects, {InformationSystem.objects.count()} systems, "
        f"{len(resources)} resources, {len(triples)} triples; db {args.db}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
    )
    print("| operation | p50 ms | p95 ms | floor | floor p50 ms | floor p95 ms | ratio p50 |")
    print("|---|---|---|---|---|---|---|")
    for name, fn, floor_name, floor in measures:
        a, f = inprocess.timed(fn, args.repeat), inprocess.timed(floor, args.repeat)
        ratio = statistics.median(a) / statistics.median(f)
        print(
            f"| {name} | {inprocess.pct(a, 50):.2f} | {inprocess.pct(a, 95):.2f} | {floor_name} | "
            f"{inprocess.pct(f, 50):.2f} | {inprocess.pct(f, 95):.2f} | {ratio:.2f} |"
        )


if __name__ == "__main__":
    main()
