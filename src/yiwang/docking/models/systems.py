"""部门业务系统对接 (垂管/自建系统): the department business systems that handle some items in
their own software (公安, 税务, 不动产…), the cases pushed to them, and the log of every message
exchanged with them (docs/integration.md, "部门业务系统对接")."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DepartmentSystem(models.Model):
    """A department's own business system. Cases of its items are pushed to `endpoint` once
    accepted, signed with the platform's key (RFC 9421); it reports back to the callback endpoint,
    signing with the key registered here (`key_id`, `public_key`). It acts on the case through
    `account`: a staff account holding the reviewer and approver roles of the department, so its
    reports pass the same rules as a person's actions."""

    code = models.SlugField("系统代码", max_length=40, unique=True)
    name = models.CharField("系统名称", max_length=100)
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name="所属部门",
        on_delete=models.PROTECT,
        related_name="business_systems",
    )
    endpoint = models.URLField("推送地址", max_length=200)
    key_id = models.CharField("回调签名密钥标识", max_length=100, unique=True)
    public_key = models.BinaryField("回调签名公钥（Ed25519）", editable=True)
    all_items = models.BooleanField("本部门全部事项", default=False)
    items = models.ManyToManyField(
        "catalog.Item", verbose_name="在本系统办理的事项", blank=True, related_name="business_systems"
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="系统办理账号",
        on_delete=models.PROTECT,
        related_name="business_system",
    )
    timeout_seconds = models.FloatField("超时（秒）", default=10.0)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "部门业务系统"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


# What a department system may report (the callback's `status`), in Chinese.
REMOTE_STATUS_LABELS = {
    "received": "部门系统已收件",
    "reviewed": "审核通过",
    "approved": "准予许可",
    "denied": "不予许可",
    "completed": "办结",
    "suspended": "挂起",
    "resumed": "恢复办理",
}


class DockedCase(models.Model):
    """A case handled in a department system: pushed once accepted, then moved by the system's
    callbacks. `last_seq` is the sequence number of the last status applied (callbacks must come
    in order: seq = last_seq + 1)."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="docked")
    system = models.ForeignKey(DepartmentSystem, on_delete=models.PROTECT, related_name="cases")
    outbox_message = models.ForeignKey(
        "core.OutboxMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    remote_number = models.CharField("部门系统办件编号", max_length=60, blank=True)
    last_seq = models.PositiveIntegerField("最后一次状态序号", default=0)
    last_status = models.CharField("部门系统状态", max_length=30, blank=True)
    pushed_at = models.DateTimeField("推送成功时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "推送部门系统的办件"
        ordering = ["-pk"]

    @property
    def last_status_label(self) -> str:
        return REMOTE_STATUS_LABELS.get(self.last_status, self.last_status)


class SystemMessageDirection(models.TextChoices):
    OUT = "out", "推送"
    IN = "in", "回调"


class SystemMessageStatus(models.TextChoices):
    SENT = "sent", "已送达"
    FAILED = "failed", "发送失败"
    APPLIED = "applied", "已处理"
    DUPLICATE = "duplicate", "重复（未再处理）"
    REFUSED = "refused", "已拒收"


class SystemMessage(models.Model):
    """The message log: every push and every callback, with how it verified and what came of it.
    Bodies are stored with personal data masked."""

    direction = models.CharField("方向", max_length=3, choices=SystemMessageDirection.choices)
    system = models.ForeignKey(
        DepartmentSystem, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField("消息类型", max_length=40, blank=True)
    message_id = models.CharField("消息标识", max_length=200, blank=True, db_index=True)
    case_number = models.CharField("办件编号", max_length=40, blank=True, db_index=True)
    seq = models.PositiveIntegerField("状态序号", null=True, blank=True)
    status = models.CharField("结果", max_length=20, choices=SystemMessageStatus.choices)
    http_status = models.PositiveIntegerField("HTTP 状态", null=True, blank=True)
    reason_code = models.CharField("原因代码", max_length=40, blank=True)
    reason = models.TextField("原因", blank=True)
    url = models.CharField("地址", max_length=500, blank=True)
    headers = models.JSONField("签名头", default=dict, blank=True)
    body = models.TextField("报文（个人信息已遮蔽）", blank=True)
    body_size = models.PositiveIntegerField("报文字节数", default=0)
    verification = models.TextField("验签结果", blank=True)
    result = models.JSONField("处理结果", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "部门系统消息日志"
        ordering = ["-pk"]
        constraints = [
            # a callback (its message id) is applied once per system
            models.UniqueConstraint(
                fields=["system", "message_id"],
                condition=models.Q(direction="in", status="applied"),
                name="docking_system_message_applied_once",
            )
        ]
