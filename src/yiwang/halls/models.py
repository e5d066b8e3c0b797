"""Service halls' appointments (预约) and queue (叫号), built on `organizations.ServiceHall` and
`Window`: per-hall settings, business types (业务类型: items served by a set of windows), slot
capacities, closures, appointments, tickets, the state of each window and the log of calls.
docs/halls.md describes the rules; `rules.py` holds who may do what."""

from __future__ import annotations

import secrets
from datetime import time

from django.conf import settings
from django.db import models


def new_token() -> str:
    return secrets.token_urlsafe(12)


class HallSettings(models.Model):
    """Per-hall rules (one row per hall; `selectors.hall_settings` creates it with the defaults)."""

    hall = models.OneToOneField(
        "organizations.ServiceHall", on_delete=models.CASCADE, related_name="queue_settings"
    )
    opens = models.TimeField("开门时间", default=time(9, 0))
    closes = models.TimeField("关门时间", default=time(17, 0))
    book_days_ahead = models.PositiveSmallIntegerField("提前预约（工作日）", default=5)
    book_close_minutes = models.PositiveSmallIntegerField(
        "时段开始前多少分钟截止预约", default=0, help_text="0：时段开始时截止"
    )
    cancel_hours = models.PositiveSmallIntegerField("最晚取消（小时前）", default=2)
    noshow_limit = models.PositiveSmallIntegerField("爽约次数上限", default=3)
    noshow_days = models.PositiveSmallIntegerField("爽约统计期（天）", default=90)
    block_days = models.PositiveSmallIntegerField("限制预约（天）", default=30)
    turn_near_ahead = models.PositiveSmallIntegerField("前方剩余几位时提醒", default=3)
    recall_max = models.PositiveSmallIntegerField("最多重呼次数", default=3)
    priority_run = models.PositiveSmallIntegerField(
        "优先号连续叫号上限", default=2, help_text="有普通号等候时，一个窗口最多连续叫几个优先号"
    )
    green_age = models.PositiveSmallIntegerField("绿色通道年龄", default=70)
    wait_target_minutes = models.PositiveSmallIntegerField("等候时长目标（分钟）", default=30)

    class Meta:
        verbose_name = verbose_name_plural = "大厅预约叫号设置"

    def __str__(self) -> str:
        return f"{self.hall} 设置"


class BusinessType(models.Model):
    hall = models.ForeignKey(
        "organizations.ServiceHall",
        verbose_name="大厅",
        on_delete=models.CASCADE,
        related_name="business_types",
    )
    code = models.CharField("编码", max_length=32)
    name = models.CharField("名称", max_length=100)
    prefix = models.CharField("号码字头", max_length=2)
    items = models.ManyToManyField("catalog.Item", verbose_name="事项", blank=True, related_name="+")
    windows = models.ManyToManyField(
        "organizations.Window", verbose_name="服务窗口", blank=True, related_name="business_types"
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "业务类型"
        ordering = ["hall", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "code"], name="halls_business_code_uniq"),
            models.UniqueConstraint(fields=["hall", "prefix"], name="halls_business_prefix_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


class SlotCapacity(models.Model):
    """How many people a business type takes per bookable hour on every working day."""

    business = models.ForeignKey(BusinessType, on_delete=models.CASCADE, related_name="capacities")
    start = models.TimeField("开始")
    end = models.TimeField("结束")
    capacity = models.PositiveSmallIntegerField("可约人数")

    class Meta:
        verbose_name = verbose_name_plural = "时段容量"
        ordering = ["business", "start"]
        constraints = [
            models.UniqueConstraint(fields=["business", "start"], name="halls_capacity_uniq"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="halls_capacity_order"
            ),
        ]


class Slot(models.Model):
    """One bookable hour of one day (made from the capacities when first needed). `booked` moves
    only by conditional UPDATE (`booked < capacity`): exactly the capacity is ever booked."""

    business = models.ForeignKey(BusinessType, on_delete=models.CASCADE, related_name="slots")
    day = models.DateField("日期")
    start = models.DateTimeField("开始")
    end = models.DateTimeField("结束")
    capacity = models.PositiveSmallIntegerField("可约人数")
    booked = models.PositiveSmallIntegerField("已约人数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "预约时段"
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["business", "start"], name="halls_slot_uniq"),
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="halls_slot_cap"
            ),
        ]


class Closure(models.Model):
    """A day (or days) the hall does not serve: bookings in it are cancelled and their people told."""

    hall = models.ForeignKey("organizations.ServiceHall", on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField("起始日期")
    last_day = models.DateField("结束日期")
    reason = models.CharField("原因", max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "闭厅安排"
        ordering = ["-first_day"]


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "已预约"
    CHECKED_IN = "checked_in", "已签到"
    CANCELLED = "cancelled", "已取消"
    CLOSED = "closed", "闭厅取消"
    NO_SHOW = "no_show", "未到（爽约）"


ACTIVE_APPOINTMENT = [AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN]


class Appointment(models.Model):
    hall = models.ForeignKey("organizations.ServiceHall", on_delete=models.PROTECT, related_name="+")
    business = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="appointments")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    day = models.DateField("日期")
    code = models.CharField("预约码", max_length=12, unique=True)
    status = models.CharField(
        "状态", max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    reminded_day = models.BooleanField(default=False)
    reminded_hour = models.BooleanField(default=False)

    class Meta:
        verbose_name = verbose_name_plural = "预约"
        ordering = ["-slot__start"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "business", "day"],
                condition=models.Q(status__in=["booked", "checked_in"]),
                name="halls_one_booking_per_day",
            )
        ]
        indexes = [models.Index(fields=["person", "status"], name="halls_appt_person_status")]


class TicketStatus(models.TextChoices):
    WAITING = "waiting", "等候中"
    CALLED = "called", "已叫号"
    DONE = "done", "已办结"
    SKIPPED = "skipped", "过号"
    CANCELLED = "cancelled", "已作废"


class Ticket(models.Model):
    hall = models.ForeignKey("organizations.ServiceHall", on_delete=models.PROTECT, related_name="+")
    business = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField("日期")
    seq = models.PositiveIntegerField("序号")
    number = models.CharField("号码", max_length=8)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="ticket"
    )
    priority = models.BooleanField("优先", default=False)
    green_channel = models.BooleanField("绿色通道", default=False)
    status = models.CharField(
        "状态", max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    issued_at = models.DateTimeField("取号时间")
    queued_at = models.DateTimeField("排队时间")  # issue time; a transfer keeps it, a re-queue resets it
    called_at = models.DateTimeField("叫号时间", null=True, blank=True)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)
    target_window = models.ForeignKey(
        "organizations.Window", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    window = models.ForeignKey(
        "organizations.Window", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recalls = models.PositiveSmallIntegerField(default=0)
    requeued = models.BooleanField(default=False)
    transferred = models.BooleanField(default=False)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    token = models.CharField(max_length=24, unique=True, default=new_token)  # the phone link
    turn_near_sent = models.BooleanField(default=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "排队号"
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "day", "number"], name="halls_ticket_number_uniq"),
        ]
        indexes = [models.Index(fields=["hall", "day", "status"], name="halls_ticket_queue")]

    def __str__(self) -> str:
        return self.number


class TicketCounter(models.Model):
    """The last sequence number of a business type on a day (a conditional UPDATE moves it)."""

    business = models.ForeignKey(BusinessType, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["business", "day"], name="halls_counter_uniq")]


class WindowStatus(models.TextChoices):
    OPEN = "open", "开放"
    PAUSED = "paused", "暂停"


class WindowState(models.Model):
    window = models.OneToOneField(
        "organizations.Window", on_delete=models.CASCADE, related_name="queue_state"
    )
    status = models.CharField(max_length=8, choices=WindowStatus.choices, default=WindowStatus.OPEN)
    reason = models.CharField("暂停原因", max_length=100, blank=True)
    current = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "窗口叫号状态"


class CallAction(models.TextChoices):
    ISSUE = "issue", "取号"
    NEXT = "next", "叫号"
    RECALL = "recall", "重呼"
    SKIP = "skip", "过号"
    REQUEUE = "requeue", "过号重排"
    TRANSFER = "transfer", "转移"
    PAUSE = "pause", "暂停"
    RESUME = "resume", "恢复"
    FINISH = "finish", "办结"


class CallEvent(models.Model):
    """Every queue action, in order: the displays' "last calls" and the statistics read it."""

    hall = models.ForeignKey("organizations.ServiceHall", on_delete=models.CASCADE, related_name="+")
    window = models.ForeignKey(
        "organizations.Window", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=CallAction.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["hall", "action", "at"], name="halls_event_hall_action")]


class HallRoleKind(models.TextChoices):
    ADMIN = "admin", "大厅管理员"
    RECEPTION = "reception", "导办台"


class HallRole(models.Model):
    """Hall staff beyond the window clerks (who hold `organizations` clerk roles on a window)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hall_roles")
    hall = models.ForeignKey("organizations.ServiceHall", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=12, choices=HallRoleKind.choices)

    class Meta:
        verbose_name = verbose_name_plural = "大厅人员"
        constraints = [models.UniqueConstraint(fields=["user", "hall", "role"], name="halls_role_uniq")]


from .models_live import DisplayKey, SiteKind, Terminal  # noqa: E402,F401  (display keys, terminals: models_live.py)
