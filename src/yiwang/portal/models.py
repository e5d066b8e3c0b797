"""The portal's own records: a person's accessibility settings (kept per account, so they follow
the person to any browser) and the elder mode's phone-help callback requests to a hall."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccessibilitySettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="+"
    )
    values = models.JSONField("设置", default=dict)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "无障碍设置"


class CallbackStatus(models.TextChoices):
    WAITING = "waiting", "待回电"
    CALLED = "called", "已回电"


class CallbackRequest(models.Model):
    """长辈版 电话帮办: a person asks the hall to call back (no account needed)."""

    hall = models.ForeignKey(
        "organizations.ServiceHall", verbose_name="服务大厅", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField("称呼", max_length=50)
    phone = models.CharField("回电号码", max_length=20)
    topic = models.CharField("想办的事", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.WAITING, db_index=True
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "电话帮办回电请求"
        ordering = ["-created_at"]
