"""Cases (办件): applications, their parties, events, clock stops, materials and notices."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from yiwang.core.fields import EncryptedTextField


class Status(models.TextChoices):
    DRAFT = "draft", "暂存"
    SUBMITTED = "submitted", "已提交"
    SUPPLEMENT_REQUESTED = "supplement_requested", "待补齐补正"
    ACCEPTED = "accepted", "已受理"
    REVIEWED = "reviewed", "已审核"
    APPROVED = "approved", "准予许可"
    DENIED = "denied", "不予许可"
    COMPLETED = "completed", "已办结"
    REFUSED = "refused", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"
    REVOKED = "revoked", "已撤销许可"


class Channel(models.TextChoices):
    ONLINE = "online", "网上办理"
    WINDOW = "window", "窗口办理"
    KIOSK = "kiosk", "自助终端"
    MOBILE = "mobile", "移动端"


class Route(models.TextChoices):
    """告知承诺制 (国办发〔2020〕42号): the applicant chooses the route at submission."""

    ORDINARY = "ordinary", "一般程序"
    COMMITMENT = "commitment", "告知承诺"


class Delivery(models.TextChoices):
    WINDOW = "window", "窗口领取"
    POST = "post", "邮寄送达"
    ELECTRONIC = "electronic", "电子送达"


def new_ledger_salt() -> str:
    return secrets.token_hex(32)


class Case(models.Model):
    number = models.CharField("办件编号", max_length=32, unique=True)
    item = models.ForeignKey(
        "catalog.Item", verbose_name="事项", on_delete=models.PROTECT, related_name="cases"
    )
    item_version = models.ForeignKey(
        "catalog.ItemVersion", verbose_name="事项版本", on_delete=models.PROTECT, related_name="cases"
    )
    department = models.ForeignKey(
        "organizations.Department", verbose_name="办理部门", on_delete=models.PROTECT, related_name="cases"
    )
    region = models.ForeignKey(
        "organizations.Region", verbose_name="办理区划", on_delete=models.PROTECT, related_name="cases"
    )
    hall = models.ForeignKey(
        "organizations.ServiceHall",
        verbose_name="受理大厅",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    window = models.ForeignKey(
        "organizations.Window",
        verbose_name="受理窗口",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请账号", on_delete=models.PROTECT, related_name="cases"
    )
    filed_by = models.ForeignKey(  # indexed with created_at (Meta.indexes: cases_filer_created_owner)
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.PROTECT,
        related_name="filed_cases",
        db_index=False,
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    status = models.CharField(
        "状态", max_length=24, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField("版本", default=1)
    # Form values keyed by canonical element id; sensitive elements hold key-service tokens.
    form = models.JSONField("申请表", default=dict)
    applicant_name = models.CharField("申请人", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    received_on = models.DateField("收件日期", null=True, blank=True)
    supplement_requested_on = models.DateField("补正告知日期", null=True, blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    limit_days = models.PositiveIntegerField("办理时限（工作日）", null=True, blank=True)
    extension_days = models.PositiveIntegerField("延长（工作日）", default=0)
    due_date = models.DateField("办结期限", null=True, blank=True, db_index=True)
    due_date_provisional = models.BooleanField("期限为暂定", default=False)
    statutory_limit_days = models.PositiveIntegerField("法定时限（工作日）", null=True, blank=True)
    statutory_due_date = models.DateField("法定办结期限", null=True, blank=True)
    extension_requested_on = models.DateField("延期申请日期", null=True, blank=True)
    extension_reason = models.TextField("延期理由", blank=True)
    clock_stopped = models.BooleanField("计时暂停", default=False)
    decision = models.CharField("决定", max_length=10, blank=True)
    delivery = models.CharField("送达方式", max_length=12, choices=Delivery.choices, blank=True)
    # 电子送达: the applicant agreed, with the application, to receive notices electronically.
    electronic_delivery = models.BooleanField("同意电子送达", default=False)
    electronic_delivery_consented_at = models.DateTimeField("同意电子送达时间", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    route = models.CharField("办理方式", max_length=12, choices=Route.choices, default=Route.ORDINARY)
    # 容缺受理: "" none, "open" a tolerated material is outstanding, "done" all handed in (pages and
    # checks read the ToleratedMaterial rows only when this is set)
    tolerance = models.CharField("容缺材料", max_length=6, blank=True)
    waiting_for = models.CharField(
        "等待前置事项",
        max_length=200,
        blank=True,
        help_text="一件事中需要其他事项结果的办件：前置事项办结后由系统自动提交",
    )
    # Ledger entries name a case by HMAC(salt, number): unlinkable to the case (or its applicant)
    # without the salt, which never leaves this database.
    ledger_salt = models.CharField(max_length=64, default=new_ledger_salt, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "办件"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="cases_owner_created"),
            # a filer's cases newest first (replaces the plain filed_by index): with the owner's,
            # two index-ordered reads make an applicant's case list (selectors.own_cases); the
            # owner carried in the index counts "filed by them, owned by someone else" from the
            # index alone (cases/0015, replacing cases_filer_created)
            models.Index(fields=["filed_by", "-created_at", "owner"], name="cases_filer_created_owner"),
            # a department's queue in due-date order (selectors.case_queue), and — region and hall
            # carried in the index — its exact count (the API list) read from the index alone,
            # not from 70,000 heap pages at 10 million cases (replaces cases_dept_status_due)
            models.Index(
                fields=["department", "status", "due_date", "region", "hall"], name="cases_dept_status_due_rh"
            ),
            # the days a case counts on (supervision's summaries recompute a day by these)
            models.Index(fields=["completed_at"], name="cases_completed_at"),
            models.Index(fields=["received_on"], name="cases_received_on"),
        ]

    def __str__(self) -> str:
        return self.number


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    AGENT = "agent", "代办人"
    LEGAL_REP = "legal_rep", "法定代表人"
    SUBJECT = "subject", "办理对象"
    RIGHTS_HOLDER = "rights_holder", "权利人"


class IdType(models.TextChoices):
    RIC = "111", "居民身份证"
    USCC = "001", "统一社会信用代码"


class CaseParty(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField("身份", max_length=16, choices=PartyRole.choices)
    name = models.CharField("姓名/名称", max_length=200)
    id_type = models.CharField("证件类型", max_length=3, choices=IdType.choices)
    id_number = EncryptedTextField("证件号码")
    id_hash = models.CharField(max_length=64, db_index=True)
    phone = EncryptedTextField("联系电话", blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "办件当事人"
        constraints = [models.UniqueConstraint(fields=["case", "role"], name="cases_party_role_uniq")]


class CaseEvent(models.Model):
    """An immutable record of one transition: who did what, when, from which status to which."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    ledger_entry = models.BigIntegerField("存证条目", null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="cases_event_seq_uniq")]


class StopKind(models.TextChoices):
    SPECIAL_PROCEDURE = "special_procedure", "特别程序"
    SUSPENSION = "suspension", "挂起"
    TOLERANCE = "tolerance", "容缺材料逾期，中止审查"
    COOLING_OFF = "cooling_off", "离婚冷静期"


class ClockStop(models.Model):
    """A period the clock does not run: working days in (started_on, ended_on] do not count."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stops")
    kind = models.CharField(max_length=20, choices=StopKind.choices)
    procedure = models.CharField("特别程序种类", max_length=20, blank=True)
    legal_basis = models.TextField("法律依据", blank=True)
    reason = models.TextField(blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    planned_end = models.DateField("预计结束日期", null=True, blank=True)

    class Meta:
        ordering = ["case", "started_on", "id"]


class CaseMaterial(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    material_code = models.CharField(max_length=60)
    file = models.FileField(upload_to="cases/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "办件材料"


class CaseLicenseRef(models.Model):
    """免提交: a material satisfied by an e-licence, attached by reference instead of a file;
    checked (signature, status, expiry, authorisation) on submission and again at acceptance."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="license_refs")
    material_code = models.CharField(max_length=60)
    license = models.ForeignKey(
        "licenses.License", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    via = models.CharField(
        "来源", max_length=12, help_text="own 本人持有 / authorised 持证人授权 / external 省级证照库"
    )
    # a licence of another issuer found in the provincial library (via "external"): its identifier
    # and what the library said of it when checked (type, issuer, validity, the exchange record)
    external_identifier = models.CharField("外部证照标识", max_length=120, blank=True)
    external = models.JSONField("外部证照信息", default=dict, blank=True)
    attached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "免提交证照"
        constraints = [
            models.UniqueConstraint(fields=["case", "material_code"], name="cases_license_ref_once"),
            models.CheckConstraint(
                condition=models.Q(license__isnull=False) | ~models.Q(external_identifier=""),
                name="cases_license_ref_local_or_external",
            ),
        ]

    @property
    def identifier(self) -> str:
        return self.license.identifier if self.license_id else self.external_identifier


class NoticeKind(models.TextChoices):
    RECEIPT = "receipt", "收件清单"
    ACCEPTANCE = "acceptance", "受理通知书"
    REFUSAL = "refusal", "不予受理通知书"
    SUPPLEMENT = "supplement", "补齐补正告知书"
    SPECIAL_PROCEDURE = "special_procedure", "特别程序告知书"
    EXTENSION = "extension", "延期告知书"
    APPROVAL = "approval", "准予许可决定书"
    DENIAL = "denial", "不予许可决定书"
    COMPLETION = "completion", "办结通知书"
    TOLERANCE = "tolerance", "容缺受理告知书"
    TOLERANCE_LAPSED = "tolerance_lapsed", "容缺材料逾期处理告知书"
    VERIFICATION = "verification", "告知承诺事后核查结果告知书"
    REVOCATION = "revocation", "撤销行政许可决定书"
    COOLING_OFF = "cooling_off", "离婚登记申请受理回执"
    COOLING_OFF_ENDED = "cooling_off_ended", "离婚登记申请撤回告知"


class Notice(models.Model):
    """A notice issued to the applicant; its body is rendered from `data` as HTML and as a PDF
    sealed with the department's electronic seal (core.seal), rendered and signed once after the
    commit that issued it, stored in `pdf` and served as stored (cases.services.sealing)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    number = models.CharField("文书编号", max_length=40, unique=True)
    issued_at = models.DateTimeField()
    data = models.JSONField(default=dict)
    ledger_entry = models.BigIntegerField("存证条目", null=True, blank=True, db_index=True)
    pdf = models.FileField("盖章文书（PDF）", upload_to="notices/%Y/%m/", blank=True, default="")
    pdf_sha256 = models.CharField("PDF 摘要", max_length=64, blank=True, default="")
    sealed_at = models.DateTimeField("盖章时间", null=True, blank=True)
    # 送达回证 (proof of electronic delivery): made available = sealed_at; first opened by the
    # applicant (not by staff).
    electronic = models.BooleanField("电子送达", default=False)
    first_opened_at = models.DateTimeField("申请人首次查阅时间", null=True, blank=True)

    class Meta:
        ordering = ["case", "issued_at", "id"]


class CaseNumber(models.Model):
    """Sequence for case numbers on databases without sequences (SQLite). On PostgreSQL the
    `cases_case_number_seq` sequence is used instead (see migrations)."""

    id = models.BigAutoField(primary_key=True)


class CaseRecord(models.Model):
    """A note on a case that is not a transition (e.g. a due date recomputed after a calendar
    notice was entered)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="records")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=32)
    note = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["case", "at", "id"]


# --- 容缺受理, 告知承诺制, 离婚冷静期 (cases/services/procedures.py) ---------------------------------
class ToleratedMaterial(models.Model):
    """容缺受理: a required material the case was accepted without; due on `due_on` (working days
    after acceptance, the item's setting). `reminded_on` makes the reminder exactly-once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tolerated")
    material_code = models.CharField("材料编码", max_length=60)
    material_name = models.CharField("材料名称", max_length=200)
    due_on = models.DateField("补交期限")
    reminded_on = models.DateField("提醒日期", null=True, blank=True)
    received_on = models.DateField("补交日期", null=True, blank=True)
    lapsed_on = models.DateField("逾期处理日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "容缺材料"
        ordering = ["case", "due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "material_code"], name="cases_tolerated_once")]


class Commitment(models.Model):
    """The 告知承诺书 the applicant accepted, stored with the case as shown; its SHA-256 is in the
    submission's ledger entry."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="commitment")
    text = models.TextField("承诺书")
    sha256 = models.CharField(max_length=64)
    replaces = models.JSONField("替代的材料", default=list)
    accepted_at = models.DateTimeField("承诺时间")

    class Meta:
        verbose_name = verbose_name_plural = "告知承诺书"


class VerificationStatus(models.TextChoices):
    PENDING = "pending", "待核查"
    CONFIRMED = "confirmed", "核查属实"
    FALSE = "false", "承诺不实"


class Verification(models.Model):
    """事后核查 of a decision made on a commitment: the department's task, due on the working-day
    clock (warning light as every deadline)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="verification")
    department = models.ForeignKey(
        "organizations.Department", on_delete=models.PROTECT, related_name="verifications"
    )
    started_on = models.DateField("核查起始日")
    due_on = models.DateField("核查期限", db_index=True)
    status = models.CharField(
        max_length=10, choices=VerificationStatus.choices, default=VerificationStatus.PENDING, db_index=True
    )
    finding = models.TextField("核查结论", blank=True)
    found_on = models.DateField("核查日期", null=True, blank=True)
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "事后核查"
        ordering = ["due_on", "id"]


class Dishonesty(models.Model):
    """失信记录: an applicant whose commitment was found false (who, case, finding, date). Staff
    see it; it is not public."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("当事人", max_length=200)
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="dishonesty")
    finding = models.TextField("认定事实")
    recorded_on = models.DateField("认定日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "失信记录"
        ordering = ["-recorded_on", "-id"]


class CoolingOff(models.Model):
    """离婚冷静期 (《民法典》§1077), calendar days: either party may withdraw until `withdraw_until`;
    both must confirm in person from the next day to `confirm_until`, else the application lapses."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="cooling_off")
    received_on = models.DateField("收到申请日")
    withdraw_until = models.DateField("冷静期届满日")
    confirm_until = models.DateField("确认期限")
    applicant_confirmed_on = models.DateField("申请人确认日", null=True, blank=True)
    other_confirmed_on = models.DateField("另一方确认日", null=True, blank=True)
    ended_on = models.DateField("结束日", null=True, blank=True)
    outcome = models.CharField("结果", max_length=12, blank=True, help_text="confirmed / withdrawn / lapsed")

    class Meta:
        verbose_name = verbose_name_plural = "离婚冷静期"
