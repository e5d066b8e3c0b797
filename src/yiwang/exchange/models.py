"""数据共享交换: the data resource catalogue (数据资源目录), sharing agreements, consent, the query
message log, local registers of the demo resources, external department systems with their keys,
the signed-request nonce store and circuit breakers shared by all processes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class SharingType(models.TextChoices):
    UNCONDITIONAL = "unconditional", "无条件共享"
    CONDITIONAL = "conditional", "有条件共享"
    NONE = "none", "不予共享"


class OpenType(models.TextChoices):
    """开放类型 (GB/T 21063.3 / 公共数据开放): whether the public may have the resource."""

    UNCONDITIONAL = "unconditional", "无条件开放"
    CONDITIONAL = "conditional", "有条件开放"
    NONE = "none", "不予开放"


class SubjectKind(models.TextChoices):
    PERSON = "person", "自然人"
    ORG = "org", "法人和其他组织"


class AdapterKind(models.TextChoices):
    LOCAL = "local", "本地登记库"
    HTTP = "http", "部门系统接口"


class UpdateFrequency(models.TextChoices):
    REALTIME = "realtime", "实时"
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    YEARLY = "yearly", "每年"


# Purposes a query may name (machine code -> Chinese). An agreement lists the ones it covers.
PURPOSES: dict[str, str] = {
    "prefill": "办事表单预填（免填写）",
    "case_handling": "办件受理审核",
    "verification": "身份与资格核验",
    "supervision": "事中事后监管",
}


class ExternalSystem(models.Model):
    """A department system outside the platform (or a provincial/national vertical system): it
    calls the gateway with HTTP Message Signatures under `key_id`, and/or answers queries at
    `base_url`, signing its responses with the same key."""

    name = models.CharField("系统名称", max_length=100)
    department = models.ForeignKey(
        "organizations.Department", verbose_name="所属部门", on_delete=models.PROTECT, related_name="+"
    )
    key_id = models.CharField("签名密钥标识", max_length=100, unique=True)
    public_key = models.BinaryField("Ed25519 公钥")
    base_url = models.URLField("接口地址", blank=True)
    timeout_seconds = models.FloatField("超时（秒）", default=3.0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "部门系统"

    def __str__(self) -> str:
        return self.name


class DataResource(models.Model):
    code = models.CharField("资源代码", max_length=60, unique=True)
    name = models.CharField("资源名称", max_length=100)
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name="提供部门",
        on_delete=models.PROTECT,
        related_name="data_resources",
    )
    description = models.TextField("摘要", blank=True)
    subject_kind = models.CharField("信息主体", max_length=10, choices=SubjectKind.choices)
    sharing_type = models.CharField("共享类型", max_length=16, choices=SharingType.choices)
    sharing_condition = models.CharField("共享条件", max_length=300, blank=True)
    update_frequency = models.CharField(
        "更新周期", max_length=10, choices=UpdateFrequency.choices, default=UpdateFrequency.DAILY
    )
    # GB/T 21063.3 core metadata beyond name, summary (description), provider (department) and the
    # sharing type: classification, identifier, metadata update date, open type (数据一本账)
    classification = models.CharField("资源分类", max_length=100, blank=True)
    identifier = models.CharField("资源标识符", max_length=60, blank=True, help_text="留空则为资源代码")
    metadata_updated = models.DateField("元数据更新日期", null=True, blank=True)
    open_type = models.CharField("开放类型", max_length=16, choices=OpenType.choices, default=OpenType.NONE)
    source_system = models.CharField("来源系统", max_length=100)
    legal_basis = models.CharField("法律依据", max_length=300)
    consent_required = models.BooleanField(
        "须经信息主体授权", default=False, help_text="法律依据不足以免除本人同意时，查询前须取得本人授权"
    )
    owner = models.CharField("责任处室/责任人", max_length=100, blank=True)
    adapter = models.CharField("提供方式", max_length=10, choices=AdapterKind.choices, default="local")
    system = models.ForeignKey(
        ExternalSystem, verbose_name="提供系统", null=True, blank=True, on_delete=models.PROTECT
    )
    active = models.BooleanField("在用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "数据资源"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class ResourceElement(models.Model):
    """One data element (信息项) of a resource, bound to a canonical base where one exists."""

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="elements")
    code = models.CharField("信息项代码", max_length=60)
    name = models.CharField("信息项名称", max_length=100)
    base = models.CharField("对应标准数据元", max_length=60, blank=True)
    data_type = models.CharField("类型", max_length=20, default="string")
    sensitive = models.BooleanField("个人敏感信息", default=False)
    mask = models.CharField("脱敏方式", max_length=20, blank=True)
    authoritative = models.BooleanField("权威来源", default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "信息项"
        ordering = ["resource", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "code"], name="exchange_element_code_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class AgreementStatus(models.TextChoices):
    REQUESTED = "requested", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "已拒绝"
    REVOKED = "revoked", "已终止"


class Agreement(models.Model):
    """A consuming department's sharing agreement for named elements of one resource."""

    resource = models.ForeignKey(DataResource, on_delete=models.PROTECT, related_name="agreements")
    consumer = models.ForeignKey(
        "organizations.Department", verbose_name="使用部门", on_delete=models.PROTECT, related_name="+"
    )
    requested_elements = models.JSONField("申请信息项", default=list)
    requested_until = models.DateField("申请有效期至")
    purposes = models.JSONField("用途", default=list)
    purpose_note = models.CharField("用途说明", max_length=300, blank=True)
    legal_basis = models.CharField("使用依据", max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=AgreementStatus.choices, default="requested")
    elements = models.JSONField("批准信息项", default=list)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("有效期至", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField("审批意见", max_length=500, blank=True)
    automatic = models.BooleanField("自动批准（无条件共享）", default=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField("终止时间", null=True, blank=True)
    revoked_side = models.CharField("终止方", max_length=10, blank=True)  # provider | consumer
    revoke_reason = models.CharField("终止理由", max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    request_entry = models.BigIntegerField(null=True, blank=True, db_index=True)
    decision_entry = models.BigIntegerField(null=True, blank=True, db_index=True)
    revoke_entry = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "共享协议"
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["consumer", "resource", "status"])]

    def __str__(self) -> str:
        return f"协议 {self.pk}：{self.consumer} 使用 {self.resource.name}"


class ConsentStatus(models.TextChoices):
    PENDING = "pending", "待本人确认"
    GRANTED = "granted", "已同意"
    REFUSED = "refused", "已拒绝"
    WITHDRAWN = "withdrawn", "已撤回"


class Consent(models.Model):
    """The data subject's consent for one consumer to use one resource for one purpose."""

    subject_hash = models.CharField(max_length=64, db_index=True)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    resource = models.ForeignKey(DataResource, on_delete=models.PROTECT, related_name="+")
    consumer = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=30)
    elements = models.JSONField(default=list)
    case_number = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=ConsentStatus.choices, default="pending")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    ledger_salt = models.CharField(max_length=32)
    decision_entry = models.BigIntegerField(null=True, blank=True, db_index=True)
    withdraw_entry = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "本人授权"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_hash", "resource", "consumer", "purpose"],
                condition=models.Q(status__in=["pending", "granted"]),
                name="exchange_consent_one_open",
            )
        ]


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "已提供"
    REFUSED = "refused", "已拒绝"
    NOT_FOUND = "not_found", "未查到"
    FAILED = "failed", "提供方故障"
    INVALID = "invalid", "请求有误"


class AccessRecord(models.Model):
    """The message log: every query, allowed or not. Holds no personal data in clear: the
    subject is a keyed lookup hash (so the citizen can list their own records)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    consumer = models.ForeignKey(
        "organizations.Department", null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=20)  # staff | service | system | citizen
    system = models.ForeignKey(ExternalSystem, null=True, on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey(DataResource, null=True, on_delete=models.PROTECT, related_name="+")
    resource_code = models.CharField(max_length=60)
    subject_hash = models.CharField(max_length=64, db_index=True, blank=True)
    subject_kind = models.CharField(max_length=10, blank=True)
    purpose = models.CharField(max_length=30)
    case_number = models.CharField(max_length=40, blank=True)
    elements_requested = models.JSONField(default=list)
    elements_returned = models.JSONField(default=list)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=40, blank=True)
    agreement = models.ForeignKey(Agreement, null=True, on_delete=models.PROTECT, related_name="+")
    consent = models.ForeignKey(Consent, null=True, on_delete=models.PROTECT, related_name="+")
    consent_basis = models.CharField(max_length=20, blank=True)  # "", consent, subject_is_actor, not_required
    duration_ms = models.PositiveIntegerField(default=0)
    ledger_salt = models.CharField(max_length=32)
    ledger_entry = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "数据使用记录"
        ordering = ["-at", "-pk"]


class RegisterRecord(models.Model):
    """A row of a local register (the demo resources' source tables): the subject is found by
    its keyed lookup hash; sensitive values are encrypted (AES-GCM, bound to resource+element)."""

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="records")
    subject_hash = models.CharField(max_length=64)
    values = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "登记库记录"
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "subject_hash"], name="exchange_register_subject_uniq"
            )
        ]


class SignatureNonce(models.Model):
    """Nonces of accepted signed requests (replay store shared by every process)."""

    key_id = models.CharField(max_length=100)
    nonce = models.CharField(max_length=100)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "nonce"], name="exchange_nonce_uniq")]


class CircuitBreaker(models.Model):
    """Failure count and open-until time per provider system, shared by every process."""

    name = models.CharField(max_length=100, unique=True)
    failures = models.PositiveIntegerField(default=0)
    opened_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
