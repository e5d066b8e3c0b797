"""Ratings (好差评) and bad-review work orders (差评处置), DESIGN.md §4.7.

A rating is never changed or deleted once given; an accepted appeal only marks it `excluded`
(out of the statistics). A work order changes through one conditional UPDATE on `version` and
leaves one immutable WorkOrderStep per action (actor and note)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Stage(models.TextChoices):
    ACCEPT = "accept", "受理环节"
    COMPLETE = "complete", "办结环节"


class Level(models.TextChoices):
    """GB/T 39046 A.8; 4 and 5 are 差评."""

    VERY_SATISFIED = "1", "非常满意"
    SATISFIED = "2", "满意"
    BASICALLY_SATISFIED = "3", "基本满意"
    DISSATISFIED = "4", "不满意"
    VERY_DISSATISFIED = "5", "非常不满意"


BAD_LEVELS = ("4", "5")
GOOD_LEVELS = ("1", "2", "3")


class Channel(models.TextChoices):
    WEB = "web", "网站"
    MOBILE = "mobile", "移动端"
    KIOSK = "kiosk", "自助终端"
    DEVICE = "device", "窗口评价器"
    SMS = "sms", "短信评价"
    HOTLINE = "hotline", "12345热线"


class ChannelClass(models.TextChoices):
    """国办发〔2019〕51号."""

    PER_VISIT = "per_visit", "一次一评"
    PER_CASE = "per_case", "一事一评"
    PUBLIC = "public", "综合点评"
    SUPERVISION = "supervision", "监督查评"


CHANNEL_CLASS = {
    Channel.WEB: ChannelClass.PER_CASE,
    Channel.MOBILE: ChannelClass.PER_CASE,
    Channel.SMS: ChannelClass.PER_CASE,
    Channel.KIOSK: ChannelClass.PER_VISIT,
    Channel.DEVICE: ChannelClass.PER_VISIT,
    Channel.HOTLINE: ChannelClass.SUPERVISION,
}


class DimensionKind(models.TextChoices):
    ONLINE = "online", "线上评价"
    OFFLINE = "offline", "线下评价"


# DESIGN.md §4.7: online and offline dimensions.
DIMENSIONS = {
    DimensionKind.ONLINE: {
        "overall": "整体满意度",
        "efficiency": "办事效率",
        "guide_accuracy": "办事指南精确度",
        "convenience": "办事便捷度",
        "operability": "平台操作性",
    },
    DimensionKind.OFFLINE: {
        "overall": "整体满意度",
        "efficiency": "服务效率",
        "service_level": "服务水平",
        "attitude": "服务态度",
    },
}
CHANNEL_DIMENSIONS = {
    Channel.WEB: DimensionKind.ONLINE,
    Channel.MOBILE: DimensionKind.ONLINE,
    Channel.SMS: DimensionKind.ONLINE,
    Channel.KIOSK: DimensionKind.ONLINE,
    Channel.DEVICE: DimensionKind.OFFLINE,
    Channel.HOTLINE: DimensionKind.OFFLINE,
}

# Bad-review options (差评选项) after GB/T 39734-2020's annex; codes are stable identifiers.
BAD_TAGS = {
    "not_told_once": "未一次性告知",
    "many_trips": "多次跑动",
    "excess_materials": "材料繁琐或重复提交",
    "slow": "办理时间长",
    "overdue": "超时办理",
    "bad_attitude": "服务态度差",
    "unskilled": "业务不熟练",
    "buck_passing": "推诿扯皮",
    "guide_inaccurate": "办事指南不准确",
    "platform_hard": "平台操作不便",
    "system_failure": "系统故障",
    "unreasonable_fee": "收费不合理",
    "other": "其他",
}


class Evaluation(models.Model):
    case = models.ForeignKey(
        "cases.Case", verbose_name="办件", on_delete=models.PROTECT, related_name="evaluations"
    )
    stage = models.CharField("评价环节", max_length=10, choices=Stage.choices)
    level = models.CharField("评价等级", max_length=1, choices=Level.choices)
    channel = models.CharField("评价渠道", max_length=10, choices=Channel.choices)
    channel_class = models.CharField("渠道类别", max_length=12, choices=ChannelClass.choices)
    dimension_kind = models.CharField("评价维度", max_length=8, choices=DimensionKind.choices)
    dimensions = models.JSONField("分项评价", default=dict, blank=True)
    tags = models.JSONField("差评选项", default=list, blank=True)
    comment = models.TextField("评价内容", blank=True)
    anonymous = models.BooleanField("匿名", default=False)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评价人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代录人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Rated objects, copied from the case when the rating is given.
    department = models.ForeignKey(
        "organizations.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("organizations.Region", on_delete=models.PROTECT, related_name="+")
    hall = models.ForeignKey(
        "organizations.ServiceHall", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        "organizations.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="服务人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey("catalog.Item", on_delete=models.PROTECT, related_name="+")
    ticket = models.CharField("排队号", max_length=20, blank=True)
    rated_at = models.DateTimeField("评价时间")
    rated_on = models.DateField("评价日期", db_index=True)
    excluded = models.BooleanField("不计入统计（申诉成立）", default=False)
    excluded_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评价"
        ordering = ["-rated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage"], name="evaluations_one_per_stage"),
        ]
        indexes = [models.Index(fields=["department", "rated_on"], name="evaluations_dept_day")]

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class Invitation(models.Model):
    """After 办结 the applicant is invited to rate; one reminder after 3 calendar days unrated.
    The SMS link carries a signed one-time token naming this row."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="evaluation_invitation")
    created_at = models.DateTimeField()
    remind_after = models.DateTimeField(db_index=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    token_nonce = models.CharField(max_length=32)
    token_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评价邀请"


class OrderStatus(models.TextChoices):
    RECEIVED = "received", "差评受理"
    VERIFIED = "verified", "已调查核实"
    APPEALING = "appealing", "申诉复核中"
    VOID = "void", "申诉成立"
    ASSIGNED = "assigned", "已分办"
    RECTIFYING = "rectifying", "整改中"
    DISPOSED = "disposed", "已处置"
    REVISITED = "revisited", "已回访"
    SUPERVISING = "supervising", "督办中"
    CLOSED = "closed", "已办结"


class Disposal(models.TextChoices):
    FIXED = "fixed", "立行立改"
    RECTIFY = "rectify", "限期整改"
    EXPLAIN = "explain", "解释说明"


class RevisitResult(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class WorkOrder(models.Model):
    """差评处置工单 (API: rectifications)."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="work_order")
    number = models.CharField("工单编号", max_length=32, unique=True)
    department = models.ForeignKey(
        "organizations.Department", verbose_name="被评价部门", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.Department",
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey("organizations.Region", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "状态", max_length=12, choices=OrderStatus.choices, default=OrderStatus.RECEIVED, db_index=True
    )
    version = models.PositiveIntegerField(default=1)
    received_on = models.DateField("受理日期")
    limit_days = models.PositiveIntegerField("办理时限（工作日）")
    due_date = models.DateField("办结期限", db_index=True)
    appeal_used = models.BooleanField(default=False)
    disposal = models.CharField("处置方式", max_length=8, choices=Disposal.choices, blank=True)
    rectify_deadline = models.DateField("整改期限", null=True, blank=True)
    handled_on = models.DateField("处置完成日期", null=True, blank=True)
    revisit_result = models.CharField(max_length=12, choices=RevisitResult.choices, blank=True)
    revisited_on = models.DateField("回访日期", null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "差评处置工单"
        ordering = ["due_date", "id"]


class WorkOrderStep(models.Model):
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField()
    on = models.DateField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="evaluations_step_seq_uniq")]


class HandlingLimit(models.Model):
    """Working days allowed for a bad review in a region (and the regions below it without
    their own row). Default 5 (DESIGN.md §4.7: local limits 5–15)."""

    region = models.OneToOneField("organizations.Region", on_delete=models.CASCADE, related_name="+")
    limit_days = models.PositiveSmallIntegerField("差评办理时限（工作日）", default=5)

    class Meta:
        verbose_name = verbose_name_plural = "差评办理时限"


class RatingDevice(models.Model):
    """A tablet at a window (窗口评价器). It authenticates with a secret kept only as a lookup hash."""

    window = models.ForeignKey("organizations.Window", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "窗口评价器"


class WindowServing(models.Model):
    """What a window is serving now: the queue ticket called and the case it concerns. Set by the
    clerk (or the queue system) and read by the window's rating device."""

    window = models.OneToOneField("organizations.Window", on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ticket = models.CharField(max_length=20, blank=True)
    stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
