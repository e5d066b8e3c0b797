"""Staff training (培训), the question bank and exams (题库与考试), skill competitions (技能竞赛) and
certifications (持证上岗). docs/training.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Topic(models.TextChoices):
    WINDOW = "window", "窗口服务规范"
    PLATFORM = "platform", "平台系统操作"
    LAW = "law", "行政许可法与办事规则"
    RATING = "rating", "好差评"
    PROCEDURE = "procedure", "容缺受理与告知承诺制"
    BUNDLE = "bundle", "高效办成一件事"
    IDENTITY = "identity", "电子身份码与电子证照"


class Course(models.Model):
    title = models.CharField("课程名称", max_length=200)
    topic = models.CharField("主题", max_length=20, choices=Topic.choices)
    role = models.CharField(
        "面向角色", max_length=20, blank=True, help_text="organizations.Role；留空为所有人员"
    )
    summary = models.TextField("简介", blank=True)
    # [{"title": "...", "url": "/knowledge/..."}]: documents and the knowledge base's item guides
    materials = models.JSONField("学习材料", default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "培训课程"
        ordering = ["topic", "title"]

    def __str__(self) -> str:
        return self.title


class CourseAssignment(models.Model):
    """Staff the course is assigned to: those holding `role` (any when blank) within `department`
    and/or `region` (its subtree); by `due`."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField("角色", max_length=20, blank=True)
    department = models.ForeignKey(
        "organizations.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "organizations.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due = models.DateField("完成期限")

    class Meta:
        verbose_name = verbose_name_plural = "课程指派"


class CourseCompletion(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="completions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField("完成时间")

    class Meta:
        verbose_name = verbose_name_plural = "学习记录"
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="training_completion_once")]


class Kind(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    TRUE_FALSE = "true_false", "判断题"
    FILL = "fill", "填空题"
    SHORT = "short", "简答题"


CLOSED_KINDS = {Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE, Kind.FILL}


class Question(models.Model):
    """`options`: [{"value": "A", "label": "..."}] (single, multiple; true/false has the fixed
    values "true"/"false"); `answer`: the value (single, true/false), the sorted list of values
    (multiple), the accepted texts (fill) or a model answer (short, marked by a person)."""

    kind = models.CharField("题型", max_length=12, choices=Kind.choices)
    text = models.TextField("题干")
    options = models.JSONField("选项", default=list, blank=True)
    answer = models.JSONField("答案")
    explanation = models.TextField("解析", blank=True)
    topic = models.CharField("主题", max_length=20, choices=Topic.choices)
    difficulty = models.PositiveSmallIntegerField(
        "难度", choices=[(1, "易"), (2, "中"), (3, "难")], default=2
    )
    points = models.PositiveSmallIntegerField("分值", default=1)
    active = models.BooleanField("启用", default=True)
    needs_review = models.BooleanField("待复核", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "试题"
        ordering = ["topic", "difficulty", "pk"]
        indexes = [models.Index(fields=["topic", "difficulty", "active"], name="training_q_draw")]

    def __str__(self) -> str:
        return self.text[:40]


class Exam(models.Model):
    """`rules`: [{"topic": "law", "difficulty": 2, "count": 5}] — the paper draws `count` active
    questions of that topic and difficulty for each candidate."""

    title = models.CharField("考试名称", max_length=200)
    rules = models.JSONField("组卷规则")
    duration_minutes = models.PositiveIntegerField("时长（分钟）", default=30)
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("截止时间")
    pass_percent = models.PositiveSmallIntegerField("及格线（%）", default=60)
    max_attempts = models.PositiveSmallIntegerField("可考次数", default=1)
    roles = models.JSONField("面向角色", default=list, blank=True, help_text="空：所有工作人员")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "考试"
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return self.title


class AttemptStatus(models.TextChoices):
    OPEN = "open", "作答中"
    MARKING = "marking", "待阅卷"
    DONE = "done", "已出分"


class Attempt(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField("第几次", default=1)
    # The candidate's paper: [{"q": id, "o": ["C", "A", "B", "D"]}] in the shuffled order.
    paper = models.JSONField()
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField("结束时间（服务器时间）")
    submitted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.OPEN)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    passed = models.BooleanField(null=True)

    class Meta:
        verbose_name = verbose_name_plural = "答卷"
        constraints = [
            models.UniqueConstraint(fields=["exam", "user", "number"], name="training_attempt_number_uniq")
        ]


class Answer(models.Model):
    """One saved answer; saved as the candidate goes (one small transaction each)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(null=True)
    saved_at = models.DateTimeField()
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "作答"
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="training_answer_once")]


class QuestionStat(models.Model):
    """Moodle-style statistics of one question in one exam (first attempts only)."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="stats")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="stats")
    attempts = models.PositiveIntegerField()
    facility = models.FloatField("难度系数（得分率）")
    discrimination = models.FloatField("区分度", null=True)
    flag = models.CharField("提示", max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exam", "question"], name="training_stat_uniq")]


class Level(models.TextChoices):
    COMMUNITY = "community", "社区(村)"
    STREET = "street", "街道"
    DISTRICT = "district", "区"
    CITY = "city", "市"


LEVEL_ORDER = [Level.COMMUNITY, Level.STREET, Level.DISTRICT, Level.CITY]


class Competition(models.Model):
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("名称", max_length=200)

    class Meta:
        verbose_name = verbose_name_plural = "技能竞赛"
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title


class RoundKind(models.TextChoices):
    WRITTEN = "written", "笔试"
    PRACTICAL = "practical", "实操"


class Round(models.Model):
    """One level of the competition; `qualify`: how many of its ranking go on to the next level.
    A written round is an exam; a practical round is scored by judges against `rubric`
    ([{"criterion": "...", "max": 10}])."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="rounds")
    level = models.CharField("级别", max_length=12, choices=Level.choices)
    kind = models.CharField("形式", max_length=12, choices=RoundKind.choices)
    exam = models.OneToOneField(Exam, null=True, blank=True, on_delete=models.PROTECT, related_name="round")
    rubric = models.JSONField("评分细则", default=list, blank=True)
    qualify = models.PositiveIntegerField("晋级人数", default=3)
    closed = models.BooleanField("已结束", default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["competition", "level"], name="training_round_level_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.competition.title} {self.get_level_display()}赛"


class Entry(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.CharField("代表队", max_length=100)
    department = models.ForeignKey(
        "organizations.Department", null=True, blank=True, on_delete=models.PROTECT
    )
    window = models.ForeignKey("organizations.Window", null=True, blank=True, on_delete=models.PROTECT)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    qualified = models.BooleanField(default=False)
    certificate_no = models.CharField("证书编号", max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="training_entry_once")]


class JudgeScore(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="judge_scores")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scores = models.JSONField()  # {criterion: points}
    total = models.DecimalField(max_digits=7, decimal_places=2)
    scored_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "judge"], name="training_judge_once")]


class CertStatus(models.TextChoices):
    PENDING = "pending", "待核验"
    VERIFIED = "verified", "已核验"
    REJECTED = "rejected", "已退回"


class Certification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certifications"
    )
    kind = models.CharField("证书名称", max_length=100, default="行政办事员")
    number = models.CharField("证书编号", max_length=60)
    level = models.CharField("等级", max_length=30, blank=True)
    issuer = models.CharField("发证机构", max_length=100)
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期至")
    file = models.FileField("证书扫描件", upload_to="training/certifications/", blank=True)
    status = models.CharField(max_length=10, choices=CertStatus.choices, default=CertStatus.PENDING)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField("核验意见", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "职业资格证书"
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="training_cert_number_uniq")]


class HallRequirement(models.Model):
    """A hall that requires a valid certification for staff on its windows (持证上岗)."""

    hall = models.OneToOneField("organizations.ServiceHall", on_delete=models.CASCADE, related_name="+")
    requires_certification = models.BooleanField("窗口人员须持证上岗", default=True)
    kind = models.CharField("所需证书", max_length=100, default="行政办事员")

    class Meta:
        verbose_name = verbose_name_plural = "持证上岗要求"
