"""Service catalogue (政务服务事项): items, their published versions, materials, form schemas and
the registry of canonical, party-qualified data elements (DESIGN.md §4.1, §4.2)."""

from __future__ import annotations

from django.db import models

from yiwang.core.errors import Conflict
from yiwang.core.text import safe_link_validator


class ItemType(models.TextChoices):
    """事项类型, GB/T 39046-2020 Appendix A."""

    ADMIN_POWER = "00", "行政权力事项"
    LICENSING = "01", "行政许可"
    PENALTY = "02", "行政处罚"
    COERCION = "03", "行政强制"
    LEVY = "04", "行政征收"
    PAYMENT = "05", "行政给付"
    INSPECTION = "06", "行政检查"
    CONFIRMATION = "07", "行政确认"
    REWARD = "08", "行政奖励"
    ADJUDICATION = "09", "行政裁决"
    OTHER = "10", "其他类别事项"
    PUBLIC_SERVICE = "20", "公共服务事项"


class ServiceObject(models.TextChoices):
    PERSON = "1", "自然人"
    ENTERPRISE = "2", "企业法人"
    INSTITUTION = "3", "事业法人"
    SOCIAL_ORG = "4", "社会组织法人"
    AGENCY = "5", "行政机关"
    OTHER = "6", "其他组织"


class ExerciseLevel(models.TextChoices):
    NATIONAL = "1", "国家级"
    PROVINCIAL = "2", "省级"
    MUNICIPAL = "3", "市级"
    COUNTY = "4", "县级"
    TOWNSHIP = "5", "镇(乡、街道)级"
    VILLAGE = "6", "村(社区)级"
    TIERED = "7", "分级管理"


class PowerSource(models.TextChoices):
    STATUTORY = "1", "法定本级行使"
    DELEGATED_DOWN = "2", "上级下放"
    AUTHORIZED_UP = "3", "上级授权"
    AUTHORIZED_PEER = "4", "同级授权"
    ENTRUSTED_UP = "5", "上级委托"
    ENTRUSTED_PEER = "6", "同级委托"


class HandlingForm(models.TextChoices):
    WINDOW = "1", "窗口办理"
    ONLINE = "2", "网上办理"
    MOBILE = "3", "移动端"
    POST = "4", "快递申请"
    OTHER = "9", "其他"


class CaseKind(models.TextChoices):
    IMMEDIATE = "1", "即办件"
    PROMISED = "2", "承诺件"
    OTHER = "9", "其他"


class OnlineDepth(models.TextChoices):
    CONSULT = "1", "互联网咨询"
    RECEIVE = "2", "收件"
    PRE_REVIEW = "3", "预审"
    ACCEPT = "4", "受理"
    HANDLE = "5", "办理"
    RESULT = "6", "结果反馈"
    E_LICENSE = "7", "电子证照反馈"
    OTHER = "8", "其他"


class CrossCityScope(models.TextChoices):
    """通办范围: where else the item can be applied for. Not a GB/T 39046 table: the values are the
    words provinces use, stored as they are. 都市圈 is a metropolitan circle's 一圈通办 (e.g. the
    Wuhan metropolitan circle's cities handle each other's listed items)."""

    NATIONWIDE = "全国", "全国通办"
    INTER_PROVINCIAL = "跨省", "跨省通办"
    PROVINCE = "省内", "省内通办"
    METRO_CIRCLE = "都市圈", "都市圈通办（一圈通办）"
    CITY = "市内", "市内通办"
    NONE = "无", "不通办"


class BusinessKind(models.TextChoices):
    NEW = "new", "新设"
    CHANGE = "change", "变更"
    RENEW = "renew", "延续"
    CANCEL = "cancel", "注销"


class ItemNodeKind(models.TextChoices):
    MAIN = "main", "主项"
    SUB = "sub", "子项"
    BUSINESS = "business", "业务办理项"


class SpecialProcedureKind(models.TextChoices):
    EXTENDED_REVIEW = "1", "延长审批"
    OTHER = "2", "其他"


class ResultType(models.TextChoices):
    LICENSE = "10", "证照"
    APPROVAL = "20", "批文"
    OTHER = "30", "其他"


class ElementType(models.TextChoices):
    STRING = "string", "文本"
    TEXT = "text", "长文本"
    INTEGER = "integer", "整数"
    NUMBER = "number", "数值"
    DATE = "date", "日期"
    BOOLEAN = "boolean", "是/否"
    ENUM = "enum", "枚举"
    LIST = "list", "文本清单"  # e.g. 一证多址: the addresses one licence covers


class Validator(models.TextChoices):
    NONE = "", "无"
    RIC = "cn.ric", "居民身份证号码"
    USCC = "cn.uscc", "统一社会信用代码"
    PHONE = "phone", "手机号码"
    POSTCODE = "postcode", "邮政编码"


class DataElement(models.Model):
    """A canonical, party-qualified data element: `applicant.id_number`, `child.birth_date`…
    Form JSON keys are these ids; an item's own wording goes in the schema's `title`."""

    id = models.CharField("元素标识", max_length=80, primary_key=True)
    party = models.CharField("主体", max_length=40)
    name = models.CharField("名称", max_length=60)
    type = models.CharField("类型", max_length=10, choices=ElementType.choices)
    format = models.CharField("格式", max_length=30, blank=True)
    validator = models.CharField("校验", max_length=20, choices=Validator.choices, blank=True)
    max_length = models.PositiveIntegerField("最大长度", null=True, blank=True)
    enum = models.JSONField("可选值", default=list, blank=True)
    sensitive = models.BooleanField("敏感个人信息", default=False)
    mask = models.CharField(
        "脱敏方式", max_length=20, blank=True, help_text="id_number / phone / name / address"
    )

    class Meta:
        verbose_name = verbose_name_plural = "数据元素"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.id}（{self.name}）"


class Item(models.Model):
    """The lasting identity of an item: its implementation code (实施编码). What it says lives in
    its versions."""

    code = models.CharField("实施编码", max_length=80, unique=True)
    basic_code = models.CharField("基本编码", max_length=40, db_index=True)
    local_code = models.CharField("本地编码", max_length=80, blank=True, db_index=True)
    department = models.ForeignKey(
        "organizations.Department", verbose_name="实施部门", on_delete=models.PROTECT, related_name="items"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    node_kind = models.CharField(
        "层级", max_length=10, choices=ItemNodeKind.choices, default=ItemNodeKind.MAIN
    )
    business_kind = models.CharField(
        "业务办理项类型", max_length=10, choices=BusinessKind.choices, blank=True
    )
    # An entry of another district's published list (catalog/external_list.py): names and codes
    # only, no limits; left out of the city's indicators and of the catalogue's rule checks.
    external = models.BooleanField(
        "外部清单事项",
        default=False,
        help_text="从其他地区公布的事项清单导入，仅有名称和编码，不计入本市指标",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "事项"
        ordering = ["code"]

    def __str__(self) -> str:
        current = getattr(self, "_current_name", None)
        return current or self.code


class ToleranceLapse(models.TextChoices):
    """What the department does when a tolerated material is not handed in on time."""

    SUSPEND = "suspend", "中止审查，暂停作出决定"
    REFUSE = "refuse", "不予许可"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已停用"


class ItemVersion(models.Model):
    """One version of an item's service guide (办事指南). Published versions are immutable; a case
    keeps the version it was filed under."""

    item = models.ForeignKey(Item, verbose_name="事项", on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本号")
    status = models.CharField(
        "状态", max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_until = models.DateField("失效日期", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    name = models.CharField("事项名称", max_length=200, db_index=True)
    item_type = models.CharField("事项类型", max_length=2, choices=ItemType.choices)
    service_objects = models.JSONField("服务对象", default=list)
    exercise_levels = models.JSONField("行使层级", default=list)
    power_source = models.CharField(
        "权力来源", max_length=1, choices=PowerSource.choices, default=PowerSource.STATUTORY
    )
    legal_basis = models.TextField("设定依据", blank=True)
    conditions = models.TextField("受理条件", blank=True)
    # Limits and case kind may be unknown on a draft (e.g. an item list imported without guides);
    # publishing requires them (catalog.services.item_version_publish).
    statutory_limit_days = models.PositiveIntegerField("法定办结时限（工作日）", null=True, blank=True)
    promised_limit_days = models.PositiveIntegerField("承诺办结时限（工作日）", null=True, blank=True)
    case_kind = models.CharField("办件类型", max_length=1, choices=CaseKind.choices, blank=True)
    handling_forms = models.JSONField("办理形式", default=list)
    online_depth = models.JSONField("网上办理深度", default=list)
    online_grade = models.CharField("网办深度等级", max_length=4, blank=True, help_text="Ⅰ–Ⅳ；Ⅳ 为全程网办")
    visits_required = models.PositiveSmallIntegerField("到现场次数", default=1)
    locations = models.TextField("办理地点", blank=True)
    hours = models.TextField("办理时间", blank=True)
    consultation = models.TextField("咨询方式", blank=True)
    complaint = models.TextField("监督投诉方式", blank=True)
    fees = models.JSONField(
        "收费", default=list, blank=True, help_text='[{"name","standard","basis","waivable"}]'
    )
    results = models.JSONField(
        "办理结果", default=list, blank=True, help_text='[{"name","type":"10|20|30","sample"}]'
    )
    cross_city_scope = models.CharField(
        "通办范围",
        max_length=20,
        blank=True,
        choices=CrossCityScope.choices,
        help_text="全国 / 跨省 / 省内 / 都市圈 / 市内 / 无",
    )
    themes = models.JSONField("主题", default=list, blank=True)
    tolerance_acceptance = models.BooleanField("容缺受理", default=False)
    commitment_system = models.BooleanField("告知承诺制", default=False)
    # 容缺受理 as a procedure (cases/services/procedures.py): the working days the applicant has
    # to hand in a tolerated material, and what the department does once they pass.
    tolerance_days = models.PositiveSmallIntegerField("容缺材料补交时限（工作日）", default=5)
    tolerance_lapse = models.CharField(
        "容缺逾期处理",
        max_length=10,
        choices=ToleranceLapse.choices,
        default=ToleranceLapse.SUSPEND,
    )
    # 告知承诺制 (国办发〔2020〕42号): the 承诺书 shown to the applicant, the materials it replaces,
    # and the working days the department has for its 事后核查.
    commitment_text = models.TextField("告知承诺书", blank=True)
    commitment_replaces = models.JSONField("承诺替代的材料（材料编码）", default=list, blank=True)
    verification_days = models.PositiveSmallIntegerField("事后核查时限（工作日）", default=20)
    # 离婚冷静期 (《民法典》§1077): calendar days, not working days; empty for other items.
    cooling_off_days = models.PositiveSmallIntegerField("冷静期（日）", null=True, blank=True)
    confirm_days = models.PositiveSmallIntegerField("冷静期届满后确认期限（日）", null=True, blank=True)
    special_procedures = models.JSONField(
        "特别程序",
        default=list,
        blank=True,
        help_text='[{"kind","name","basis","procedure"?,"duration_days"?}]；只有列明（含法律依据）的特别程序才停止计时',
    )
    extension_days = models.PositiveSmallIntegerField(
        "可延长期限（工作日）",
        default=10,
        help_text="《行政许可法》第四十二条：经本机关负责人批准可延长的工作日数；法律不允许延长的填 0；即办件不得延长",
    )
    acceptance_limit_days = models.PositiveSmallIntegerField(
        "补正后受理时限（工作日）",
        default=5,
        help_text="收到补正材料后作出受理决定的期限（地方规定，默认 5 个工作日）",
    )
    form_schema = models.JSONField("申请表（JSON Schema）", default=dict, blank=True)
    halls = models.ManyToManyField(
        "organizations.ServiceHall", verbose_name="办理大厅", blank=True, related_name="item_versions"
    )

    class Meta:
        verbose_name = verbose_name_plural = "事项版本"
        ordering = ["item__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="catalog_itemversion_uniq"),
            models.CheckConstraint(
                condition=models.Q(promised_limit_days__lte=models.F("statutory_limit_days")),
                name="catalog_promised_within_statutory",
            ),
        ]
        indexes = [models.Index(fields=["status", "item"], name="catalog_iv_status_item")]

    # Published and retired versions are immutable: only these fields may still change (the
    # publish service sets them, and closes the previous version's validity window).
    LIFECYCLE_FIELDS = frozenset({"status", "valid_from", "valid_until", "published_at"})

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if (
            self.pk
            and not self.is_editable
            and not (update_fields is not None and set(update_fields) <= self.LIFECYCLE_FIELDS)
        ):
            raise Conflict("已发布的事项版本不可修改，请新建草稿版本", code="version_immutable")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args, **kwargs):
        if not self.is_editable:
            raise Conflict("已发布的事项版本不可删除", code="version_immutable")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        obj._stored_status = obj.__dict__.get("status")
        return obj

    @property
    def is_editable(self) -> bool:
        """Only drafts may change; a case keeps the version it was filed under."""
        return getattr(self, "_stored_status", VersionStatus.DRAFT) == VersionStatus.DRAFT

    @property
    def is_immediate(self) -> bool:
        return self.case_kind == CaseKind.IMMEDIATE


class MaterialType(models.TextChoices):
    ORIGINAL = "1", "原件"
    COPY = "2", "复印件"
    BOTH = "3", "原件和复印件"


class MaterialForm(models.TextChoices):
    PAPER = "1", "纸质"
    ELECTRONIC = "2", "电子"
    BOTH = "3", "纸质+电子"


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", "申请人自备"
    GOVERNMENT = "government", "政府部门核发"
    OTHER = "other", "其他"


class Material(models.Model):
    item_version = models.ForeignKey(
        ItemVersion, verbose_name="事项版本", on_delete=models.CASCADE, related_name="materials"
    )
    code = models.CharField("材料编码", max_length=60, help_text="跨事项统一的材料标识，一件事合并材料时使用")
    name = models.CharField("材料名称", max_length=200)
    material_type = models.CharField(
        "材料类型", max_length=1, choices=MaterialType.choices, default=MaterialType.ORIGINAL
    )
    material_form = models.CharField(
        "材料形式", max_length=1, choices=MaterialForm.choices, default=MaterialForm.ELECTRONIC
    )
    required = models.BooleanField("必要性", default=True)
    copies = models.PositiveSmallIntegerField("份数", default=1)
    source = models.CharField(
        "来源渠道", max_length=12, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    issuing_department = models.CharField("出具单位", max_length=100, blank=True)
    license_type_code = models.CharField(
        "对应电子证照类型",
        max_length=30,
        blank=True,
        db_index=True,
        help_text="证照类型代码（GB/T 36904）；申请人持有或经授权使用的有效电子证照可免于提交本材料",
    )
    tolerable = models.BooleanField("可容缺", default=False)
    blank_form = models.CharField("空白表格", max_length=300, blank=True, validators=[safe_link_validator])
    sample = models.CharField("示例样表", max_length=300, blank=True, validators=[safe_link_validator])
    notes = models.TextField("填报须知", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "申请材料"
        ordering = ["item_version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item_version", "code"], name="catalog_material_code_uniq")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self._ensure_version_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._ensure_version_editable()
        return super().delete(*args, **kwargs)

    def _ensure_version_editable(self) -> None:
        status = ItemVersion.objects.filter(pk=self.item_version_id).values_list("status", flat=True).first()
        if status is not None and status != VersionStatus.DRAFT:
            raise Conflict("已发布的事项版本的材料不可修改，请新建草稿版本", code="version_immutable")


class CodeMapping(models.Model):
    """Maps a local system's code (e.g. a province's item-type codes) to the national code."""

    system = models.CharField("来源系统", max_length=50)
    table = models.CharField("代码表", max_length=50)
    local_code = models.CharField("本地代码", max_length=50)
    national_code = models.CharField("国标代码", max_length=50)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "代码映射"
        constraints = [
            models.UniqueConstraint(fields=["system", "table", "local_code"], name="catalog_codemapping_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.system}/{self.table}: {self.local_code} → {self.national_code}"


# --- 事项认领: standard items of the provincial item library, claimed by the city's departments ----


class StandardItem(models.Model):
    """A standard item (标准事项) as the provincial item library publishes it: the basic code and the
    fields the province owns (name, type, legal basis, …) mapped to GB/T 39046 codes, in the
    import/export row format (`standard`). The city never edits it; it arrives by file import or by
    polling the province's API (catalog/province.py)."""

    source = models.CharField("来源系统", max_length=50)
    basic_code = models.CharField("基本编码", max_length=40)
    name = models.CharField("事项名称", max_length=200, db_index=True)
    item_type = models.CharField("事项类型", max_length=2, choices=ItemType.choices)
    revision = models.PositiveIntegerField("省级版本号")
    standard = models.JSONField("标准字段", default=dict)
    withdrawn = models.BooleanField("省级已停用", default=False)
    province_updated_at = models.CharField("省级更新时间", max_length=40, blank=True)
    received_at = models.DateTimeField("接收时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "省级标准事项"
        ordering = ["basic_code"]
        constraints = [
            models.UniqueConstraint(fields=["source", "basic_code"], name="catalog_standarditem_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.basic_code}）"


class ItemClaim(models.Model):
    """A department's claim (认领) of a standard item: the local item (with its implementation code)
    it created, and the provincial revision whose standard fields the item now carries."""

    standard_item = models.ForeignKey(
        StandardItem, verbose_name="标准事项", on_delete=models.PROTECT, related_name="claims"
    )
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name="认领部门",
        on_delete=models.PROTECT,
        related_name="item_claims",
    )
    item = models.OneToOneField(Item, verbose_name="实施事项", on_delete=models.PROTECT, related_name="claim")
    accepted_revision = models.PositiveIntegerField("已采纳的省级版本号")
    accepted_standard = models.JSONField("已采纳的标准字段", default=dict)
    claimed_by = models.ForeignKey(
        "accounts.User", verbose_name="认领人", on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField("认领时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "事项认领"
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(fields=["standard_item", "department"], name="catalog_itemclaim_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.department} 认领 {self.standard_item}"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    ACCEPTED = "accepted", "已采纳"
    REJECTED = "rejected", "已拒绝"
    SUPERSEDED = "superseded", "已被更新的变更取代"


class ClaimChange(models.Model):
    """A provincial change to a claimed standard item, waiting for the department: the standard
    fields before (what the item carries) and after. Accepting makes a new item version; rejecting
    needs a reason. A newer provincial revision supersedes a change still pending."""

    claim = models.ForeignKey(
        ItemClaim, verbose_name="认领", on_delete=models.CASCADE, related_name="changes"
    )
    revision = models.PositiveIntegerField("省级版本号")
    before = models.JSONField("变更前")
    after = models.JSONField("变更后")
    withdrawn = models.BooleanField("省级停用", default=False)
    status = models.CharField(
        "状态", max_length=12, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    received_at = models.DateTimeField("接收时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    reason = models.TextField("拒绝理由", blank=True)
    item_version = models.ForeignKey(
        ItemVersion,
        verbose_name="采纳后的事项版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "省级事项变更"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=models.Q(status="pending"),
                name="catalog_claimchange_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.claim.standard_item} v{self.revision}（{self.get_status_display()}）"


class SyncStatus(models.TextChoices):
    OK = "ok", "成功"
    PARTIAL = "partial", "部分完成"
    FAILED = "failed", "失败"


class ProvinceSync(models.Model):
    """One exchange with the provincial item library (a poll of its API or a file import): what was
    asked, what came back, what was applied, and why it failed. Kept for every attempt."""

    source = models.CharField("来源系统", max_length=50)
    via = models.CharField("方式", max_length=10, help_text="api / json / xlsx")
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    status = models.CharField("结果", max_length=10, choices=SyncStatus.choices, default=SyncStatus.FAILED)
    cursor_before = models.CharField("起始游标", max_length=200, blank=True)
    cursor_after = models.CharField("结束游标", max_length=200, blank=True)
    pages = models.PositiveIntegerField("页数", default=0)
    attempts = models.PositiveIntegerField("请求次数", default=0)
    received = models.PositiveIntegerField("收到事项", default=0)
    created = models.PositiveIntegerField("新增标准事项", default=0)
    changed = models.PositiveIntegerField("变更标准事项", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    stale = models.PositiveIntegerField("过期版本（已忽略）", default=0)
    changes_raised = models.PositiveIntegerField("待确认变更", default=0)
    error_code = models.CharField("错误代码", max_length=40, blank=True)
    detail = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "省级事项库同步记录"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.via} {self.started_at:%Y-%m-%d %H:%M}（{self.get_status_display()}）"


class ProvinceCursor(models.Model):
    """Where polling the province's API goes on from (`since`), one row per source. Moved by a
    conditional UPDATE in the transaction that applies a page, so two pollers never apply the same
    page twice and a failed page leaves it where it was."""

    source = models.CharField("来源系统", max_length=50, unique=True)
    cursor = models.CharField("游标", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "省级事项库游标"

    def __str__(self) -> str:
        return f"{self.source}: {self.cursor or '（起点）'}"


# The catalogue's revision (core.revisions): a database trigger (migration 0015) bumps it on every
# write to an item, an item version or a material, whoever writes, so the per-process memo of current versions
# (`selectors.item_version_current`) is never stale.
CATALOG_REVISION = "catalog"
