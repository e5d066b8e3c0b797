"""高效办成一件事: a bundle ("one thing") of service items handled together — one questionnaire,
one merged form, one set of materials, one submission fanned out to each department's case."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# 《行政许可法》§42 ¶2: joint handling by several departments within 45 days, +15 with approval.
JOINT_LIMIT_DAYS = 45
JOINT_EXTENSION_DAYS = 15


class Audience(models.TextChoices):
    PERSON = "person", "个人"
    LEGAL = "legal", "企业"
    # Either, as the applicant's answer decides: one question's options carry the account kind
    # ({"value": "individual", "label": "个体工商户", "audience": "person"}), e.g. 开办餐饮店.
    ANY = "any", "个人和企业"


class BundleStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class Bundle(models.Model):
    code = models.SlugField("一件事编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    audience = models.CharField("服务对象", max_length=10, choices=Audience.choices)
    summary = models.TextField("一次告知", blank=True, help_text="办事指南：适用情形、办理流程、注意事项")
    lead_department = models.ForeignKey(
        "organizations.Department", verbose_name="牵头部门", on_delete=models.PROTECT, related_name="+"
    )
    promised_days = models.PositiveSmallIntegerField("承诺办结时限（工作日）")
    extension_approved = models.BooleanField(
        "经批准延长15日",
        default=False,
        help_text="《行政许可法》第四十二条第二款：联合办理45日，经批准可延长15日",
    )
    questionnaire = models.JSONField(
        "情形引导",
        default=list,
        blank=True,
        help_text='[{"id": "insured", "text": "孩子是否已参加医保？", "options": [{"value": "no", "label": "否"}]}]；'
        '"multiple": true 为多选（勾选即办：答案为所选选项的列表）；选项可带 "audience": "person"/"legal"，'
        "服务对象为“个人和企业”的一件事据此确定申请账号类型",
    )
    repeat_party = models.CharField(
        "可重复主体", max_length=20, blank=True, help_text="如 employee：员工录用一次提交多名职工"
    )
    status = models.CharField("状态", max_length=10, choices=BundleStatus.choices, default=BundleStatus.DRAFT)
    version = models.PositiveIntegerField("发布版本", default=0)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    merged_schema = models.JSONField("合并申请表", default=dict, blank=True, editable=False)
    merged_materials = models.JSONField("合并材料", default=list, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "一件事"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="components")
    item = models.ForeignKey("catalog.Item", verbose_name="事项", on_delete=models.PROTECT, related_name="+")
    item_version = models.ForeignKey(
        "catalog.ItemVersion",
        verbose_name="所用事项版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="发布时固定为事项当时的已发布版本",
    )
    position = models.PositiveSmallIntegerField(default=0)
    when = models.JSONField(
        "适用情形", default=dict, blank=True, help_text='{"问题id": ["选项", ...]}；全部满足时办理，空为必办'
    )
    depends_on = models.JSONField("前置事项", default=list, blank=True, help_text="需要其结果的事项实施编码")
    required = models.BooleanField("统一出件前须办结", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "一件事事项"
        ordering = ["bundle", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item"], name="bundles_item_once")]

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.item_id}"


class BundleCaseStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "办理中"
    SUPPLEMENT_REQUESTED = "supplement_requested", "待补正"
    COMPLETED = "completed", "已办结"
    PARTLY_COMPLETED = "partly_completed", "部分办结"
    FAILED = "failed", "未能办结"
    WITHDRAWN = "withdrawn", "已撤回"


class BundleCase(models.Model):
    number = models.CharField("一件事编号", max_length=40, unique=True)
    bundle = models.ForeignKey(Bundle, verbose_name="一件事", on_delete=models.PROTECT, related_name="cases")
    bundle_version = models.PositiveIntegerField("一件事版本")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人账号",
        on_delete=models.PROTECT,
        related_name="bundle_cases",
    )
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("渠道", max_length=10)
    answers = models.JSONField("情形答案", default=dict)
    status = models.CharField(
        "状态", max_length=24, choices=BundleCaseStatus.choices, default=BundleCaseStatus.IN_PROGRESS
    )
    version = models.PositiveIntegerField(default=1)
    received_on = models.DateField("收件日期")
    promised_days = models.PositiveSmallIntegerField("承诺时限（工作日）")
    due_date = models.DateField("承诺办结日期")
    due_date_provisional = models.BooleanField(default=False)
    savings = models.JSONField("减填减交减跑", default=dict)
    outcome = models.JSONField("办理结果", default=dict, blank=True)
    delivered_at = models.DateTimeField("统一出件时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "一件事办件"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="bundles_case_owner")]

    def __str__(self) -> str:
        return self.number


class BundleChild(models.Model):
    """One department case of a bundle case."""

    bundle_case = models.ForeignKey(BundleCase, on_delete=models.CASCADE, related_name="children")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="bundle_link")
    item_code = models.CharField(max_length=80)
    party_index = models.PositiveSmallIntegerField(default=0, help_text="可重复主体的序号（如第几名职工）")
    depends_on = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=True)
    stopped_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["bundle_case", "id"]


class BundleMessage(models.Model):
    """What the applicant is told about the bundle as a whole: a refusal at once, one combined
    supplement notice, the unified delivery (统一出件)."""

    class Kind(models.TextChoices):
        REFUSAL = "refusal", "事项未获办理"
        SUPPLEMENT = "supplement", "补齐补正告知（合并）"
        DELIVERY = "delivery", "统一出件"

    bundle_case = models.ForeignKey(BundleCase, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=120, help_text="幂等键：同一事实只告知一次")
    at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict)
    notified = models.BooleanField(default=False)

    class Meta:
        ordering = ["bundle_case", "at", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle_case", "key"], name="bundles_message_once")]
