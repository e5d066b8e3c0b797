"""Notifications (消息通知): the in-app inbox, per-person channel preferences and the delivery log.

A `Notification` is one message to one account about one event: the inbox row, and the only
place its text is stored (the account's own data, shown on its inbox page and API). A
`Delivery` is one channel's attempt to bring that message out (in-app, e-mail, SMS, log): status,
attempts, next attempt and the last error *code* — never an address, a phone number or text.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    INAPP = "inapp", "站内消息"
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"
    LOG = "log", "日志（演示）"


class Notification(models.Model):
    """One message in an account's inbox. (recipient, key) is unique: one message per event."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    kind = models.CharField("消息类型", max_length=60)
    key = models.CharField(
        "事件键", max_length=200, help_text="同一事件只通知一次，如 case:<办件编号>:accepted；不含个人信息"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    link = models.CharField("链接", max_length=500, blank=True, default="")
    legal = models.BooleanField("法定告知", default=False)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notifications_once_per_event")
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notifications_inbox"),
            models.Index(fields=["recipient", "read_at"], name="notifications_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Preference(models.Model):
    """A person's choice of one channel for one category of messages (办件进度, 好差评…). Without a
    row the instance default applies (settings, docs/notifications.md)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    category = models.CharField("消息类别", max_length=40)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    enabled = models.BooleanField("接收", default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "消息接收设置"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category", "channel"], name="notifications_preference_once"
            )
        ]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"  # permanent: no address, refused by the gateway (4xx)
    DEAD = "dead", "多次重试失败"  # transient errors until the last attempt


class Delivery(models.Model):
    """The delivery log: one row per (event key, recipient, channel), through the notification.
    Codes and counters only — no address, phone number or message text."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    status = models.CharField(
        "状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt = models.DateTimeField("下次尝试", null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="发送中：到期前其他进程不取")
    last_error = models.CharField("最近错误代码", max_length=40, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "发送记录"
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="notifications_delivery_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt"], name="notifications_due")]

    def __str__(self) -> str:
        return f"delivery #{self.pk} {self.channel} {self.status}"
