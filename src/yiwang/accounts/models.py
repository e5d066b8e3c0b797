"""Accounts: natural persons, legal persons and staff; API tokens; logged views of personal data."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from yiwang.core.fields import EncryptedTextField
from yiwang.core.identifiers import uscc_field_validator


class AccountKind(models.TextChoices):
    PERSON = "person", "自然人"
    LEGAL = "legal", "法人"
    STAFF = "staff", "工作人员"


class TrustLevel(models.IntegerChoices):
    """DESIGN.md §4.8."""

    SELF_DECLARED = 2, "二级：自行注册"
    VERIFIED = 3, "三级：经人口/法人库核验"
    REAL_PERSON = 4, "四级：实人认证"
    CERTIFICATE = 5, "五级：数字证书或现场核验"


class User(AbstractUser):
    kind = models.CharField("类型", max_length=10, choices=AccountKind.choices, default=AccountKind.PERSON)
    display_name = models.CharField("姓名/名称", max_length=100, blank=True)
    trust_level = models.PositiveSmallIntegerField(
        "可信等级", choices=TrustLevel.choices, default=TrustLevel.SELF_DECLARED
    )
    # Natural persons: 居民身份证号码, encrypted; found by its lookup hash.
    id_number = EncryptedTextField("身份证号码", blank=True, default="")
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # Legal persons: 统一社会信用代码 (public, not personal data) and the legal representative.
    uscc = models.CharField(
        "统一社会信用代码",
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[uscc_field_validator],
    )
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    phone = EncryptedTextField("手机号码", blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_staff_member(self) -> bool:
        return self.kind == AccountKind.STAFF


class ApiToken(models.Model):
    """Bearer token for the API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"


class PersonalDataView(models.Model):
    """A staff member saw personal data unmasked: who, when, which record, which field, why."""

    viewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    object_type = models.CharField(max_length=50)
    object_ref = models.CharField(max_length=64)
    field = models.CharField(max_length=100)
    reason = models.CharField(max_length=200, blank=True)
    ledger_entry = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "个人信息查看记录"
        ordering = ["-at"]


class LoginOutcome(models.TextChoices):
    OK = "ok", "登录成功"
    FAILED = "failed", "用户名或密码错误"
    LOCKED = "locked", "账户暂时锁定，未核对密码"
    LIMITED = "limited", "来源地址失败过多，未核对密码"
    LIFTED = "lifted", "解除锁定"


class LoginChannel(models.TextChoices):
    PAGE = "page", "网页登录"
    API = "api", "接口令牌"
    ADMIN = "admin", "管理后台"
    OIDC = "oidc", "统一身份认证"
    OTHER = "other", "其他"


class LoginAttempt(models.Model):
    """Every login attempt and every lock lifted, whichever door (page, API, admin): the one
    audit trail, and the record the throttle counts (accounts.services, docs/security.md)."""

    at = models.DateTimeField("时间", db_index=True)
    channel = models.CharField("入口", max_length=10, choices=LoginChannel.choices)
    login_hash = models.CharField("登录名摘要", max_length=64)
    user = models.ForeignKey(
        User, verbose_name="账户", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip = models.CharField("来源地址", max_length=45)
    outcome = models.CharField("结果", max_length=10, choices=LoginOutcome.choices)
    lifted_by = models.ForeignKey(
        User, verbose_name="解除人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "登录记录"
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["login_hash", "at"], name="login_attempt_account"),
            models.Index(fields=["ip", "at"], name="login_attempt_address"),
        ]


class OidcIdentity(models.Model):
    """An account's identity at an external OpenID Connect provider (统一身份认证): the provider's
    issuer and its stable subject for the person. Found first on every provincial login; made
    when a login is matched to (or creates) an account by the ID number's lookup hash."""

    issuer = models.CharField("签发方", max_length=200)
    subject = models.CharField("用户标识（sub）", max_length=255)
    user = models.ForeignKey(
        User, verbose_name="账户", on_delete=models.CASCADE, related_name="oidc_identities"
    )
    trust_level = models.PositiveSmallIntegerField("最近一次的可信等级", null=True, blank=True)
    created_at = models.DateTimeField("关联时间")
    last_login_at = models.DateTimeField("最近登录", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "统一身份认证关联"
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique")]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"


class OneTimeCode(models.Model):
    """A 6-digit one-time code sent to the account holder's phone (and inbox): the second factor
    that lifts a login lock (`purpose` "unlock") or logs a person in at a kiosk by ID number
    ("kiosk-login:<terminal>"). Stored as a keyed hash; one use, five tries, a short life; a new
    code for the same purpose retires the old one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField("用途", max_length=64, default="unlock")
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "一次性验证码"
        indexes = [models.Index(fields=["user", "purpose"], name="one_time_code_purpose")]
