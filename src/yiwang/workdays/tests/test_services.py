"""Entering notices: validation, precedence over other sources, recompute, cache invalidation."""

from datetime import date

import pytest
from django.core.cache import cache

from yiwang.core.errors import ValidationFailed
from yiwang.core.models import Revision
from yiwang.workdays import selectors, services
from yiwang.workdays.models import CALENDAR_REVISION, CalendarDay, CalendarNotice

pytestmark = pytest.mark.django_db

# A made-up notice for 2027, for tests only (the real one is not published yet): 春节 Feb 5–11
# off with make-up Saturdays Jan 30 and Feb 20.
TEST_2027 = [
    (date(2027, 1, 1), False, "元旦"),
    (date(2027, 1, 30), True, "调休上班"),
    (date(2027, 2, 5), False, "春节"),
    (date(2027, 2, 8), False, "春节"),
    (date(2027, 2, 9), False, "春节"),
    (date(2027, 2, 10), False, "春节"),
    (date(2027, 2, 11), False, "春节"),
    (date(2027, 2, 20), True, "调休上班"),
]


def enter_2027(days=TEST_2027, **kw):
    return services.calendar_notice_enter(year=2027, title="测试用放假安排通知", days=list(days), **kw)


def test_entering_a_notice_switches_the_year_to_notice(recompute_calls):
    assert selectors.year_status(2027) == "provisional"
    assert not selectors.is_workday(date(2027, 1, 30))
    notice = enter_2027(document_number="测试〔2026〕1号", published_on=date(2026, 11, 20))
    assert notice.year == 2027 and notice.days.count() == len(TEST_2027)
    assert selectors.year_status(2027) == "notice"
    assert selectors.day_info(date(2027, 1, 30)) == selectors.DayInfo(
        workday=True, provisional=False, name="调休上班"
    )
    assert not selectors.is_workday(date(2027, 2, 11))
    # The weekend substitutes of the provisional calendar are gone: the notice is the whole truth.
    assert selectors.is_workday(date(2027, 5, 3))
    assert selectors.provisional_years(today=date(2026, 11, 25)) == []


def test_recompute_is_called_with_the_year(recompute_calls):
    notice = enter_2027()
    assert recompute_calls == [{"years": {2027}, "reason": "录入2027年放假安排通知"}]
    assert notice.recomputed_cases == 3


def test_entering_changes_due_dates_and_clears_provisional(recompute_calls):
    before = selectors.add_workdays(date(2027, 2, 4), 1)
    assert before == selectors.DueDate(date=date(2027, 2, 11), provisional=True)
    enter_2027()
    after = selectors.add_workdays(date(2027, 2, 4), 1)
    assert after == selectors.DueDate(date=date(2027, 2, 12), provisional=False)
    assert selectors.add_workdays(date(2027, 1, 29), 1).date == date(2027, 1, 30)


def test_no_stale_results_after_entry(recompute_calls):
    """The year table is cached (shared cache + process memo) and must not outlive the notice."""
    start = date(2027, 1, 29)  # Friday
    assert selectors.add_workdays(start, 1).date == date(2027, 2, 1)
    key = selectors._cache_key(2027, selectors.current_revision())
    assert cache.get(key) is not None  # the provisional table was shared
    enter_2027()
    # Same process (warm memo), then a "new process" (memo cleared, cache warm).
    assert selectors.add_workdays(start, 1).date == date(2027, 1, 30)
    selectors.clear_local_memo()
    assert selectors.add_workdays(start, 1).date == date(2027, 1, 30)
    assert selectors.year_status(2027) == "notice"


def test_replacing_a_notice_invalidates_again(recompute_calls):
    enter_2027()
    assert selectors.is_workday(date(2027, 1, 30))
    token = selectors.current_revision()
    enter_2027(days=[d for d in TEST_2027 if d[0] != date(2027, 1, 30)])
    assert selectors.current_revision() != token
    assert not selectors.is_workday(date(2027, 1, 30))
    assert CalendarNotice.objects.count() == 1
    assert CalendarDay.objects.count() == len(TEST_2027) - 1


def test_a_failed_entry_changes_nothing(recompute_with):
    def broken(**kwargs):
        raise RuntimeError("recompute failed")

    recompute_with(broken)
    assert not selectors.is_workday(date(2027, 1, 30))
    token = selectors.current_revision()
    with pytest.raises(RuntimeError):
        enter_2027()
    assert CalendarNotice.objects.count() == 0
    assert selectors.current_revision() == token
    assert selectors.year_status(2027) == "provisional"
    assert not selectors.is_workday(date(2027, 1, 30))


def test_a_notice_overrides_the_package(recompute_calls):
    assert not selectors.is_workday(date(2026, 10, 7))
    services.calendar_notice_enter(
        year=2026,
        title="勘误测试",
        days=[(date(2026, 10, 1), False, "国庆节"), (date(2026, 10, 2), False, "国庆节")],
    )
    assert selectors.year_status(2026) == "notice"
    assert selectors.is_workday(date(2026, 10, 7))
    assert not selectors.is_workday(date(2026, 10, 2))


def test_deleting_a_notice_falls_back(recompute_calls):
    notice = enter_2027()
    assert selectors.year_status(2027) == "notice"
    assert services.calendar_notice_delete(notice=notice) == 3
    assert selectors.year_status(2027) == "provisional"
    assert recompute_calls[-1] == {"years": {2027}, "reason": "删除2027年放假安排通知"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"days": [(date(2026, 12, 31), False, "元旦")]}, "days"),
        ({"days": [(date(2027, 1, 1), False, "元旦"), (date(2027, 1, 1), False, "元旦")]}, "days"),
        ({"title": "  "}, "title"),
        ({"year": 1999, "days": []}, "year"),
    ],
)
def test_validation(recompute_calls, kwargs, field):
    args = {"year": 2027, "title": "测试", "days": TEST_2027} | kwargs
    with pytest.raises(ValidationFailed) as err:
        services.calendar_notice_enter(**args)
    assert field in err.value.fields
    assert err.value.status == 422
    assert CalendarNotice.objects.count() == 0
    assert recompute_calls == []
    assert not Revision.objects.filter(pk=CALENDAR_REVISION).exists()


def test_an_empty_notice_means_plain_monday_to_friday(recompute_calls):
    services.calendar_notice_enter(year=2027, title="测试", days=[])
    assert selectors.year_status(2027) == "notice"
    assert selectors.is_workday(date(2027, 1, 1))
