"""E-licences (电子证照): the licence catalogue (证照目录) and issued licences (GB/T 36901–36905)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from yiwang.core.fields import EncryptedTextField

from .identifiers import type_code_field_validator


def new_ledger_salt() -> str:
    return secrets.token_hex(32)


class LicenseType(models.Model):
    """A catalogue entry: what a licence of this type is, who defines it, how long it is valid,
    which metadata it carries and which items issue it."""

    code = models.CharField(
        "证照类型代码",
        max_length=21,
        unique=True,
        validators=[type_code_field_validator],
        help_text="定义机构统一社会信用代码（18位）+ 三位顺序号（GB/T 36904）",
    )
    name = models.CharField("证照类型名称", max_length=100, unique=True)
    definer_name = models.CharField("定义机构", max_length=100)
    validity_months = models.PositiveIntegerField(
        "有效期（月）", null=True, blank=True, help_text="空 = 长期有效"
    )
    metadata_fields = models.JSONField(
        "照面信息项",
        default=list,
        blank=True,
        help_text='[{"name","title","source"}]：source 为申请表数据元素编码（可空）',
    )
    template = models.CharField("版式模板", max_length=100, blank=True)
    issued_here = models.BooleanField("本平台签发", default=True, help_text="居民身份证等仅持有、不在此签发")
    items = models.ManyToManyField(
        "catalog.Item", verbose_name="签发事项", blank=True, related_name="license_types"
    )

    class Meta:
        verbose_name = verbose_name_plural = "证照类型"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def definer_uscc(self) -> str:
        return self.code[:18]


class LicenseStatus(models.TextChoices):
    VALID = "valid", "有效"
    SUSPENDED = "suspended", "暂停"
    REVOKED = "revoked", "注销"
    EXPIRED = "expired", "过期"


class HolderIdType(models.TextChoices):
    RIC = "111", "公民身份号码"
    USCC = "001", "统一社会信用代码"


class LicenseSerial(models.Model):
    """A sequence: one row per licence, its id is the serial and the status-list index (a
    sequence never serialises concurrent issuance the way a counter row would)."""

    id = models.BigAutoField(primary_key=True)


class License(models.Model):
    identifier = models.CharField("证照标识", max_length=120, unique=True)
    type = models.ForeignKey(
        LicenseType, verbose_name="证照类型", on_delete=models.PROTECT, related_name="licenses"
    )
    serial = models.CharField("证照编号", max_length=40)
    version = models.PositiveSmallIntegerField("版本", default=1)
    status_index = models.BigIntegerField("状态列表序号", unique=True)
    issuer_name = models.CharField("颁发机构", max_length=100)
    issuer_uscc = models.CharField("颁发机构代码", max_length=18)
    issuer = models.ForeignKey(
        "organizations.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    jurisdiction = models.CharField("管辖区划代码", max_length=12, blank=True)
    holder_name = models.CharField("持证主体", max_length=200)
    holder_id_type = models.CharField("持证主体代码类型", max_length=3, choices=HolderIdType.choices)
    holder_id = EncryptedTextField("持证主体代码")
    holder_id_hash = models.CharField(max_length=64, db_index=True, editable=False)
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="licenses"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="licenses"
    )
    issued_on = models.DateField("颁证日期")
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期至", null=True, blank=True)
    metadata = models.JSONField("照面信息", default=dict)
    status = models.CharField(
        "状态", max_length=10, choices=LicenseStatus.choices, default=LicenseStatus.VALID, db_index=True
    )
    status_reason = models.CharField("状态说明", max_length=200, blank=True)
    # The full SD-JWT VC with every disclosure: it holds the holder's ID number, so encrypted.
    credential = EncryptedTextField("签名凭证")
    key_version = models.PositiveIntegerField("签名密钥版本")
    created_at = models.DateTimeField(auto_now_add=True)
    ledger_entry = models.BigIntegerField("存证条目", null=True, blank=True, db_index=True)
    # Ledger entries name a licence by HMAC(salt, identifier) only.
    ledger_salt = models.CharField(max_length=64, default=new_ledger_salt, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "电子证照"
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "type"],
                name="licenses_one_per_case_type",
                condition=models.Q(case__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.type.name} {self.identifier}"
