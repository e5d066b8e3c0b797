"""factory_boy factories for organisations: regions, departments (valid USCCs), service halls,
windows and staff roles. Other apps' tests reuse them (they import only `organizations` and the
apps below it)."""

from __future__ import annotations

import factory
from stdnum.cn import uscc as uscc_checker

from yiwang.accounts.tests.factories import StaffFactory
from yiwang.organizations.models import (
    Department,
    Region,
    RegionLevel,
    Role,
    ServiceHall,
    StaffRole,
    Window,
    WindowKind,
)


def make_uscc(n: int, *, prefix: str = "11420100") -> str:
    """A valid 统一社会信用代码: registration authority 1 (机构编制), type 1 (机关), division
    code from `prefix`, a 9-character organisation code derived from `n`, and the check character."""
    body = (prefix + f"{n:09d}")[:17]
    base = body[:8] + _org_code(n)
    return base + uscc_checker.calc_check_digit(base)


def _org_code(n: int) -> str:
    # organisation code: 8 digits + its own MOD 11 check (GB 11714) — stdnum validates it too
    digits = f"{n % 10**8:08d}"
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    check = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return digits + ("X" if check == 10 else "0" if check == 11 else str(check))


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "420102"
    name = "江岸区"
    level = RegionLevel.DISTRICT


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"测试局{n}")
    short_name = factory.LazyAttribute(lambda o: o.name)
    uscc = factory.Sequence(lambda n: make_uscc(1000 + n))
    region = factory.SubFactory(RegionFactory)


class ServiceHallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceHall

    name = factory.Sequence(lambda n: f"政务服务中心{n}")
    code = factory.Sequence(lambda n: f"hall{n}")
    region = factory.SubFactory(RegionFactory)
    address = "解放大道 1 号"
    hours = "工作日 9:00-17:00"
    phone = "027-12345678"


class WindowFactory(factory.django.DjangoModelFactory):
    """A window of a hall; `departments=[…]` lists the departments whose items it serves."""

    class Meta:
        model = Window
        skip_postgeneration_save = True

    hall = factory.SubFactory(ServiceHallFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    name = "综合窗口"
    kind = WindowKind.COMPREHENSIVE

    @factory.post_generation
    def departments(self, create, extracted, **kwargs):
        if create and extracted:
            self.departments.add(*extracted)


def _role_region(o) -> Region:
    # as organizations.services.staff_role_grant: the window's hall, else the department's region
    if o.window is not None:
        return o.window.hall.region
    return o.department.region


class StaffRoleFactory(factory.django.DjangoModelFactory):
    """A staff role with its scope, like `organizations.services.staff_role_grant`: a clerk
    needs `window=`, department roles `department=`, others `region=`; the region defaults to
    the window's hall's or the department's."""

    class Meta:
        model = StaffRole

    user = factory.SubFactory(StaffFactory)
    role = Role.REVIEWER
    department = factory.SubFactory(DepartmentFactory)
    window = None
    region = factory.LazyAttribute(_role_region)
