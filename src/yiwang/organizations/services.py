"""Organisation writes: staff roles, and succession when departments or regions merge or are
renamed (open cases move to the successor)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from yiwang.core.errors import ValidationFailed

from .models import Department, Region, Role, StaffRole, Window

DEPARTMENT_ROLES = {Role.REVIEWER, Role.APPROVER, Role.DEPT_ADMIN, Role.CDO}


@transaction.atomic
def staff_role_grant(
    *,
    user,
    role: str,
    region: Region | None = None,
    department: Department | None = None,
    window: Window | None = None,
) -> StaffRole:
    if role not in Role.values:
        raise ValidationFailed(fields={"role": ["未知的角色"]})
    if role == Role.CLERK and window is None:
        raise ValidationFailed(fields={"window": ["窗口人员必须指定窗口"]})
    if role in DEPARTMENT_ROLES and department is None:
        raise ValidationFailed(fields={"department": ["该角色必须指定部门"]})
    if region is None:
        region = window.hall.region if window else department.region if department else None
    if region is None:
        raise ValidationFailed(fields={"region": ["必须指定区划范围"]})
    obj, _ = StaffRole.objects.get_or_create(
        user=user, role=role, department=department, window=window, defaults={"region": region}
    )
    return obj


@transaction.atomic
def department_succeed(*, department: Department, successor: Department, on: date, actor) -> int:
    """`department` ends on the day before `on`; `successor` takes over its items, staff roles
    and every open case (each case records the move). Returns the number of cases moved."""
    from yiwang.cases.services import cases_move_department
    from yiwang.catalog.models import Item

    if successor.pk == department.pk:
        raise ValidationFailed(fields={"successor": ["承继部门不能是本部门"]})
    Department.objects.filter(pk=department.pk).update(
        valid_until=on.fromordinal(on.toordinal() - 1), successor=successor
    )
    Item.objects.filter(department=department).update(department=successor)
    for w in department.windows.all():
        w.departments.add(successor)
    StaffRole.objects.filter(department=department).update(department=successor)
    return cases_move_department(
        source=department, target=successor, actor=actor, note=f"{department.name}职能划入{successor.name}"
    )


@transaction.atomic
def region_succeed(*, region: Region, successor: Region, on: date, actor) -> int:
    """A region merged into another: open cases filed in it move to the successor."""
    from yiwang.cases.services import cases_move_region

    if successor.pk == region.pk:
        raise ValidationFailed(fields={"successor": ["承继区划不能是本区划"]})
    Region.objects.filter(pk=region.pk).update(
        valid_until=on.fromordinal(on.toordinal() - 1), successor=successor
    )
    return cases_move_region(
        source=region, target=successor, actor=actor, note=f"{region.name}并入{successor.name}"
    )
