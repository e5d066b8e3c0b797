"""电子证照归集与共享: every exchange with the provincial platform, the push of each licence
change (归集) with its status, and uses of other issuers' licences found there (共享)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ExchangeKind(models.TextChoices):
    LICENSE_PUSH = "license_push", "证照归集推送"
    LICENSE_USE = "license_use", "用证记录推送"
    LICENSE_LOOKUP = "license_lookup", "证照查询"
    REPORT = "report", "数据上报"


class ExchangeOutcome(models.TextChoices):
    OK = "ok", "成功"
    REFUSED = "refused", "对方拒收"
    RETRY = "retry", "失败待重试"
    NOT_FOUND = "not_found", "未查到"
    FAILED = "failed", "查询失败"


class ProvinceExchange(models.Model):
    """One HTTP exchange with the province (sent, answered or not): what, when, how long, the
    answer's status and verdict. No personal data: subjects are licence identifiers, case
    numbers or record ids; bodies are kept only as SHA-256 digests."""

    kind = models.CharField("类型", max_length=20, choices=ExchangeKind.choices, db_index=True)
    at = models.DateTimeField("时间", db_index=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    path = models.CharField("接口", max_length=200)
    subject = models.CharField("对象", max_length=120, blank=True, db_index=True)
    idempotency_key = models.CharField("幂等键", max_length=200, blank=True)
    message_id = models.BigIntegerField("发件箱消息", null=True, blank=True, db_index=True)
    attempt = models.PositiveIntegerField("第几次发送", default=1)
    http_status = models.PositiveSmallIntegerField("应答状态码", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=ExchangeOutcome.choices)
    error_code = models.CharField("错误代码", max_length=40, blank=True)
    error = models.CharField("错误说明", max_length=300, blank=True)
    request_sha256 = models.CharField("请求摘要", max_length=64, blank=True)
    response_sha256 = models.CharField("应答摘要", max_length=64, blank=True)
    # look-ups: who asked, why, for which case (the holder is the requester or named by the case)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField("用途", max_length=200, blank=True)
    basis = models.CharField("查询依据", max_length=20, blank=True)
    found = models.PositiveIntegerField("查到条数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "省级平台交换记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject} {self.outcome}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENT = "sent", "已送达"
    FAILED = "failed", "发送失败（待重试）"
    REFUSED = "refused", "对方拒收（死信）"


class Delivery(models.Model):
    """What a pushed record's status looks like (the outbox message does the sending)."""

    message = models.ForeignKey("core.OutboxMessage", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField("发送次数", default=0)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    receipt = models.CharField("对方回执", max_length=100, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    sent_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        abstract = True


class LicenseShare(Delivery):
    """归集: one change of a licence issued here (issued, suspended, reinstated, revoked) pushed
    to the provincial licence library, with its delivery status."""

    license = models.ForeignKey("licenses.License", on_delete=models.PROTECT, related_name="+")
    identifier = models.CharField("证照标识", max_length=120, db_index=True)
    event = models.CharField("变更", max_length=12)
    ref = models.CharField("变更序号", max_length=40)

    class Meta:
        verbose_name = verbose_name_plural = "证照归集记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["license", "event", "ref"], name="docking_share_once"),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.event} {self.status}"


class ExternalLicenseUse(Delivery):
    """共享: a licence of another issuer, found in the provincial library, used in an application
    here (免提交); the use is pushed to the library (its 用证记录)."""

    identifier = models.CharField("证照标识", max_length=120, db_index=True)
    type_code = models.CharField("证照类型代码", max_length=21)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField("用途", max_length=200, blank=True)
    case_number = models.CharField("办件编号", max_length=40, blank=True, db_index=True)
    lookup = models.ForeignKey(
        ProvinceExchange, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    used_at = models.DateTimeField("使用时间")

    class Meta:
        verbose_name = verbose_name_plural = "外部证照用证记录"
        ordering = ["-used_at", "-id"]

    def __str__(self) -> str:
        return f"{self.identifier} {self.case_number}"
