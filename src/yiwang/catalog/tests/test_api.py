from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.catalog import services

from .factories import DepartmentFactory, ServiceHallFactory, published_item

pytestmark = pytest.mark.django_db


def test_list_filters_and_shape(client):
    dep = DepartmentFactory(name="区市场监督管理局")
    other = DepartmentFactory()
    a = published_item(
        name="食品经营许可", item__department=dep, themes=["餐饮", "开办企业"], exercise_levels=["3", "4"]
    )
    b = published_item(
        name="出生登记", item_type="07", case_kind="1", promised_limit_days=0, item__department=other
    )
    published_item(name="明天才生效", valid_from=timezone.localdate() + timedelta(days=1))
    draft_only = services.item_version_draft(item=b.item)  # a draft does not show
    assert draft_only.status == "draft"

    body = client.get("/api/v1/items").json()
    assert body["count"] == 2 and body["page"] == 1 and body["page_size"] == 50
    first = body["items"][0]
    assert {
        "code",
        "basic_code",
        "name",
        "type",
        "type_label",
        "department",
        "case_kind",
        "case_kind_label",
        "statutory_limit_days",
        "promised_limit_days",
    } <= set(first)
    by_name = {i["name"]: i for i in body["items"]}
    assert by_name["食品经营许可"]["case_kind"] == "promised"
    assert by_name["食品经营许可"]["case_kind_label"] == "承诺件"
    assert by_name["出生登记"]["case_kind"] == "immediate"
    assert by_name["出生登记"]["type"] == "07" and by_name["出生登记"]["type_label"] == "行政确认"

    def names(**params):
        return [i["name"] for i in client.get("/api/v1/items", params).json()["items"]]

    assert names(q="食品") == ["食品经营许可"]
    assert names(q=a.item.code) == ["食品经营许可"]
    assert names(department=dep.pk) == ["食品经营许可"]
    assert names(department=other.uscc) == ["出生登记"]
    assert names(level="3") == ["食品经营许可"]
    assert sorted(names(level="4")) == ["出生登记", "食品经营许可"]
    assert names(type="07") == ["出生登记"]
    assert names(theme="餐饮") == ["食品经营许可"]
    assert names(theme="餐") == []


def test_list_pagination_and_limits(client):
    for i in range(5):
        published_item(name=f"事项{i}")
    body = client.get("/api/v1/items", {"page": 2, "page_size": 2}).json()
    assert body["count"] == 5 and len(body["items"]) == 2 and body["page"] == 2
    r = client.get("/api/v1/items", {"page_size": 201})
    assert r.status_code == 422 and "page_size" in r.json()["fields"]
    assert client.get("/api/v1/items", {"page": 0}).status_code == 422


def test_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    for i in range(3):
        published_item(name=f"事项{i}")
    with django_assert_max_num_queries(2):
        assert len(client.get("/api/v1/items").json()["items"]) == 3
    for i in range(30):
        published_item(name=f"更多事项{i}")
    with django_assert_max_num_queries(2):
        assert len(client.get("/api/v1/items", {"page_size": 200}).json()["items"]) == 33


def test_detail_is_the_full_guide(client):
    dep = DepartmentFactory()
    hall = ServiceHallFactory(region=dep.region, name="区政务服务中心")
    v = published_item(
        item__department=dep,
        fees=[{"name": "工本费", "standard": "10元", "basis": "物价文件", "waivable": True}],
        special_procedures=[{"kind": "1", "name": "专家评审", "basis": "《行政许可法》第四十五条"}],
        materials=2,
    )
    draft = services.item_version_draft(item=v.item)
    draft.halls.add(hall)
    services.item_version_publish(item_version=draft)
    r = client.get(f"/api/v1/items/{v.item.code}")
    assert r.status_code == 200
    g = r.json()
    assert g["code"] == v.item.code and g["version"] == 2
    assert g["form_schema"]["properties"]["applicant.name"]["title"] == "申请人姓名"
    assert len(g["materials"]) == 2
    assert {
        "code",
        "name",
        "material_type",
        "material_type_label",
        "material_form",
        "required",
        "copies",
        "source",
        "source_label",
        "issuing_department",
        "tolerable",
        "blank_form",
        "sample",
        "notes",
    } <= set(g["materials"][0])
    assert g["fees"][0]["waivable"] is True
    assert g["results"][0]["type_label"] == "批文"
    assert g["special_procedures"][0]["kind_label"] == "延长审批"
    assert (g["extension_days"], g["acceptance_limit_days"]) == (10, 5)  # the clock rules' defaults
    assert g["halls"][0]["name"] == "区政务服务中心"
    assert g["service_objects"] == [{"code": "1", "label": "自然人"}]
    assert g["department"]["uscc"] == dep.uscc
    assert g["tolerance_acceptance"] is False and g["commitment_system"] is False


def test_detail_404(client):
    r = client.get("/api/v1/items/NOPE")
    assert r.status_code == 404
    assert r.json() == {"code": "item_not_found", "message": "事项不存在或未发布", "fields": {}}
