"""E-licences (电子证照): the licence catalogue (证照目录) and issued licences (GB/T 36901–36905)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from yiwang.core.fields import EncryptedTextField

from .identifiers import type_code_field_validator

# numbering.RULE_CHOICES (kept here: numbering imports the models)
NUMBER_RULE_CHOICES = [
    ("uscc", "统一社会信用代码（营业执照）"),
    ("id_number", "公民身份号码（居民身份证）"),
    ("food_jy", "JY+14位数字（食品经营许可证）"),
    ("real_estate", "省简称(年份)市县不动产权第N号（不动产权证书）"),
    ("marriage", "J+区划代码-年份-顺序号（结婚证字号）"),
    ("health_public", "省简称卫公证字〔年份〕第N号（公共场所卫生许可证）"),
    ("health_water", "省简称卫水字〔年份〕第N号（供水单位卫生许可证）"),
    ("birth", "字母+9位数字（出生医学证明）"),
    ("social_security", "字母+8位数字（社会保障卡卡号）"),
    ("sequence", "区划代码+年份+8位顺序号（无全国格式）"),
]


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
    number_rule = models.CharField(
        "证照编号规则",
        max_length=20,
        default="sequence",
        choices=NUMBER_RULE_CHOICES,
        help_text="证照编号（印在证面上）按该类证照自己的格式生成，与证照标识（GB/T 36904）分开",
    )
    standard = models.CharField("照面信息依据", max_length=200, blank=True)
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


class LicenseNumberCounter(models.Model):
    """The last number given in one scope of a licence type's number rule (numbering.py): one row
    per scope, incremented in the issuing transaction, so numbers are unique and gapless."""

    scope = models.CharField("编号范围", max_length=150, unique=True)
    last = models.PositiveBigIntegerField("已用顺序号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "证照编号计数"

    def __str__(self) -> str:
        return f"{self.scope} {self.last}"


class License(models.Model):
    identifier = models.CharField("证照标识", max_length=120, unique=True)
    type = models.ForeignKey(
        LicenseType, verbose_name="证照类型", on_delete=models.PROTECT, related_name="licenses"
    )
    # the serial part of the GB/T 36904 identifier (the platform's sequence)
    serial = models.CharField("证照标识顺序号", max_length=40)
    # 证照编号 in the type's own format (numbering.py), printed on the licence (licences issued
    # before numbers had formats keep their serial here)
    number = models.CharField("证照编号", max_length=80, blank=True, db_index=True)
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


def new_public_id() -> str:
    return secrets.token_urlsafe(24)


class LicenseAuthorisation(models.Model):
    """授权用证: the holder lets another party (by 统一社会信用代码 or 公民身份号码) use a licence in
    its own applications, for a purpose, until a date, optionally only for some items."""

    license = models.ForeignKey(
        License, verbose_name="证照", on_delete=models.PROTECT, related_name="authorisations"
    )
    grantee_name = models.CharField("被授权方名称", max_length=200, blank=True)
    grantee_id_type = models.CharField("被授权方代码类型", max_length=3, choices=HolderIdType.choices)
    grantee_id = EncryptedTextField("被授权方代码")
    # same lookup hashes as License.holder_id_hash (kind "uscc" / "id_number")
    grantee_id_hash = models.CharField(max_length=64, db_index=True, editable=False)
    purpose = models.CharField("用途", max_length=200)
    item_codes = models.JSONField("限定事项", default=list, blank=True, help_text="空 = 不限事项")
    valid_from = models.DateField("授权起始")
    valid_until = models.DateField("授权截止")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="授权人"
    )
    created_at = models.DateTimeField("授权时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ledger_entry = models.BigIntegerField("授权存证条目", null=True, blank=True, db_index=True)
    revoke_ledger_entry = models.BigIntegerField("撤销存证条目", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "证照用证授权"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.license.identifier} → {self.grantee_name or '被授权方'}"


class LicensePresentation(models.Model):
    """加注件: a purpose-bound copy of a licence showing only chosen fields, for one recipient
    until a time; opened by its link without login; withdrawn at once by the holder."""

    public_id = models.CharField(max_length=40, unique=True, default=new_public_id, editable=False)
    license = models.ForeignKey(
        License, verbose_name="证照", on_delete=models.PROTECT, related_name="presentations"
    )
    purpose = models.CharField("用途", max_length=200)
    recipient = models.CharField("接收方", max_length=200)
    fields = models.JSONField("出示信息项", default=list)
    maker = models.CharField("加注人", max_length=200)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("加注时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    # the annotated SD-JWT with only the chosen disclosures; may hold the holder's ID number
    credential = EncryptedTextField("加注凭证")
    ledger_entry = models.BigIntegerField("存证条目", null=True, blank=True, db_index=True)
    withdraw_ledger_entry = models.BigIntegerField("撤回存证条目", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "证照加注件"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.license.identifier} → {self.recipient}"


class UseChannel(models.TextChoices):
    APPLICATION = "application", "办事申请免提交"
    PRESENTATION_VIEW = "presentation_view", "查看加注件"
    PRESENTATION_VERIFY = "presentation_verify", "核验加注件"
    OTHER = "other", "其他"


class LicenseUse(models.Model):
    """用证记录: one use of a licence — who, when, purpose, which fields, which case."""

    license = models.ForeignKey(License, verbose_name="证照", on_delete=models.PROTECT, related_name="uses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="使用人",
    )
    user_label = models.CharField("使用方", max_length=200, blank=True)
    channel = models.CharField("方式", max_length=30, choices=UseChannel.choices, default=UseChannel.OTHER)
    purpose = models.CharField("用途", max_length=200, blank=True)
    fields = models.JSONField("使用信息项", default=list)
    case_number = models.CharField("办件编号", max_length=40, blank=True, db_index=True)
    authorisation = models.ForeignKey(
        LicenseAuthorisation, null=True, blank=True, on_delete=models.PROTECT, related_name="uses"
    )
    presentation = models.ForeignKey(
        LicensePresentation, null=True, blank=True, on_delete=models.PROTECT, related_name="uses"
    )
    at = models.DateTimeField("时间", db_index=True)
    ledger_entry = models.BigIntegerField("存证条目", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "用证记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["license", "-at"], name="licenses_use_license_at")]

    def __str__(self) -> str:
        return f"{self.license.identifier} {self.channel} {self.at:%Y-%m-%d %H:%M}"


class ImportBatch(models.Model):
    """One 归集 file: who imported it, when, and the report of every row (no personal data in it:
    holder names of persons masked, no codes)."""

    filename = models.CharField("文件名", max_length=200)
    file_format = models.CharField("格式", max_length=10)
    file_sha256 = models.CharField("文件摘要", max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("导入时间", auto_now_add=True)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    issued_count = models.PositiveIntegerField("签发数", default=0)
    rejected_count = models.PositiveIntegerField("待修复数", default=0)
    report = models.JSONField("校验报告", default=list)

    class Meta:
        verbose_name = verbose_name_plural = "证照归集批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename}（{self.created_at:%Y-%m-%d %H:%M}）"


class RepairStatus(models.TextChoices):
    PENDING = "pending", "待修复"
    REISSUED = "reissued", "已修复签发"
    DISCARDED = "discarded", "已作废"


class LicenseRepair(models.Model):
    """修复队列: a rejected import row, its values (encrypted: they hold ID numbers) and why it was
    rejected, until staff correct and re-issue it or discard it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="repairs")
    row_number = models.PositiveIntegerField("行号")
    data = EncryptedTextField("原始数据")  # JSON of the row's values
    errors = models.JSONField("问题", default=list)
    department = models.ForeignKey(
        "organizations.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="行中的颁证单位（可识别时）",
    )
    status = models.CharField(
        "状态", max_length=10, choices=RepairStatus.choices, default=RepairStatus.PENDING, db_index=True
    )
    license = models.ForeignKey(License, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.CharField("处理说明", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "证照修复队列"
        ordering = ["status", "batch_id", "row_number"]

    def __str__(self) -> str:
        return f"第 {self.row_number} 行（批次 {self.batch_id}）"
