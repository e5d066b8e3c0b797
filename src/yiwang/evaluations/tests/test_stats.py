"""Statistics on a fixed data set; the expected values are computed by hand (docs/evaluations.md)."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from yiwang.cases.models import Case
from yiwang.evaluations import selectors, services
from yiwang.evaluations.models import WorkOrder

from .conftest import case_for

NOV2 = date(2026, 11, 2)


def at(d: date, hour=10):
    return timezone.make_aware(datetime(d.year, d.month, d.day, hour))


def rating(world, case, *, level, stage="complete", anonymous=False, channel="web", on=NOV2):
    return services._create(
        case=case,
        stage=stage,
        level=level,
        channel=channel,
        rater=world.citizen,
        anonymous=anonymous,
        entered_by=world.supervisor if channel == "hotline" else None,
        at=at(on),
    )


def step(order, user, action, on, **kw):
    order = WorkOrder.objects.select_related("evaluation", "region").get(pk=order.pk)
    return services.order_apply_action(order=order, actor=user, action=action, on=on, note="处理", **kw)


def handle(world, ev, *, on):
    o = ev.work_order
    step(o, world.dept_admin, "verify", NOV2)
    step(o, world.dept_admin, "assign", NOV2)
    return step(o, world.dept_admin, "dispose", on, disposal="fixed")


@pytest.fixture
def data(world):
    """c1 1 · c2 2 (+ accept stage 3) · c3 4 real-name, handled in time, revisited · c4 5 anonymous,
    handled late · c5 5 real-name, not handled · c6 4, appeal accepted (excluded) · c7 3 by 12345 ·
    c8 completed, not rated. c1 is rated and completed in October, the rest in November."""
    cs = [case_for(world) for _ in range(8)]
    for c in cs:
        Case.objects.filter(pk=c.pk).update(completed_at=at(NOV2, 9))
    Case.objects.filter(pk=cs[0].pk).update(completed_at=at(date(2026, 10, 20), 9))
    rating(world, cs[0], level="1", on=date(2026, 10, 20))
    rating(world, cs[1], level="2")
    rating(world, cs[1], level="3", stage="accept")
    e3 = rating(world, cs[2], level="4")
    handle(world, e3, on=date(2026, 11, 9))  # due 9 Nov: in time
    step(e3.work_order, world.citizen, "revisit", date(2026, 11, 10), result="basically")
    e4 = rating(world, cs[3], level="5", anonymous=True)
    handle(world, e4, on=date(2026, 11, 10))  # one working day late
    rating(world, cs[4], level="5")
    e6 = rating(world, cs[5], level="4")
    step(e6.work_order, world.dept_admin, "verify", NOV2)
    step(e6.work_order, world.dept_admin, "appeal", NOV2)
    step(e6.work_order, world.supervisor, "appeal_accept", NOV2)
    rating(world, cs[6], level="3", channel="hotline")
    return cs


def test_indicators_on_the_fixed_data_set(world, data):
    out = selectors.stats(f=selectors.StatsFilter())
    c = out["counts"]
    assert (c["ratings"], c["satisfied"], c["bad"], c["excluded"]) == (7, 4, 3, 1)
    assert (c["bad_handled"], c["bad_timely"], c["bad_real_name"], c["bad_real_name_revisited"]) == (
        2,
        1,
        2,
        1,
    )
    assert (c["cases_completed"], c["cases_rated"]) == (8, 6)
    assert out["indicators"] == {
        "satisfaction_rate": round(4 / 7, 4),  # 0.5714
        "bad_rate": round(3 / 7, 4),  # 0.4286
        "bad_timely_rate": round(1 / 3, 4),
        "bad_rectified_rate": round(2 / 3, 4),
        "real_name_revisit_rate": 0.5,
        "active_rate": 0.75,
    }


def test_period_and_groups(world, data):
    nov = selectors.StatsFilter(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
    out = selectors.stats(f=nov, group_by="department")
    assert (out["counts"]["ratings"], out["counts"]["satisfied"]) == (6, 3)
    assert out["indicators"]["satisfaction_rate"] == 0.5
    assert out["indicators"]["active_rate"] == round(5 / 7, 4)
    [g] = out["groups"]
    assert g["id"] == world.dept.pk and g["name"] == world.dept.name and g["counts"] == out["counts"]
    staff = selectors.stats(f=selectors.StatsFilter(staff_id=world.clerk.pk), group_by="window")
    assert staff["counts"]["ratings"] == 7 and staff["indicators"]["active_rate"] is None
    assert [g["name"] for g in staff["groups"]] == ["武汉市民之家 1号窗口"]
    other = selectors.stats(f=selectors.StatsFilter(department_ids=[world.dept2.pk]))
    assert other["counts"]["ratings"] == 0 and other["indicators"]["satisfaction_rate"] is None


def test_stats_query_count_does_not_grow_with_groups(world, data, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        selectors.stats(f=selectors.StatsFilter(), group_by="item")
