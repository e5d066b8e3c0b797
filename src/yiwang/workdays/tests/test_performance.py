"""Due-date arithmetic is on every case page: it must not query per day."""

from datetime import date

import pytest

from yiwang.workdays import selectors

pytestmark = pytest.mark.django_db


def test_add_workdays_365_with_a_warm_cache(django_assert_max_num_queries):
    start = date(2026, 6, 1)  # spans 2026 (package) and 2027 (provisional)
    expected = selectors.add_workdays(start, 365)  # fills the shared cache
    selectors.clear_local_memo()  # as another process would start
    with django_assert_max_num_queries(2):  # revision token + one cache read
        assert selectors.add_workdays(start, 365) == expected
    with django_assert_max_num_queries(1):  # memo warm: the revision token only
        assert selectors.add_workdays(start, 365) == expected
    with django_assert_max_num_queries(1):
        assert selectors.workdays_between(start, expected.date) == 365


def test_cold_cache_does_not_grow_with_n(django_assert_max_num_queries):
    # Cold: token, cache read, notices, token re-check, then the cache writes of two years.
    with django_assert_max_num_queries(15):
        due = selectors.add_workdays(date(2026, 6, 1), 365)
    assert due.provisional is True


def test_one_snapshot_for_many_cases(django_assert_max_num_queries):
    selectors.add_workdays(date(2025, 1, 1), 365)
    with django_assert_max_num_queries(1):
        cal = selectors.calendar()
        results = [cal.add_workdays(date(2025, 1, 1), n) for n in range(1, 366)]
        lefts = [cal.workdays_between(date(2025, 6, 1), r.date) for r in results]
    assert results[0].date == date(2025, 1, 2)
    assert lefts[-1] > 0
