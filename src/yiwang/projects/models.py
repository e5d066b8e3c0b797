"""政务信息化项目全流程管理 (a project from 申报 to 运行效能监管), the information systems of the
city's data asset ledger (数据一本账: project → system → data resources of the exchange), and the
chief data officers' lists, data-quality issues and yearly evaluation."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Stage(models.TextChoices):
    FILED = "filed", "已申报"
    APPROVED = "approved", "已立项"
    REJECTED = "rejected", "不予立项"
    BUILDING = "building", "建设中"
    CONFIRMED = "confirmed", "已确认"
    ACCEPTED = "accepted", "已验收"
    SELF_EVALUATED = "self_evaluated", "已自评"
    POST_EVALUATED = "post_evaluated", "已后评价"
    OPERATING = "operating", "运行效能监管"


class Bureau(models.Model):
    """The department that approves and confirms projects (政务服务和大数据管理局); its reviewers,
    approvers and department admins act for it."""

    department = models.OneToOneField(
        "organizations.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "项目主管部门"

    def __str__(self) -> str:
        return str(self.department)


class Evaluator(models.Model):
    """A third-party evaluation organisation's account (第三方专业机构)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.CharField("机构名称", max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = "第三方评价机构"

    def __str__(self) -> str:
        return self.organisation


class Project(models.Model):
    code = models.CharField("项目编号", max_length=20, unique=True)
    name = models.CharField("项目名称", max_length=200)
    purpose = models.TextField("建设目标")
    department = models.ForeignKey(
        "organizations.Department", verbose_name="建设单位", on_delete=models.PROTECT, related_name="+"
    )
    implementation_path = models.TextField("实现路径", blank=True)
    schedule = models.TextField("进度安排", blank=True)
    functions = models.TextField("主要功能", blank=True)
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices, default=Stage.FILED)
    stage_since = models.DateField("进入本阶段日期")
    stage_due = models.DateField("本阶段期限", null=True, blank=True)
    duplicates = models.JSONField("疑似重复建设", default=list)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申报人"
    )
    evaluator = models.ForeignKey(
        Evaluator, verbose_name="后评价机构", null=True, blank=True, on_delete=models.PROTECT
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "信息化项目"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Budget(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget")
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("批复金额（元）", max_digits=14, decimal_places=2)
    source = models.CharField("资金来源", max_length=50)

    class Meta:
        verbose_name = verbose_name_plural = "项目预算"
        ordering = ["project", "year"]


class SystemStatus(models.TextChoices):
    PLANNED = "planned", "拟建"
    BUILDING = "building", "在建"
    RUNNING = "running", "运行"
    RETIRED = "retired", "停用"


class InformationSystem(models.Model):
    """A government information system in the ledger (政务信息系统)."""

    code = models.CharField("系统编号", max_length=30, unique=True)
    name = models.CharField("系统名称", max_length=200)
    department = models.ForeignKey(
        "organizations.Department", verbose_name="主管部门", on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        Project,
        verbose_name="建设项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="systems",
    )
    replaces = models.ForeignKey(
        "self", verbose_name="替代系统", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    functions = models.TextField("主要功能", blank=True)
    status = models.CharField("状态", max_length=10, choices=SystemStatus.choices, default="planned")
    mlps_level = models.PositiveSmallIntegerField("等保级别", default=2)  # 网络安全等级保护 1–5
    registered = models.BooleanField("已登记（一本账）", default=False)
    resources = models.ManyToManyField(
        "exchange.DataResource", verbose_name="数据资源", blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "政务信息系统"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ResourceRole(models.TextChoices):
    CREATES = "creates", "产生"
    USES = "uses", "使用"


class PromisedResource(models.Model):
    """A data resource a project promised at 立项 (creates and shares) or uses; checked again at
    确认 and 验收."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="resources")
    code = models.CharField("资源代码", max_length=60)
    name = models.CharField("资源名称", max_length=100)
    role = models.CharField("关系", max_length=8, choices=ResourceRole.choices)

    class Meta:
        verbose_name = verbose_name_plural = "项目数据资源"
        ordering = ["project", "role", "code"]


class ReviewKind(models.TextChoices):
    FEASIBILITY = "feasibility", "可行性"
    NECESSITY = "necessity", "必要性"
    BUDGET = "budget", "预算"
    PATH = "path", "实现路径"
    SHARING = "sharing", "共享审查"
    SECURITY = "security", "安全审查"


class Review(models.Model):
    """A reviewer's (expert's) opinion at 立项审批."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField("审查类型", max_length=12, choices=ReviewKind.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField("通过")
    opinion = models.TextField("意见")
    at = models.DateTimeField(auto_now_add=True)
    ledger_entry = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "审查意见"
        ordering = ["project", "at", "pk"]


class DocumentKind(models.TextChoices):
    FEASIBILITY = "feasibility", "可行性研究报告"
    PLAN = "plan", "建设方案"
    CONTRACT = "contract", "合同"
    MLPS = "mlps", "等保测评报告"
    CRYPTO = "crypto", "密码应用安全性评估报告"
    ACCEPTANCE = "acceptance", "验收报告"
    SELF_EVALUATION = "self_evaluation", "自评报告"
    OTHER = "other", "其他"


class Document(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices)
    kind = models.CharField("类型", max_length=16, choices=DocumentKind.choices)
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "项目文件"
        ordering = ["project", "at", "pk"]


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField("里程碑", max_length=100)
    due = models.DateField("计划完成")
    done_on = models.DateField("实际完成", null=True, blank=True)

    class Meta:
        ordering = ["project", "due", "pk"]


class Contract(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contracts")
    name = models.CharField("合同名称", max_length=200)
    supplier = models.CharField("承建单位", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("合同金额（元）", max_digits=14, decimal_places=2)
    signed_on = models.DateField("签订日期")

    class Meta:
        ordering = ["project", "signed_on", "pk"]


class Payment(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="payments")
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("支付金额（元）", max_digits=14, decimal_places=2)
    paid_on = models.DateField("支付日期")

    class Meta:
        ordering = ["contract", "paid_on", "pk"]


class ChangeStatus(models.TextChoices):
    REQUESTED = "requested", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予批准"


class Change(models.Model):
    """A change during 建设 (scope, schedule or budget) that needs the bureau's approval."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="changes")
    description = models.TextField("变更内容")
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    budget_delta = models.DecimalField("预算调整（元）", max_digits=14, decimal_places=2, default=0)
    status = models.CharField(max_length=10, choices=ChangeStatus.choices, default="requested")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("审批意见", blank=True)
    at = models.DateTimeField(auto_now_add=True)
    ledger_entry = models.BigIntegerField(null=True, blank=True, db_index=True)


class Step(models.Model):
    """One stage decision of a project (immutable), with its ledger entry."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    frm = models.CharField(max_length=16)
    to = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    at = models.DateTimeField()
    ledger_entry = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["project", "seq"]
        constraints = [models.UniqueConstraint(fields=["project", "seq"], name="projects_step_seq_uniq")]


class Scheme(models.Model):
    """A configurable post-evaluation scheme: criteria with weights (points)."""

    name = models.CharField("方案名称", max_length=100)
    criteria = models.JSONField("评价指标", default=list)  # [{"code", "name", "points"}]
    active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "后评价方案"

    def __str__(self) -> str:
        return self.name


class PostEvaluation(models.Model):
    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="post_evaluation")
    evaluator = models.ForeignKey(Evaluator, on_delete=models.PROTECT, related_name="+")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="+")
    scores = models.JSONField(default=dict)
    total = models.DecimalField(max_digits=6, decimal_places=2)
    conclusion = models.TextField("评价结论")
    at = models.DateTimeField(auto_now_add=True)


class Indicator(models.Model):
    """运行效能监管: a system's usage and cost in a month."""

    system = models.ForeignKey(InformationSystem, on_delete=models.CASCADE, related_name="indicators")
    month = models.DateField("月份")  # the first day of the month
    active_users = models.PositiveIntegerField("活跃用户数", default=0)
    transactions = models.PositiveIntegerField("业务量", default=0)
    availability = models.DecimalField("可用率（%）", max_digits=5, decimal_places=2, default=100)
    cost = models.DecimalField("运维费用（元）", max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["system", "month"]
        constraints = [models.UniqueConstraint(fields=["system", "month"], name="projects_indicator_uniq")]


# --- the chief data officer (首席数据官) ---------------------------------------------------------
class ListKind(models.TextChoices):
    DEMAND = "demand", "需求清单"
    RESPONSIBILITY = "responsibility", "责任清单"


class DataListEntry(models.Model):
    """A line of a department's 需求清单 (resources it needs from others) or 责任清单 (resources
    it must provide), owned by its CDO."""

    department = models.ForeignKey(
        "organizations.Department", on_delete=models.PROTECT, related_name="+", verbose_name="部门"
    )
    kind = models.CharField("清单", max_length=16, choices=ListKind.choices)
    name = models.CharField("数据资源", max_length=100)
    resource = models.ForeignKey(
        "exchange.DataResource", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField("完成期限", null=True, blank=True)
    fulfilled_on = models.DateField("完成日期", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["department", "kind", "pk"]


class QualityStatus(models.TextChoices):
    OPEN = "open", "待整改"
    CLOSED = "closed", "已整改"


class QualityIssue(models.Model):
    """A data-quality issue raised by a consumer (a value was wrong or stale)."""

    resource = models.ForeignKey("exchange.DataResource", on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    consumer = models.ForeignKey("organizations.Department", on_delete=models.PROTECT, related_name="+")
    element = models.CharField("信息项", max_length=60, blank=True)
    description = models.TextField("问题描述")
    due = models.DateField("整改期限")
    status = models.CharField(max_length=8, choices=QualityStatus.choices, default="open")
    reply = models.TextField("整改说明", blank=True)
    closed_on = models.DateField(null=True, blank=True)
    raised_on = models.DateField()
    ledger_entry = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-raised_on", "-pk"]
