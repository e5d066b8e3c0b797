"""The statutory clock of a case (DESIGN.md §4.4).

- due date = the N-th working day strictly after the acceptance date, N = limit + extension
  + the working days the clock stood still;
- a stop from day S to day E does not count the working days in (S, E] (the start day counts,
  a same-day stop costs nothing); an open stop counts up to today;
- working days left = working days in (today, due date]; 黄灯 when 0–2 are left, 红灯 once
  today is past the due date.

Two due dates run side by side: the promised one (承诺时限, `due_date`: what the applicant is
promised) and the statutory one (法定时限, `statutory_due_date`: what the law allows); an approved
extension (§42) adds the item's extension days to both. Two more deadlines carry the same light:
acceptance after a supplement was received (§32 ⑤, the item's acceptance limit; no deemed
acceptance) and the planned end of an open special procedure (§45).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from yiwang.workdays import selectors as workdays
from yiwang.workdays.selectors import WorkCalendar

from .models import Case, ClockStop, Status, StopKind

SUPPLEMENT_NOTICE_DAYS = 5  # 行政许可法 §32
FINISHED = {
    Status.COMPLETED,
    Status.REFUSED,
    Status.WITHDRAWN,
    Status.APPROVED,
    Status.DENIED,
    Status.REVOKED,
}


LEVELS = ("normal", "yellow", "red")


@dataclass(frozen=True)
class ClockView:
    due_date: date | None
    provisional: bool
    working_days_left: int | None
    warning_level: str  # normal | yellow | red: the worst of the lights below
    clock: str  # running | stopped | not_started
    statutory_due_date: date | None = None
    acceptance_due_date: date | None = None  # after a supplement: accept by this day (§32 ⑤)
    acceptance_warning: str = "normal"
    procedure_end: date | None = None  # planned end of the open special procedure (§45)
    procedure_warning: str = "normal"


def worst(*levels: str) -> str:
    return max(levels, key=LEVELS.index)


def today() -> date:
    """The platform's today (local date), the default day of every case write."""
    return timezone.localdate()


def due_date_for(
    *,
    accepted_on: date,
    limit_days: int,
    extension_days: int,
    stops: Iterable[ClockStop],
    today: date,
    cal: WorkCalendar | None = None,
) -> tuple[date, bool]:
    """Working days inside a stop (S, E] do not count; an open stop counts up to today. A stop
    that starts after the due date has passed does not move it (the case is late either way)."""
    cal = cal or workdays.calendar()
    n = limit_days + extension_days
    if n <= 0:
        return accepted_on, cal.day_info(accepted_on).provisional
    spans = [(s.started_on, s.ended_on or today) for s in stops]
    due = cal.due_date(start=accepted_on, days=n, stops=spans)
    return due.date, due.provisional


def supplement_deadline(received_on: date, *, cal: WorkCalendar | None = None) -> date:
    """行政许可法 §32: the last day to refuse an application or to tell the applicant, once, what
    to supplement — the 5th working day after receipt. The one place this deadline is computed
    (`deemed_acceptance` and the `request_supplement` check use it)."""
    return (cal or workdays.calendar()).add_workdays(received_on, SUPPLEMENT_NOTICE_DAYS).date


def deemed_acceptance(case: Case, *, today: date, cal: WorkCalendar | None = None) -> date | None:
    """行政许可法 §32: an application not refused and without a supplement notice within 5 working
    days of receipt counts as accepted on the day of receipt. Returns that day, or None."""
    if case.status != Status.SUBMITTED or not case.received_on or case.supplement_requested_on:
        return None
    return case.received_on if today > supplement_deadline(case.received_on, cal=cal) else None


def acceptance_deadline(case: Case, *, cal: WorkCalendar | None = None) -> date | None:
    """行政许可法 §32 ⑤: once the supplemented materials are received the department must accept
    (or refuse) — within the item's acceptance limit (`ItemVersion.acceptance_limit_days`, 5 working
    days by default, per local rules) after the day they were received. None unless a supplement
    was received and the case still waits for acceptance. Passing it lights the warning; it is no
    deemed acceptance (the law provides none here)."""
    if case.status != Status.SUBMITTED or case.accepted_on or not case.supplement_requested_on:
        return None
    if not case.received_on or case.received_on < case.supplement_requested_on:
        return None
    days = case.item_version.acceptance_limit_days
    return (cal or workdays.calendar()).add_workdays(case.received_on, days).date


def open_procedure_end(case: Case, stops: Iterable[ClockStop] | None = None) -> date | None:
    """The planned end of the case's open special procedure (annotated by list selectors as
    `open_procedure_end`; else read from the stops)."""
    if not case.clock_stopped:
        return None
    if hasattr(case, "open_procedure_end"):
        return case.open_procedure_end
    for stop in case.stops.all() if stops is None else stops:
        if stop.kind == StopKind.SPECIAL_PROCEDURE and stop.ended_on is None:
            return stop.planned_end
    return None


def warning_level(*, due: date, today: date, cal: WorkCalendar | None = None) -> tuple[int, str]:
    """(working days left, light) by the platform's one rule (`workdays.selectors.warning_light`)."""
    level, left = workdays.warning_light(due=due, today=today, cal=cal)
    return left, level


def clock_view(case: Case, *, today: date, cal: WorkCalendar | None = None) -> ClockView:
    """The clock as pages and the API show it. Pass one `workdays.calendar()` snapshot when
    showing many cases (one query for all of them)."""
    cal = cal or workdays.calendar()
    if case.accepted_on is None or case.due_date is None:
        accept_by = acceptance_deadline(case, cal=cal)
        if accept_by is not None:
            light, _ = workdays.warning_light(due=accept_by, today=today, cal=cal)
            return ClockView(
                None,
                False,
                None,
                light,
                "not_started",
                acceptance_due_date=accept_by,
                acceptance_warning=light,
            )
        deemed = deemed_acceptance(case, today=today, cal=cal)
        if deemed is None:
            return ClockView(None, False, None, "normal", "not_started")
        due, provisional = due_date_for(
            accepted_on=deemed,
            limit_days=case.item_version.promised_limit_days or 0,
            extension_days=0,
            stops=[],
            today=today,
            cal=cal,
        )
        left, level = warning_level(due=due, today=today, cal=cal)
        return ClockView(due, provisional, left, level, "running")
    if case.status in FINISHED or case.completed_at:
        return ClockView(
            case.due_date,
            case.due_date_provisional,
            None,
            "normal",
            "stopped",
            statutory_due_date=case.statutory_due_date,
        )
    due, provisional, statutory = case.due_date, case.due_date_provisional, case.statutory_due_date
    if statutory is None and case.statutory_limit_days is None:
        # accepted before the statutory clock was recorded: the item version's limit
        statutory_limit = case.item_version.statutory_limit_days
        if statutory_limit is not None:
            statutory, _ = due_date_for(
                accepted_on=case.accepted_on,
                limit_days=statutory_limit,
                extension_days=case.extension_days,
                stops=case.stops.all(),
                today=today,
                cal=cal,
            )
    procedure_end, procedure_light = None, "normal"
    if case.clock_stopped:
        # An open stop keeps pushing the due dates while it lasts.
        stops = list(case.stops.all())
        due, provisional = due_date_for(
            accepted_on=case.accepted_on,
            limit_days=case.limit_days or 0,
            extension_days=case.extension_days,
            stops=stops,
            today=today,
            cal=cal,
        )
        if case.statutory_limit_days is not None:
            statutory, _ = due_date_for(
                accepted_on=case.accepted_on,
                limit_days=case.statutory_limit_days,
                extension_days=case.extension_days,
                stops=stops,
                today=today,
                cal=cal,
            )
        procedure_end = open_procedure_end(case, stops)
        if procedure_end is not None:
            procedure_light, _ = workdays.warning_light(due=procedure_end, today=today, cal=cal)
    left, level = warning_level(due=due, today=today, cal=cal)
    return ClockView(
        due,
        provisional,
        left,
        worst(level, procedure_light),
        "stopped" if case.clock_stopped else "running",
        statutory_due_date=statutory,
        procedure_end=procedure_end,
        procedure_warning=procedure_light,
    )
