from django.conf import settings
from django.db import models
from django.utils import timezone

from .fields import EncryptedJSONField


class KeyPurpose(models.TextChoices):
    FIELD_ENCRYPTION = "field-encryption", "字段加密"
    LOOKUP_HASH = "lookup-hash", "检索哈希"
    LEDGER_CHECKPOINT = "ledger-checkpoint", "存证检查点签名"
    LICENSE_SIGNING = "license-signing", "电子证照签名"
    IDENTITY_CODE = "identity-code", "电子身份码签名"
    HTTP_SIGNATURE = "http-signature", "HTTP 报文签名"
    NOTICE_SEAL = "notice-seal", "文书电子印章"


class Key(models.Model):
    """One version of one key. Secret material is wrapped (AES-256-GCM) with the master key."""

    purpose = models.CharField("用途", max_length=32, choices=KeyPurpose.choices)
    version = models.PositiveIntegerField("版本")
    algorithm = models.CharField("算法", max_length=32)
    wrapped_secret = models.BinaryField("密钥密文")
    public_key = models.BinaryField("公钥", null=True, blank=True)
    active = models.BooleanField("当前使用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "密钥"
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="core_key_purpose_version_uniq"),
            models.UniqueConstraint(
                fields=["purpose"], condition=models.Q(active=True), name="core_key_one_active_per_purpose"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} v{self.version}"


class IdempotencyRecord(models.Model):
    """First answer to a create request carrying an Idempotency-Key, per caller."""

    owner_key = models.CharField(max_length=64)  # user id or "anon"
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=200)  # METHOD path
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner_key", "scope", "key"], name="core_idempotency_uniq"),
        ]


# --- Outbox: messages to other systems (core/outbox.py) -----------------------------------------
class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    RETRYING = "retrying", "等待重试"
    SENT = "sent", "已发送"
    DEAD = "dead", "死信（已停止重试）"
    CANCELLED = "cancelled", "已取消"


class OutboxStream(models.Model):
    """One row per (topic, key): hands out the order numbers of its messages. `outbox_put` updates
    it in the caller's transaction, so two writers of the same key take their numbers in commit
    order (the row lock on PostgreSQL, the single writer on SQLite)."""

    topic = models.CharField("主题", max_length=100)
    key = models.CharField("顺序键", max_length=200)
    last_seq = models.PositiveBigIntegerField("最后序号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "外发消息顺序"
        constraints = [models.UniqueConstraint(fields=["topic", "key"], name="core_outboxstream_uniq")]

    def __str__(self) -> str:
        return f"{self.topic} {self.key}"


class OutboxMessage(models.Model):
    """A message to another system, written in the transaction of the change that caused it and
    sent after commit (core/outbox.py has the rules)."""

    topic = models.CharField("主题", max_length=100)
    key = models.CharField("顺序键", max_length=200)
    seq = models.PositiveBigIntegerField("键内序号")
    payload = EncryptedJSONField("内容")  # encrypted at rest: a message may carry personal data
    idempotency_key = models.CharField("幂等键", max_length=200, unique=True)
    destination = models.CharField("目的地", max_length=200, blank=True, default="")
    status = models.CharField(
        "状态", max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间")
    last_attempt_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    lease_owner = models.CharField("租约持有者", max_length=32, blank=True, default="")
    lease_until = models.DateTimeField("租约到期", null=True, blank=True)
    error_class = models.CharField("错误类型", max_length=200, blank=True, default="")
    last_error = models.TextField("最近错误", blank=True, default="")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "外发消息"
        constraints = [
            models.UniqueConstraint(fields=["topic", "key", "seq"], name="core_outboxmessage_key_seq_uniq"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="core_outbox_due_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic}"


class OutboxActionKind(models.TextChoices):
    RETRY = "retry", "重新发送"
    CANCEL = "cancel", "取消发送"


class OutboxAction(models.Model):
    """An operator's retry or cancellation of a message: who, when, why (immutable)."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField("操作", max_length=16, choices=OutboxActionKind.choices)
    from_status = models.CharField("原状态", max_length=16, choices=OutboxStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
    )
    reason = models.TextField("原因")
    created_at = models.DateTimeField("操作时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "外发消息人工处理记录"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.message_id}"


# --- Electronic seals: certificates of the seal keys (core/seal.py) ------------------------------
class SealCertificate(models.Model):
    """An X.509 certificate of a seal key (core.keys, purpose `seal-ca` or `seal:<USCC>`): the
    platform seal CA's self-signed one, or an organ's, issued by the CA. Immutable but for
    revocation; a PDF sealed with a revoked certificate no longer verifies."""

    purpose = models.CharField("密钥用途", max_length=32)
    key_version = models.PositiveIntegerField("密钥版本")
    subject = models.CharField("持有者名称", max_length=200)
    ca_version = models.PositiveIntegerField("签发根证书版本", help_text="根证书自身为其密钥版本")
    serial = models.CharField("证书序列号", max_length=40, unique=True)
    der = models.BinaryField("证书（DER）")
    not_before = models.DateTimeField("生效时间")
    not_after = models.DateTimeField("失效时间")
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revocation_reason = models.TextField("吊销原因", blank=True, default="")

    class Meta:
        verbose_name = verbose_name_plural = "电子印章证书"
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "key_version", "subject", "ca_version"], name="core_sealcert_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.purpose} v{self.key_version})"


# --- Broadcast: recent public events in embedded mode (core/broadcast.py) -------------------------
class BroadcastEvent(models.Model):
    """One public event (a hall call) kept a day for screens that reconnect; no personal data."""

    id = models.BigAutoField(primary_key=True)
    channel = models.CharField("频道", max_length=100)
    event = models.CharField("事件", max_length=50)
    data = models.JSONField("数据", default=dict)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "实时广播事件"
        indexes = [models.Index(fields=["channel", "id"], name="core_bcast_channel_id")]


class Revision(models.Model):
    """A named revision token that changes on every write to what it names (the working-day
    calendar, the published catalogue, …). Per-process memos key their entries by it
    (`core.revisions`), so a change committed by one process is seen by every other at its next
    read, with nothing to invalidate. Random, not a counter: a rolled-back write must never hand
    its number to a later, different state."""

    name = models.CharField("名称", max_length=40, primary_key=True)
    token = models.CharField("版本标识", max_length=32)
    changed_at = models.DateTimeField("变更时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "数据版本"

    def __str__(self) -> str:
        return f"{self.name}@{self.token[:8]}"
