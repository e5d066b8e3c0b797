"""一圈通办: the peer cities this instance knows, their cached cross-city item lists, the cases
received here for another city (outbound) and the cases another city forwarded here (inbound),
and the message log of every signed peer message, in and out (docs/federation.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yiwang.core.fields import EncryptedTextField


class PeerStatus(models.TextChoices):
    UNPAIRED = "unpaired", "未配对"
    PAIRED = "paired", "已配对"
    UNREACHABLE = "unreachable", "无法连接"


class Peer(models.Model):
    """Another city's Yiwang. Keys come out of band (`yiwang federation pair`, the admin page);
    a peer is trusted only once paired — never on first use."""

    code = models.CharField("行政区划代码", max_length=12, unique=True)
    name = models.CharField("城市", max_length=50)
    base_url = models.URLField("地址", max_length=200, blank=True)
    key_id = models.CharField("签名密钥标识", max_length=100, blank=True)
    public_key = models.BinaryField("消息签名公钥（Ed25519）", blank=True, default=b"", editable=True)
    ledger_key = models.BinaryField("台账检查点公钥（Ed25519）", blank=True, default=b"", editable=True)
    status = models.CharField("状态", max_length=20, choices=PeerStatus.choices, default=PeerStatus.UNPAIRED)
    paired_at = models.DateTimeField("配对时间", null=True, blank=True)
    items_fetched_at = models.DateTimeField("事项清单获取时间", null=True, blank=True)
    unreachable_since = models.DateTimeField("连接失败起始时间", null=True, blank=True)
    license_keys = models.JSONField(
        "电子证照验签公钥（JWK）",
        default=dict,
        blank=True,
        help_text="对方签名应答中取得，用于核验对方颁发的证照",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "通办城市"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class PeerItem(models.Model):
    """A peer's published cross-city item, as last fetched (signed by the peer)."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="items")
    code = models.CharField("实施编码", max_length=40)
    name = models.CharField("事项名称", max_length=200)
    item_version = models.PositiveIntegerField("指南版本")
    scope = models.CharField("通办范围", max_length=20)
    modes = models.JSONField("通办模式", default=list)
    guide = models.JSONField("办事指南", default=dict, blank=True)
    fetched_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "外市通办事项"
        constraints = [models.UniqueConstraint(fields=["peer", "code"], name="federation_peer_item_unique")]
        ordering = ["peer", "code"]


class RemoteStatus(models.TextChoices):
    FORWARDING = "forwarding", "转办中"
    SUBMITTED = "submitted", "对方已收件"
    SUPPLEMENT_REQUESTED = "supplement_requested", "需补正材料"
    ACCEPTED = "accepted", "对方已受理"
    REVIEWED = "reviewed", "审查中"
    APPROVED = "approved", "准予许可"
    DENIED = "denied", "不予许可"
    COMPLETED = "completed", "已办结"
    REFUSED = "refused", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"
    REJECTED = "rejected", "对方拒收"


class PaperDelivery(models.TextChoices):
    """How the person gets the paper result (纸质结果) of a case handled in another city."""

    WINDOW = "window", "代收地窗口领取"
    POST = "post", "邮寄送达"


class PaperStatus(models.TextChoices):
    NONE = "", "尚无纸质结果"
    AWAITING_PICKUP = "awaiting_pickup", "待领取"
    MAILED = "mailed", "已邮寄"
    HANDED_OVER = "handed_over", "已领取"


class JointCase(models.Model):
    """多地联办: one application received here whose parts run in several cities — this city's own
    part (a case in its own queue) and each peer's part (an OutboundCase forwarded to that peer,
    `parts`). The person follows one number and sees every part's state and results."""

    number = models.CharField("联办编号", max_length=40, unique=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("收件渠道", max_length=20)
    case = models.OneToOneField(
        "cases.Case", verbose_name="本市办理部分", on_delete=models.PROTECT, related_name="federation_joint"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "多地联办件"
        ordering = ["-pk"]


class OutboundCase(models.Model):
    """异地代收: a case received here (city A) for a peer's item, forwarded to the peer (city B).
    A part of a 多地联办 case when `joint` is set."""

    number = models.CharField("代收编号", max_length=40, unique=True)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbound_cases")
    item_code = models.CharField("事项实施编码", max_length=40)
    item_name = models.CharField("事项名称", max_length=200)
    item_version = models.PositiveIntegerField("指南版本")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="federation_cases"
    )
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("收件渠道", max_length=20)
    # where it was received (who in this city follows it: docs/federation.md, "Who sees a case"):
    # the hall of the window or kiosk, none online; the hall's region, or the city's own online
    hall = models.ForeignKey(
        "organizations.ServiceHall",
        verbose_name="收件大厅",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "organizations.Region",
        verbose_name="收件区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    remote_number = models.CharField("对方办件编号", max_length=40, blank=True)
    joint = models.ForeignKey(
        JointCase,
        verbose_name="多地联办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parts",
    )
    status = models.CharField(
        "状态", max_length=30, choices=RemoteStatus.choices, default=RemoteStatus.FORWARDING
    )
    last_seq = models.PositiveIntegerField("最后一次状态序号", default=0)
    supplement_seq = models.PositiveIntegerField(
        "已转交补正所答复的告知序号", default=0, help_text="对方补齐补正告知的状态序号；每次告知只转交一次"
    )
    # 纸质结果: chosen at intake, sent to the competent city with the package; the mailing address
    # is personal data (encrypted by the key service, shown masked)
    paper_delivery = models.CharField(
        "纸质结果领取方式", max_length=10, choices=PaperDelivery.choices, default=PaperDelivery.WINDOW
    )
    paper_address = EncryptedTextField("邮寄地址", blank=True, default="")
    paper_status = models.CharField(
        "纸质结果", max_length=20, choices=PaperStatus.choices, blank=True, default=PaperStatus.NONE
    )
    paper_handed_over_at = models.DateTimeField("领取时间", null=True, blank=True)
    paper_handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发放人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paper_collector = EncryptedTextField("领取人", blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "异地代收件"
        ordering = ["-pk"]


class OutboundEvent(models.Model):
    """A status change the competent city reported back (applied once: unique per case and seq)."""

    case = models.ForeignKey(OutboundCase, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=40)
    status = models.CharField(max_length=30)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="federation_outbound_event_once")]
        ordering = ["seq"]


class InboundCase(models.Model):
    """异地代办: a case a peer received and forwarded here, filed in this city's own queue."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="inbound_cases")
    remote_number = models.CharField("代收地编号", max_length=40)
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="federation_inbound")
    receipt = models.JSONField("代收地收件回执", default=dict)
    identity = models.JSONField("代收地身份核验", default=dict)
    # 多地联办: the joint case this is a part of, as the receiving city described it — its number
    # and every part (city, item, number); empty for a plain 异地代收代办 case
    joint = models.JSONField("多地联办", default=dict, blank=True)
    # 纸质结果 as the person chose in the receiving city: collected at its window, or mailed here
    # to the address (encrypted)
    paper_delivery = models.CharField(
        "纸质结果领取方式", max_length=10, choices=PaperDelivery.choices, default=PaperDelivery.WINDOW
    )
    paper_address = EncryptedTextField("邮寄地址", blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "异地代办件"
        constraints = [
            models.UniqueConstraint(fields=["peer", "remote_number"], name="federation_inbound_unique")
        ]


class Direction(models.TextChoices):
    IN = "in", "收到"
    OUT = "out", "发出"


class MessageStatus(models.TextChoices):
    SENT = "sent", "已送达"
    FAILED = "failed", "发送失败"
    APPLIED = "applied", "已处理"
    DUPLICATE = "duplicate", "重复（未再处理）"
    REFUSED = "refused", "已拒收"


class PeerMessage(models.Model):
    """The message log: every signed peer message, with its raw form and how it verified."""

    direction = models.CharField("方向", max_length=3, choices=Direction.choices)
    peer_code = models.CharField("对方城市", max_length=12, db_index=True)
    kind = models.CharField("消息类型", max_length=40)
    idempotency_key = models.CharField("幂等键", max_length=200, db_index=True)
    case_ref = models.CharField("办件编号", max_length=40, blank=True, db_index=True)
    status = models.CharField("状态", max_length=20, choices=MessageStatus.choices)
    reason_code = models.CharField("原因代码", max_length=40, blank=True)
    reason = models.TextField("原因", blank=True)
    method = models.CharField(max_length=10, default="POST")
    url = models.CharField(max_length=500)
    headers = models.JSONField("签名头", default=dict)
    # the whole message as it travelled (applicant's ID number, form, materials, licence
    # credentials): encrypted by the key service; its SHA-256 (the ledger subject) is taken of the
    # plain bytes, which reading the field gives back
    body = EncryptedTextField("报文")
    verification = models.TextField("验签结果", blank=True)
    result = models.JSONField("处理结果", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "跨市消息日志"
        ordering = ["-pk"]
        constraints = [
            # a message (its idempotency key) is applied once in this city
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=models.Q(direction="in", status="applied"),
                name="federation_message_applied_once",
            )
        ]


class PeerLicense(models.Model):
    """A licence the competent city issued as the result of a case received here, as it reported
    it on completion (signed message), with its SD-JWT credential verified here with that city's
    licence keys (fetched over the signed peer channel)."""

    case = models.ForeignKey(OutboundCase, on_delete=models.CASCADE, related_name="licenses")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    identifier = models.CharField("证照标识", max_length=120)
    number = models.CharField("证照编号", max_length=80, blank=True)
    type_code = models.CharField("证照类型代码", max_length=40, blank=True)
    name = models.CharField("证照名称", max_length=100)
    issuer_name = models.CharField("颁发机构", max_length=100, blank=True)
    issuer_uscc = models.CharField("颁发机构代码", max_length=18, blank=True)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    # the full SD-JWT VC: it holds the holder's ID number, so encrypted
    credential = EncryptedTextField("签名凭证")
    verified = models.BooleanField("验签通过", default=False)
    reasons = models.JSONField("核验问题", default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "外市颁发的电子证照"
        constraints = [
            models.UniqueConstraint(fields=["case", "identifier"], name="federation_peer_license_once")
        ]
        ordering = ["-pk"]


class PeerLicenseUse(models.Model):
    """An application in this city relied on a licence a paired city issued (免提交), as checked
    then (`status_checked`: the peer's status list could be read)."""

    license = models.ForeignKey(PeerLicense, on_delete=models.PROTECT, related_name="uses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField("用途", max_length=200)
    case_number = models.CharField("办件编号", max_length=40, db_index=True)
    status_checked = models.BooleanField("已向发证城市核验状态", default=False)
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "外市证照用证记录"
        ordering = ["-pk"]
