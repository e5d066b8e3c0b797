"""Models of the live side of the halls app (docs/halls.md, "Screens" and "Self-service
terminals"): display keys of the full-screen hall display, and the registry of 24-hour
self-service terminals (自助办) with their device keys (stored hashed) and heartbeats."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models


class DisplayKey(models.Model):
    """A key that opens one hall's full-screen display page (`/halls/{code}/display/?key=…`).
    Only its hash is stored; the display data and the event stream are public anyway."""

    hall = models.ForeignKey(
        "organizations.ServiceHall",
        verbose_name="大厅",
        on_delete=models.CASCADE,
        related_name="display_keys",
    )
    name = models.CharField("显示屏名称", max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField("密钥末四位", max_length=4, editable=False)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "大厅显示屏密钥"
        ordering = ["hall", "name"]

    def __str__(self) -> str:
        return f"{self.hall} {self.name}"


class SiteKind(models.TextChoices):
    HALL = "hall", "政务服务大厅"
    COMMUNITY = "community", "社区"
    PARK = "park", "园区"


class Terminal(models.Model):
    """One self-service terminal (自助服务终端). `account` is its device account (a staff-kind user:
    it verifies 电子身份码 and issues tickets as the terminal); the device key is stored hashed."""

    code = models.SlugField("终端编号", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    site_kind = models.CharField("场所类型", max_length=10, choices=SiteKind.choices)
    site_name = models.CharField("场所", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    region = models.ForeignKey(
        "organizations.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+"
    )
    hall = models.ForeignKey(
        "organizations.ServiceHall",
        verbose_name="管理大厅",
        on_delete=models.PROTECT,
        related_name="terminals",
        help_text="负责维护的大厅；终端在该大厅时也可取号",
    )
    always_open = models.BooleanField("24小时开放", default=True)
    opens = models.TimeField("开放时间", default=time(0, 0))
    closes = models.TimeField("关闭时间", default=time(23, 59))
    items = models.ManyToManyField("catalog.Item", verbose_name="可办事项", blank=True, related_name="+")
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="设备账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="terminal",
    )
    key_hash = models.CharField(max_length=64, blank=True, editable=False)
    key_hint = models.CharField("密钥末四位", max_length=4, blank=True, editable=False)
    active = models.BooleanField("启用", default=True)
    last_seen_at = models.DateTimeField("最近心跳", null=True, blank=True)
    last_status = models.JSONField("最近状态", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "自助服务终端"
        ordering = ["hall", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
