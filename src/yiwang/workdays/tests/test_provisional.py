"""Years without a notice: 《全国年节及纪念日放假办法》 (2024 revision)."""

from datetime import date, timedelta

import pytest
from lunardate import LunarDate

from yiwang.workdays import selectors
from yiwang.workdays.selectors import day_info, is_workday, statutory_holidays

pytestmark = pytest.mark.django_db


def _solar(lunar: LunarDate) -> date:
    return (getattr(lunar, "to_solar_date", None) or lunar.toSolarDate)()


def test_2027_is_provisional():
    assert selectors.year_status(2027) == "provisional"
    assert day_info(date(2027, 3, 1)).provisional is True
    assert day_info(date(2026, 3, 2)).provisional is False


def test_2027_eve_is_the_29th_of_the_12th_month():
    eve = _solar(LunarDate(2027, 1, 1)) - timedelta(days=1)
    assert eve == date(2027, 2, 5)
    lunar = (getattr(LunarDate, "from_solar_date", None) or LunarDate.fromSolarDate)(2027, 2, 5)
    assert (lunar.year, lunar.month, lunar.day) == (2026, 12, 29)  # 腊月廿九 (no 三十 that year)


def test_2027_statutory_holidays():
    holidays = statutory_holidays(2027)
    assert holidays[date(2027, 1, 1)] == "元旦"
    assert [d for d, n in sorted(holidays.items()) if n == "春节"] == [
        date(2027, 2, 5),
        date(2027, 2, 6),
        date(2027, 2, 7),
        date(2027, 2, 8),
    ]
    assert holidays[date(2027, 4, 5)] == "清明节"
    assert holidays[date(2027, 6, 9)] == "端午节"
    assert holidays[date(2027, 9, 15)] == "中秋节"
    assert {d for d, n in holidays.items() if n == "国庆节"} == {date(2027, 10, d) for d in (1, 2, 3)}
    assert len(holidays) == 13


def test_2027_weekend_holidays_give_the_next_weekdays_off():
    # 元旦 is a Friday: nothing moves; Monday 4 January is a working day.
    assert not is_workday(date(2027, 1, 1))
    assert is_workday(date(2027, 1, 4))
    # 春节: Fri 5 – Mon 8 Feb; Sat 6 and Sun 7 give Tue 9 and Wed 10 (Mon 8 is 初三 itself).
    for d in (5, 6, 7, 8, 9, 10):
        assert not is_workday(date(2027, 2, d)), d
    assert day_info(date(2027, 2, 9)).name == "春节（补休）"
    assert is_workday(date(2027, 2, 11))
    # 劳动节 on Saturday and Sunday -> Monday 3 and Tuesday 4 May off.
    assert not is_workday(date(2027, 5, 3))
    assert not is_workday(date(2027, 5, 4))
    assert is_workday(date(2027, 5, 5))
    # 国庆: Fri 1, Sat 2, Sun 3 -> Mon 4 and Tue 5 off.
    assert not is_workday(date(2027, 10, 4))
    assert not is_workday(date(2027, 10, 5))
    assert is_workday(date(2027, 10, 6))
    # Weekday festivals.
    assert day_info(date(2027, 4, 5)).name == "清明节"
    assert not is_workday(date(2027, 6, 9))
    assert not is_workday(date(2027, 9, 15))


def test_no_make_up_days_are_invented():
    cal = selectors.calendar()
    day = date(2027, 1, 1)
    while day.year == 2027:
        if day.weekday() >= 5:
            assert not cal.is_workday(day), day
        day += timedelta(days=1)
    # 261 weekdays; off on weekdays: Jan 1, Feb 5, 8, 9, 10, Apr 5, May 3, 4, Jun 9, Sep 15,
    # Oct 1, 4, 5 (13 days).
    assert cal.workdays_between(date(2026, 12, 31), date(2027, 12, 31)) == 261 - 13
    off_weekdays = [d for d, (w, _n) in cal.year(2027).days.items() if not w and d.weekday() < 5]
    weekdays = sum(1 for i in range(365) if (date(2027, 1, 1) + timedelta(days=i)).weekday() < 5)
    assert cal.workdays_between(date(2026, 12, 31), date(2027, 12, 31)) == weekdays - len(off_weekdays)


def test_due_date_across_provisional_spring_festival():
    due = selectors.add_workdays(date(2027, 2, 4), 1)
    assert due.date == date(2027, 2, 11)
    assert due.provisional is True


def test_saturday_new_year_moves_to_monday_2028():
    assert date(2028, 1, 1).weekday() == 5
    assert not is_workday(date(2028, 1, 3))
    assert day_info(date(2028, 1, 3)).name == "元旦（补休）"
    assert is_workday(date(2028, 1, 4))


def test_mid_autumn_on_national_day_is_one_day_off_2028():
    # 中秋 2028 falls on 3 October: one day off, not two; Sunday 1 October moves to Wednesday 4.
    assert statutory_holidays(2028)[date(2028, 10, 3)] == "中秋节、国庆节"
    assert not is_workday(date(2028, 10, 4))
    assert is_workday(date(2028, 10, 5))


def test_eve_on_saturday_2030():
    # 除夕 2030 is Saturday 2 February: Sat 2 and Sun 3 give Wed 6 and Thu 7 (Mon 4, Tue 5 are 春节).
    for d in range(2, 8):
        assert not is_workday(date(2030, 2, d)), d
    assert is_workday(date(2030, 2, 8))


def test_qingming_follows_the_solar_term():
    assert date(2027, 4, 5) in statutory_holidays(2027)
    assert date(2028, 4, 4) in statutory_holidays(2028)
    for year in range(2027, 2060):
        qingming = [d for d, n in statutory_holidays(year).items() if n.startswith("清明")]
        assert len(qingming) == 1 and qingming[0].month == 4 and 4 <= qingming[0].day <= 6


def test_provisional_years_for_admin_warnings():
    assert selectors.provisional_years(today=date(2026, 11, 25)) == [2027]
    assert selectors.provisional_years(today=date(2026, 11, 25), within_days=500) == [2027, 2028]
    assert selectors.provisional_years(today=date(2026, 1, 10), within_days=100) == []
