"""Publishing: pinned versions, dependency cycles, the §42 limit, merge conflicts, republishing."""

import pytest

from yiwang.bundles.models import BundleItem
from yiwang.bundles.services import bundle_case_submit, bundle_publish
from yiwang.catalog.models import ItemVersion
from yiwang.catalog.services import item_version_draft, item_version_publish
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.ledger.models import PendingEntry

from .conftest import MON, newborn_form, pdf


def test_publish_pins_versions_derives_the_form_and_is_ledgered(newborn):
    b = newborn.bundle
    assert b.status == "published" and b.version == 1
    pins = {c.item.code: c.item_version.version for c in b.components.select_related("item", "item_version")}
    assert pins == {newborn.birth.code: 1, newborn.hukou.code: 1, newborn.insurance.code: 1}
    props = b.merged_schema["properties"]
    assert props["child.name"]["maxLength"] == 20  # 30, 20, 25 → strictest
    assert props["child.gender"]["enum"] == ["男", "女"]
    assert {m["code"] for m in b.merged_materials} == {"delivery_record", "birth_cert", "id_card"}
    entry = PendingEntry.objects.get(kind="bundles.bundle.published")
    assert entry.payload["code"] == "newborn" and len(entry.payload["definition_sha256"]) == 64


def test_a_dependency_cycle_blocks_publishing_naming_the_items(newborn):
    BundleItem.objects.filter(bundle=newborn.bundle, item=newborn.birth).update(
        depends_on=[newborn.hukou.code]
    )
    with pytest.raises(ValidationFailed) as exc:
        bundle_publish(bundle=newborn.bundle, on=MON)
    message = exc.value.fields["components"][0]
    assert "循环" in message and "出生医学证明签发" in message and "出生登记（户口）" in message


def test_joint_limit_is_45_days_plus_15_with_approval(newborn):
    b = newborn.bundle
    b.promised_days = 50
    b.save()
    with pytest.raises(ValidationFailed) as exc:
        bundle_publish(bundle=b, on=MON)
    assert "45" in exc.value.fields["promised_days"][0]
    b.extension_approved = True
    b.save()
    assert bundle_publish(bundle=b, on=MON).promised_days == 50


def test_a_limit_shorter_than_the_dependency_chain_is_refused(newborn):
    b = newborn.bundle
    b.promised_days = 4  # 出生医学证明 3 + 户口 2 = 5 along the chain
    b.save()
    with pytest.raises(ValidationFailed) as exc:
        bundle_publish(bundle=b, on=MON)
    assert "合计5个工作日" in exc.value.fields["promised_days"][0]


def test_conflicting_constraints_block_publishing(newborn):
    v = ItemVersion.objects.get(item=newborn.insurance)
    schema = dict(v.form_schema)
    schema["properties"] = {**schema["properties"], "child.gender": {"enum": ["未说明"]}}
    ItemVersion.objects.filter(pk=v.pk).update(form_schema=schema)
    with pytest.raises(ValidationFailed) as exc:
        bundle_publish(bundle=newborn.bundle, on=MON)
    assert "child.gender" in exc.value.fields
    assert "城乡居民医保参保登记" in exc.value.fields["child.gender"][0]


def test_a_new_item_version_flags_the_bundle_until_republished(newborn, world):
    draft = item_version_draft(item=newborn.hukou, based_on=ItemVersion.objects.get(item=newborn.hukou))
    item_version_publish(item_version=draft, valid_from=MON)
    with pytest.raises(Conflict) as exc:
        bundle_case_submit(
            actor=world.citizen,
            bundle_code="newborn",
            answers={"insured": "no"},
            form=newborn_form(world),
            channel="online",
            materials=[pdf("delivery_record"), pdf("id_card")],
            on=MON,
        )
    assert exc.value.code == "bundle_outdated" and "出生登记（户口）" in exc.value.message
    republished = bundle_publish(bundle=newborn.bundle, on=MON)
    assert republished.version == 2
    assert BundleItem.objects.get(bundle=republished, item=newborn.hukou).item_version.version == 2
