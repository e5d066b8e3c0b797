"""Incremental summaries (summaries.py) stay exact: after random inserts, updates (bulk `UPDATE`s
that no Django signal sees), deletions, records dated back into closed months, and — on
PostgreSQL — a transaction that commits after a refresh, every summarised value equals the full
computation from the records, and both summary tables — the day cells and the month × district ×
department rollup — equal a full recomputation. Periods mix whole months (read from the rollup)
with weeks and days across month ends (read from the day cells); units include a street (day
cells only) and a second district."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from yiwang.cases.models import Case
from yiwang.evaluations.models import Evaluation, WorkOrder
from yiwang.organizations.models import Region
from yiwang.supervision import indicators as ind
from yiwang.supervision import summaries
from yiwang.supervision.models import DailyCount, Level, MonthCount
from yiwang.supervision.periods import period_parse

from .conftest import TZ, make_case, make_order, make_rating

PERIODS = (
    "2026-Q3",
    "2026-Q2",
    "2026-06",
    "2026-07",
    "2026-W27",  # 06-29 … 07-05: across a month end, day cells only
    "2026-W36",  # 08-31 … 09-06
    "2026-07-01",
)


def _streets(world) -> tuple[Region, Region]:
    """A street of the world's district and a second district with a street (the world has only
    the city and one district): records filed there are rolled up into their district."""
    street = Region.objects.get_or_create(
        code="420102001", defaults={"name": "大智街道", "level": "street", "parent": world.district}
    )[0]
    other = Region.objects.get_or_create(
        code="420103", defaults={"name": "江汉区", "level": "district", "parent": world.city}
    )[0]
    other_street = Region.objects.get_or_create(
        code="420103001", defaults={"name": "民族街道", "level": "street", "parent": other}
    )[0]
    return street, other_street


def _units(world) -> list[ind.Unit]:
    out = [
        ind.unit_get(f"city:{world.city.code}"),
        ind.unit_get(f"district:{world.district.code}"),
        ind.unit_get(f"department:{world.dept.uscc}"),
        ind.unit_get(f"department:{world.dept2.uscc}"),
    ]
    if Region.objects.filter(code="420103").exists():
        out += [ind.unit_get("district:420103"), ind.unit_get("street:420102001")]
    return out


def expected_rollup() -> dict[tuple, dict[str, int]]:
    """The month × district × department cells summed from a full recomputation of the day cells,
    the district found by walking up the parents (not by the path the code uses)."""

    def district_of(region_id: int) -> int:
        r = Region.objects.filter(pk=region_id).first()
        while r is not None:
            if r.level == "district":
                return r.pk
            r = r.parent
        return region_id

    out: dict[tuple, dict[str, int]] = {}
    for (day, region, dept), counters in summaries.compute(None).items():
        cell = out.setdefault(
            (day.replace(day=1), district_of(region), dept), dict.fromkeys(summaries.COUNTERS, 0)
        )
        for c, v in counters.items():
            cell[c] += v
    return {k: v for k, v in out.items() if any(v.values())}


def stored_rollup() -> dict[tuple, dict[str, int]]:
    return {
        (r.month, r.region_id, r.department_id): {c: getattr(r, c) for c in summaries.COUNTERS}
        for r in MonthCount.objects.all()
    }


def assert_exact(world) -> int:
    checked = 0
    for label in PERIODS:
        period = period_parse(label)
        for unit in _units(world):
            sums = summaries.totals(period, unit)
            for code in summaries.SUMMARISED:
                i = ind.REGISTRY[code]
                full = ind.value_compute(i, period, unit)
                fast = summaries.value(i, period, unit, sums)
                assert (fast.numerator, fast.denominator, fast.value) == (
                    full.numerator,
                    full.denominator,
                    full.value,
                ), (label, unit.key, code)
                checked += 1
            late = ind.DEDUCTION_QUERIES["completed_late"].value(period, unit)
            assert summaries.late_completions(period, unit, sums) == late
    # the table itself equals a recomputation of every day
    stored = {
        (r.day, r.region_id, r.department_id): {c: getattr(r, c) for c in summaries.COUNTERS}
        for r in DailyCount.objects.all()
    }
    assert stored == {k: v for k, v in summaries.compute(None).items() if any(v.values())}
    # and the rollup equals the recomputed day cells summed per month and district
    assert stored_rollup() == expected_rollup()
    return checked


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    # edges of the local day on purpose: 00:00–00:59 and 23:00–23:59 local are the other UTC day
    hour = rng.choice([0, 0, 7, 9, 12, 16, 23, 23])
    return dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)), tzinfo=TZ)


def _random_day(rng: random.Random) -> dt.date:
    return dt.date(2026, 6, 1) + dt.timedelta(days=rng.randint(0, 121))


def random_changes(world, rng: random.Random, n: int) -> None:
    items = [world.item, world.item_immediate, world.item2]
    regions = [world.city, world.district, *Region.objects.filter(level="street").order_by("code")]
    for k in range(n):
        op = rng.random()
        if op < 0.35:  # a new case, any state
            received = _random_day(rng)
            status = rng.choice(["completed", "completed", "accepted", "draft", "withdrawn"])
            done = (
                _moment(rng, received + dt.timedelta(days=rng.randint(0, 9)))
                if status == "completed"
                else None
            )
            make_case(
                world,
                ref=f"R{k}",
                item=rng.choice(items),
                region=rng.choice(regions),
                channel=rng.choice(["online", "mobile", "window", "kiosk"]),
                status=status,
                received=None if status == "draft" else received,
                due=rng.choice([None, received + dt.timedelta(days=rng.randint(0, 8))]),
                completed=done,
            )
        elif op < 0.55:  # a bulk UPDATE completing, re-dating or moving a case (no signal fires)
            case = Case.objects.order_by("?").first()
            change = rng.choice(["complete", "redate", "move", "reopen"])
            if change == "complete":
                Case.objects.filter(pk=case.pk).update(
                    status="completed", completed_at=_moment(rng, _random_day(rng))
                )
            elif change == "redate":
                Case.objects.filter(pk=case.pk).update(received_on=_random_day(rng))
            elif change == "move":
                Case.objects.filter(pk=case.pk).update(region=rng.choice(regions), channel="online")
            else:
                Case.objects.filter(pk=case.pk).update(status="accepted", completed_at=None)
        elif op < 0.75:  # a rating, some by the hotline, some excluded, bad ones with an order
            case = (
                Case.objects.filter(received_on__isnull=False)
                .exclude(Exists(Evaluation.objects.filter(case=OuterRef("pk"), stage="complete")))
                .order_by("?")
                .first()
            )
            if case is None:
                continue
            level = rng.choice("11234455")
            r = make_rating(
                world,
                case=case,
                stage="complete",
                level=level,
                channel=rng.choice(["web", "mobile", "hotline"]),
                on=_random_day(rng),
                anonymous=rng.random() < 0.3,
                excluded=rng.random() < 0.1,
            )
            if level in "45":
                due = r.rated_on + dt.timedelta(days=5)
                make_order(r, due=due)
        elif op < 0.9:  # a work order handled late or in time, revisited; or re-dated
            order = WorkOrder.objects.order_by("?").first()
            if order is None:
                continue
            handled = order.received_on + dt.timedelta(days=rng.randint(0, 9))
            WorkOrder.objects.filter(pk=order.pk).update(
                handled_on=handled, revisited_on=handled if rng.random() < 0.5 else None
            )
        elif op < 0.95:  # an appeal accepted: the rating is excluded
            Evaluation.objects.filter(pk=Evaluation.objects.order_by("?").values("pk")[:1]).update(
                excluded=True
            )
        else:  # a rating without an order deleted
            Evaluation.objects.filter(work_order__isnull=True).order_by("?").first().delete()


def test_summaries_equal_the_full_computation(dataset):
    world = dataset.world
    _streets(world)
    summaries.rebuild()
    assert assert_exact(world) > 100
    rng = random.Random(17)
    for _round in range(4):
        random_changes(world, rng, 40)
        assert assert_exact(world) > 100
    # a street's records count in its district's rollup cells, never in another district's
    street_rows = DailyCount.objects.filter(region__level="street")
    assert street_rows.exists()
    assert not MonthCount.objects.filter(region__level="street").exists()
    assert MonthCount.objects.filter(region__code="420103").exists()
    # the refreshed tables are the tables a rebuild from scratch makes
    days, months = dict(_day_table()), stored_rollup()
    summaries.rebuild()
    assert dict(_day_table()) == days and stored_rollup() == months


def _day_table():
    for r in DailyCount.objects.all():
        yield (r.day, r.region_id, r.department_id), {c: getattr(r, c) for c in summaries.COUNTERS}


def test_periods_split_into_whole_months_and_other_days():
    months, days = summaries.split(period_parse("2026-Q3"))
    assert months == [dt.date(2026, 7, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1)] and days == []
    months, days = summaries.split(period_parse("2026-W27"))
    assert months == [] and days == [dt.date(2026, 6, 29) + dt.timedelta(days=n) for n in range(7)]
    assert summaries.month_end(dt.date(2028, 2, 1)) == dt.date(2028, 2, 29)
    assert summaries._runs(
        [dt.date(2026, 7, 3), dt.date(2026, 7, 1), dt.date(2026, 7, 2), dt.date(2026, 7, 9)]
    ) == [
        (dt.date(2026, 7, 1), dt.date(2026, 7, 3)),
        (dt.date(2026, 7, 9), dt.date(2026, 7, 9)),
    ]


def test_rebuild_goes_month_by_month(dataset, monkeypatch):
    """The rebuild computes one month at a time (memory bounded by a month's cells), and the
    result is the full recomputation."""
    seen: list[list[dt.date]] = []
    compute = summaries.compute

    def spy(days=None):
        seen.append(sorted(days) if days is not None else None)
        return compute(days)

    monkeypatch.setattr(summaries, "compute", spy)
    summaries.rebuild()
    assert seen and None not in seen
    assert all(len({d.replace(day=1) for d in days}) == 1 for days in seen)
    monkeypatch.setattr(summaries, "compute", compute)
    assert stored_rollup() == expected_rollup()


def test_refresh_consumes_marks_and_dashboard_reads_summaries(dataset):
    from yiwang.supervision import selectors
    from yiwang.supervision.models import SummaryMark

    world = dataset.world
    assert SummaryMark.objects.exists()  # the data set's inserts were marked by the triggers
    summaries.refresh()
    assert not SummaryMark.objects.exists() and DailyCount.objects.exists()
    city = ind.unit_get(f"city:{world.city.code}")
    tiles = {t["code"]: t for t in selectors.tiles(period=period_parse("2026-Q3"), unit=city)}
    full = ind.value_compute(ind.REGISTRY["on_time_completion_rate"], period_parse("2026-Q3"), city)
    assert tiles["on_time_completion_rate"]["value"] == full.value
    assert tiles["on_time_completion_rate"]["denominator"] == full.denominator
    # a case completed now is in the next read (the read refreshes the marked days)
    Case.objects.filter(pk=dataset.cases["C5"].pk).update(
        status="completed", completed_at=dt.datetime(2026, 9, 5, 10, tzinfo=TZ)
    )
    again = {t["code"]: t for t in selectors.tiles(period=period_parse("2026-Q3"), unit=city)}
    assert again["on_time_completion_rate"]["denominator"] == full.denominator + 1
    assert selectors.trend(unit=city, months=3, until=dt.date(2026, 9, 30))["series"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: no late commit")
@pytest.mark.django_db(transaction=True)
def test_a_late_commit_is_counted(world):
    """A transaction holding a case completed in July commits after a refresh ran: its marks stay
    for the next refresh, which counts it."""
    from .conftest import build_dataset

    build_dataset(world)
    summaries.rebuild()
    started, go_on, done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def late_writer():
        try:
            with transaction.atomic():
                make_case(
                    world,
                    ref="LATE",
                    item=world.item,
                    region=world.district,
                    channel="online",
                    status="completed",
                    received=dt.date(2026, 7, 1),
                    due=dt.date(2026, 7, 3),
                    completed=dt.datetime(2026, 7, 2, 23, 30, tzinfo=TZ),
                )
                started.set()
                go_on.wait(30)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()
            done.set()

    t = threading.Thread(target=late_writer)
    t.start()
    assert started.wait(30)
    # meanwhile: other changes, and a refresh that cannot see the open transaction
    Case.objects.filter(pk=Case.objects.filter(status="accepted").first().pk).update(
        status="completed", completed_at=dt.datetime(2026, 7, 2, 11, tzinfo=TZ)
    )
    summaries.refresh()
    july = period_parse("2026-07")
    district = ind.unit_get(f"district:{world.district.code}")
    before = summaries.totals(july, district)["completed"]
    go_on.set()
    assert done.wait(30) and not errors
    t.join()
    after = summaries.totals(july, district)
    assert after["completed"] == before + 1
    assert assert_exact(world) > 100
    assert (
        ind.value_compute(ind.REGISTRY["on_time_completion_rate"], july, district).denominator
        == after["completed"]
    )
    assert district.kind == Level.DISTRICT
