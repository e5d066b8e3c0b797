"""Organisation writes: staff accounts and their roles, and succession when departments or regions
merge or are renamed (items and open cases move to the successor, through organizations.hooks)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from yiwang.accounts import services as accounts
from yiwang.accounts.models import User
from yiwang.core.errors import ValidationFailed

from . import hooks
from .models import Department, Region, Role, StaffRole, Window

DEPARTMENT_ROLES = {Role.REVIEWER, Role.APPROVER, Role.DEPT_ADMIN, Role.CDO}


@transaction.atomic
def staff_role_grant(
    *,
    user: User,
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
    if (
        window is not None
        and not StaffRole.objects.filter(user=user, role=role, department=department, window=window).exists()
    ):
        for check in hooks.window_assignment_check:  # 持证上岗 (training) may refuse
            check(user=user, window=window, role=role)
    obj, _ = StaffRole.objects.get_or_create(
        user=user, role=role, department=department, window=window, defaults={"region": region}
    )
    return obj


@transaction.atomic
def staff_create(
    *, username: str, password: str, name: str, roles: list[dict], is_admin: bool = False
) -> User:
    """A staff account (accounts) with its roles; each role is `staff_role_grant`'s keywords."""
    user = accounts.staff_create(username=username, password=password, name=name, is_admin=is_admin)
    for role in roles:
        staff_role_grant(user=user, **role)
    return user


@transaction.atomic
def department_succeed(*, department: Department, successor: Department, on: date, actor: User | None) -> int:
    """`department` ends on the day before `on`; `successor` takes over its windows and staff
    roles, and through `hooks.department_succession` its items and every open case (each case
    records the move). Returns the number of cases moved."""
    if successor.pk == department.pk:
        raise ValidationFailed(fields={"successor": ["承继部门不能是本部门"]})
    Department.objects.filter(pk=department.pk).update(
        valid_until=on.fromordinal(on.toordinal() - 1), successor=successor
    )
    for w in department.windows.all():
        w.departments.add(successor)
    StaffRole.objects.filter(department=department).update(department=successor)
    note = f"{department.name}职能划入{successor.name}"
    moved = 0
    for fn in hooks.department_succession:
        moved += fn(source=department, target=successor, actor=actor, note=note) or 0
    return moved


@transaction.atomic
def region_succeed(*, region: Region, successor: Region, on: date, actor: User | None) -> int:
    """A region merged into another: open cases filed in it move to the successor (through
    `hooks.region_succession`). Returns the number of cases moved."""
    if successor.pk == region.pk:
        raise ValidationFailed(fields={"successor": ["承继区划不能是本区划"]})
    Region.objects.filter(pk=region.pk).update(
        valid_until=on.fromordinal(on.toordinal() - 1), successor=successor
    )
    note = f"{region.name}并入{successor.name}"
    moved = 0
    for fn in hooks.region_succession:
        moved += fn(source=region, target=successor, actor=actor, note=note) or 0
    return moved
