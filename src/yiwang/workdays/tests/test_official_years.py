"""2025 and 2026 as published by the State Council (via the chinesecalendar package)."""

from datetime import date, timedelta

import pytest

from yiwang.workdays import selectors
from yiwang.workdays.selectors import DayInfo, DueDate, add_workdays, day_info, is_workday, workdays_between

pytestmark = pytest.mark.django_db


def _off(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def test_years_covered_by_the_package():
    assert selectors.year_status(2025) == "package"
    assert selectors.year_status(2026) == "package"
    assert selectors.year_status(2004) == "package"
    assert selectors.year_status(2027) == "provisional"


def test_2025_spring_festival_and_national_day():
    for d in _off(date(2025, 1, 28), date(2025, 2, 4)):
        assert not is_workday(d), d
    assert day_info(date(2025, 1, 28)) == DayInfo(workday=False, provisional=False, name="春节")
    # 调休上班: Sunday 26 January and Saturday 8 February.
    assert day_info(date(2025, 1, 26)) == DayInfo(workday=True, provisional=False, name="调休上班")
    assert is_workday(date(2025, 2, 8))
    # 国庆 + 中秋: 1–8 October off, Sunday 28 September and Saturday 11 October worked.
    for d in _off(date(2025, 10, 1), date(2025, 10, 8)):
        assert not is_workday(d), d
    assert day_info(date(2025, 10, 6)).name == "中秋节"
    assert day_info(date(2025, 10, 1)).name == "国庆节"
    assert is_workday(date(2025, 9, 28))
    assert is_workday(date(2025, 10, 11))
    assert not is_workday(date(2025, 10, 12))  # an ordinary Sunday
    assert day_info(date(2025, 3, 3)) == DayInfo(workday=True, provisional=False, name="")


def test_2026_notice_as_the_package_has_it():
    for d in _off(date(2026, 1, 1), date(2026, 1, 3)):
        assert not is_workday(d)
    assert is_workday(date(2026, 1, 4))  # Sunday, 调休上班
    for d in _off(date(2026, 2, 15), date(2026, 2, 23)):
        assert not is_workday(d), d
    assert day_info(date(2026, 2, 14)).name == "调休上班"
    assert is_workday(date(2026, 2, 28))
    for d in _off(date(2026, 5, 1), date(2026, 5, 5)):
        assert not is_workday(d)
    assert is_workday(date(2026, 5, 9))
    assert not is_workday(date(2026, 6, 19))  # 端午
    assert not is_workday(date(2026, 9, 25))  # 中秋
    for d in _off(date(2026, 10, 1), date(2026, 10, 7)):
        assert not is_workday(d)
    assert is_workday(date(2026, 9, 20))
    assert is_workday(date(2026, 10, 10))


def test_acceptance_day_never_counts():
    assert add_workdays(date(2025, 3, 3), 1) == DueDate(date=date(2025, 3, 4), provisional=False)
    assert add_workdays(date(2025, 3, 7), 1).date == date(2025, 3, 10)  # Friday -> Monday
    assert add_workdays(date(2025, 3, 8), 1).date == date(2025, 3, 10)  # accepted on a Saturday


def test_due_dates_across_spring_festival_2025():
    start = date(2025, 1, 24)  # Friday
    # Jan 26 (Sun, make-up) = 1, Jan 27 = 2, Jan 28–Feb 4 off, Feb 5 = 3, Feb 8 (Sat, make-up) = 6.
    assert add_workdays(start, 1).date == date(2025, 1, 26)
    assert add_workdays(start, 2).date == date(2025, 1, 27)
    assert add_workdays(start, 3).date == date(2025, 2, 5)
    assert add_workdays(start, 6).date == date(2025, 2, 8)
    assert add_workdays(start, 7).date == date(2025, 2, 10)


def test_due_dates_across_national_day_2025():
    start = date(2025, 9, 26)  # Friday
    assert add_workdays(start, 1).date == date(2025, 9, 28)
    assert add_workdays(start, 3).date == date(2025, 9, 30)
    assert add_workdays(start, 4).date == date(2025, 10, 9)
    assert add_workdays(start, 6).date == date(2025, 10, 11)
    assert add_workdays(start, 7).date == date(2025, 10, 13)
    # A 20-working-day limit accepted on 30 September 2025.
    assert add_workdays(date(2025, 9, 30), 20).date == date(2025, 11, 4)


def test_due_dates_across_spring_festival_2026():
    start = date(2026, 2, 13)  # Friday
    assert add_workdays(start, 1).date == date(2026, 2, 14)
    assert add_workdays(start, 2).date == date(2026, 2, 24)
    assert add_workdays(start, 6).date == date(2026, 2, 28)
    assert add_workdays(start, 7).date == date(2026, 3, 2)


def test_workdays_between_counts_the_half_open_interval():
    assert workdays_between(date(2025, 1, 24), date(2025, 2, 10)) == 7
    assert workdays_between(date(2025, 2, 10), date(2025, 2, 10)) == 0
    assert workdays_between(date(2025, 3, 7), date(2025, 3, 9)) == 0  # Friday to Sunday
    assert workdays_between(date(2025, 3, 7), date(2025, 3, 10)) == 1


def test_workdays_between_is_negative_when_overdue():
    assert workdays_between(date(2025, 2, 10), date(2025, 1, 24)) == -7
    assert workdays_between(date(2025, 10, 13), date(2025, 9, 26)) == -7
    assert workdays_between(date(2025, 3, 10), date(2025, 3, 7)) == -1


def test_add_workdays_and_workdays_between_agree_with_a_day_by_day_count():
    cal = selectors.calendar()
    day, end = date(2024, 12, 1), date(2026, 12, 31)
    brute = 0
    while day < end:
        day += timedelta(days=1)
        brute += cal.is_workday(day)
        assert cal.workdays_between(date(2024, 12, 1), day) == brute
    for start in (date(2024, 12, 30), date(2025, 1, 27), date(2025, 9, 27), date(2026, 2, 14)):
        for n in (1, 2, 5, 10, 20, 45, 60):
            due = cal.add_workdays(start, n)
            assert cal.workdays_between(start, due.date) == n
            assert cal.is_workday(due.date)


def test_add_workdays_rejects_zero():
    with pytest.raises(ValueError):
        add_workdays(date(2025, 1, 1), 0)


def test_provisional_only_when_a_provisional_day_is_examined():
    assert add_workdays(date(2026, 12, 30), 1) == DueDate(date=date(2026, 12, 31), provisional=False)
    # 2027-01-01 (元旦, Friday) lies in a year without a notice.
    assert add_workdays(date(2026, 12, 31), 1) == DueDate(date=date(2027, 1, 4), provisional=True)
    assert add_workdays(date(2025, 1, 1), 365).provisional is False
    assert add_workdays(date(2026, 6, 1), 365).provisional is True


class TestStops:
    """A stop from S to E removes the working days in (S, E]."""

    start = date(2025, 3, 3)  # Monday; 5 working days -> Monday 10 March

    def test_without_stops(self):
        assert selectors.due_date(start=self.start, days=5).date == date(2025, 3, 10)

    def test_start_day_counts_end_day_does_not(self):
        due = selectors.due_date(start=self.start, days=5, stops=[(date(2025, 3, 5), date(2025, 3, 6))])
        assert due.date == date(2025, 3, 11)

    def test_same_day_stop_costs_nothing(self):
        due = selectors.due_date(start=self.start, days=5, stops=[(date(2025, 3, 5), date(2025, 3, 5))])
        assert due.date == date(2025, 3, 10)

    def test_weekend_inside_a_stop_is_not_a_working_day_anyway(self):
        due = selectors.due_date(start=self.start, days=5, stops=[(date(2025, 3, 7), date(2025, 3, 10))])
        assert due.date == date(2025, 3, 11)

    def test_stop_over_a_holiday(self):
        # Stop 27 Jan -> 6 Feb 2025: of (Jan 27, Feb 6] only Feb 5 and Feb 6 are working days.
        due = selectors.due_date(
            start=date(2025, 1, 24), days=3, stops=[(date(2025, 1, 27), date(2025, 2, 6))]
        )
        assert due.date == date(2025, 2, 7)
        assert selectors.add_workdays(date(2025, 1, 24), 3 + 2).date == due.date

    def test_open_stop_is_refused(self):
        with pytest.raises(ValueError):
            selectors.due_date(start=self.start, days=5, stops=[(date(2025, 3, 5), None)])
