"""Periods: a day `2026-11-20`, an ISO week `2026-W47`, a month `2026-11`, a quarter `2026-Q3`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from yiwang.core.errors import ValidationFailed

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class Period:
    label: str
    kind: str  # day | week | month | quarter
    start: date
    end: date  # inclusive

    @property
    def name(self) -> str:
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "week":
            return f"{self.start:%Y年%m月%d日}—{self.end:%m月%d日}"
        return f"{self.start:%Y年%m月%d日}"

    def previous(self) -> Period:
        return period_containing(self.start - timedelta(days=1), self.kind)


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def period_parse(label: str) -> Period:
    label = (label or "").strip()
    try:
        if m := _DAY.match(label):
            d = date(int(m[1]), int(m[2]), int(m[3]))
            return Period(label, "day", d, d)
        if m := _WEEK.match(label):
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return Period(label, "week", start, start + timedelta(days=6))
        if m := _MONTH.match(label):
            y, mo = int(m[1]), int(m[2])
            return Period(label, "month", date(y, mo, 1), _month_end(y, mo))
        if m := _QUARTER.match(label):
            y, q = int(m[1]), int(m[2])
            return Period(label, "quarter", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    except ValueError:
        pass
    raise ValidationFailed(fields={"period": ["周期格式应为 YYYY-MM-DD、YYYY-Www、YYYY-MM 或 YYYY-Qn"]})


def period_containing(day: date, kind: str) -> Period:
    if kind == "day":
        return period_parse(day.isoformat())
    if kind == "week":
        y, w, _ = day.isocalendar()
        return period_parse(f"{y}-W{w:02d}")
    if kind == "month":
        return period_parse(f"{day:%Y-%m}")
    if kind == "quarter":
        return period_parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    raise ValueError(kind)
