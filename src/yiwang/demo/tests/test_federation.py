"""Per-city demo data of 一圈通办: another city of the circle (`make demo CITY=420700`) gets its own
region, departments, hall and items, and publishes only its own cross-city items."""

from __future__ import annotations

import pytest

from yiwang.catalog.models import Item
from yiwang.catalog.services import elements_sync
from yiwang.demo import federation as federation_demo
from yiwang.federation import services as federation_services
from yiwang.federation.models import Peer
from yiwang.organizations.models import Department, Region

pytestmark = pytest.mark.django_db


def test_a_second_city_gets_its_own_departments_and_cross_city_items(settings):
    settings.YIWANG_CITY = "420700"
    elements_sync()
    out = federation_demo.demo_load()
    assert out["peers"] == 8 and "420700" not in set(Peer.objects.values_list("code", flat=True))
    assert out["city_items"] == 4 and out["districts"] == 3
    assert set(Region.objects.filter(parent__code="420700").values_list("name", flat=True)) == {
        "梁子湖区",
        "华容区",
        "鄂城区",
    }
    assert set(Department.objects.values_list("name", flat=True)) == {
        "鄂州市市场监督管理局",
        "鄂州市人力资源和社会保障局",
    }
    published = federation_services.published_items()
    assert [i["name"] for i in sorted(published, key=lambda i: i["name"])] == sorted(
        ["食品经营许可", "个体工商户设立登记", "社会保障卡申领"]
    )
    assert {i["department"] for i in published} == {"鄂州市市场监督管理局", "鄂州市人力资源和社会保障局"}
    guide = federation_services.published_guide(published[0]["code"])
    assert "鄂州市政务服务中心" in guide["locations"] and "武汉" not in guide["locations"]
    # a second run neither fails nor duplicates
    assert federation_demo.demo_load()["city_items"] == 0 and Item.objects.count() == 4


def test_wuhan_loads_no_second_city(settings):
    settings.YIWANG_CITY = "420100"
    assert federation_demo.demo_load() == {"peers": 8, "city_items": 0}
    assert not Department.objects.exists()
