"""Factories other apps' tests may reuse: regions, departments (valid USCCs), halls, items with
published versions. `published_item()` gives a ready-to-file item in one call."""

from __future__ import annotations

import factory
from django.utils import timezone
from stdnum.cn import uscc as uscc_checker

from yiwang.catalog import services
from yiwang.catalog.models import Item, ItemNodeKind, ItemVersion, Material, VersionStatus
from yiwang.organizations.models import Department, Region, RegionLevel, ServiceHall

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


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
    region = factory.SubFactory(RegionFactory)
    address = "解放大道 1 号"
    hours = "工作日 9:00-17:00"
    phone = "027-12345678"


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    code = factory.Sequence(lambda n: f"11420100MB{n:08d}-420102000000-000-TEST-1-00")
    basic_code = factory.Sequence(lambda n: f"420A{n:010d}")
    department = factory.SubFactory(DepartmentFactory)
    node_kind = ItemNodeKind.MAIN


def default_form_schema() -> dict:
    return {
        "type": "object",
        "required": ["applicant.name", "applicant.id_number", "applicant.phone"],
        "properties": {
            "applicant.name": {"title": "申请人姓名"},
            "applicant.id_number": {"title": "申请人身份证号"},
            "applicant.phone": {"title": "联系电话"},
            "application.reason": {"title": "申请事由", "maxLength": 200},
        },
    }


class ItemVersionFactory(factory.django.DjangoModelFactory):
    """A complete draft guide (publishable)."""

    class Meta:
        model = ItemVersion

    item = factory.SubFactory(ItemFactory)
    version = factory.Sequence(lambda n: n + 1)
    status = VersionStatus.DRAFT
    name = factory.Sequence(lambda n: f"测试事项{n}")
    item_type = "01"
    service_objects = factory.LazyFunction(lambda: ["1"])
    exercise_levels = factory.LazyFunction(lambda: ["4"])
    power_source = "1"
    legal_basis = "《中华人民共和国行政许可法》"
    conditions = "符合法定条件"
    statutory_limit_days = 20
    promised_limit_days = 5
    case_kind = "2"
    handling_forms = factory.LazyFunction(lambda: ["1", "2"])
    online_depth = factory.LazyFunction(lambda: ["1", "2", "3", "4", "5", "6"])
    visits_required = 1
    locations = "区政务服务中心"
    hours = "工作日 9:00-17:00"
    consultation = "027-12345678"
    complaint = "12345"
    results = factory.LazyFunction(lambda: [{"name": "准予许可决定书", "type": "20"}])
    form_schema = factory.LazyFunction(default_form_schema)


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    item_version = factory.SubFactory(ItemVersionFactory)
    code = factory.Sequence(lambda n: f"M{n:04d}")
    name = factory.Sequence(lambda n: f"申请材料{n}")


def published_item(*, valid_from=None, materials: int = 1, **version_fields) -> ItemVersion:
    """An item with one published version (valid from today unless given)."""
    item_kwargs = {k[6:]: version_fields.pop(k) for k in list(version_fields) if k.startswith("item__")}
    item = ItemFactory(**item_kwargs)
    draft = ItemVersionFactory(item=item, version=1, **version_fields)
    for _ in range(materials):
        MaterialFactory(item_version=draft)
    return services.item_version_publish(item_version=draft, valid_from=valid_from or timezone.localdate())
