"""Answers from the shared index: citations, sections by intent, one things first for life events,
colloquial words, pinyin and typos, the fallback, and the index following its sources."""

from __future__ import annotations

import io

import pytest

from yiwang.catalog.external_list import external_list_import
from yiwang.catalog.models import Item, ItemVersion
from yiwang.catalog.services import item_version_draft, item_version_publish, item_version_update
from yiwang.catalog.tests.factories import published_item
from yiwang.knowledge import index, services, text
from yiwang.knowledge.models import Point, SearchIndex
from yiwang.knowledge.selectors import ask

pytestmark = pytest.mark.django_db

CSV = """department,main_item,item_name,implementation_code,item_type_code
区行政审批局,未分类,内资设立互联网上网服务营业场所筹建审批,511A0138000001-511602000000-000-115113010833722043-1-00,1
区人社局,未分类,社会保障卡补领、换领、换发,512C0053300009-511602000000-000-115113010833722043-1-00,20
广安区税务局,未分类,发票领用(县级行使）,512C0053300010-511602000000-000-115113010833722043-1-00,20
"""


def test_materials_question_cites_the_item_version_and_section(synced):
    world = synced
    out = ask("食品经营许可新办要带什么材料")
    first = out["answers"][0]
    assert first["kind"] == "item" and first["code"] == world.item.code
    version = ItemVersion.objects.filter(item=world.item, status="published").get()
    assert first["title"] == version.name
    assert first["source"] == {
        "kind": "item",
        "code": world.item.code,
        "version": version.version,
        "section": "materials",
    }
    assert version.materials.first().name in first["passage"]
    assert out["fallback"] is None


def test_how_long_and_where_answer_with_limits_and_halls(synced):
    world = synced
    limits = ask("公共场所卫生许可要多久")["answers"][0]
    assert limits["code"] == world.item2.code and limits["source"]["section"] == "limits"
    assert "工作日" in limits["passage"]
    where = ask("公共场所卫生许可在哪里办")["answers"][0]
    assert where["source"]["section"] == "locations"
    halls = [h.name for h in ItemVersion.objects.get(item=world.item2, status="published").halls.all()]
    assert halls and any(h in where["passage"] for h in halls)


def test_colloquial_word_homophone_typo_and_pinyin(synced):
    world = synced
    assert (
        ask("开理发店")["answers"][0]["code"] == world.item2.code
    )  # dictionary: 开理发店 → 公共场所卫生许可
    assert ask("公共厂所卫生许可")["answers"][0]["code"] == world.item2.code  # 厂 for 场
    assert ask("gonggongchangsuo")["answers"][0]["code"] == world.item2.code  # full pinyin
    assert ask("gonggongcahngsuo")["answers"][0]["code"] == world.item2.code  # one typo in it


def test_life_event_puts_the_one_thing_first(world, newborn):
    services.index_sync()
    out = ask("生孩子了要办什么")
    assert out["answers"][0]["kind"] == "bundle" and out["answers"][0]["code"] == "newborn"
    assert out["answers"][0]["source"]["version"] == 1


def test_nothing_fits_offers_hotline_and_question_form_never_as_an_answer(synced):
    for q in ["😀😀😀", "qqqxzzv", "'; DROP TABLE knowledge_point; --", "🙂 hello мир 你好"]:
        out = ask(q)
        assert out["answers"] == [] or all(a["source"]["code"] for a in out["answers"])
        if not out["answers"]:
            assert out["fallback"]["hotline"] == "12345"
            assert out["fallback"]["question_form"] == "/knowledge/questions/new/"
    assert Point.objects.exists()  # the SQL-ish question did nothing


def test_personal_data_is_masked_in_the_echoed_query(synced):
    out = ask("我的身份证420102199001011234丢了，电话13800138000")
    assert "420102199001011234" not in out["query"] and "13800138000" not in out["query"]
    assert "420102********1234" in out["query"] and "138****8000" in out["query"]


def test_imported_list_items_keep_codes_and_names_and_stay_out_of_rule_checks(world):
    report = external_list_import(fileobj=io.StringIO(CSV))
    assert report.created == 3 and report.departments_created == 3
    items = Item.objects.filter(external=True).select_related("department")
    assert {i.department.name for i in items} == {"广安区行政审批局", "广安区人社局", "广安区税务局"}
    v = ItemVersion.objects.get(item__code="511A0138000001-511602000000-000-115113010833722043-1-00")
    assert v.status == "published" and v.name == "内资设立互联网上网服务营业场所筹建审批"
    assert v.statutory_limit_days is None and v.promised_limit_days is None  # no limits, still published
    again = external_list_import(fileobj=io.StringIO(CSV))
    assert again.created == 0 and again.unchanged == 3
    services.index_sync()
    first = ask("想开个网吧")["answers"][0]
    assert first["title"] == "内资设立互联网上网服务营业场所筹建审批" and first["external"] is True
    assert ask("发票领用")["answers"][0]["title"] == "发票领用(县级行使）"


def test_points_follow_the_item_version_and_the_index_version_grows(world):
    v1 = published_item(name="老年人优待证办理")
    services.index_sync()
    before = SearchIndex.objects.get().version
    assert set(Point.objects.filter(code=v1.item.code).values_list("version", flat=True)) == {v1.version}
    draft = item_version_draft(item=v1.item)
    item_version_update(item_version=draft, name="老年人优待证办理（免申即享）")
    item_version_publish(item_version=draft)
    counts = services.index_sync()
    assert counts["changed"] and counts["version"] == before + 1
    # the replaced version's points left the index
    assert set(Point.objects.filter(code=v1.item.code).values_list("version", flat=True)) == {draft.version}
    first = ask("老年人优待证")["answers"][0]
    assert first["title"] == "老年人优待证办理（免申即享）" and first["source"]["version"] == draft.version
    # nothing changed: no rebuild
    assert services.index_sync()["changed"] is False
    assert SearchIndex.objects.get().version == before + 1


def test_each_process_loads_the_shared_row_lazily_and_reloads_on_a_new_version(synced):
    loaded = index.current()
    assert loaded is not None and loaded.version == SearchIndex.objects.get().version
    assert index.current() is loaded  # kept while the version is the same
    index.build()
    index.forget()
    assert index.current().version == loaded.version + 1


def test_dictionary_is_data():
    d = text.dictionary()
    assert "互联网上网服务营业场所" in d.synonyms["网吧"]
    assert "食品经营许可" in d.synonyms["开饭店"]
    assert text.initials("社保卡") == "sbk" and text.full_pinyin("社保卡") == "shebaoka"


def test_every_point_has_a_review_date_and_staff_see_the_ones_due(synced, client):
    """GB/T 44191: each knowledge point carries a review date — item guides and one things a year
    after they were published, FAQs and policies the date their department set — and the owning
    department's window staff see the sources due for review."""
    from datetime import timedelta

    from django.utils import timezone

    from yiwang.knowledge.selectors import reviews_due

    world = synced
    version = ItemVersion.objects.get(item=world.item2, status="published")
    points = Point.objects.filter(kind="item", code=world.item2.code)
    published = timezone.localdate(version.published_at) if version.published_at else version.valid_from
    assert {p.review_on for p in points} == {published + timedelta(days=365)}
    assert not Point.objects.filter(kind="item", review_on__isnull=True).exists()
    today = published + timedelta(days=10)
    assert world.item2.code not in [r["code"] for r in reviews_due(world.reviewer2, on=today)]
    due = reviews_due(world.reviewer2, on=published + timedelta(days=400))
    assert world.item2.code in [r["code"] for r in due]
    assert world.item.code not in [r["code"] for r in due]  # another department's item
    points.update(review_on=timezone.localdate() - timedelta(days=1))
    client.force_login(world.reviewer2)
    html = client.get("/workbench/knowledge/").content.decode()
    assert "到期复核的知识" in html and world.item2.code in html
