from django.db import models


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
