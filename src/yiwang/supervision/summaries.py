"""Incremental summaries (增量汇总) for the dashboard tiles and trends.

`DailyCount` holds, per day × the record's region × department, the counters the case and rating
indicators are made of. Database triggers (migration 0002) append a `SummaryMark` for every day a
change touches — old and new values of a case's receipt day and completion time, a rating's day,
and the completion of the case a rating belongs to (主动评价率), a work order's rating day — in
the same transaction as the change, whoever writes it (services, bulk `UPDATE`s, imports).
`refresh()` takes the committed marks (`DELETE … RETURNING`: only what it sees, so a transaction
that commits late leaves its marks for the next refresh) and recomputes those days from the
records, under a lock so two refreshes never interleave. Reads refresh first, so a tile is exact
at the time it is read; `test_summaries.py` compares them with the full computation after random
inserts, updates and late commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from yiwang.cases.models import Case
from yiwang.cases.models import Status as CaseStatus
from yiwang.evaluations.models import BAD_LEVELS, GOOD_LEVELS, Channel, Evaluation

from . import indicators as ind
from .models import DailyCount, Level, SummaryMark
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
ONLINE = ("online", "mobile")
RECEIVED = [s for s in CaseStatus.values if s != CaseStatus.DRAFT]
LOCK_KEY = 1_701_700_017  # pg_advisory_xact_lock: one refresh at a time


# --- recomputation from the records --------------------------------------------------------------
def _local_bounds(d: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(d, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


def _days_q(field: str, days: Iterable[date] | None, *, moment: bool = False) -> Q:
    if days is None:
        return Q()
    days = sorted(set(days))
    if not moment:
        return Q(**{f"{field}__in": days})
    q = Q(pk__in=[])
    for d in days:
        start, end = _local_bounds(d)
        q |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
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
    else:
        DailyCount.objects.filter(day__in=days).delete()
    rows = [
        DailyCount(day=k[0], region_id=k[1], department_id=k[2], **v)
        for k, v in cells.items()
        if any(v.values())
    ]
    DailyCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


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
    """Recompute the days the committed marks name; returns how many days. Cheap when none."""
    if not SummaryMark.objects.exists():
        return 0
    with transaction.atomic():
        _lock()
        days = _take_marks()
        if days:
            _write(sorted(days), compute(days))
    return len(days)


def rebuild() -> int:
    """Everything from the records (after a bulk load with the triggers disabled)."""
    with transaction.atomic():
        _lock()
        _take_marks()
        return _write(None, compute(None))


# --- reads ---------------------------------------------------------------------------------------
def _scope(unit) -> Q:
    if unit.kind == Level.DEPARTMENT:
        return Q(department_id=unit.pk)
    return Q(region__path__startswith=unit.path)


def supports(indicator: str, unit) -> bool:
    return indicator in SUMMARISED and unit.kind in SUMMARY_LEVELS


def totals(period: Period, unit, *, fresh: bool = True) -> dict[str, int]:
    """Σ of every counter over the period for the unit (one query)."""
    if fresh:
        refresh()
    agg = DailyCount.objects.filter(_scope(unit), day__gte=period.start, day__lte=period.end).aggregate(
        **{c: Sum(c) for c in COUNTERS}
    )
    return {k: v or 0 for k, v in agg.items()}


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
