"""The catalogue's consistency rules of coded fields (validation.consistency_problems: warnings in
the import report, publishing still allowed so an old edition loads as it was), the 通办范围 code
table with 都市圈, and the public catalogue without items only 行政机关 apply for."""

import pytest
from django.test import Client

from yiwang.catalog import selectors, services, validation
from yiwang.catalog.models import CrossCityScope

from .factories import DepartmentFactory, published_item
from .test_import import item_row


def fields(problems):
    return {f for f, _ in problems}


def test_immediate_items_promise_at_most_one_working_day():
    row = {"case_kind": "1", "promised_limit_days": 2, "results": [{"name": "结果", "type": "30"}]}
    [(field, message)] = validation.consistency_problems(row)
    assert field == "promised_limit_days" and "即办件" in message
    assert validation.consistency_problems({**row, "promised_limit_days": 1}) == []
    assert validation.consistency_problems({**row, "promised_limit_days": 0}) == []
    assert validation.consistency_problems({**row, "case_kind": "2", "promised_limit_days": 10}) == []


def test_electronic_licence_depth_only_with_a_licence_result():
    row = {"online_depth": ["1", "2", "6", "7"], "results": [{"name": "审核意见", "type": "20"}]}
    [(field, message)] = validation.consistency_problems(row)
    assert field == "online_depth" and "电子证照反馈" in message
    licence = {**row, "results": [{"name": "审核意见", "type": "20"}, {"name": "许可证", "type": "10"}]}
    assert validation.consistency_problems(licence) == []
    assert validation.consistency_problems({**row, "online_depth": ["1", "2", "6"]}) == []


def test_a_filing_is_not_a_licensing_item():
    row = {"name": "户外招牌设置备案", "item_type": "01", "results": []}
    assert fields(validation.consistency_problems(row)) == {"item_type"}
    assert validation.consistency_problems({**row, "item_type": "10"}) == []
    assert validation.consistency_problems({**row, "item_type": "20"}) == []
    assert validation.consistency_problems({"name": "食品经营许可", "item_type": "01"}) == []


def test_a_licence_result_is_of_result_type_10():
    """证照 (10), not 批文 (20): a certificate, card or licence named as one is a licence."""
    for name in [
        "道路运输证",
        "中华人民共和国残疾人证",
        "居民户口簿（新生儿页）",
        "结婚证（补）",
        "营业执照",
    ]:
        row = {"results": [{"name": name, "type": "20"}]}
        [(field, message)] = validation.consistency_problems(row)
        assert field == "results" and name in message and "10" in message, name
        assert validation.consistency_problems({"results": [{"name": name, "type": "10"}]}) == []
    # documents, receipts and decisions are not licences
    for name in ["户籍证明", "诊所备案凭证", "准予许可决定书", "户外招牌设置备案回执", "夜间施工许可证明"]:
        assert not validation.names_a_licence(name), name
        assert validation.consistency_problems({"results": [{"name": name, "type": "20"}]}) == []


def test_cross_city_scope_table_has_the_metropolitan_circle():
    assert "都市圈" in CrossCityScope.values
    assert dict(CrossCityScope.choices)["都市圈"] == "都市圈通办（一圈通办）"
    assert set(CrossCityScope.values) == {"全国", "跨省", "省内", "都市圈", "市内", "无"}
    assert validation.CODE_TABLES["cross_city_scope"][1] is CrossCityScope
    base = {"code": "A", "basic_code": "B", "department_uscc": "C", "name": "N", "item_type": "01"}
    row = {**base, "node_kind": "main", "cross_city_scope": "都市圈"}
    assert "cross_city_scope" not in fields(validation.row_structure_problems(row))
    bad = validation.row_structure_problems({**row, "cross_city_scope": "长江经济带"})
    assert ("cross_city_scope", "通办范围应为 全国、跨省、省内、都市圈、市内、无 之一") in bad


@pytest.mark.django_db
def test_import_warns_but_publishes_an_inconsistent_guide():
    dep = DepartmentFactory()
    row = item_row(dep, case_kind="1", promised_limit_days=3, online_depth=["1", "2", "7"])
    row["results"] = [{"name": "审核意见", "type": "20"}]
    report = services.items_import(data=[row], publish=True)
    assert report.ok and report.published == 1
    assert {w.field for w in report.warnings} == {"promised_limit_days", "online_depth"}
    assert "提示" in report.as_text() and "电子证照反馈" in report.as_text()
    clean = services.items_import(data=[item_row(dep, code="A-2", cross_city_scope="都市圈")], publish=True)
    assert clean.ok and clean.warnings == []
    assert selectors.item_version_current(code="A-2").cross_city_scope == "都市圈"


@pytest.mark.django_db
def test_items_only_agencies_apply_for_are_not_in_the_public_catalogue(client: Client):
    public = published_item(name="食品经营许可", service_objects=["1", "2"])
    mixed = published_item(name="部门与企业均可申请", service_objects=["2", "5"], cross_city_scope="都市圈")
    internal = published_item(name="政务数据共享申请", service_objects=["5"])
    assert selectors.is_public(public) and selectors.is_public(mixed) and not selectors.is_public(internal)

    listed = set(selectors.items_search().values_list("name", flat=True))
    assert listed == {"食品经营许可", "部门与企业均可申请"}
    assert set(selectors.items_search(q="政务数据").values_list("name", flat=True)) == set()
    staff = set(selectors.items_search(public=False).values_list("name", flat=True))
    assert staff == {"食品经营许可", "部门与企业均可申请", "政务数据共享申请"}
    assert selectors.item_guide(code=internal.item.code, public=False).pk == internal.pk
    with pytest.raises(selectors.NotFound):
        selectors.item_guide(code=internal.item.code)

    body = client.get("/api/v1/items").json()
    assert {i["name"] for i in body["items"]} == {"食品经营许可", "部门与企业均可申请"}
    assert client.get(f"/api/v1/items/{internal.item.code}").status_code == 404
    guide = client.get(f"/api/v1/items/{mixed.item.code}").json()
    assert (guide["cross_city_scope"], guide["cross_city_scope_label"]) == (
        "都市圈",
        "都市圈通办（一圈通办）",
    )
    assert "都市圈通办（一圈通办）" in client.get(f"/items/{mixed.item.code}/").content.decode()
    assert client.get(f"/items/{internal.item.code}/").status_code == 404
    home = client.get("/", {"q": "政务数据"}).content.decode()
    assert "政务数据共享申请" not in home
