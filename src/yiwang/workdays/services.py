"""Writes to the working-day calendar. Every write changes the calendar revision (so every
process sees the new calendar at once) and, through `hooks.due_dates_recompute`, has the due
dates of affected cases recomputed in the same transaction."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction

from yiwang.core.errors import ValidationFailed
from yiwang.core.revisions import revision_bump
from yiwang.workdays import hooks
from yiwang.workdays.models import CALENDAR_REVISION, CalendarDay, CalendarNotice

log = logging.getLogger("yiwang.workdays")

FIRST_YEAR = 2004
LAST_YEAR = 2099


def calendar_revision_bump() -> str:
    """Give the calendar a new random revision token (within the caller's transaction)."""
    return revision_bump(CALENDAR_REVISION)


def notice_days_errors(*, year: int | None, days: list[tuple[date, bool, str]]) -> list[str]:
    """Problems with a notice's day list, in Chinese (shared with the admin form)."""
    errors: list[str] = []
    seen: set[date] = set()
    for day, _workday, name in days:
        if year is not None and day.year != year:
            errors.append(f"{day.isoformat()} 不在 {year} 年内")
        if day in seen:
            errors.append(f"{day.isoformat()} 重复填写")
        seen.add(day)
        if len(name or "") > CalendarDay._meta.get_field("name").max_length:
            errors.append(f"{day.isoformat()} 的名称过长")
    return errors


@transaction.atomic
def calendar_notice_enter(
    *,
    year: int,
    title: str,
    document_number: str = "",
    published_on: date | None = None,
    days: list[tuple[date, bool, str]],
) -> CalendarNotice:
    """Enter (or replace) the State Council holiday notice of `year`. `days` lists the exceptions
    to Monday–Friday as (date, is_workday, name). Recomputes the due dates of affected cases;
    the number of changed cases is left on the returned notice as `recomputed_cases`."""
    fields: dict[str, list[str]] = {}
    if not FIRST_YEAR <= year <= LAST_YEAR:
        fields["year"] = [f"年度应在 {FIRST_YEAR} 至 {LAST_YEAR} 之间"]
    title = (title or "").strip()
    if not title:
        fields["title"] = ["必填"]
    elif len(title) > CalendarNotice._meta.get_field("title").max_length:
        fields["title"] = ["内容过长"]
    if len(document_number or "") > CalendarNotice._meta.get_field("document_number").max_length:
        fields["document_number"] = ["内容过长"]
    day_errors = notice_days_errors(year=year, days=days)
    if day_errors:
        fields["days"] = day_errors
    if fields:
        raise ValidationFailed("放假安排通知内容有误", fields=fields)

    notice, created = CalendarNotice.objects.update_or_create(
        year=year,
        defaults={
            "title": title,
            "document_number": (document_number or "").strip(),
            "published_on": published_on,
        },
    )
    if not created:
        notice.days.all().delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(notice=notice, date=day, is_workday=bool(workday), name=(name or "").strip())
            for day, workday, name in sorted(days)
        ]
    )
    calendar_revision_bump()
    notice.recomputed_cases = _recompute(year=year, reason=f"录入{year}年放假安排通知")
    log.info(
        "calendar notice %s for year %s (%d days), %d cases recomputed",
        "entered" if created else "replaced",
        year,
        len(days),
        notice.recomputed_cases,
    )
    return notice


@transaction.atomic
def calendar_notice_delete(*, notice: CalendarNotice) -> int:
    """Delete a notice: the year falls back to the package or the provisional calendar.
    Returns the number of cases whose due date changed."""
    year = notice.year
    notice.delete()
    calendar_revision_bump()
    changed = _recompute(year=year, reason=f"删除{year}年放假安排通知")
    log.info("calendar notice for year %s deleted, %d cases recomputed", year, changed)
    return changed


def _recompute(*, year: int, reason: str) -> int:
    """Due dates that count days of `year` are recomputed by the apps that keep them (hooks)."""
    return sum(int(fn(years={year}, reason=reason) or 0) for fn in hooks.due_dates_recompute)
