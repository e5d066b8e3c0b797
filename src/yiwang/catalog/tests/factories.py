"""Factories other apps' tests may reuse: items, their versions (service guides) and materials.
`published_item()` gives a ready-to-file item in one call (published through the service);
`mark_published()` publishes a prepared draft directly (no checks, no ledger entry), as the test
world does. Regions, departments and halls come from `organizations.tests.factories` (re-exported
here for the catalog's own tests)."""

from __future__ import annotations

import factory
from django.utils import timezone

from yiwang.catalog import services
from yiwang.catalog.models import Item, ItemNodeKind, ItemVersion, Material, VersionStatus
from yiwang.organizations.tests.factories import (  # noqa: F401 - re-exported for the catalog's tests
    DepartmentFactory,
    RegionFactory,
    ServiceHallFactory,
    make_uscc,
)


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
    """A complete draft guide (publishable). `bare=True` leaves the guide's texts and results
    empty (the model's defaults); `halls=[…]` lists the halls that handle it."""

    class Meta:
        model = ItemVersion
        skip_postgeneration_save = True

    class Params:
        bare = factory.Trait(
            legal_basis="",
            conditions="",
            locations="",
            hours="",
            consultation="",
            complaint="",
            results=factory.LazyFunction(list),
        )

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

    @factory.post_generation
    def halls(self, create, extracted, **kwargs):
        if create and extracted:
            self.halls.add(*extracted)


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    item_version = factory.SubFactory(ItemVersionFactory)
    code = factory.Sequence(lambda n: f"M{n:04d}")
    name = factory.Sequence(lambda n: f"申请材料{n}")


def mark_published(item_version: ItemVersion) -> ItemVersion:
    """Publish a draft directly (an UPDATE: no completeness checks, no ledger entry)."""
    ItemVersion.objects.filter(pk=item_version.pk).update(
        status=VersionStatus.PUBLISHED, published_at=timezone.now()
    )
    item_version.refresh_from_db()
    return item_version


def published_item(*, valid_from=None, materials: int = 1, **version_fields) -> ItemVersion:
    """An item with one published version (valid from today unless given)."""
    item_kwargs = {k[6:]: version_fields.pop(k) for k in list(version_fields) if k.startswith("item__")}
    item = ItemFactory(**item_kwargs)
    draft = ItemVersionFactory(item=item, version=1, **version_fields)
    for _ in range(materials):
        MaterialFactory(item_version=draft)
    return services.item_version_publish(item_version=draft, valid_from=valid_from or timezone.localdate())
