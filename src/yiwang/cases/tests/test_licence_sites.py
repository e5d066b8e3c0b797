"""一证多址: one 生活饮用水供水单位卫生许可证 covering many water-supply sites (moved from licences'
tests: it files cases)."""

import pytest
from django.utils import timezone

from yiwang.cases import services as cases
from yiwang.cases.models import Case
from yiwang.catalog.models import ItemVersion
from yiwang.core.errors import ValidationFailed
from yiwang.core.testing import good_form, good_materials
from yiwang.licenses.models import License
from yiwang.licenses.selectors import license_verify
from yiwang.licenses.tests.factories import licensed

WATER = "生活饮用水供水单位卫生许可证"
SITES = [f"武汉市江岸区二次供水泵房{i}号" for i in range(1, 19)]


@pytest.fixture
def world(world):
    """The test world as licences' tests have it (licence types loaded)."""
    return licensed(world)


@pytest.fixture
def water_item(world):
    v = ItemVersion.objects.get(item=world.item2)
    schema = {
        **v.form_schema,
        "properties": {**v.form_schema["properties"], "premises.sites": {"title": "供水地址"}},
    }
    schema["required"] = [*v.form_schema["required"], "premises.sites"]
    ItemVersion.objects.filter(pk=v.pk).update(form_schema=schema, results=[{"name": WATER, "type": "10"}])
    world.window.departments.add(world.dept2)
    return world.item2


def submit(world, item, sites):
    return cases.case_submit(
        actor=world.citizen,
        item_code=item.code,
        form=good_form(**{"premises.sites": sites}),
        channel="online",
        materials=good_materials(),
    )


def test_one_licence_carries_every_site(world, water_item):
    case = submit(world, water_item, [*SITES, SITES[0]])  # a repeated site counts once
    on = timezone.localdate()

    def act(action, actor, **kw):
        return cases.case_apply_action(
            case=Case.objects.get(pk=case.pk), actor=actor, action=action, on=on, **kw
        )

    act("accept", world.clerk)
    act("review", world.reviewer2)
    act("approve", world.approver2)
    act("complete", world.approver2, delivery="electronic")
    lic = License.objects.get(case=case)
    assert lic.type.name == WATER and lic.metadata["sites"] == SITES
    verdict = license_verify(credential=lic.credential)
    assert verdict["valid"] is True and verdict["disclosed"]["x_sites"] == SITES


@pytest.mark.parametrize(
    "sites,word",
    [
        ([], "请填写"),
        ("", "请填写"),
        ([1, 2], "文字清单"),
        (["<script>x</script>"], "网页标记"),
        (["很长" * 101], "200"),
        ([f"地址{i}" for i in range(201)], "最多200项"),
    ],
)
def test_bad_site_lists_are_refused(world, water_item, sites, word):
    with pytest.raises(ValidationFailed) as exc:
        submit(world, water_item, sites)
    assert word in exc.value.fields["premises.sites"][0]
    assert not Case.objects.exists()
