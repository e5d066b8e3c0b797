"""The test world: a city and a district, two departments, two halls with a window each, three
published items and the accounts that act on them (citizens, a company, clerks, reviewers,
approvers, a department admin, a supervisor and a platform admin) — built from the apps'
factories, without the demo data set. Tests get it as the `world` fixture; benchmarks call
`build_world()`. Every account's password is `core.testing.PASSWORD`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from yiwang.accounts.models import User
from yiwang.accounts.tests.factories import CitizenFactory, CompanyFactory, StaffFactory
from yiwang.catalog.models import Item
from yiwang.catalog.services import elements_sync
from yiwang.catalog.tests.factories import ItemFactory, ItemVersionFactory, MaterialFactory, mark_published
from yiwang.core.testing import FORM_SCHEMA, make_ric, make_uscc
from yiwang.organizations.models import Department, Region, ServiceHall, Window
from yiwang.organizations.tests.factories import (
    DepartmentFactory,
    RegionFactory,
    ServiceHallFactory,
    StaffRoleFactory,
    WindowFactory,
)


@dataclass
class World:
    city: Region
    district: Region
    dept: Department
    dept2: Department
    hall: ServiceHall
    hall2: ServiceHall
    window: Window
    window_other_hall: Window
    item: Item  # promised (承诺件)
    item_immediate: Item  # 即办件
    item2: Item  # another department's item
    citizen: User
    citizen2: User
    company: User
    clerk: User
    clerk_other_hall: User
    reviewer: User
    approver: User
    dept_admin: User
    reviewer2: User
    approver2: User
    supervisor: User
    platform_admin: User


def _item(
    *, code: str, name: str, dept: Department, case_kind: str, promised: int, hall: ServiceHall
) -> Item:
    """A published item whose guide carries FORM_SCHEMA and three materials (two required)."""
    item = ItemFactory(code=code, basic_code=code[:12], department=dept)
    version = ItemVersionFactory(
        bare=True,
        item=item,
        version=1,
        valid_from=date(2020, 1, 1),
        name=name,
        service_objects=["1", "2"],
        exercise_levels=["3"],
        statutory_limit_days=20,
        promised_limit_days=promised,
        case_kind=case_kind,
        form_schema=FORM_SCHEMA,
        tolerance_acceptance=True,
        # §45: only declared procedures stop the clock
        special_procedures=[
            {"kind": "2", "name": "专家评审", "basis": "《中华人民共和国行政许可法》第四十五条"},
            {"kind": "2", "name": "现场核查", "basis": "《食品经营许可和备案管理办法》", "duration_days": 5},
            {"kind": "1", "name": "延长审批", "basis": "《中华人民共和国行政许可法》第四十二条"},
        ],
        halls=[hall],
    )
    MaterialFactory(item_version=version, code="id_card", name="身份证明", required=True, material_form="2")
    MaterialFactory(
        item_version=version,
        code="site_plan",
        name="经营场所平面图",
        required=True,
        material_form="3",
        tolerable=True,
    )
    MaterialFactory(item_version=version, code="other", name="其他材料", required=False, material_form="2")
    mark_published(version)
    return item


def _staff(username: str, name: str, *, is_admin: bool = False, **role) -> User:
    """A staff account with one role (as organizations.services.staff_create with one role)."""
    user = StaffFactory(username=username, display_name=name, is_staff=is_admin)
    StaffRoleFactory(user=user, department=role.pop("department", None), **role)
    return user


def build_world() -> World:
    elements_sync()
    city = RegionFactory(code="420100", name="武汉市", level="city")
    district = RegionFactory(code="420102", name="江岸区", level="district", parent=city)
    departments = {"short_name": ""}
    dept = DepartmentFactory(name="武汉市市场监督管理局", uscc=make_uscc("scjg"), region=city, **departments)
    dept2 = DepartmentFactory(name="武汉市卫生健康委员会", uscc=make_uscc("wjw"), region=city, **departments)
    halls = {"address": "", "hours": "", "phone": ""}
    hall = ServiceHallFactory(name="武汉市民之家", region=city, **halls)
    hall2 = ServiceHallFactory(name="江岸区政务服务中心", region=district, **halls)
    window = WindowFactory(hall=hall, number="1", departments=[dept])
    window_other = WindowFactory(hall=hall2, number="3", departments=[dept])
    item = _item(
        code="11420100MB0000001X442010000001",
        name="食品经营许可（新办）",
        dept=dept,
        case_kind="2",
        promised=5,
        hall=hall,
    )
    item_imm = _item(
        code="11420100MB0000001X442010000002",
        name="食品经营许可（注销）",
        dept=dept,
        case_kind="1",
        promised=1,
        hall=hall,
    )
    item2 = _item(
        code="11420100MB0000002X442010000003",
        name="公共场所卫生许可",
        dept=dept2,
        case_kind="2",
        promised=10,
        hall=hall,
    )
    return World(
        city=city,
        district=district,
        dept=dept,
        dept2=dept2,
        hall=hall,
        hall2=hall2,
        window=window,
        window_other_hall=window_other,
        item=item,
        item_immediate=item_imm,
        item2=item2,
        citizen=CitizenFactory(
            username="citizen", name="张伟", id_number=make_ric(serial=101), phone="13800138000"
        ),
        citizen2=CitizenFactory(
            username="citizen2", name="李娜", id_number=make_ric(serial=202), phone="13900139000"
        ),
        company=CompanyFactory(
            username="business",
            name="武汉示例餐饮管理有限公司",
            uscc=make_uscc("company"),
            legal_representative="王强",
        ),
        clerk=_staff("clerk", "窗口甲", role="clerk", window=window),
        clerk_other_hall=_staff("clerk2", "窗口乙", role="clerk", window=window_other),
        reviewer=_staff("reviewer", "审核甲", role="reviewer", department=dept),
        approver=_staff("approver", "审批甲", role="approver", department=dept),
        dept_admin=_staff("dept_admin", "部门管理员", role="dept_admin", department=dept),
        reviewer2=_staff("reviewer2", "审核乙", role="reviewer", department=dept2),
        approver2=_staff("approver2", "审批乙", role="approver", department=dept2),
        supervisor=_staff("supervisor", "督查", role="supervisor", region=city),
        platform_admin=_staff("admin", "管理员", role="platform_admin", region=city, is_admin=True),
    )
