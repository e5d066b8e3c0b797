"""Calendar API (mounted at /api/v1/calendar): public due-date arithmetic."""

from __future__ import annotations

import re
from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema

from yiwang.core.errors import ValidationFailed
from yiwang.workdays import selectors

router = Router(tags=["工作日历"])

MIN_YEAR = 2004
MAX_YEAR = 2099
MAX_DAYS = 365
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DueDateOut(Schema):
    due_date: date
    provisional: bool


@router.get("/due-date", auth=None, response=DueDateOut, summary="按工作日计算办结期限")
def due_date(
    request: HttpRequest,
    start: str = Query(..., description="起算日（受理日期），YYYY-MM-DD；期限从次日起算"),
    days: str = Query(..., description=f"工作日数，1 至 {MAX_DAYS}"),
):
    """The N-th working day strictly after `start`. `provisional` is true when the result rests
    on a year whose State Council holiday notice has not been entered yet."""
    fields: dict[str, list[str]] = {}
    start_date = None
    if not _ISO_DATE.match(start.strip()):
        fields["start"] = ["日期格式应为 YYYY-MM-DD"]
    else:
        try:
            start_date = date.fromisoformat(start.strip())
        except ValueError:
            fields["start"] = ["日期不存在"]
    if start_date is not None and not MIN_YEAR <= start_date.year <= MAX_YEAR:
        fields["start"] = [f"仅支持 {MIN_YEAR} 至 {MAX_YEAR} 年的日期"]
    n = int(days.strip()) if re.fullmatch(r"-?\d{1,6}", days.strip()) else None
    if n is None:
        fields["days"] = ["应为整数"]
    if n is not None and not 1 <= n <= MAX_DAYS:
        fields["days"] = [f"工作日数应在 1 到 {MAX_DAYS} 之间"]
    if fields:
        raise ValidationFailed("请求参数有误", fields=fields)
    result = selectors.add_workdays(start_date, n)
    return {"due_date": result.date, "provisional": result.provisional}
