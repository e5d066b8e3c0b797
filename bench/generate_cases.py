"""Fill PostgreSQL with N cases and M ratings (with their work orders) by COPY — the data for the
scale benchmarks of 考核督办 (bench/supervision.py) and of the hardening issue's checks (staff
queue, a citizen's case list, case detail). docs/benchmarks.md, "考核督办 at scale".

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_sup17_bench \\
        .venv/bin/python bench/generate_cases.py --cases 10000000 --ratings 3000000

What it writes (the real tables the app uses, nothing bench-only):
- reference data, idempotent (found by code, created when missing): the city 420100 with 13
  districts and 3 streets each; 30 city departments, 2 per district, and 2 公共服务企业 (water,
  power); a hall per district and the city's; `--items` items (default 200), each with one
  published version valid from 2020-01-01 (promised 1–20 working days, statutory 20–60, 0–2
  visits, a third 即办件); `--owners` citizen accounts (default 2000);
- `cases_case`: received over the `--days` days (default 1095) before `--until` (default today),
  weekdays busier; items drawn Zipf-like (a few items make most cases); region: the item's
  department's district, or a street under it, city departments' cases spread over the districts;
  channel online 45 % / mobile 20 % / window 30 % / kiosk 5 %; 93 % completed, in 0–limit working
  days (a district-specific 0–8 % late by 1–10 days), the rest accepted (those whose due date is
  past are overdue: 红灯), 1 % drafts; number `G` + day + sequence (unique, so a rerun appends);
- `evaluations_evaluation`: `--ratings` ratings of completed cases (levels 70/18/8/3/1 %, 4 % by
  the 12345 hotline, 20 % anonymous), rated 0–2 days after completion;
- `evaluations_workorder`: one per bad rating (4, 5), due 5 days later, 92 % handled (most in
  time), real-name ones 85 % revisited.

COPY runs with `session_replication_role = replica` (no FK checks, no triggers: the rows are
consistent by construction), then the whole database is ANALYZEd — the reference tables too: with
autovacuum off (as on this machine) an unanalysed `organizations_region` is estimated at one row
and a region-scoped query over the cases turns into a nested loop of bitmap scans, 10× slower —
and the summaries are rebuilt (`summaries.rebuild()`, then ANALYZE of their tables). `--batch` rows per COPY transaction. Prints rows/s and the load average.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
PREFIX = "G"
TZ_OFFSET = timedelta(hours=8)  # Asia/Shanghai, no DST


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    os.environ.setdefault("YIWANG_HOME", str(ROOT / "var"))
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (COPY)")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


# --- reference data --------------------------------------------------------------------------
def reference(n_items: int, n_owners: int, seed: int) -> dict:
    from django.contrib.auth.hashers import make_password

    from yiwang.accounts.models import User
    from yiwang.catalog.models import Item, ItemVersion, VersionStatus
    from yiwang.core.testing import make_uscc
    from yiwang.organizations.models import Department, Region, ServiceHall

    rng = random.Random(seed)

    def region(code, name, level, parent):
        r = Region.objects.filter(code=code).first()
        return r or Region.objects.create(code=code, name=name, level=level, parent=parent)

    city = region("420100", "武汉市", "city", None)
    districts, streets = [], {}
    names = [
        "江岸",
        "江汉",
        "硚口",
        "汉阳",
        "武昌",
        "青山",
        "洪山",
        "东西湖",
        "汉南",
        "蔡甸",
        "江夏",
        "黄陂",
        "新洲",
    ]
    for i, n in enumerate(names):
        d = region(f"4201{i + 2:02d}", f"{n}区", "district", city)
        districts.append(d)
        streets[d.pk] = [region(f"4201{i + 2:02d}{s:03d}", f"{n}街道{s}", "street", d) for s in (1, 2, 3)]

    def dept(key, name, reg, kind="government"):
        uscc = make_uscc(f"bench-{key}")
        d = Department.objects.filter(uscc=uscc).first()
        return d or Department.objects.create(
            name=name, short_name=name[-8:], uscc=uscc, region=reg, kind=kind
        )

    depts = [dept(f"c{i}", f"武汉市第{i + 1}局", city) for i in range(30)]
    for d in districts:
        depts += [dept(f"{d.code}-{j}", f"{d.name}第{j + 1}局", d) for j in range(2)]
    companies = [dept("water", "武汉市水务集团有限公司", city, "enterprise"),
                 dept("power", "国网武汉供电公司", city, "enterprise")]  # fmt: skip
    depts += companies
    halls = {}
    for r in [city, *districts]:
        h = ServiceHall.objects.filter(code=f"bench-{r.code}").first()
        halls[r.pk] = h or ServiceHall.objects.create(
            name=f"{r.name}政务服务中心", code=f"bench-{r.code}", region=r
        )
    versions = []
    for i in range(n_items):
        code = f"BENCH{i:05d}"
        owner = depts[i % len(depts)]
        item = Item.objects.filter(code=code).first() or Item.objects.create(
            code=code, basic_code=f"B{i:011d}", department=owner
        )
        v = ItemVersion.objects.filter(item=item).order_by("-version").first()
        if v is None:
            promised = rng.choice([1, 1, 3, 5, 5, 7, 10, 15, 20])
            v = ItemVersion.objects.create(
                item=item, version=1, name=f"测试事项{i}", status=VersionStatus.PUBLISHED,
                valid_from=date(2020, 1, 1), published_at=datetime(2020, 1, 1, tzinfo=UTC),
                statutory_limit_days=rng.choice([20, 20, 30, 60]), promised_limit_days=promised,
                case_kind="1" if promised == 1 else "2", visits_required=rng.choice([0, 0, 1, 2]),
            )  # fmt: skip
        versions.append(v)
    have = User.objects.filter(username__startswith="bench_citizen_").count()
    if have < n_owners:
        pw = make_password(None)
        User.objects.bulk_create(
            [User(username=f"bench_citizen_{k:06d}", password=pw) for k in range(have, n_owners)],
            batch_size=2000,
            ignore_conflicts=True,
        )
    owners = list(User.objects.filter(username__startswith="bench_citizen_").values_list("pk", flat=True))
    return {"city": city, "districts": districts, "streets": streets, "versions": versions,
            "halls": halls, "owners": owners, "depts": {d.pk: d for d in depts}}  # fmt: skip


# --- rows ------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=200_000)
def workdays_after(day: date, n: int) -> date:
    """n working days after day (weekends only: the bench does not need the holiday calendar).
    Memoised: a few thousand days × n ≤ 30, called two or three times a case."""
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


@functools.lru_cache(maxsize=10_000)
def _iso(day: date) -> str:
    return day.isoformat()


def ts(day: date, hour: int, minute: int) -> str:
    """A Beijing time as UTC text for COPY (hours ≥ 8 stay on the same day: no datetime needed)."""
    if hour >= 8:
        return f"{_iso(day)} {hour - 8:02d}:{minute:02d}:00+00"
    return (datetime(day.year, day.month, day.day, hour, minute) - TZ_OFFSET).strftime("%Y-%m-%d %H:%M:00+00")


def case_columns(conn) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name='cases_case' ORDER BY ordinal_position"
        )
        return [r[0] for r in cur.fetchall()]


def generate(
    ref: dict, *, n_cases: int, n_ratings: int, days: int, until: date, seed: int, batch: int,
    first_id: int | None = None, prefix: str = PREFIX,
) -> dict:  # fmt: skip
    from django.db import connection

    rng = random.Random(seed)
    versions = ref["versions"]
    weights = [1 / (k + 1) ** 0.8 for k in range(len(versions))]  # Zipf-like
    districts = ref["districts"]
    district_by_pk = {d.pk: d for d in districts}
    late_share = {d.pk: rng.choice([0.0, 0.01, 0.02, 0.04, 0.08]) for d in districts}
    dept_of = ref["depts"]
    start_day = until - timedelta(days=days)
    day_list = [start_day + timedelta(days=k) for k in range(days)]
    day_w = [1.0 if d.weekday() < 5 else 0.15 for d in day_list]
    yesterday = until - timedelta(days=1)
    rate_share = min(1.0, n_ratings / max(1, n_cases * 0.93))

    conn = (
        connection.connection
        if connection.connection
        else (connection.ensure_connection() or connection.connection)
    )
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
        next_case = first_id or cur.fetchone()[0] + 1
        cur.execute("SELECT coalesce(max(id), 0) FROM evaluations_evaluation")
        next_eval = first_id or cur.fetchone()[0] + 1
        cur.execute("SELECT count(*) FROM cases_case WHERE number LIKE %s", [prefix + "%"])
        seq0 = cur.fetchone()[0]
    case_cols = ["id", "number", "item_id", "item_version_id", "department_id", "region_id", "hall_id",
                 "owner_id", "filed_by_id", "channel", "status", "version", "form", "applicant_name",
                 "created_at", "updated_at", "submitted_at", "received_on", "accepted_on", "limit_days",
                 "extension_days", "due_date", "due_date_provisional", "statutory_limit_days", "clock_stopped",
                 "decision", "delivery", "electronic_delivery", "completed_at", "route", "tolerance",
                 "waiting_for", "ledger_salt", "extension_reason"]  # fmt: skip
    existing = set(case_columns(conn))
    missing = [c for c in case_cols if c not in existing]
    if missing:
        sys.exit(f"cases_case lacks {missing}: update the generator")
    eval_cols = ["id", "case_id", "stage", "level", "channel", "channel_class", "dimension_kind", "dimensions",
                 "tags", "comment", "anonymous", "rater_id", "department_id", "region_id", "hall_id", "item_id",
                 "ticket", "rated_at", "rated_on", "excluded", "excluded_reason"]  # fmt: skip
    order_cols = ["evaluation_id", "number", "department_id", "region_id", "status", "version", "received_on",
                  "limit_days", "due_date", "appeal_used", "disposal", "handled_on", "revisit_result",
                  "revisited_on", "reopen_count", "closed_on", "updated_at"]  # fmt: skip
    stats = {"cases": 0, "ratings": 0, "work_orders": 0}
    t0 = time.perf_counter()
    made = 0
    now = ts(until, 8, 0)
    salt = "0" * 64
    while made < n_cases:
        n = min(batch, n_cases - made)
        cbuf, ebuf, obuf = io.StringIO(), io.StringIO(), io.StringIO()
        picks = rng.choices(range(len(versions)), weights, k=n)
        days_k = rng.choices(day_list, day_w, k=n)
        for k in range(n):
            v = versions[picks[k]]
            day = days_k[k]
            dept = dept_of[v.item.department_id]
            home = dept.region_id
            if home == ref["city"].pk:
                district = districts[rng.randrange(len(districts))]
            else:
                district = district_by_pk[home]
            region = district if rng.random() < 0.5 else rng.choice(ref["streets"][district.pk])
            hall = ref["halls"][district.pk]
            channel = rng.choices(("online", "mobile", "window", "kiosk"), (45, 20, 30, 5))[0]
            owner = ref["owners"][rng.randrange(len(ref["owners"]))]
            cid = next_case + made + k
            number = f"{prefix}{day:%Y%m%d}{seq0 + made + k:09d}"
            promised = v.promised_limit_days or 1
            due = workdays_after(day, promised) if promised > 1 else day
            r = rng.random()
            status, done = "accepted", None
            if r < 0.01:
                status = "draft"
            elif r < 0.94:
                if rng.random() < late_share[district.pk]:
                    done = workdays_after(due, rng.randint(1, 10))
                else:
                    done = workdays_after(day, rng.randint(0, promised)) if promised > 1 else day
                if done <= yesterday:
                    status = "completed"
                else:
                    done = None
            draft = status == "draft"
            received = "\\N" if draft else day.isoformat()
            completed_at = ts(done, rng.randint(9, 17), rng.randint(0, 59)) if done else "\\N"
            cbuf.write("\t".join((
                str(cid), number, str(v.item_id), str(v.pk), str(dept.pk), str(region.pk),
                str(hall.pk) if channel in ("window", "kiosk") else "\\N", str(owner), str(owner), channel,
                status, "1", "{}", "张*", ts(day, 9, 0), completed_at if done else ts(day, 9, 5),
                "\\N" if draft else ts(day, 9, 0), received, received, "\\N" if draft else str(promised),
                "0", "\\N" if draft else due.isoformat(), "f", str(v.statutory_limit_days or 0), "f",
                "approve" if done else "", "", "f", completed_at, "ordinary", "", "", salt, "",
            )) + "\n")  # fmt: skip
            if done and rng.random() < rate_share:
                eid = next_eval + stats["ratings"]
                stats["ratings"] += 1
                level = rng.choices("12345", (70, 18, 8, 3, 1))[0]
                hotline = rng.random() < 0.04
                ch = "hotline" if hotline else rng.choice(("web", "mobile", "sms", "device"))
                anonymous = rng.random() < 0.2
                rated = done + timedelta(days=rng.randint(0, 2))
                ebuf.write("\t".join((
                    str(eid), str(cid), "complete", level, ch,
                    "per_case", "online", "{}", '["slow"]' if level in "45" else "[]", "",
                    "t" if anonymous else "f", "\\N" if anonymous else str(owner), str(dept.pk), str(region.pk),
                    "\\N", str(v.item_id), "", ts(rated, 18, 0), rated.isoformat(), "f", "",
                )) + "\n")  # fmt: skip
                if level in "45":
                    stats["work_orders"] += 1
                    odue = workdays_after(rated, 5)
                    handled = workdays_after(rated, rng.randint(1, 7)) if rng.random() < 0.92 else None
                    if handled and handled > yesterday:
                        handled = None
                    revisited = (
                        handled + timedelta(days=1)
                        if handled and not anonymous and rng.random() < 0.85
                        else None
                    )
                    ostatus = (
                        "closed"
                        if (revisited or (handled and anonymous))
                        else ("disposed" if handled else "assigned")
                    )
                    closed = revisited or (handled if anonymous else None)
                    obuf.write("\t".join((
                        str(eid), f"CPG{eid:010d}", str(dept.pk), str(region.pk), ostatus, "1", rated.isoformat(),
                        "5", odue.isoformat(), "f", "fixed" if handled else "",
                        handled.isoformat() if handled else "\\N", "satisfied" if revisited else "",
                        revisited.isoformat() if revisited else "\\N", "0",
                        closed.isoformat() if closed else "\\N", now,
                    )) + "\n")  # fmt: skip
        with conn.cursor() as cur, conn.transaction():
            cur.execute("SET LOCAL session_replication_role = replica")
            for table, cols, buf in (("cases_case", case_cols, cbuf), ("evaluations_evaluation", eval_cols, ebuf),
                                     ("evaluations_workorder", order_cols, obuf)):  # fmt: skip
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    copy.write(buf.getvalue())
        made += n
        stats["cases"] = made
        el = time.perf_counter() - t0
        print(
            f"{made:>10} cases {stats['ratings']:>9} ratings  {made / el:,.0f} cases/s  {load()}", flush=True
        )
    with connection.cursor() as cur:
        for seq_table in ("cases_case", "evaluations_evaluation", "evaluations_workorder"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'), (SELECT max(id) FROM {seq_table}))"  # noqa: S608 -- constant names
            )
    stats["copy_seconds"] = round(time.perf_counter() - t0, 1)
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--ratings", type=int, default=300_000)
    ap.add_argument("--items", type=int, default=200)
    ap.add_argument("--owners", type=int, default=2000)
    ap.add_argument("--days", type=int, default=1095)
    ap.add_argument("--until", type=date.fromisoformat, default=None)
    ap.add_argument("--batch", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--no-summaries", action="store_true", help="skip the summaries' rebuild")
    ap.add_argument(
        "--first-id",
        type=int,
        default=None,
        help="first case and rating id (default: after the tables' largest): with another"
        " --prefix, a second generator can append to the same database at the same time",
    )
    ap.add_argument(
        "--prefix", default=PREFIX, help="the case numbers' first letter (unique per parallel run)"
    )
    args = ap.parse_args()
    django_setup()
    from django.db import connection
    from django.utils import timezone

    from yiwang.supervision import summaries

    print("start", load(), flush=True)
    t = time.perf_counter()
    ref = reference(args.items, args.owners, args.seed)
    print(f"reference data {time.perf_counter() - t:.1f}s", flush=True)
    stats = generate(ref, n_cases=args.cases, n_ratings=args.ratings, days=args.days,
                     until=args.until or timezone.localdate(), seed=args.seed, batch=args.batch,
                     first_id=args.first_id, prefix=args.prefix)  # fmt: skip
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    stats["analyze_seconds"] = round(time.perf_counter() - t, 1)
    if not args.no_summaries:
        t = time.perf_counter()
        stats["summary_rows"] = summaries.rebuild()
        with connection.cursor() as cur:
            cur.execute("ANALYZE supervision_dailycount; ANALYZE supervision_monthcount")
        stats["summary_seconds"] = round(time.perf_counter() - t, 1)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database())), count(*) FROM cases_case")
        size, total = cur.fetchone()
    stats.update(database_size=size, cases_in_table=total, load=load())
    print(json.dumps(stats, ensure_ascii=False))


if __name__ == "__main__":
    main()
