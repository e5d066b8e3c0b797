"""Incremental summaries (增量汇总) for the dashboard tiles and trends.

`DailyCount` holds, per day × the record's region × department, the counters the case and rating
indicators are made of. Database triggers (migration 0002) append a `SummaryMark` for every day a
change touches — old and new values of a case's receipt day and completion time, a rating's day,
and the completion of the case a rating belongs to (主动评价率), a work order's rating day — in
the same transaction as the change, whoever writes it (services, bulk `UPDATE`s, imports).
`refresh()` takes the committed marks (`DELETE … RETURNING`: only what it sees, so a transaction
that commits late leaves its marks for the next refresh) and recomputes those days from the
records, under a lock so two refreshes never interleave; then it rewrites `MonthCount`, the
month × district × department rollup, for the months of those days from their `DailyCount` rows.
Reads refresh first, so a tile is exact at the time it is read: whole months of a period are read
from the rollup (city and district scopes, departments), the other days from `DailyCount`.
`rebuild()` goes month by month, so its memory does not grow with the data.
`test_summaries.py` compares both tables with the full computation after random inserts, updates
and late commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from yiwang.cases.models import Case
from yiwang.cases.models import Status as CaseStatus
from yiwang.evaluations.models import BAD_LEVELS, GOOD_LEVELS, Channel, Evaluation
from yiwang.organizations.models import Region, RegionLevel

from . import indicators as ind
from .models import DailyCount, Level, MonthCount, SummaryMark
from .periods import Period

COUNTERS = (
    "received",
    "received_online",
    "completed",
    "completed_on_time",
    "completed_online",
    "completed_rated",
    "completed_visits",
    "ratings",
    "ratings_good",
    "ratings_bad",
    "bad_in_time",
    "bad_handled",
    "bad_real_name",
    "bad_real_name_revisited",
)
# indicator → (numerator counter, denominator counter); the others are computed from the records
SUMMARISED = {
    "on_time_completion_rate": ("completed_on_time", "completed"),
    "online_completion_rate": ("completed_online", "completed"),
    "proactive_rating_rate": ("completed_rated", "completed"),
    "onsite_visits": ("completed_visits", "completed"),
    "online_application_rate": ("received_online", "received"),
    "satisfaction_rate": ("ratings_good", "ratings"),
    "bad_review_timely_rate": ("bad_in_time", "ratings_bad"),
    "bad_review_rectified_rate": ("bad_handled", "ratings_bad"),
    "real_name_revisit_rate": ("bad_real_name_revisited", "bad_real_name"),
}
SUMMARY_LEVELS = (Level.CITY, Level.DISTRICT, Level.STREET, Level.DEPARTMENT)
ROLLUP_LEVELS = (Level.CITY, Level.DISTRICT, Level.DEPARTMENT)  # a street reads DailyCount
ONLINE = ("online", "mobile")
RECEIVED = [s for s in CaseStatus.values if s != CaseStatus.DRAFT]
LOCK_KEY = 1_701_700_017  # pg_advisory_xact_lock: one refresh at a time


# --- recomputation from the records --------------------------------------------------------------
def _local_bounds(d: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(d, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days [(first, last), …]."""
    runs: list[list[date]] = []
    for d in sorted(set(days)):
        if runs and d == runs[-1][1] + timedelta(days=1):
            runs[-1][1] = d
        else:
            runs.append([d, d])
    return [(a, b) for a, b in runs]


def _days_q(field: str, days: Iterable[date] | None, *, moment: bool = False) -> Q:
    """The records of these days: a range per run of consecutive days (a month is one range)."""
    if days is None:
        return Q()
    q = Q(pk__in=[])
    for first, last in _runs(days):
        if moment:
            q |= Q(**{f"{field}__gte": _local_bounds(first)[0], f"{field}__lt": _local_bounds(last)[1]})
        elif first == last:
            q |= Q(**{field: first})
        else:
            q |= Q(**{f"{field}__gte": first, f"{field}__lte": last})
    return q


def compute(days: Iterable[date] | None = None) -> dict[tuple, dict[str, int]]:
    """The counters of these days (None: every day) from the records, keyed (day, region, dept),
    with the indicators' own definitions (indicators.py)."""
    days = None if days is None else sorted(set(days))
    cells: dict[tuple, dict[str, int]] = {}

    def add(key: tuple, values: dict) -> None:
        cell = cells.setdefault(key, dict.fromkeys(COUNTERS, 0))
        for k, v in values.items():
            cell[k] += v or 0

    received = (
        Case.objects.filter(_days_q("received_on", days), status__in=RECEIVED, received_on__isnull=False)
        .values("received_on", "region_id", "department_id")
        .annotate(received=Count("id"), received_online=Count("id", filter=Q(channel__in=ONLINE)))
        .order_by()
    )
    for r in received:
        add((r.pop("received_on"), r.pop("region_id"), r.pop("department_id")), r)
    rated = Evaluation.objects.filter(case=OuterRef("pk")).exclude(channel=Channel.HOTLINE)
    completed = (
        Case.objects.filter(
            _days_q("completed_at", days, moment=True),
            status=CaseStatus.COMPLETED,
            completed_at__isnull=False,
        )
        .annotate(on=TruncDate("completed_at", tzinfo=timezone.get_current_timezone()))
        .annotate(is_rated=Exists(rated))
        .values("on", "region_id", "department_id")
        .annotate(
            completed=Count("id"),
            completed_on_time=Count(
                "id", filter=Q(due_date__isnull=True) | Q(completed_at__date__lte=F("due_date"))
            ),
            completed_online=Count("id", filter=Q(channel__in=ONLINE)),
            completed_rated=Count("id", filter=Q(is_rated=True)),
            completed_visits=Sum("item_version__visits_required"),
        )
        .order_by()
    )
    for r in completed:
        add((r.pop("on"), r.pop("region_id"), r.pop("department_id")), r)
    bad = Q(level__in=BAD_LEVELS)
    ratings = (
        Evaluation.objects.filter(_days_q("rated_on", days), excluded=False)
        .values("rated_on", "region_id", "department_id")
        .annotate(
            ratings=Count("id"),
            ratings_good=Count("id", filter=Q(level__in=GOOD_LEVELS)),
            ratings_bad=Count("id", filter=bad),
            bad_in_time=Count("id", filter=bad & Q(work_order__handled_on__lte=F("work_order__due_date"))),
            bad_handled=Count("id", filter=bad & Q(work_order__handled_on__isnull=False)),
            bad_real_name=Count("id", filter=bad & Q(anonymous=False)),
            bad_real_name_revisited=Count(
                "id", filter=bad & Q(anonymous=False, work_order__revisited_on__isnull=False)
            ),
        )
        .order_by()
    )
    for r in ratings:
        add((r.pop("rated_on"), r.pop("region_id"), r.pop("department_id")), r)
    return cells


def _write(days: list[date] | None, cells: dict[tuple, dict[str, int]]) -> int:
    if days is None:
        DailyCount.objects.all().delete()
    elif days:
        DailyCount.objects.filter(_days_q("day", days)).delete()
    rows = (
        DailyCount(day=k[0], region_id=k[1], department_id=k[2], **v)
        for k, v in cells.items()
        if any(v.values())
    )
    return len(DailyCount.objects.bulk_create(rows, batch_size=2000))


def rollup_regions() -> dict[int, int]:
    """Region id → the region a `MonthCount` files it under: its district (the region itself, or
    the district on its path), or the region itself when no district is above it (the city). So a
    city's or a district's path prefix selects the same records in both tables."""
    rows = list(Region.objects.values_list("id", "code", "level", "path"))
    districts = {code: pk for pk, code, level, _p in rows if level == RegionLevel.DISTRICT}
    out = {}
    for pk, _code, _level, path in rows:
        out[pk] = next((districts[c] for c in path.strip("/").split("/") if c in districts), pk)
    return out


def _roll(months: Iterable[date]) -> int:
    """Rewrite the rollup of these months (first days) from their DailyCount rows."""
    months = sorted(set(months))
    if not months:
        return 0
    MonthCount.objects.filter(month__in=months).delete()
    regions = rollup_regions()
    made = 0
    for month in months:
        cells: dict[tuple, dict[str, int]] = {}
        rows = (
            DailyCount.objects.filter(day__gte=month, day__lte=month_end(month))
            .values("region_id", "department_id")
            .annotate(**{f"s_{c}": Sum(c) for c in COUNTERS})
            .order_by()
        )
        for r in rows:
            key = (regions.get(r["region_id"], r["region_id"]), r["department_id"])
            cell = cells.setdefault(key, dict.fromkeys(COUNTERS, 0))
            for c in COUNTERS:
                cell[c] += r[f"s_{c}"] or 0
        made += len(
            MonthCount.objects.bulk_create(
                [
                    MonthCount(month=month, region_id=k[0], department_id=k[1], **v)
                    for k, v in cells.items()
                    if any(v.values())
                ],
                batch_size=2000,
            )
        )
    return made


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _take_marks() -> set[date]:
    table = SummaryMark._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f'DELETE FROM "{table}" RETURNING day, at')  # noqa: S608 -- model meta
        rows = cur.fetchall()
    tz = timezone.get_current_timezone()
    days: set[date] = set()
    at_field = SummaryMark._meta.get_field("at")
    day_field = SummaryMark._meta.get_field("day")
    for day, at in rows:
        if day is not None:
            days.add(day_field.to_python(day))
        if at is not None:
            moment = at_field.to_python(at)
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=UTC)
            days.add(moment.astimezone(tz).date())
    return days


def refresh() -> int:
    """Recompute the days the committed marks name, then their months' rollup; returns how many
    days. Cheap when there are no marks."""
    if not SummaryMark.objects.exists():
        return 0
    with transaction.atomic():
        _lock()
        days = _take_marks()
        if days:
            _write(sorted(days), compute(days))
            _roll(d.replace(day=1) for d in days)
    return len(days)


def _record_months() -> list[date]:
    """The first days of the months from the earliest to the latest day any record counts on."""
    tz = timezone.get_current_timezone()
    c = Case.objects.aggregate(
        r0=Min("received_on"), r1=Max("received_on"), c0=Min("completed_at"), c1=Max("completed_at")
    )
    e = Evaluation.objects.aggregate(e0=Min("rated_on"), e1=Max("rated_on"))
    days = [v for v in (c["r0"], c["r1"], e["e0"], e["e1"]) if v is not None]
    days += [timezone.localtime(v, tz).date() for v in (c["c0"], c["c1"]) if v is not None]
    if not days:
        return []
    month, last = min(days).replace(day=1), max(days).replace(day=1)
    out = []
    while month <= last:
        out.append(month)
        month = month_end(month) + timedelta(days=1)
    return out


def rebuild() -> int:
    """Everything from the records (after a bulk load with the triggers disabled), one month at a
    time: what is held in memory is one month's cells. Returns the number of day cells."""
    with transaction.atomic():
        _lock()
        _take_marks()
        DailyCount.objects.all().delete()
        MonthCount.objects.all().delete()
        made = 0
        for month in _record_months():
            days = [month + timedelta(days=n) for n in range(month_end(month).day)]
            made += _write([], compute(days))
            _roll([month])
        return made


# --- reads ---------------------------------------------------------------------------------------
def _scope(unit) -> Q:
    if unit.kind == Level.DEPARTMENT:
        return Q(department_id=unit.pk)
    return Q(region__path__startswith=unit.path)


def supports(indicator: str, unit) -> bool:
    return indicator in SUMMARISED and unit.kind in SUMMARY_LEVELS


def split(period: Period) -> tuple[list[date], list[date]]:
    """The period as whole months (first days) and the days outside them."""
    months: list[date] = []
    days: list[date] = []
    d = period.start
    while d <= period.end:
        end = month_end(d)
        if d.day == 1 and end <= period.end:
            months.append(d)
            d = end + timedelta(days=1)
        else:
            days.append(d)
            d += timedelta(days=1)
    return months, days


def totals(period: Period, unit, *, fresh: bool = True) -> dict[str, int]:
    """Σ of every counter over the period for the unit: whole months from the rollup, the other
    days (and every day of a street) from the day cells — one query each."""
    if fresh:
        refresh()
    months, days = split(period)
    if unit.kind not in ROLLUP_LEVELS:
        months, days = (
            [],
            [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)],
        )
    sums = dict.fromkeys(COUNTERS, 0)
    parts = []
    if months:
        parts.append(MonthCount.objects.filter(_scope(unit), month__gte=months[0], month__lte=months[-1]))
    if days:
        parts.append(DailyCount.objects.filter(_scope(unit), _days_q("day", days)))
    for qs in parts:
        for k, v in qs.aggregate(**{c: Sum(c) for c in COUNTERS}).items():
            sums[k] += v or 0
    return sums


def value(indicator, period: Period, unit, sums: dict[str, int] | None = None) -> ind.Value:
    """The indicator's value from the summaries where they hold the indicator and the unit's
    level, else computed from the records (indicators.value_compute)."""
    if not supports(indicator.code, unit):
        return ind.value_compute(indicator, period, unit)
    num_key, den_key = SUMMARISED[indicator.code]
    sums = sums if sums is not None else totals(period, unit)
    num, den = sums[num_key], sums[den_key]
    return ind.Value(indicator.code, period.label, unit, indicator.combine(num, den), num, den)


def late_completions(period: Period, unit, sums: dict[str, int] | None = None) -> int:
    """超期办结 (deduction `completed_late`): completed − completed on time (the two are exact
    complements: a completion is late when it has a due date and its local day is after it)."""
    sums = sums if sums is not None else totals(period, unit)
    return sums["completed"] - sums["completed_on_time"]
