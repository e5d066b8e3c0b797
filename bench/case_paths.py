"""The case paths at scale (issue 22, "Scale-out proof"; docs/benchmarks.md, "The case paths at
10 million cases"): on a database filled by bench/generate_cases.py, the pages staff and citizens
open most, p50/p99 over --calls calls each, in-process through Django's test client (the real
views, selectors, templates and sessions; no server, so the figures are the application's and
PostgreSQL's share of a request):

- `queue_clerk`: the workbench queue (`/workbench/`) of a window clerk serving the busiest
  department (its cases in 受理 are the clerk's queue: `submitted`, none in generated data — the
  plan still has to find that out without reading the department's cases);
- `queue_clerk_accepted`: the same clerk's queue filtered to 已受理 (`?status=accepted`): every
  case of the department visible through the window, sorted by due date, 30 a page;
- `queue_reviewer`: the queue of a reviewer of the busiest department (its `accepted` cases, the
  biggest queue in the data), first page;
- `my_cases` / `my_cases_deep`: the case list (`/my/cases/`) of the citizen with the most cases,
  first page and a page in the middle (20 a page, newest first, as the portal paginates);
- `my_cases_deep_offset`: that middle page by its old page-number link (`?page=n`: an OFFSET);
  `my_cases_deep` reaches it as the pager's 下一页 link does, by a cursor (`?after=…&page=n`: a seek);
- `case_staff`: the workbench case page of one of the reviewer's cases (a different case each
  call); `case_citizen`: the portal case page of one of the citizen's cases;
- `api_reviewer`, `api_clerk_accepted`, `api_citizen`: the JSON list `GET /api/v1/cases` (Bearer
  token; exact count) of the reviewer and of the clerk with `?status=accepted` (50 a page, the
  API's default), of the citizen (20 a page, so the 20 k citizen's 23 cases fill a page as the
  10 M citizen's do); `api_citizen_deep`: the citizen's middle page by cursor (`after`, as `next_after`
  gives it); `api_citizen_deep_offset`: the same page by `page=n` (an OFFSET).

Then each path is called once more with its SQL captured, and every query over `cases_case` is
run again under EXPLAIN (ANALYZE, BUFFERS) (printed: its time and the indexes it uses; the whole
plans go to bench/results/case_paths-<database>.plans.txt); a plan with a sequential scan of
`cases_case` is flagged (exit 1 with --strict). The bench adds its own staff (a window in the department's hall,
a clerk and a reviewer; `bench_staff_*`), idempotently. Results go to
bench/results/case_paths-<database>.json; with --compare OTHER.json the p99 ratios are printed
(the goal: p99 at 10 M within 2× of p99 at 20 k).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_scale10m_20k \\
        .venv/bin/python bench/case_paths.py --calls 200
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_scale10m \\
        .venv/bin/python bench/case_paths.py --calls 200 --compare bench/results/case_paths-yiwang_scale10m_20k.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, max(0, round(p * len(xs)) - 1))], 2)


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    os.environ.setdefault("YIWANG_HOME", str(ROOT / "var"))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database filled by bench/generate_cases.py")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def one(sql: str, params=()) -> tuple:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def actors(seed: int) -> dict:
    """The busiest department and citizen, and the bench's staff for that department (made once)."""
    from django.contrib.auth.hashers import make_password

    from yiwang.accounts.models import AccountKind, User
    from yiwang.organizations.models import Department, Role, ServiceHall, StaffRole, Window

    dept_id, queue_size = one(
        "SELECT department_id, count(*) FROM cases_case WHERE status = 'accepted'"
        " GROUP BY department_id ORDER BY 2 DESC, 1 LIMIT 1"
    )
    owner_id, owned = one(
        "SELECT owner_id, count(*) FROM cases_case WHERE owner_id IS NOT NULL"
        " GROUP BY owner_id ORDER BY 2 DESC, 1 LIMIT 1"
    )
    dept = Department.objects.select_related("region").get(pk=dept_id)
    hall = ServiceHall.objects.filter(region=dept.region).order_by("pk").first()
    window, _ = Window.objects.get_or_create(
        hall=hall, number="B1", defaults={"name": f"{dept.short_name}窗口", "kind": "department"}
    )
    window.departments.add(dept)
    staff = {}
    for role in (Role.CLERK, Role.REVIEWER):
        user, _ = User.objects.get_or_create(
            username=f"bench_staff_{role}_{dept.pk}",
            defaults={"kind": AccountKind.STAFF, "password": make_password(None)},
        )
        clerk = role == Role.CLERK  # a clerk's role names a window, not a department
        StaffRole.objects.get_or_create(
            user=user,
            role=role,
            department=None if clerk else dept,
            window=window if clerk else None,
            defaults={"region": dept.region},
        )
        staff[role] = user
    rng = random.Random(seed)
    staff_cases = [
        n
        for (n,) in _rows(
            "SELECT number FROM cases_case WHERE department_id = %s AND status = 'accepted'"
            " ORDER BY due_date, id LIMIT 2000",
            [dept.pk],
        )
    ]
    citizen_cases = [n for (n,) in _rows("SELECT number FROM cases_case WHERE owner_id = %s", [owner_id])]
    rng.shuffle(staff_cases)
    rng.shuffle(citizen_cases)
    return {
        "department": dept,
        "reviewer_queue": queue_size,
        "citizen": User.objects.get(pk=owner_id),
        "citizen_cases": owned,
        "clerk": staff[Role.CLERK],
        "reviewer": staff[Role.REVIEWER],
        "staff_numbers": staff_cases,
        "citizen_numbers": citizen_cases,
    }


def _rows(sql: str, params=None) -> list:
    """params=None: the SQL is run as written (a captured query, its `%` in LIKE patterns kept)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def explain(sql: str) -> tuple[str, bool, list[str]]:
    """The plan, whether it reads cases_case sequentially, and the indexes it uses."""
    plan = "\n".join(r[0] for r in _rows("EXPLAIN (ANALYZE, BUFFERS) " + sql))
    seq = bool(re.search(r"Seq Scan on cases_case\b", plan))
    used = re.findall(
        r"(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)?(?: using| on) (\w+)", plan
    )
    return plan, seq, sorted(set(used))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=200, help="calls per path (p99 = the 2nd worst of 200)")
    ap.add_argument("--warm", type=int, default=10, help="untimed calls per path first")
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--only", default="", help="comma-separated paths")
    ap.add_argument("--no-explain", action="store_true")
    ap.add_argument("--strict", action="store_true", help="exit 1 if a plan scans cases_case sequentially")
    ap.add_argument("--compare", type=Path, help="an earlier results file: print p99 ratios against it")
    args = ap.parse_args()
    django_setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    t = time.perf_counter()
    a = actors(args.seed)
    total = one("SELECT count(*) FROM cases_case")[0]
    print(
        f"{total:,} cases; department {a['department'].pk} ({a['reviewer_queue']:,} accepted); citizen "
        f"{a['citizen'].pk} ({a['citizen_cases']:,} cases); set-up {time.perf_counter() - t:.1f}s; load {load()}",
        flush=True,
    )
    from yiwang.accounts.services import api_token_issue
    from yiwang.cases import selectors
    from yiwang.core.pagination import cursor_encode

    clerk, reviewer, citizen = Client(), Client(), Client()
    clerk.force_login(a["clerk"])
    reviewer.force_login(a["reviewer"])
    citizen.force_login(a["citizen"])
    bearer = {}
    for role in ("clerk", "reviewer", "citizen"):
        bearer[role] = Client(headers={"Authorization": f"Bearer {api_token_issue(user=a[role])[0]}"})
    pages = max(1, -(-a["citizen_cases"] // 20))
    middle = max(1, pages // 2)
    api_pages = max(1, -(-a["citizen_cases"] // 20))
    api_middle = max(1, api_pages // 2)
    own = selectors.own_cases(user=a["citizen"])

    def after(offset: int) -> str:
        """The cursor of the row before `offset` (what the page before's 下一页 link carries)."""
        return cursor_encode(own.key_values(own[offset - 1])) if offset else ""

    page_after, api_after = after((middle - 1) * 20), after((api_middle - 1) * 20)
    sn, cn = a["staff_numbers"], a["citizen_numbers"]
    paths = {
        "queue_clerk": (clerk, lambda i: "/workbench/"),
        "queue_clerk_accepted": (clerk, lambda i: "/workbench/?status=accepted"),
        "queue_reviewer": (reviewer, lambda i: "/workbench/"),
        "my_cases": (citizen, lambda i: "/my/cases/"),
        "my_cases_deep": (
            citizen,
            lambda i: f"/my/cases/?after={page_after}&page={middle}" if page_after else "/my/cases/",
        ),
        "my_cases_deep_offset": (citizen, lambda i: f"/my/cases/?page={middle}"),
        "case_staff": (reviewer, lambda i: f"/workbench/cases/{sn[i % len(sn)]}/"),
        "case_citizen": (citizen, lambda i: f"/my/cases/{cn[i % len(cn)]}/"),
        "api_reviewer": (bearer["reviewer"], lambda i: "/api/v1/cases"),
        "api_clerk_accepted": (bearer["clerk"], lambda i: "/api/v1/cases?status=accepted"),
        "api_citizen": (bearer["citizen"], lambda i: "/api/v1/cases?page_size=20"),
        "api_citizen_deep": (
            bearer["citizen"],
            lambda i: (
                f"/api/v1/cases?page_size=20&after={api_after}&page={api_middle}"
                if api_after
                else "/api/v1/cases?page_size=20"
            ),
        ),
        "api_citizen_deep_offset": (
            bearer["citizen"],
            lambda i: f"/api/v1/cases?page_size=20&page={api_middle}",
        ),
    }
    only = [p for p in args.only.split(",") if p] or list(paths)
    out = {
        "database": connection.settings_dict["NAME"],
        "cases": total,
        "reviewer_queue": a["reviewer_queue"],
        "citizen_cases": a["citizen_cases"],
        "calls": args.calls,
        "paths": {},
    }
    flagged, plan_log = [], []
    for name in only:
        client, url = paths[name]

        def call(i: int, client=client, url=url, name=name) -> None:
            r = client.get(url(i))
            if r.status_code != 200:
                raise SystemExit(f"{name} {url(i)} answered {r.status_code}")

        for i in range(args.warm):
            call(10_000 + i)
        times = []
        load0 = load()
        for i in range(args.calls):
            t0 = time.perf_counter()
            call(i)
            times.append((time.perf_counter() - t0) * 1000)
        with CaptureQueriesContext(connection) as q:
            call(args.calls + 1)
        res = {
            "p50_ms": round(statistics.median(times), 2),
            "p99_ms": pct(times, 0.99),
            "max_ms": round(max(times), 2),
            "queries": len(q.captured_queries),
            "load": f"{load0} → {load()}",
        }
        out["paths"][name] = res
        print(f"{name:22} p50 {res['p50_ms']:8.2f} ms  p99 {res['p99_ms']:8.2f} ms  {res['queries']} queries  load {res['load']}", flush=True)  # fmt: skip
        if args.no_explain:
            continue
        plans = []
        for k, x in enumerate(q.captured_queries):
            sql = x["sql"]
            if "cases_case" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            plan, seq, used = explain(sql)
            ms = re.search(r"Execution Time: ([\d.]+) ms", plan)
            ms = float(ms.group(1)) if ms else None
            plans.append({"sql": sql, "seq_scan": seq, "execution_ms": ms, "indexes": used, "plan": plan})
            print(f"    query {k + 1}: {ms} ms, indexes {', '.join(used)}{'  ** SEQ SCAN of cases_case **' if seq else ''}  {sql[:90]}…", flush=True)  # fmt: skip
            plan_log.append(f"===== {name}, query {k + 1}\n{sql}\n\n{plan}\n")
            if seq:
                flagged.append(name)
        res["plans"] = plans
    out["load"] = load()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"case_paths-{out['database']}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1))
    if plan_log:
        plans_path = path.with_suffix(".plans.txt")
        plans_path.write_text("\n".join(plan_log))
        print("EXPLAIN (ANALYZE, BUFFERS) of each query in", plans_path.relative_to(ROOT))
    summary = {k: {m: v[m] for m in ("p50_ms", "p99_ms", "queries")} for k, v in out["paths"].items()}
    print(json.dumps(summary, ensure_ascii=False))
    if args.compare:
        base = json.loads(args.compare.read_text())
        print(f"p99 ratio against {base['database']} ({base['cases']:,} cases); goal ≤ 2:")
        for k, v in out["paths"].items():
            b = base["paths"].get(k)
            if b:
                r = v["p99_ms"] / b["p99_ms"] if b["p99_ms"] else float("inf")
                print(f"  {k:22} {b['p99_ms']:8.2f} → {v['p99_ms']:8.2f} ms  × {r:.2f}  {'met' if r <= 2 else 'MISSED'}")  # fmt: skip
    print("results in", path.relative_to(ROOT))
    if flagged:
        print("sequential scans of cases_case in:", ", ".join(sorted(set(flagged))))
    return 1 if (flagged and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
