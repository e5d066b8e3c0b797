"""Flows across apps that lower apps' tests need as a precondition (they get them by fixture
name, never by import): a case of the test world taken to completion."""

from __future__ import annotations

from datetime import date

from yiwang.cases import services as cases
from yiwang.cases.models import Case
from yiwang.core.testing import good_form_for, good_materials
from yiwang.testsupport.world import World


def submit_case(world: World, *, user=None, item=None, on: date | None = None) -> Case:
    """`item` (world.item) submitted online by `user` (world.citizen): with world.item, a case of
    world.dept that world.clerk, world.reviewer and world.approver act on."""
    return cases.case_submit(
        actor=user or world.citizen,
        item_code=(item or world.item).code,
        form=good_form_for(user or world.citizen),
        channel="online",
        materials=good_materials(),
        on=on,
    )


def complete_case(world: World, *, user=None, decision: str = "approve", on: date | None = None) -> Case:
    """Submit world.item online, accept (clerk), review (reviewer), decide (approver: `approve`
    or `deny`) and complete with electronic delivery; returns the completed case."""
    case = submit_case(world, user=user, on=on)

    def act(action, actor, **kw):
        c = Case.objects.get(pk=case.pk)
        return cases.case_apply_action(case=c, actor=actor, action=action, on=on, **kw)

    act("accept", world.clerk)
    act("review", world.reviewer, note="材料齐全")
    act(decision, world.approver, **({"reason": "不符合条件"} if decision == "deny" else {}))
    return act("complete", world.approver, delivery="electronic")


def sample_form(version, *, user) -> dict:
    """A valid form for any published item version: every required field filled from the element
    registry's type and validator, the applicant's own identifiers where the form asks for them."""
    from yiwang.catalog.models import ElementType, Validator
    from yiwang.catalog.selectors import element_registry

    registry = element_registry()
    schema = version.form_schema or {}
    props = schema.get("properties") or {}
    form: dict = {}
    for key in schema.get("required") or []:
        prop, element = props.get(key, {}), registry.get(key, {})
        enum = prop.get("enum") or element.get("enum")
        validator, etype = element.get("validator"), element.get("type")
        if enum:
            form[key] = enum[0]
        elif validator == Validator.RIC:
            form[key] = getattr(user, "id_number", "") or "11010519491231002X"
        elif validator == Validator.USCC:
            form[key] = getattr(user, "uscc", "") or "91420100MA4K0X0X0X"
        elif validator == Validator.PHONE:
            form[key] = "13800138000"
        elif validator == Validator.POSTCODE:
            form[key] = "430000"
        elif etype == ElementType.DATE:
            form[key] = "2020-01-01"
        elif etype in (ElementType.INTEGER, ElementType.NUMBER):
            form[key] = max(1, int(prop.get("minimum") or 1))
        elif etype == ElementType.BOOLEAN:
            form[key] = True
        elif etype == ElementType.LIST:
            form[key] = ["武汉市江岸区沿江大道1号"]
        else:
            form[key] = str(user)[: prop.get("maxLength") or 20] if key.endswith(".name") else "示例"
    return form


def sample_submit(item, *, user, on: date | None = None) -> Case:
    """`item` (any published item) submitted online by `user` with a sample form and every
    required electronic material."""
    from yiwang.catalog.models import MaterialForm
    from yiwang.catalog.selectors import item_version_current
    from yiwang.core.testing import MINIMAL_PDF, b64

    version = item if hasattr(item, "form_schema") else item_version_current(code=item.code, on=on)
    materials = [
        {"code": m.code, "name": f"{m.name}.pdf", "content_base64": b64(MINIMAL_PDF)}
        for m in version.materials.all()
        if m.required and m.material_form in (MaterialForm.ELECTRONIC, MaterialForm.BOTH)
    ]
    return cases.case_submit(
        actor=user,
        item_code=version.item.code,
        form=sample_form(version, user=user),
        channel="online",
        materials=materials,
        on=on,
    )


def two_department_bundle(world: World, *, code: str, name: str):
    """A published bundle of the world's two department items (市场监管 and 卫健), both always
    applicable, served at the world's window: one submission makes two department cases in its
    transaction."""
    from yiwang.bundles.models import Bundle, BundleItem
    from yiwang.bundles.services import bundle_publish

    world.window.departments.add(world.dept2)
    bundle = Bundle.objects.create(
        code=code, name=name, audience="person", lead_department=world.dept, promised_days=10
    )
    for i, item in enumerate((world.item, world.item2)):
        BundleItem.objects.create(bundle=bundle, item=item, position=i)
    bundle_publish(bundle=bundle)
    return bundle


def population_resource(*, department):
    """The 公安 population register as a conditional exchange resource (name, gender and the
    sensitive household address), as the gateway tests and benches query it."""
    from yiwang.exchange import services as exchange

    return exchange.resource_save(
        department=department,
        code="ga.population",
        name="人口基本信息",
        subject_kind="person",
        sharing_type="conditional",
        source_system="人口信息管理系统",
        legal_basis="《居民身份证法》",
        elements=[
            {"code": "name", "name": "姓名", "base": "name"},
            {"code": "gender", "name": "性别", "base": "gender"},
            {"code": "household_address", "name": "户籍地址", "base": "household_address", "sensitive": True},
        ],
    )
