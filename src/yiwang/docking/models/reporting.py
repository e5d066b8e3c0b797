"""数据上报: each record reported to the provincial platform (a case event, a rating, a licence
change) with its delivery status."""

from __future__ import annotations

from django.db import models

from .sharing import Delivery


class ReportKind(models.TextChoices):
    CASE = "case", "办件"
    RATING = "rating", "好差评"
    LICENSE = "license", "电子证照"


class ReportRecord(Delivery):
    """One reported record: `subject` is the case number, rating id or licence identifier,
    `revision` says which state of it (a case event's sequence number, a licence change)."""

    kind = models.CharField("类别", max_length=10, choices=ReportKind.choices)
    subject = models.CharField("对象", max_length=120, db_index=True)
    revision = models.CharField("版本", max_length=40)
    source_id = models.BigIntegerField("来源记录", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "数据上报记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "revision"], name="docking_report_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject} {self.revision} {self.status}"
