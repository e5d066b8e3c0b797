"""Working-day calendar: reads and due-date arithmetic (DESIGN.md §4.4, 《行政许可法》§82).

The due-date rule, in one place
-------------------------------
* A limit of N working days (N >= 1) accepted on day A ends on the N-th working day strictly after
  A: `add_workdays(A, N)`. The acceptance day itself never counts.
* A clock stop (特别程序, 挂起) from day S to day E removes the working days in (S, E]: the start
  day still counts, a same-day stop costs nothing. `due_date(start=A, days=N, stops=[(S, E)])`.
* Working days left = working days in (today, due date]: `workdays_between(today, due)`; it is
  negative once today is past the due date.
* The warning light of every deadline in the platform (cases, work orders, proposals, …) is
  `warning_light(due=…, today=…)`: 红灯 once today is past the due date (the day after a Friday
  deadline is red, even though no working day has passed), else 黄灯 when 0–2 working days are
  left, else 正常.
* A working day is Monday–Friday, minus official holidays, plus 调休 make-up working days.

Where a year's calendar comes from (first match wins), see `year_status`:
1. "notice" — a State Council notice an admin entered (`CalendarNotice`; its `CalendarDay` rows
   are the exceptions to Monday–Friday). Overrides the package, so errata can be fixed.
2. "package" — the `chinesecalendar` package (2004 through the last year it ships).
3. "provisional" — computed from 《全国年节及纪念日放假办法》 (2024 revision): 元旦 Jan 1; 春节 4 days
   from 除夕 (the day before 正月初一, can be 腊月廿九); 清明 on the solar term; 劳动节 May 1–2; 端午
   (lunar 5/5); 中秋 (lunar 8/15); 国庆 Oct 1–3. A holiday on a Saturday or Sunday gives the next
   weekday that is not itself a holiday off. No 调休 make-up days are guessed. Any result that
   looked at a day of such a year is marked `provisional`; entering the notice recomputes cases.

Performance: a year is turned into a small table once and stored in Django's cache under
(year, calendar revision token, package version). The token lives in the database
(`core.revisions`, name `workdays.calendar`) and changes on every calendar write, so every process sees a new notice at
once and never needs to invalidate anything. A call costs one query for the token; with a cold
process memo, one more cache read (a query with the database cache). For many computations in
one request, take one snapshot with `calendar()` and call its methods. Write notices only
through `services` (admin and `yiwang calendar_import_notice` do): a row changed behind its back
does not change the token, so caches would keep the old calendar.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from django.core.cache import cache
from django.utils import timezone

from yiwang.core.revisions import revision_token
from yiwang.workdays.models import CALENDAR_REVISION, CalendarNotice

log = logging.getLogger("yiwang.workdays")

PACKAGE = "package"
NOTICE = "notice"
PROVISIONAL = "provisional"

MAKEUP_NAME = "调休上班"
_SUBSTITUTE_SUFFIX = "（补休）"
_ONE_DAY = timedelta(days=1)
_FORMAT = "v2"  # bump when the cached table layout or the provisional rules change
_CACHE_TIMEOUT = 14 * 24 * 3600
_MEMO_MAX = 512


@dataclass(frozen=True)
class DayInfo:
    workday: bool
    provisional: bool
    name: str  # holiday name, "调休上班", or ""


@dataclass(frozen=True)
class DueDate:
    date: date
    provisional: bool


@dataclass(frozen=True)
class YearTable:
    """One year's calendar. `days` holds the dates that differ from Monday–Friday or carry a
    name: date -> (is_workday, name). Immutable for a given (year, revision token)."""

    year: int
    status: str
    days: Mapping[date, tuple[bool, str]]

    @property
    def provisional(self) -> bool:
        return self.status == PROVISIONAL

    def is_workday(self, day: date) -> bool:
        entry = self.days.get(day)
        return entry[0] if entry is not None else day.weekday() < 5

    def info(self, day: date) -> DayInfo:
        entry = self.days.get(day)
        if entry is None:
            return DayInfo(workday=day.weekday() < 5, provisional=self.provisional, name="")
        return DayInfo(workday=entry[0], provisional=self.provisional, name=entry[1])


# --- Sources ---------------------------------------------------------------------------------

_PACKAGE_FIRST = min(chinese_calendar.holidays).year
_PACKAGE_LAST = max(chinese_calendar.holidays).year
_PACKAGE_VERSION = getattr(chinese_calendar, "__version__", "unknown")


def package_covers(year: int) -> bool:
    """Whether the installed `chinesecalendar` package has the official calendar of `year`."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _package_table(year: int) -> YearTable:
    # The package says 清明/端午/中秋; use the names of 《全国年节及纪念日放假办法》 everywhere.
    full = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}
    names = {h.value: full.get(h.chinese, h.chinese) for h in chinese_calendar.Holiday}
    days: dict[date, tuple[bool, str]] = {}
    for day, holiday in chinese_calendar.holidays.items():
        if day.year == year:
            days[day] = (False, names.get(holiday, holiday or ""))
    for day in chinese_calendar.workdays:
        if day.year == year:
            days[day] = (True, MAKEUP_NAME if day.weekday() >= 5 else "")
    return YearTable(year=year, status=PACKAGE, days=days)


def _lunar_to_solar(year: int, month: int, day: int) -> date | None:
    from lunardate import LunarDate

    try:
        lunar = LunarDate(year, month, day)
        convert = getattr(lunar, "to_solar_date", None) or lunar.toSolarDate
        return convert()
    except (ValueError, IndexError, KeyError):  # outside lunardate's table (1900–2099)
        return None


def _qingming(year: int) -> date:
    """The Qingming solar term (清明, sun at 15°): April 4, 5 or 6."""
    try:
        for day, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10)):
            if name == "清明":
                return day
    except (ValueError, KeyError, IndexError, NotImplementedError):
        pass
    # Fallback (should not happen in 1900–2100): the 21st-century formula for the 清明 term.
    y = year % 100
    return date(year, 4, int(y * 0.2422 + 4.81) - y // 4)


def statutory_holidays(year: int) -> dict[date, str]:
    """The public holidays of 《全国年节及纪念日放假办法》 (2024 revision) in `year`, without the
    weekend substitutes. 除夕 is the day before 正月初一, whatever the length of 腊月."""
    found: list[tuple[date, str]] = [(date(year, 1, 1), "元旦")]
    new_year = _lunar_to_solar(year, 1, 1)
    if new_year is not None:
        eve = new_year - _ONE_DAY
        found += [(eve + timedelta(days=i), "春节") for i in range(4)]
    found.append((_qingming(year), "清明节"))
    found += [(date(year, 5, 1), "劳动节"), (date(year, 5, 2), "劳动节")]
    for month, day, name in ((5, 5, "端午节"), (8, 15, "中秋节")):
        solar = _lunar_to_solar(year, month, day)
        if solar is not None:
            found.append((solar, name))
    found += [(date(year, 10, d), "国庆节") for d in (1, 2, 3)]
    holidays: dict[date, str] = {}
    for day, name in found:
        # Two festivals on one day (中秋 on 10月1–3日 happens) give one day off, not two.
        holidays[day] = f"{holidays[day]}、{name}" if day in holidays and name not in holidays[day] else name
    return holidays


def _provisional_table(year: int) -> YearTable:
    holidays = statutory_holidays(year)
    days: dict[date, tuple[bool, str]] = {d: (False, n) for d, n in holidays.items()}
    for day in sorted(holidays):
        if day.weekday() < 5:
            continue
        substitute = day + _ONE_DAY
        while substitute.weekday() >= 5 or substitute in days:
            substitute += _ONE_DAY
        days[substitute] = (False, holidays[day].split("、")[0] + _SUBSTITUTE_SUFFIX)
    return YearTable(year=year, status=PROVISIONAL, days=days)


def _compute_tables(years: Iterable[int]) -> dict[int, YearTable]:
    years = sorted(set(years))
    tables: dict[int, YearTable] = {}
    notices = CalendarNotice.objects.filter(year__in=years).prefetch_related("days")
    for notice in notices:
        tables[notice.year] = YearTable(
            year=notice.year,
            status=NOTICE,
            days={d.date: (d.is_workday, d.name) for d in notice.days.all()},
        )
    for year in years:
        if year not in tables:
            tables[year] = _package_table(year) if package_covers(year) else _provisional_table(year)
    return tables


# --- Revision, cache and process memo --------------------------------------------------------

_memo: dict[str, YearTable] = {}
_memo_lock = threading.Lock()


def clear_local_memo() -> None:
    """Forget this process's copies of year tables (tests; never needed for correctness)."""
    with _memo_lock:
        _memo.clear()


def current_revision() -> str:
    # plain SQL (core.revisions): read on every request that shows a due date
    return revision_token(CALENDAR_REVISION)


def _cache_key(year: int, token: str) -> str:
    return f"workdays:year:{_FORMAT}:{_PACKAGE_VERSION}:{token}:{year}"


def _to_cache(table: YearTable) -> dict:
    return {
        "status": table.status,
        "days": [(d.toordinal(), w, n) for d, (w, n) in sorted(table.days.items())],
    }


def _from_cache(year: int, value: object) -> YearTable | None:
    try:
        days = {date.fromordinal(o): (bool(w), str(n)) for o, w, n in value["days"]}
        return YearTable(year=year, status=value["status"], days=days)
    except (TypeError, KeyError, ValueError):
        return None


class WorkCalendar:
    """A snapshot of the calendar at one revision. Cheap to create; use one per request (or per
    batch) when computing many due dates."""

    def __init__(self, token: str | None = None):
        self.token = token if token is not None else current_revision()
        self._tables: dict[int, YearTable] = {}

    # Loading -------------------------------------------------------------------------------
    def preload(self, years: Iterable[int]) -> None:
        missing = [y for y in set(years) if y not in self._tables]
        if not missing:
            return
        keys = {y: _cache_key(y, self.token) for y in missing}
        with _memo_lock:
            for year in list(missing):
                table = _memo.get(keys[year])
                if table is not None:
                    self._tables[year] = table
                    missing.remove(year)
        if not missing:
            return
        try:
            cached = cache.get_many([keys[y] for y in missing])
        except Exception:  # the cache is an optimisation: compute when it is down
            log.warning("workdays cache read failed", exc_info=True)
            cached = {}
        to_compute = []
        for year in missing:
            table = _from_cache(year, cached[keys[year]]) if keys[year] in cached else None
            if table is None:
                to_compute.append(year)
            else:
                self._remember(keys[year], table)
        if not to_compute:
            return
        computed = _compute_tables(to_compute)
        self._tables.update(computed)
        # Share only if the calendar did not change while we read it (a concurrent entry).
        if current_revision() != self.token:
            return
        for year, table in computed.items():
            self._remember(keys[year], table)
        try:
            cache.set_many({keys[y]: _to_cache(t) for y, t in computed.items()}, _CACHE_TIMEOUT)
        except Exception:
            log.warning("workdays cache write failed", exc_info=True)

    def _remember(self, key: str, table: YearTable) -> None:
        self._tables[table.year] = table
        with _memo_lock:
            if len(_memo) >= _MEMO_MAX:
                _memo.clear()
            _memo[key] = table

    def year(self, year: int) -> YearTable:
        if year not in self._tables:
            self.preload([year])
        return self._tables[year]

    def _preload_after(self, start: date, days: int) -> None:
        # Enough calendar days for N working days in practice (weekends plus ~13 weekday holidays a
        # year); a longer walk still works, it just loads the next year on demand.
        last = start + timedelta(days=days * 7 // 5 + days // 10 + 30)
        self.preload(range(start.year, last.year + 1))

    # Questions -----------------------------------------------------------------------------
    def year_status(self, year: int) -> str:
        return self.year(year).status

    def day_info(self, day: date) -> DayInfo:
        return self.year(day.year).info(day)

    def is_workday(self, day: date) -> bool:
        return self.year(day.year).is_workday(day)

    def add_workdays(self, start: date, days: int) -> DueDate:
        return self.due_date(start=start, days=days)

    def due_date(self, *, start: date, days: int, stops: Iterable[tuple[date, date]] = ()) -> DueDate:
        """The `days`-th working day strictly after `start`, not counting working days inside
        any stop (S, E]. `provisional` if any day looked at lies in a provisional year."""
        if days < 1:
            raise ValueError("days must be at least 1")
        stops = list(stops)
        if any(e is None for _s, e in stops):
            raise ValueError("stops must be closed; pass the planned or current end day")
        stops = [(s, e) for s, e in stops if e > s]
        self._preload_after(start, days + sum(self.workdays_between(s, e) for s, e in stops))
        provisional = False
        counted = 0
        day = start
        table = self.year(day.year)
        while True:
            day += _ONE_DAY
            if day.year != table.year:
                table = self.year(day.year)
            if table.status == PROVISIONAL:
                provisional = True
            if not table.is_workday(day):
                continue
            if any(s < day <= e for s, e in stops):
                continue
            counted += 1
            if counted == days:
                return DueDate(date=day, provisional=provisional)

    def workdays_between(self, after: date, until: date) -> int:
        """Working days in (after, until]; negative count of (until, after] if until < after."""
        if until < after:
            return -self.workdays_between(until, after)
        if until == after:
            return 0
        self.preload(range(after.year, until.year + 1))
        count = _weekdays_through(until) - _weekdays_through(after)
        for year in range(after.year, until.year + 1):
            for day, (workday, _name) in self.year(year).days.items():
                if after < day <= until and workday != (day.weekday() < 5):
                    count += 1 if workday else -1
        return count

    def named_days(self, year: int) -> list[tuple[date, DayInfo]]:
        """The holidays and make-up days of a year, in date order (for calendar pages)."""
        table = self.year(year)
        return [(d, table.info(d)) for d in sorted(table.days)]


def _weekdays_through(day: date) -> int:
    """Number of Mondays–Fridays from 0001-01-01 (a Monday) through `day`."""
    ordinal = day.toordinal()
    return 5 * (ordinal // 7) + min(ordinal % 7, 5)


# --- The interface other apps call -----------------------------------------------------------


def calendar() -> WorkCalendar:
    """A snapshot at the current revision; reuse it for many computations in one request."""
    return WorkCalendar()


def day_info(day: date) -> DayInfo:
    return calendar().day_info(day)


def is_workday(day: date) -> bool:
    return calendar().is_workday(day)


def add_workdays(start: date, days: int) -> DueDate:
    """The N-th working day strictly after `start` (N >= 1)."""
    return calendar().add_workdays(start, days)


def due_date(*, start: date, days: int, stops: Iterable[tuple[date, date]] = ()) -> DueDate:
    """`add_workdays` with clock stops: working days in each (S, E] do not count."""
    return calendar().due_date(start=start, days=days, stops=stops)


def workdays_between(after: date, until: date) -> int:
    """Working days in (after, until]; negative when until < after (overdue)."""
    return calendar().workdays_between(after, until)


YELLOW_DAYS = 2  # 黄灯: at most this many working days left
WARNING_LABELS = {"normal": "正常", "yellow": "黄灯", "red": "红灯"}


def warning_light(*, due: date, today: date, cal: WorkCalendar | None = None) -> tuple[str, int]:
    """The one warning light: ("red" | "yellow" | "normal", working days left in (today, due]).
    Red once today is past the due date; yellow with 0–2 working days left; normal otherwise."""
    left = (cal or calendar()).workdays_between(today, due)
    if today > due:
        return "red", left
    if left <= YELLOW_DAYS:
        return "yellow", left
    return "normal", left


def year_status(year: int) -> str:
    """ "package", "notice" or "provisional" (see the module docstring)."""
    return calendar().year_status(year)


def provisional_years(*, within_days: int = 400, today: date | None = None) -> list[int]:
    """Years touching [today, today + within_days] whose calendar is still provisional."""
    today = today or timezone.localdate()
    last = today + timedelta(days=within_days)
    snapshot = calendar()
    years = range(today.year, last.year + 1)
    snapshot.preload(years)
    return [y for y in years if snapshot.year_status(y) == PROVISIONAL]
