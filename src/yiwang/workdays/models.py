"""The official working-day calendar: State Council holiday notices entered by admins for years
the `chinese-calendar` package does not cover (DESIGN.md §4.4). The rules live in
`selectors.py`; writes go through `services.py` (never edit these rows directly: the service
bumps the calendar revision that keys the shared cache and recomputes affected due dates)."""

from django.db import models


class CalendarNotice(models.Model):
    year = models.PositiveSmallIntegerField("年度", unique=True)
    title = models.CharField("通知标题", max_length=200)
    document_number = models.CharField("文号", max_length=60, blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "放假安排通知"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年 {self.title}"


class CalendarDay(models.Model):
    """A day that differs from the Monday–Friday rule: a holiday on a weekday, or a weekend day
    that is a make-up working day (调休上班). Weekend holidays may be listed too (for their name)."""

    notice = models.ForeignKey(CalendarNotice, on_delete=models.CASCADE, related_name="days")
    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.name}".strip()


# The calendar's revision (core.revisions): its token changes on every write to the calendar.
# Cached year tables are keyed by it, so an entered notice is seen at once by every process.
CALENDAR_REVISION = "workdays.calendar"
