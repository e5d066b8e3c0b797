"""Reads of supervision: what a user may see, task lists, bulletin counts, dashboard data."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet

from yiwang.accounts.models import User
from yiwang.core.errors import NotFound

from . import indicators as ind
from . import rules as R
from . import summaries
from .models import OPEN_TASK, Assessment, Bulletin, BulletinKind, BulletinStatus, Level, Task
from .periods import Period, period_containing

TILE_INDICATORS = (
    "on_time_completion_rate",
    "satisfaction_rate",
    "bad_review_timely_rate",
    "online_application_rate",
    "proactive_rating_rate",
    "promise_compression_ratio",
)
TREND_INDICATORS = ("on_time_completion_rate", "satisfaction_rate", "online_application_rate")


def tasks_visible(*, user: User) -> QuerySet[Task]:
    qs = Task.objects.select_related("department", "region", "case", "work_order", "finding_item")
    if R.is_supervisor(user):
        paths = R.supervisor_paths(user)
        q = Q()
        for p in paths:
            q |= Q(region__path__startswith=p)
        return qs.filter(q)
    return qs.filter(department_id__in=R.department_ids(user))


def task_for_actor(*, actor: User, pk: int) -> Task:
    task = tasks_visible(user=actor).filter(pk=pk).first()
    if task is None:
        raise NotFound("整改任务不存在", code="task_not_found")
    return task


def task_list(
    *, user: User, status: str | None = None, department: int | None = None, overdue_on: date | None = None
) -> QuerySet[Task]:
    qs = tasks_visible(user=user)
    if status == "open":
        qs = qs.filter(status__in=OPEN_TASK)
    elif status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department_id=department)
    if overdue_on is not None:
        qs = qs.filter(status__in=OPEN_TASK, due_date__lt=overdue_on)
    return qs.order_by("due_date", "id")


def bulletins_visible(*, user: User) -> QuerySet[Bulletin]:
    qs = Bulletin.objects.all()
    if not R.is_supervisor(user):
        qs = qs.filter(status=BulletinStatus.PUBLISHED)
    return qs.order_by("-period_start", "kind")


def bulletin_counts(*, user: User, year: int) -> list[dict]:
    """Per kind: published bulletins of the year, and per month (the seed reports them so)."""
    rows = (
        bulletins_visible(user=user)
        .filter(year=year)
        .values("kind", "period_start__month", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    out = {
        k: {"kind": k, "label": BulletinKind(k).label, "published": 0, "total": 0, "by_month": [0] * 12}
        for k in BulletinKind.values
    }
    for r in rows:
        entry = out[r["kind"]]
        entry["total"] += r["n"]
        if r["status"] == BulletinStatus.PUBLISHED:
            entry["published"] += r["n"]
            entry["by_month"][r["period_start__month"] - 1] += r["n"]
    return list(out.values())


def assessment_latest(*, level: str) -> Assessment | None:
    return Assessment.objects.filter(level=level).order_by("-period").first()


def indicator_value(i: ind.Indicator, period: Period, unit: ind.Unit, sums: dict | None = None):
    """(value, numerator, denominator): from the incremental summaries where they hold the
    indicator and unit (summaries.py), else computed from the records."""
    v = summaries.value(i, period, unit, sums)
    return v.value, v.numerator, v.denominator


def tiles(*, period: Period, unit: ind.Unit) -> list[dict]:
    out = []
    summarised = unit.kind in summaries.SUMMARY_LEVELS
    now = summaries.totals(period, unit) if summarised else None
    before = summaries.totals(period.previous(), unit, fresh=False) if summarised else None
    for code in TILE_INDICATORS:
        i = ind.REGISTRY[code]
        if unit.kind not in i.levels:
            continue
        value, num, den = indicator_value(i, period, unit, now)
        prev = indicator_value(i, period.previous(), unit, before)[0]
        out.append({**i.as_dict(), "value": value, "numerator": num, "denominator": den, "previous": prev})
    return out


def trend(*, unit: ind.Unit, months: int, until: date) -> dict:
    """Monthly values of the trend indicators for the last `months` months up to `until`."""
    periods: list[Period] = []
    day = until
    for _ in range(months):
        p = period_containing(day, "month")
        periods.insert(0, p)
        day = p.start - timedelta(days=1)
    summarised = unit.kind in summaries.SUMMARY_LEVELS
    if summarised:
        summaries.refresh()
    sums = [summaries.totals(p, unit, fresh=False) if summarised else None for p in periods]
    series = []
    for code in TREND_INDICATORS:
        i = ind.REGISTRY[code]
        if unit.kind not in i.levels:
            continue
        series.append(
            {
                "code": code,
                "name": i.name,
                "unit": i.unit,
                "values": [indicator_value(i, p, unit, s)[0] for p, s in zip(periods, sums, strict=True)],
            }
        )
    return {"periods": [p.label for p in periods], "series": series}


def ranking(*, assessment: Assessment | None) -> list[dict]:
    if assessment is None:
        return []
    return [{"rank": r["rank"], "unit": r["unit"], "total": r["total"]} for r in assessment.results]


def unit_row(*, assessment: Assessment, code: str) -> dict | None:
    return next((r for r in assessment.results if r["unit"]["code"] == code), None)


def levels_label() -> dict:
    return dict(Level.choices)
