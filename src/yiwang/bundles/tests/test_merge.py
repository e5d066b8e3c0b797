"""Merge rules of the one form (一表申请) and one set of materials (一套材料)."""

from yiwang.bundles.merge import Component, merge


def comp(code, props, required=(), materials=()):
    return Component(
        code=code,
        name=f"事项{code}",
        schema={"type": "object", "required": list(required), "properties": props},
        materials=list(materials),
    )


def test_same_element_appears_once_and_required_if_any_item_requires_it():
    m = merge(
        [
            comp(
                "A", {"applicant.name": {"title": "姓名"}, "applicant.phone": {}}, required=["applicant.name"]
            ),
            comp(
                "B",
                {"applicant.name": {"title": "申请人"}, "applicant.phone": {}},
                required=["applicant.phone"],
            ),
        ]
    )
    assert list(m.schema["properties"]) == ["applicant.name", "applicant.phone"]
    assert m.schema["properties"]["applicant.name"]["title"] == "姓名"
    assert m.schema["properties"]["applicant.name"]["x-items"] == ["A", "B"]
    assert set(m.schema["required"]) == {"applicant.name", "applicant.phone"}
    assert (m.fields_asked, m.fields_once) == (4, 2)
    assert not m.conflicts


def test_constraints_combine_to_the_strictest():
    m = merge(
        [
            comp(
                "A",
                {
                    "child.name": {"maxLength": 30},
                    "premises.area": {"minimum": 10, "maximum": 500},
                    "child.gender": {"enum": ["男", "女", "未说明"]},
                },
            ),
            comp(
                "B",
                {
                    "child.name": {"maxLength": 20},
                    "premises.area": {"minimum": 50, "maximum": 1000},
                    "child.gender": {"enum": ["女", "男"]},
                },
            ),
        ]
    )
    props = m.schema["properties"]
    assert props["child.name"]["maxLength"] == 20
    assert (props["premises.area"]["minimum"], props["premises.area"]["maximum"]) == (50, 500)
    assert props["child.gender"]["enum"] == ["男", "女"]
    assert not m.conflicts


def test_empty_range_empty_enum_and_type_clash_are_conflicts_naming_items_and_fields():
    m = merge(
        [
            comp(
                "A",
                {
                    "premises.area": {"minimum": 600},
                    "child.gender": {"enum": ["男"]},
                    "premises.seats": {"type": "integer"},
                },
            ),
            comp(
                "B",
                {
                    "premises.area": {"maximum": 500},
                    "child.gender": {"enum": ["女"]},
                    "premises.seats": {"type": "number"},
                },
            ),
        ]
    )
    assert set(m.conflicts) == {"premises.area", "child.gender", "premises.seats"}
    assert "“事项A”与“事项B”" in m.conflicts["premises.area"][0]
    assert "取值范围没有交集" in m.conflicts["premises.area"][0]
    assert "可选值没有交集" in m.conflicts["child.gender"][0]
    assert "类型" in m.conflicts["premises.seats"][0]


def test_party_qualification_keeps_people_apart():
    m = merge(
        [comp("A", {"mother.name": {}, "father.name": {}}), comp("B", {"father.name": {}, "child.name": {}})]
    )
    assert list(m.schema["properties"]) == ["mother.name", "father.name", "child.name"]


def test_materials_merge_by_code_once_required_if_any_and_licence_type_conflicts():
    a = comp(
        "A",
        {},
        materials=[
            {"code": "id_card", "name": "身份证", "required": False, "material_form": "2"},
            {"code": "cert", "name": "证书", "license_type_code": "T1", "material_form": "2"},
        ],
    )
    b = comp(
        "B",
        {},
        materials=[
            {"code": "id_card", "name": "身份证明", "required": True, "material_form": "1"},
            {"code": "cert", "name": "证书", "license_type_code": "T2", "material_form": "2"},
        ],
    )
    c = comp(
        "C", {}, materials=[{"code": "id_card", "name": "身份证", "required": False, "material_form": "2"}]
    )
    m = merge([a, b, c])
    id_card = next(x for x in m.materials if x["code"] == "id_card")
    assert id_card["required"] is True and id_card["x-items"] == ["A", "B", "C"]
    assert id_card["material_form"] == "3"
    assert (m.materials_asked, m.materials_once) == (5, 2)
    assert "materials.cert" in m.conflicts and "T1 / T2" in m.conflicts["materials.cert"][0]
