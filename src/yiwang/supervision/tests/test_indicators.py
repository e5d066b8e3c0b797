"""Each indicator on the fixed data set of conftest.py (2026-Q3), with hand-computed values.

Completed in Q3: C1, C2, C3, C4, C6 (C7 completes in October; C5 is open). Received in Q3: C1–C5, C7
(C6 was received in June). Ratings counted: E1–E5 (E6's appeal was accepted). Bad: E2, E3, E5."""

from __future__ import annotations

import pytest

from yiwang.supervision import indicators as ind
from yiwang.supervision.periods import period_parse

Q3 = period_parse("2026-Q3")

# indicator: [(unit, numerator, denominator, value)]
TABLE = {
    # online/mobile and no visit: C3 of 5 completed
    "online_full_process_rate": [("city", 1, 5, 0.2), ("district", 1, 2, 0.5), ("dept", 1, 4, 0.25)],
    # C1, C3, C5 of 6 received
    "online_application_rate": [("city", 3, 6, 0.5), ("district", 1, 2, 0.5), ("dept2", 1, 2, 0.5)],
    # C1, C3 of 5 completed
    "online_completion_rate": [("city", 2, 5, 0.4), ("dept", 2, 4, 0.5), ("dept2", 0, 1, 0.0)],
    # visits 1 + 1 + 0 + 1 + 1 over 5
    "onsite_visits": [("city", 4, 5, 0.8), ("district", 1, 2, 0.5)],
    # C2 completed a day late; C6 at 23:30 on its due date is on time
    "on_time_completion_rate": [
        ("city", 4, 5, 0.8),
        ("district", 1, 2, 0.5),
        ("dept", 3, 4, 0.75),
        ("dept2", 1, 1, 1.0),
        ("hall", 4, 5, 0.8),
    ],
    # promised 5 + 1 + 10 over statutory 20 × 3
    "promise_compression_ratio": [
        ("city", 16, 60, 0.7333),
        ("dept", 6, 40, 0.85),
        ("dept2", 10, 20, 0.5),
        ("district", 0, 0, None),
    ],
    "immediate_item_share": [("city", 1, 3, 0.3333), ("dept", 1, 2, 0.5), ("dept2", 0, 1, 0.0)],
    # B1 (3 + 2) and B2 (1 + 0) saved of 10 + 6
    "material_reduction_rate": [("city", 6, 16, 0.375)],
    "visit_reduction_rate": [("city", 5, 6, 0.8333)],
    # E1, E4 of E1–E5
    "satisfaction_rate": [("city", 2, 5, 0.4), ("district", 0, 2, 0.0), ("dept2", 1, 1, 1.0)],
    # E2 handled in time of E2, E3, E5
    "bad_review_timely_rate": [("city", 1, 3, 0.3333), ("district", 1, 2, 0.5)],
    # E2, E3 handled
    "bad_review_rectified_rate": [("city", 2, 3, 0.6667), ("dept", 2, 3, 0.6667)],
    # real-name bad: E2 (revisited), E5
    "real_name_revisit_rate": [("city", 1, 2, 0.5), ("district", 1, 1, 1.0)],
    # C1, C2, C3, C6 rated by the applicant; C4 only through the hotline
    "proactive_rating_rate": [("city", 4, 5, 0.8), ("dept2", 0, 1, 0.0)],
    # approved cases of the licence item: C1 (issued), C2 (not)
    "license_collection_rate": [("city", 1, 2, 0.5), ("district", 0, 1, 0.0)],
    # C1, C3 used a licence, of 6 received
    "license_use_rate": [("city", 2, 6, 0.3333), ("district", 1, 2, 0.5)],
    # (10 + 30 + 5) / 3; district hall 5; city hall (10 + 30) / 2
    "average_queue_wait": [("city", 45, 3, 15.0), ("district", 5, 1, 5.0), ("hall", 40, 2, 20.0)],
}


def _unit(world, name: str) -> ind.Unit:
    return {
        "city": lambda: ind.unit_get(f"city:{world.city.code}"),
        "district": lambda: ind.unit_get(f"district:{world.district.code}"),
        "dept": lambda: ind.unit_get(f"department:{world.dept.uscc}"),
        "dept2": lambda: ind.unit_get(f"department:{world.dept2.uscc}"),
        "hall": lambda: ind.unit_get(f"hall:{world.hall.code or world.hall.pk}"),
    }[name]()


def test_every_indicator_has_a_table():
    assert set(TABLE) == set(ind.REGISTRY)


@pytest.mark.parametrize("code", sorted(TABLE))
def test_indicator_values(dataset, code):
    world = dataset.world
    indicator = ind.REGISTRY[code]
    for unit_name, num, den, value in TABLE[code]:
        v = ind.value_compute(indicator, Q3, _unit(world, unit_name))
        assert (v.numerator, v.denominator, v.value) == (num, den, value), (code, unit_name)


def test_drill_down_lists_the_records_counted(dataset):
    world, c = dataset.world, dataset.cases
    on_time = ind.REGISTRY["on_time_completion_rate"]
    city = _unit(world, "city")
    den = ind.records(on_time, Q3, city, "denominator")
    num = ind.records(on_time, Q3, city, "numerator")
    assert {x.number for x in den} == {c[k].number for k in ("C1", "C2", "C3", "C4", "C6")}
    assert {x.number for x in num} == {c[k].number for k in ("C1", "C3", "C4", "C6")}
    out = ind.record_out(on_time, "denominator", den[0])
    assert out["kind"] == "case" and out["ref"] == den[0].number and "department" in out
    bad = ind.REGISTRY["real_name_revisit_rate"]
    assert [
        r["ref"]
        for r in (ind.record_out(bad, "numerator", x) for x in ind.records(bad, Q3, city, "numerator"))
    ] == [c["C2"].number]


def test_levels_an_indicator_is_not_computed_for_are_refused(dataset):
    from yiwang.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        ind.value_compute(ind.REGISTRY["material_reduction_rate"], Q3, _unit(dataset.world, "dept"))
    with pytest.raises(ValidationFailed):
        ind.value_compute(ind.REGISTRY["average_queue_wait"], Q3, _unit(dataset.world, "dept"))


def test_period_parsing():
    assert (period_parse("2026-Q3").start.isoformat(), period_parse("2026-Q3").end.isoformat()) == (
        "2026-07-01",
        "2026-09-30",
    )
    assert period_parse("2026-W01").start.isoformat() == "2025-12-29"
    assert period_parse("2026-02").end.isoformat() == "2026-02-28"
    assert period_parse("2026-11-20").kind == "day"
    from yiwang.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        period_parse("2026-Q5")
