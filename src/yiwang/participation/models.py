"""共同缔造 (public participation, DESIGN.md §2): 群众提 (proposals), 群众议 (discussion of proposals
and of drafts of process changes a department publishes), 群众谈 (experiences of doing a service)
and 群众评 (the proposer and supporters rate the result once a change is done).

A proposal changes status through one conditional UPDATE on `version`; every change made by the
responsible department is a public Answer. Posts and comments that hit the sensitive-word filter
are held (`moderation=held`) until a moderator publishes or rejects them, with a reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    PROPOSAL = "proposal", "群众提：需求与改进建议"
    DRAFT = "draft", "群众议：流程调整草案"
    EXPERIENCE = "experience", "群众谈：办事体验"


class Target(models.TextChoices):
    ITEM = "item", "服务事项"
    HALL = "hall", "服务大厅"
    PROCESS = "process", "办事流程"
    OTHER = "other", "其他"


class Status(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    UNDER_REVIEW = "under_review", "研究中"
    ACCEPTED = "accepted", "已采纳"
    DECLINED = "declined", "未采纳"
    IN_PROGRESS = "in_progress", "实施中"
    DONE = "done", "已完成"
    PUBLISHED = "published", "已发布"  # 群众谈 posts: no workflow


class Moderation(models.TextChoices):
    PUBLISHED = "published", "已公开"
    HELD = "held", "待审核"
    REJECTED = "rejected", "未通过审核"


class Proposal(models.Model):
    number = models.CharField("编号", max_length=24, unique=True, null=True, blank=True)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    target = models.CharField("对象", max_length=10, choices=Target.choices, default=Target.ITEM)
    item = models.ForeignKey(
        "catalog.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hall = models.ForeignKey(
        "organizations.ServiceHall", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_name = models.CharField("对象名称", max_length=200, blank=True)
    department = models.ForeignKey(
        "organizations.Department", verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("organizations.Region", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("标题", max_length=100)
    body = models.TextField("内容")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=12, choices=Status.choices, db_index=True)
    version = models.PositiveIntegerField(default=1)
    moderation = models.CharField(
        "审核", max_length=10, choices=Moderation.choices, default=Moderation.PUBLISHED, db_index=True
    )
    moderation_reason = models.TextField("审核说明", blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间")
    submitted_on = models.DateField("提交日期")
    answer_due = models.DateField("答复期限", null=True, blank=True, db_index=True)
    answered_on = models.DateField("首次答复日期", null=True, blank=True)
    support_count = models.PositiveIntegerField("支持数", default=0)
    comment_count = models.PositiveIntegerField("评论数", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "共同缔造"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["department", "status"], name="participation_dept_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("评论")
    moderation = models.CharField(
        max_length=10, choices=Moderation.choices, default=Moderation.PUBLISHED, db_index=True
    )
    moderation_reason = models.TextField(blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "评论"
        ordering = ["created_at", "id"]


class Support(models.Model):
    """One support per person and proposal (群众议)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "支持"
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="participation_one_support")]


class Answer(models.Model):
    """A public answer of the responsible department; `action` may move the proposal on."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="answers")
    action = models.CharField(max_length=12)
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    body = models.TextField("答复内容")
    department = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    on = models.DateField()

    class Meta:
        verbose_name = verbose_name_plural = "部门答复"
        ordering = ["at", "id"]


class ResultRating(models.Model):
    """群众评: the proposer or a supporter rates the implemented change (levels 1..5 as 好差评)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="result_ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=1)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "实施效果评价"
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="participation_one_result_rating")
        ]


class SensitiveWord(models.Model):
    """The sensitive-word list (admin-editable; the shipped list is loaded by a data migration).
    Read through `services.sensitive_words()`, which keeps it in the shared cache."""

    word = models.CharField("敏感词", max_length=50, unique=True)
    active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "敏感词"
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class OverdueNotice(models.Model):
    """A proposal whose first department answer is overdue was notified for this deadline: the
    unique constraint makes the notice exactly-once per deadline, whatever runs the sweep."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="overdue_notices")
    deadline = models.DateField()
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "deadline"], name="participation_one_notice_per_deadline"
            )
        ]


class MissionChannel(models.TextChoices):
    ONLINE = "online", "网上办"
    MOBILE = "mobile", "掌上办"
    HALL = "hall", "窗口办"
    SELF = "self", "自助办"
    PHONE = "phone", "电话咨询"


class MissionStatus(models.TextChoices):
    OPEN = "open", "体验中"
    DONE = "done", "已完成"


class Mission(models.Model):
    """办事体验: a staff member performs a service as a citizen would and records findings."""

    number = models.CharField("编号", max_length=24, unique=True, null=True, blank=True)
    title = models.CharField("体验主题", max_length=100)
    task = models.TextField("体验任务")
    channel = models.CharField("体验渠道", max_length=8, choices=MissionChannel.choices)
    department = models.ForeignKey(
        "organizations.Department", verbose_name="体验部门", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("organizations.Region", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        "catalog.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hall = models.ForeignKey(
        "organizations.ServiceHall", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_name = models.CharField("体验事项", max_length=200, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="体验人", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=8, choices=MissionStatus.choices, default=MissionStatus.OPEN)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    summary = models.TextField("体验小结", blank=True)
    finished_on = models.DateField("完成日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办事体验"
        ordering = ["-created_at", "-id"]


class FindingKind(models.TextChoices):
    PROBLEM = "problem", "问题"
    SUGGESTION = "suggestion", "建议"
    GOOD = "good", "亮点"


class FindingOutcome(models.TextChoices):
    PENDING = "", "待处理"
    PROPOSAL = "proposal", "已转为改进建议"
    RECTIFICATION = "rectification", "已转为整改事项"


class RectificationStatus(models.TextChoices):
    OPEN = "open", "整改中"
    DONE = "done", "已整改"


class RectificationItem(models.Model):
    """整改事项 from a 办事体验 finding: the department fixes it by a deadline."""

    number = models.CharField("编号", max_length=24, unique=True, null=True, blank=True)
    department = models.ForeignKey(
        "organizations.Department", verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("organizations.Region", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("整改事项", max_length=100)
    body = models.TextField("问题描述")
    due_date = models.DateField("整改期限")
    status = models.CharField(
        "状态", max_length=8, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    done_on = models.DateField("整改完成日期", null=True, blank=True)
    done_note = models.TextField("整改情况", blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "整改事项"
        ordering = ["due_date", "id"]


class Finding(models.Model):
    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="findings")
    seq = models.PositiveIntegerField()
    step = models.CharField("办事环节", max_length=100, blank=True)
    kind = models.CharField("类型", max_length=12, choices=FindingKind.choices)
    body = models.TextField("发现")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    outcome = models.CharField(
        "处理", max_length=14, choices=FindingOutcome.choices, default=FindingOutcome.PENDING, blank=True
    )
    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="mission_finding"
    )
    rectification = models.OneToOneField(
        RectificationItem, null=True, blank=True, on_delete=models.PROTECT, related_name="finding"
    )

    class Meta:
        verbose_name = verbose_name_plural = "体验发现"
        ordering = ["mission", "seq"]
        constraints = [models.UniqueConstraint(fields=["mission", "seq"], name="participation_finding_seq")]
