"""考核督办: scoring rules (评分细则) by version, assessments of a quarter (frozen once closed),
appeals of a value or deduction, rectification tasks (问题整改清单) on the platform's workflow,
and bulletins (日报告、周调度、月通报、考核通报).

Indicator formulas live in code (`indicators.py`): a registry, not rows, so every formula is
tested. What changes by period — weights, thresholds, deductions — is data here, versioned."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Level(models.TextChoices):
    CITY = "city", "市"
    DISTRICT = "district", "区"
    STREET = "street", "街道"
    DEPARTMENT = "department", "部门"
    HALL = "hall", "大厅"
    ITEM = "item", "事项"


class RuleSet(models.Model):
    """评分细则, one version per row; an assessment names the version it used. A version in use by
    a closed assessment is never changed (a new version is written instead)."""

    version = models.PositiveIntegerField("版本", unique=True)
    name = models.CharField("名称", max_length=100)
    valid_from = models.DateField("适用起始日期")
    # {"lines": [{"indicator", "weight", "target", "steps": [[threshold, points], …]}],
    #  "deductions": [{"code", "label", "per", "cap"}], "bonus_cap": float}
    rules = models.JSONField("评分规则")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "评分细则"
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "计算中"
    PUBLISHED = "published", "已公布（可申诉）"
    CLOSED = "closed", "已定稿"


class Assessment(models.Model):
    """The quarterly assessment of one level (districts or departments). `results` holds the
    ranked units and every line that makes their score; once closed it is frozen with the rule
    version and each line's record count, so a rerun returns the same numbers."""

    period = models.CharField("考核周期", max_length=10)  # 2026-Q3
    level = models.CharField("考核对象", max_length=12, choices=Level.choices)
    ruleset = models.ForeignKey(RuleSet, verbose_name="评分细则", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "状态", max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    results = models.JSONField("结果", default=list)
    inputs = models.JSONField("输入版本", default=dict)
    computed_at = models.DateTimeField("计算时间")
    closed_at = models.DateTimeField("定稿时间", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "考核评估"
        ordering = ["-period", "level"]
        constraints = [
            models.UniqueConstraint(fields=["period", "level"], name="supervision_assessment_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.get_level_display()}考核"


class AppealStatus(models.TextChoices):
    PENDING = "pending", "待裁定"
    ACCEPTED = "accepted", "申诉成立"
    REJECTED = "rejected", "申诉不成立"


class Appeal(models.Model):
    """A department's appeal of a value or a deduction of its assessment line, with evidence;
    decided by a supervisor with a recorded reason. An accepted appeal changes the line's value
    (old and new value kept here) and the assessment is recomputed."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="appeals")
    unit_code = models.CharField("考核对象", max_length=40)
    line = models.CharField("指标或扣分项", max_length=60)
    kind = models.CharField("申诉类型", max_length=10, choices=[("value", "指标值"), ("deduction", "扣分")])
    claimed = models.FloatField("申诉值")
    original = models.FloatField("原值", null=True, blank=True)
    evidence = models.TextField("申诉理由及证据")
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING)
    version = models.PositiveIntegerField(default=1)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_value = models.FloatField("裁定值", null=True, blank=True)
    reason = models.TextField("裁定理由", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "考核申诉"
        ordering = ["-filed_at", "-id"]


class Bonus(models.Model):
    """加分项: awarded by a supervisor to a unit in an assessment, with its reason."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="bonuses")
    unit_code = models.CharField(max_length=40)
    points = models.FloatField("加分")
    reason = models.CharField("加分理由", max_length=200)
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "考核加分"


class TaskSource(models.TextChoices):
    INDICATOR = "indicator", "指标未达标"
    OVERDUE_CASE = "overdue_case", "超期办件"
    BAD_REVIEW = "bad_review", "差评"
    FINDING = "finding", "暗访/体验发现"
    BULLETIN = "bulletin", "通报问题"
    MANUAL = "manual", "督查交办"


class TaskStatus(models.TextChoices):
    ASSIGNED = "assigned", "整改中"
    SUBMITTED = "submitted", "待核验"
    RETURNED = "returned", "已退回"
    CLOSED = "closed", "已销号"


OPEN_TASK = (TaskStatus.ASSIGNED, TaskStatus.SUBMITTED, TaskStatus.RETURNED)


class Task(models.Model):
    """问题整改清单 entry: assigned to a department with a working-day deadline; the department
    submits evidence, the supervisor verifies and closes it or returns it. Sources are linked,
    never copied: the overdue case, the bad-review work order of `evaluations`, the 办事体验
    rectification item of `participation`, or an indicator of a period and unit."""

    number = models.CharField("编号", max_length=24, unique=True)
    source = models.CharField("问题来源", max_length=14, choices=TaskSource.choices)
    title = models.CharField("整改事项", max_length=120)
    body = models.TextField("问题描述")
    department = models.ForeignKey(
        "organizations.Department", verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("organizations.Region", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    work_order = models.OneToOneField(
        "evaluations.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_task",
    )
    finding_item = models.OneToOneField(
        "participation.RectificationItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_task",
    )
    bulletin = models.ForeignKey(
        "Bulletin", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    indicator = models.CharField("指标", max_length=60, blank=True)
    period = models.CharField("周期", max_length=10, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.ASSIGNED, db_index=True
    )
    version = models.PositiveIntegerField(default=1)
    assigned_on = models.DateField("下发日期")
    limit_days = models.PositiveSmallIntegerField("整改时限（工作日）")
    due_date = models.DateField("整改期限", db_index=True)
    evidence = models.TextField("整改情况及佐证", blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    escalated_at = models.DateTimeField("超期督办时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "整改任务"
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(source="overdue_case", case__isnull=False),
                name="supervision_task_one_per_overdue_case",
            ),
            models.UniqueConstraint(
                fields=["indicator", "period", "department"],
                condition=models.Q(source="indicator"),
                name="supervision_task_one_per_indicator_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class TaskStep(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField()
    on = models.DateField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["task", "seq"]
        constraints = [models.UniqueConstraint(fields=["task", "seq"], name="supervision_taskstep_seq")]


class BulletinKind(models.TextChoices):
    DAILY = "daily", "日重点问题整改通报"
    WEEKLY = "weekly", "周调度"
    MONTHLY = "monthly", "月通报"
    QUARTERLY = "quarterly", "考核通报"


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", "待审核"
    REVIEWED = "reviewed", "已审核"
    PUBLISHED = "published", "已发布"


class Bulletin(models.Model):
    """A bulletin generated from the indicators and the open tasks of its period, reviewed and
    published; its content is kept as generated (a rerun of the generator does not touch a
    bulletin that was reviewed)."""

    kind = models.CharField("类型", max_length=10, choices=BulletinKind.choices)
    period = models.CharField("周期", max_length=12)  # 2026-11-20 / 2026-W47 / 2026-11 / 2026-Q3
    period_start = models.DateField()
    period_end = models.DateField()
    year = models.PositiveSmallIntegerField()
    issue = models.PositiveIntegerField("期号")
    title = models.CharField("标题", max_length=200)
    content = models.JSONField("内容", default=dict)
    status = models.CharField(
        "状态", max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    generated_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "督办通报"
        ordering = ["-period_start", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "period"], name="supervision_bulletin_one_per_period"),
            models.UniqueConstraint(fields=["kind", "year", "issue"], name="supervision_bulletin_issue"),
        ]

    def __str__(self) -> str:
        return self.title


class BulletinStep(models.Model):
    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["bulletin", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "seq"], name="supervision_bulletinstep_seq")
        ]


# --- incremental summaries (summaries.py) -----------------------------------------------------
class Counters(models.Model):
    """The counters the summarised indicators are made of (summaries.COUNTERS)."""

    received = models.IntegerField(default=0)
    received_online = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    completed_on_time = models.IntegerField(default=0)
    completed_online = models.IntegerField(default=0)
    completed_rated = models.IntegerField(default=0)
    completed_visits = models.IntegerField(default=0)
    ratings = models.IntegerField(default=0)
    ratings_good = models.IntegerField(default=0)
    ratings_bad = models.IntegerField(default=0)
    bad_in_time = models.IntegerField(default=0)
    bad_handled = models.IntegerField(default=0)
    bad_real_name = models.IntegerField(default=0)
    bad_real_name_revisited = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DailyCount(Counters):
    """Counters of one day × region (the record's own: a street or district) × department, from
    which the dashboard tiles and trends are summed (docs/supervision.md, 增量汇总). Rewritten per
    day by `summaries.refresh` from the records; never edited by hand."""

    day = models.DateField()
    region = models.ForeignKey(
        "organizations.Region", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    department = models.ForeignKey(
        "organizations.Department", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "日汇总"
        constraints = [
            models.UniqueConstraint(fields=["day", "region", "department"], name="supervision_daily_cell"),
        ]
        indexes = [models.Index(fields=["department", "day"], name="supervision_daily_dept")]


class MonthCount(Counters):
    """The month's `DailyCount` rows summed per district (a street's or community's district; a
    region above the districts stays itself) × department: what city, district and department
    tiles of whole months read (a few thousand cells a quarter instead of every day's). Rewritten
    per month by `summaries.refresh` from `DailyCount` after the month's days were; never edited
    by hand."""

    month = models.DateField()  # the first day of the month
    region = models.ForeignKey(
        "organizations.Region", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    department = models.ForeignKey(
        "organizations.Department", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "月汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region", "department"], name="supervision_monthly_cell"
            ),
        ]
        indexes = [models.Index(fields=["department", "month"], name="supervision_monthly_dept")]


class SummaryMark(models.Model):
    """A day whose counters changed: written by database triggers on cases, ratings and work
    orders in the same transaction as the change (the day of receipt, of completion — a time,
    its local day taken on refresh — or of rating), consumed by `summaries.refresh`."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField(null=True)
    at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = verbose_name_plural = "汇总待刷新标记"
