from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from yiwang.catalog import selectors, services
from yiwang.catalog.elements import canonical_elements
from yiwang.catalog.models import DataElement, ItemVersion, Material, VersionStatus
from yiwang.core.errors import Conflict, NotFound, ValidationFailed

from .factories import ItemVersionFactory, MaterialFactory, ServiceHallFactory, published_item

pytestmark = pytest.mark.django_db


def test_elements_sync_is_idempotent_and_restores_changes():
    # the data migration seeded the registry already
    assert DataElement.objects.count() == len(canonical_elements())
    assert services.elements_sync() == 0
    DataElement.objects.filter(id="applicant.id_number").update(sensitive=False, validator="")
    DataElement.objects.filter(id="child.name").delete()
    assert services.elements_sync() == 2
    el = DataElement.objects.get(id="applicant.id_number")
    assert el.sensitive is True and el.validator == "cn.ric" and el.mask == "id_number"
    assert DataElement.objects.filter(id="child.name", party="child").exists()
    assert services.elements_sync() == 0


def test_sync_elements_command(capsys):
    DataElement.objects.filter(id="father.phone").delete()
    call_command("sync_elements")
    assert "1 created or changed" in capsys.readouterr().out
    assert DataElement.objects.filter(id="father.phone", sensitive=True).exists()


def test_element_selectors_use_the_cache(django_assert_max_num_queries):
    selectors.element_registry_clear()
    ids = ["applicant.id_number", "applicant.name", "applicant.phone", "enterprise.uscc", "nope.x"]
    assert selectors.sensitive_element_ids(ids) == {"applicant.id_number", "applicant.phone"}
    with django_assert_max_num_queries(1):  # a cache read at most (database cache), no registry query
        masks = selectors.element_masks(ids)
    assert masks == {"applicant.id_number": "id_number", "applicant.name": "name", "applicant.phone": "phone"}


def test_publish_sets_window_and_retires_previous():
    today = timezone.localdate()
    v1 = published_item(valid_from=today - timedelta(days=30))
    assert v1.status == VersionStatus.PUBLISHED and v1.published_at is not None
    assert v1.valid_from == today - timedelta(days=30) and v1.valid_until is None
    hall = ServiceHallFactory()
    v1_db = ItemVersion.objects.get(pk=v1.pk)
    assert v1_db.materials.count() == 1

    draft = services.item_version_draft(item=v1.item)
    assert draft.version == 2 and draft.status == VersionStatus.DRAFT
    assert draft.name == v1.name and draft.form_schema == v1.form_schema
    assert [m.code for m in draft.materials.all()] == [m.code for m in v1_db.materials.all()]
    draft.halls.add(hall)
    services.item_version_update(item_version=draft, name="新名称", promised_limit_days=3)

    v2 = services.item_version_publish(item_version=draft)
    v1_db.refresh_from_db()
    assert v2.valid_from == today
    assert v1_db.valid_until == today - timedelta(days=1)
    assert v1_db.status == VersionStatus.RETIRED
    current = selectors.item_version_current(code=v1.item.code)
    assert current.pk == v2.pk and current.name == "新名称"
    # a case filed yesterday keeps version 1
    assert selectors.item_version_current(code=v1.item.code, on=today - timedelta(days=1)).pk == v1.pk

    # the next draft copies halls too
    v3 = services.item_version_draft(item=v1.item)
    assert list(v3.halls.all()) == [hall]


def test_future_version_leaves_current_published_until_its_day():
    today = timezone.localdate()
    v1 = published_item(valid_from=today - timedelta(days=3))
    draft = services.item_version_draft(item=v1.item)
    services.item_version_publish(item_version=draft, valid_from=today + timedelta(days=10))
    v1.refresh_from_db()
    assert v1.status == VersionStatus.PUBLISHED
    assert v1.valid_until == today + timedelta(days=9)
    assert selectors.item_version_current(code=v1.item.code).pk == v1.pk
    assert selectors.item_version_current(code=v1.item.code, on=today + timedelta(days=10)).pk == draft.pk
    # cannot slip a version in before the scheduled one
    d3 = services.item_version_draft(item=v1.item)
    with pytest.raises(ValidationFailed) as exc:
        services.item_version_publish(item_version=d3, valid_from=today)
    assert "valid_from" in exc.value.fields


def test_only_one_draft_at_a_time():
    v1 = published_item()
    services.item_version_draft(item=v1.item)
    with pytest.raises(Conflict):
        services.item_version_draft(item=v1.item)


def test_published_versions_are_immutable():
    v1 = published_item()
    v1 = ItemVersion.objects.get(pk=v1.pk)
    v1.name = "改名"
    with pytest.raises(Conflict) as exc:
        v1.save()
    assert "不可修改" in exc.value.message
    with pytest.raises(Conflict):
        services.item_version_update(item_version=v1, name="改名")
    with pytest.raises(Conflict):
        v1.delete()
    material = v1.materials.first()
    material.name = "改"
    with pytest.raises(Conflict):
        material.save()
    with pytest.raises(Conflict):
        MaterialFactory(item_version=v1)
    with pytest.raises(Conflict):
        services.item_version_publish(item_version=v1)


def test_publish_rejects_incomplete_guide_and_bad_schema():
    draft = ItemVersionFactory(
        conditions="",
        statutory_limit_days=None,
        results=[],
        form_schema={
            "type": "object",
            "required": ["applicant.name", "missing.field"],
            "properties": {
                "applicant.name": {"title": "姓名", "type": "integer"},
                "applicant.nickname": {"title": "昵称"},
                "applicant.phone": {"type": "string"},
                "child.birth_date": {"title": "出生日期", "format": "email"},
            },
        },
    )
    with pytest.raises(ValidationFailed) as exc:
        services.item_version_publish(item_version=draft)
    fields = exc.value.fields
    assert fields["conditions"] == ["发布前须填写受理条件"]
    assert "statutory_limit_days" in fields and "results" in fields
    assert any("不是已登记的数据元素" in m for m in fields["form_schema.applicant.nickname"])
    assert any("类型 integer 与数据元素类型" in m for m in fields["form_schema.applicant.name"])
    assert any("缺少标题" in m for m in fields["form_schema.applicant.phone"])
    assert any("格式" in m for m in fields["form_schema.child.birth_date"])
    assert any("missing.field" in m for m in fields["form_schema.missing.field"])
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_publish_rules_for_online_grade_and_limits():
    draft = ItemVersionFactory(online_grade="Ⅳ", visits_required=1)
    with pytest.raises(ValidationFailed) as exc:
        services.item_version_publish(item_version=draft)
    assert "visits_required" in exc.value.fields
    draft = ItemVersionFactory()
    with pytest.raises(ValidationFailed) as exc:
        services.item_version_publish(
            item_version=draft,
            valid_from=timezone.localdate(),
            valid_until=timezone.localdate() - timedelta(days=1),
        )
    assert "valid_until" in exc.value.fields


def test_current_version_not_found():
    with pytest.raises(NotFound) as exc:
        selectors.item_version_current(code="nope")
    assert exc.value.message == "事项不存在或未发布"
    draft = ItemVersionFactory()
    with pytest.raises(NotFound):
        selectors.item_version_current(code=draft.item.code)


def test_expired_versions_retire():
    today = timezone.localdate()
    v = published_item(valid_from=today - timedelta(days=10))
    ItemVersion.objects.filter(pk=v.pk).update(valid_until=today - timedelta(days=1))
    assert services.item_versions_retire_expired() == 1
    assert ItemVersion.objects.get(pk=v.pk).status == VersionStatus.RETIRED
    assert Material.objects.filter(item_version=v).count() == 1
