"""Regions, departments, service halls, windows and staff roles (组织机构)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from yiwang.core.identifiers import uscc_field_validator


class RegionLevel(models.TextChoices):
    CITY = "city", "市"
    DISTRICT = "district", "区"
    STREET = "street", "街道"
    COMMUNITY = "community", "社区(村)"


class ValidityQuerySet(models.QuerySet):
    def valid_on(self, day):
        return self.filter(models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day)).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )


class Region(models.Model):
    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("/420100/420102/420102001/") for "within my region" filters.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    valid_from = models.DateField("启用日期", null=True, blank=True)
    valid_until = models.DateField("停用日期", null=True, blank=True)
    successor = models.ForeignKey(
        "self", verbose_name="承继区划", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "/") + f"{self.code}/"
        super().save(*args, **kwargs)


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", "政府部门"
    INSTITUTION = "institution", "事业单位"
    ENTERPRISE = "enterprise", "公共服务企业"


class Department(models.Model):
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, validators=[uscc_field_validator])
    kind = models.CharField(
        "性质", max_length=16, choices=DepartmentKind.choices, default=DepartmentKind.GOVERNMENT
    )
    region = models.ForeignKey(
        Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="departments"
    )
    valid_from = models.DateField("启用日期", null=True, blank=True)
    valid_until = models.DateField("停用日期", null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name="承继部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    # 救济途径 (remedies): named on every adverse decision (organizations.selectors.department_remedy)
    vertically_managed = models.BooleanField(
        "垂直管理",
        default=False,
        help_text="税务、海关、金融监管、国家安全等实行垂直领导的机关：行政复议机关为上一级主管部门",
    )
    review_body = models.CharField(
        "行政复议机关",
        max_length=100,
        blank=True,
        help_text="留空则按《行政复议法》（2023）：本级人民政府；垂直管理机关为上一级主管部门",
    )
    court = models.CharField(
        "行政诉讼管辖法院", max_length=100, blank=True, help_text="留空则为所在地有管辖权的人民法院"
    )

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "部门"
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceHall(models.Model):
    name = models.CharField("名称", max_length=100)
    # The hall's public code in URLs and the API (/api/v1/halls/{code}); set for halls that take
    # appointments and queue tickets (the halls app).
    code = models.SlugField("大厅编码", max_length=32, unique=True, null=True, blank=True)
    region = models.ForeignKey(
        Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="halls"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    hours = models.CharField("办公时间", max_length=200, blank=True)
    phone = models.CharField("咨询电话", max_length=50, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "政务服务大厅"
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class WindowKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", "综合窗口"
    DEPARTMENT = "department", "部门窗口"


class Window(models.Model):
    hall = models.ForeignKey(
        ServiceHall, verbose_name="大厅", on_delete=models.CASCADE, related_name="windows"
    )
    number = models.CharField("窗口号", max_length=16)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=WindowKind.choices)
    # Items a window serves: every item of these departments, plus the items listed one by one.
    departments = models.ManyToManyField(
        Department, verbose_name="受理部门", blank=True, related_name="windows"
    )
    items = models.ManyToManyField(
        "catalog.Item", verbose_name="受理事项", blank=True, related_name="windows"
    )

    class Meta:
        verbose_name = verbose_name_plural = "窗口"
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="organizations_window_number_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.hall.name} {self.number}号窗口（{self.name}）"


class Role(models.TextChoices):
    CLERK = "clerk", "窗口受理"
    REVIEWER = "reviewer", "审核"
    APPROVER = "approver", "审批"
    DEPT_ADMIN = "dept_admin", "部门管理员"
    CDO = "cdo", "首席数据官"
    SUPERVISOR = "supervisor", "督查"
    PLATFORM_ADMIN = "platform_admin", "平台管理员"


class StaffRole(models.Model):
    """A role a staff member holds, with its scope: a window (clerk), a department (reviewer,
    approver, department admin, CDO) and a region (every role: the area it covers)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="人员", on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    region = models.ForeignKey(Region, verbose_name="区划范围", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department,
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_roles",
    )
    window = models.ForeignKey(
        Window,
        verbose_name="窗口",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_roles",
    )

    class Meta:
        verbose_name = verbose_name_plural = "人员角色"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "department", "window"], name="organizations_staffrole_uniq"
            ),
            models.CheckConstraint(
                condition=~models.Q(role="clerk") | models.Q(window__isnull=False),
                name="organizations_clerk_has_window",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=["reviewer", "approver", "dept_admin", "cdo"])
                | models.Q(department__isnull=False),
                name="organizations_dept_role_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


# The organisations' revision (core.revisions): a database trigger (migration 0005) bumps it on
# every write to a department or a region, so per-process memos holding them (the catalogue's
# current item versions) never serve an old name or region.
ORGANIZATIONS_REVISION = "organizations"
