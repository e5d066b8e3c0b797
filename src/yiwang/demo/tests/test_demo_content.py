"""What `make demo` loads (the whole demo, loaded once for this module: tests/conftest.py): the
Wuhan divisions, departments with valid codes, the catalogue, halls and staff scopes, 广安区's real
list and the knowledge base. How the loader behaves (second runs, passwords) is test_demo_load.py."""

import io

from django.core.management import call_command
from django.db.models import Count
from stdnum.cn import ric, uscc

from yiwang.accounts.models import AccountKind, User
from yiwang.catalog.elements import canonical_elements
from yiwang.catalog.models import Item, ItemVersion, Material, VersionStatus
from yiwang.demo import services
from yiwang.organizations.models import Department, Region, ServiceHall, Window, WindowKind


def test_regions_city_districts_streets_communities(demo_site, db):
    city = Region.objects.get(code="420100")
    assert city.name == "武汉市" and city.level == "city" and city.parent is None
    districts = Region.objects.filter(level="district", parent=city)
    assert districts.count() == 13
    assert set(districts.values_list("name", flat=True)) >= {"江岸区", "江汉区", "武昌区", "洪山区", "汉阳区"}
    with_streets = districts.annotate(n=Count("children")).filter(n__gt=0)
    assert with_streets.count() >= 5
    street = Region.objects.get(code="420102002")  # 江岸区大智街道
    assert street.name == "大智街道" and street.parent.code == "420102"
    assert street.path == "/420100/420102/420102002/"
    communities = Region.objects.filter(level="community", parent=street)
    assert 2 <= communities.count() <= 3
    for c in communities:
        assert len(c.code) == 12 and c.code.startswith("420102002") and c.name.endswith("社区")
        assert c.path == f"/420100/420102/420102002/{c.code}/"


def test_departments_users_have_valid_codes(demo_site, db):
    departments = Department.objects.all()
    assert departments.filter(region__code="420100").count() >= 15
    assert departments.exclude(region__code="420100").values("region").distinct().count() >= 2
    for d in departments:
        assert uscc.is_valid(d.uscc), d.name
    codes = {d.name: d.uscc for d in departments}
    assert codes["武汉市市场监督管理局"].startswith("11420100")
    for u in User.objects.filter(kind=AccountKind.PERSON):
        assert ric.is_valid(u.id_number), u.username
        assert ric.get_birth_place(u.id_number)["county"].endswith("区")
    business = User.objects.get(username="business")
    assert business.kind == AccountKind.LEGAL and uscc.is_valid(business.uscc)
    # the same codes on a second run (seeded by name)
    call_command("demo_load", stdout=io.StringIO())
    assert {d.name: d.uscc for d in Department.objects.all()} == codes


def test_items_catalogue(demo_site, db):
    canonical = {e["id"] for e in canonical_elements()}
    catalogue = {row["code"] for row in services.demo_items_data()}
    published = ItemVersion.objects.filter(
        status=VersionStatus.PUBLISHED, item__external=False
    ).select_related("item__department")
    assert published.count() >= 60
    kinds = {v.case_kind for v in published}
    assert {"1", "2"} <= kinds
    assert sum(v.case_kind == "1" for v in published) >= 15
    assert sum(v.case_kind == "2" for v in published) >= 15
    assert published.values("item__department").distinct().count() >= 12
    names = set(published.values_list("name", flat=True))
    for name in [
        "食品经营许可",
        "公共场所卫生许可",
        "生活饮用水供水单位卫生许可",
        "建筑垃圾处置核准",
        "夜间建筑施工许可",
        "户口迁移审批",
        "《出生医学证明》首次签发",
        "不动产登记",
        "个体工商户设立登记",
        "社会保障卡申领",
    ]:
        assert name in names, name
    for v in published:
        assert 1 <= v.promised_limit_days <= v.statutory_limit_days
        assert v.form_schema["properties"], v.name
        assert set(v.form_schema["properties"]) <= canonical, v.name
        assert set(v.form_schema["required"]) <= set(v.form_schema["properties"])
        if v.item.code in catalogue:  # the 一件事 demo adds small items of its own (e.g. 过户 of utilities)
            assert 3 <= v.materials.count() <= 6, v.name
        assert v.halls.exists(), v.name
    # item trees: main → sub, main → business
    # (distinct: a corrected item has two versions of the same name, see test_catalogue_rules)
    estate = Item.objects.distinct().get(versions__name="不动产登记", department__name="武汉市不动产登记中心")
    assert estate.children.filter(node_kind="sub").count() == 3
    food = Item.objects.distinct().get(versions__name="食品经营许可", department__name="武汉市市场监督管理局")
    assert set(food.children.values_list("business_kind", flat=True)) == {"new", "change", "renew", "cancel"}
    # shared material codes
    assert Material.objects.filter(code="id_card").values("item_version__item").distinct().count() >= 20
    assert (
        Material.objects.filter(code="business_license").values("item_version__item").distinct().count() >= 20
    )
    # licence results
    food_v = food.versions.get(status=VersionStatus.PUBLISHED)
    assert {"name": "食品经营许可证", "type": "10"} in food_v.results
    assert any(v.tolerance_acceptance for v in published) and any(v.commitment_system for v in published)
    assert any(v.special_procedures for v in published)


def test_halls_windows_and_staff_scopes(demo_site, db):
    city_hall = ServiceHall.objects.get(name="武汉市民之家")
    w1 = Window.objects.get(hall=city_hall, number="1")
    assert w1.kind == WindowKind.COMPREHENSIVE and w1.departments.count() >= 5
    for w in Window.objects.filter(kind=WindowKind.DEPARTMENT):
        assert w.departments.count() == 1
        assert w.departments.get().region_id == w.hall.region_id
    clerk = User.objects.get(username="clerk")
    assert clerk.kind == AccountKind.STAFF
    assert clerk.staff_roles.get().window == w1
    scjg = Department.objects.get(name="武汉市市场监督管理局")
    for name, role in [
        ("reviewer", "reviewer"),
        ("approver", "approver"),
        ("dept_admin", "dept_admin"),
        ("cdo", "cdo"),
    ]:
        r = User.objects.get(username=name).staff_roles.get()
        assert (r.role, r.department, r.region.code) == (role, scjg, "420100")
    for name in ["reviewer2", "approver2"]:
        assert User.objects.get(username=name).staff_roles.get().department.name == "武汉市卫生健康委员会"
    clerk2 = User.objects.get(username="clerk2").staff_roles.get()
    assert clerk2.window.hall.name == "江岸区政务服务中心" and clerk2.region.code == "420102"
    assert User.objects.get(username="supervisor").staff_roles.get().role == "supervisor"
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert admin.staff_roles.get().role == "platform_admin"
    assert not User.objects.get(username="citizen").is_staff


def test_external_list_and_knowledge_base(demo_site, db):
    """广安区's real list: 1,135 external entries, codes and names as listed, no limits; the
    knowledge base indexes both catalogues, the one things, FAQs and policies."""
    import csv
    from importlib import resources

    from yiwang.knowledge.models import Article, SearchIndex
    from yiwang.knowledge.selectors import ask

    with (
        resources.files("yiwang.demo")
        .joinpath("data", "items-sichuan-guang-an-district.csv")
        .open(encoding="utf-8-sig") as f
    ):
        listed = {r["implementation_code"]: r["item_name"] for r in csv.DictReader(f)}
    external = ItemVersion.objects.filter(item__external=True, status=VersionStatus.PUBLISHED)
    assert dict(external.values_list("item__code", "name")) == listed and len(listed) == 1135
    assert not external.exclude(statutory_limit_days=None).exists()
    departments = set(external.values_list("item__department__name", flat=True))
    assert len(departments) == 34 and {"广安区行政审批局", "广安区人社局", "广安区税务局"} <= departments
    assert all(n.startswith("广安区") for n in external.values_list("item__department__name", flat=True))
    assert SearchIndex.objects.get().documents > 1135
    assert Article.objects.filter(kind="faq", status="published").count() >= 8
    assert Article.objects.filter(kind="policy", status="published").count() >= 3
    assert ask("我想开个网吧需要什么材料")["answers"][0]["source"]["section"] == "materials"
