"""Test helpers shared by the apps' test suites: valid identifiers and a small organisation with
one published item, without the full demo data set."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric, uscc

from .identifiers import is_valid_ric

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
MINIMAL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def make_uscc(seed: str, *, region: str = "420100") -> str:
    """A valid 统一社会信用代码 for a government agency (登记管理部门 1, 机构类别 1), deterministic."""
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:7]
    org8 = f"MB{digits[:6]}"
    # the 9-char organisation code carries its own GB 11714 check character
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(alphabet.index(c) * w for c, w in zip(org8, weights, strict=True))
    check = 11 - total % 11
    org9 = org8 + {10: "X", 11: "0"}.get(check, str(check))
    base = f"11{region}{org9}"
    code = base + uscc.calc_check_digit(base)
    assert uscc.is_valid(code), code
    return code


def make_ric(*, region: str = "420102", born: date = date(1990, 1, 1), serial: int = 123) -> str:
    """A valid 居民身份证号码."""
    body = f"{region}{born:%Y%m%d}{serial:03d}"
    number = body + ric.calc_check_digit(body + "0")
    assert is_valid_ric(number), number
    return number


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class World:
    city: object
    district: object
    dept: object
    dept2: object
    hall: object
    hall2: object
    window: object
    window_other_hall: object
    item: object  # promised (承诺件)
    item_immediate: object  # 即办件
    item2: object  # another department's item
    citizen: object
    citizen2: object
    company: object
    clerk: object
    clerk_other_hall: object
    reviewer: object
    approver: object
    dept_admin: object
    reviewer2: object
    approver2: object
    supervisor: object
    platform_admin: object


FORM_SCHEMA = {
    "type": "object",
    "required": ["applicant.name", "applicant.id_number", "applicant.phone", "premises.address"],
    "properties": {
        "applicant.name": {"title": "经营者姓名", "maxLength": 50},
        "applicant.id_number": {"title": "经营者身份证号码"},
        "applicant.phone": {"title": "联系电话"},
        "premises.address": {"title": "经营场所地址", "maxLength": 200},
        "premises.area": {"title": "经营面积（平方米）", "minimum": 1, "maximum": 100000},
        "application.reason": {"title": "申请说明"},
    },
}


def _item(*, code, name, dept, case_kind, statutory, promised, hall, materials=True):
    from django.utils import timezone

    from yiwang.catalog.models import Item, ItemVersion, Material, VersionStatus

    item = Item.objects.create(code=code, basic_code=code[:12], department=dept)
    v = ItemVersion.objects.create(
        item=item,
        version=1,
        status=VersionStatus.DRAFT,
        valid_from=date(2020, 1, 1),
        name=name,
        item_type="01",
        service_objects=["1", "2"],
        exercise_levels=["3"],
        statutory_limit_days=statutory,
        promised_limit_days=promised,
        case_kind=case_kind,
        handling_forms=["1", "2"],
        online_depth=["1", "2", "3", "4", "5", "6"],
        form_schema=FORM_SCHEMA,
        tolerance_acceptance=True,
    )
    v.halls.add(hall)
    if materials:
        Material.objects.create(
            item_version=v, code="id_card", name="身份证明", required=True, material_form="2"
        )
        Material.objects.create(
            item_version=v,
            code="site_plan",
            name="经营场所平面图",
            required=True,
            material_form="3",
            tolerable=True,
        )
        Material.objects.create(
            item_version=v, code="other", name="其他材料", required=False, material_form="2"
        )
    ItemVersion.objects.filter(pk=v.pk).update(status=VersionStatus.PUBLISHED, published_at=timezone.now())
    return item


def build_world() -> World:
    from yiwang.accounts import services as accounts
    from yiwang.catalog.services import elements_sync
    from yiwang.organizations.models import Department, Region, ServiceHall, Window
    from yiwang.organizations.services import staff_create

    elements_sync()
    city = Region.objects.create(code="420100", name="武汉市", level="city")
    district = Region.objects.create(code="420102", name="江岸区", level="district", parent=city)
    dept = Department.objects.create(name="武汉市市场监督管理局", uscc=make_uscc("scjg"), region=city)
    dept2 = Department.objects.create(name="武汉市卫生健康委员会", uscc=make_uscc("wjw"), region=city)
    hall = ServiceHall.objects.create(name="武汉市民之家", region=city)
    hall2 = ServiceHall.objects.create(name="江岸区政务服务中心", region=district)
    window = Window.objects.create(hall=hall, number="1", name="综合窗口", kind="comprehensive")
    window.departments.add(dept)
    window_other = Window.objects.create(hall=hall2, number="3", name="综合窗口", kind="comprehensive")
    window_other.departments.add(dept)
    item = _item(
        code="11420100MB0000001X442010000001",
        name="食品经营许可（新办）",
        dept=dept,
        case_kind="2",
        statutory=20,
        promised=5,
        hall=hall,
    )
    item_imm = _item(
        code="11420100MB0000001X442010000002",
        name="食品经营许可（注销）",
        dept=dept,
        case_kind="1",
        statutory=20,
        promised=1,
        hall=hall,
    )
    item2 = _item(
        code="11420100MB0000002X442010000003",
        name="公共场所卫生许可",
        dept=dept2,
        case_kind="2",
        statutory=20,
        promised=10,
        hall=hall,
    )
    pw = "pass-1234-word"
    mk = staff_create
    w = World(
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
        citizen=accounts.person_register(
            username="citizen", password=pw, name="张伟", id_number=make_ric(serial=101), phone="13800138000"
        ),
        citizen2=accounts.person_register(
            username="citizen2", password=pw, name="李娜", id_number=make_ric(serial=202), phone="13900139000"
        ),
        company=accounts.legal_register(
            username="business",
            password=pw,
            name="武汉示例餐饮管理有限公司",
            uscc=make_uscc("company"),
            legal_representative="王强",
        ),
        clerk=mk(username="clerk", password=pw, name="窗口甲", roles=[{"role": "clerk", "window": window}]),
        clerk_other_hall=mk(
            username="clerk2", password=pw, name="窗口乙", roles=[{"role": "clerk", "window": window_other}]
        ),
        reviewer=mk(
            username="reviewer", password=pw, name="审核甲", roles=[{"role": "reviewer", "department": dept}]
        ),
        approver=mk(
            username="approver", password=pw, name="审批甲", roles=[{"role": "approver", "department": dept}]
        ),
        dept_admin=mk(
            username="dept_admin",
            password=pw,
            name="部门管理员",
            roles=[{"role": "dept_admin", "department": dept}],
        ),
        reviewer2=mk(
            username="reviewer2",
            password=pw,
            name="审核乙",
            roles=[{"role": "reviewer", "department": dept2}],
        ),
        approver2=mk(
            username="approver2",
            password=pw,
            name="审批乙",
            roles=[{"role": "approver", "department": dept2}],
        ),
        supervisor=mk(
            username="supervisor", password=pw, name="督查", roles=[{"role": "supervisor", "region": city}]
        ),
        platform_admin=mk(
            username="admin",
            password=pw,
            name="管理员",
            roles=[{"role": "platform_admin", "region": city}],
            is_admin=True,
        ),
    )
    return w


def good_form(**over) -> dict:
    form = {
        "applicant.name": "张伟",
        "applicant.id_number": make_ric(serial=101),
        "applicant.phone": "13800138000",
        "premises.address": "武汉市江岸区沿江大道100号",
        "premises.area": 80,
    }
    form.update(over)
    return form


def good_materials() -> list[dict]:
    return [
        {"code": "id_card", "name": "身份证.pdf", "content_base64": b64(MINIMAL_PDF)},
        {"code": "site_plan", "name": "平面图.png", "content_base64": b64(MINIMAL_PNG)},
    ]
