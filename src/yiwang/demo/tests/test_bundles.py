"""The demo 一件事: all six publish on the demo catalogue, a second run changes nothing, the
licence links make 免提交 work, and the 员工录用 bundle repeats per employee."""

from __future__ import annotations

import pytest

from yiwang.bundles import selectors
from yiwang.bundles.models import Bundle, BundleItem
from yiwang.catalog.models import ItemVersion
from yiwang.demo import bundles as demo
from yiwang.demo.services import demo_load as site_demo_load
from yiwang.organizations.models import Department


@pytest.fixture
def loaded(db):
    site_demo_load(password="demo-pass-1234")
    return demo.demo_load()


def test_six_bundles_publish_with_their_components(loaded):
    assert set(loaded["bundles"]) == {
        "newborn",
        "restaurant",
        "company-change",
        "retirement",
        "house-transfer",
        "employment",
    }
    assert all(v >= 1 for v in loaded["bundles"].values())
    assert Bundle.objects.filter(status="published").count() == 6
    for bundle in Bundle.objects.all():
        assert selectors.bundle_outdated(bundle) == []
        assert bundle.merged_schema["properties"] and BundleItem.objects.filter(bundle=bundle).count() >= 3
    names = {c.item_version.name for c in selectors.components(Bundle.objects.get(code="newborn"))}
    assert {"《出生医学证明》首次签发", "出生登记", "城乡居民基本医疗保险参保登记"} <= names
    # non-government handlers of the utility transfers
    house = selectors.components(Bundle.objects.get(code="house-transfer"))
    companies = {c.item.department.name for c in house if c.item.department.kind == "enterprise"}
    assert len(companies) == 4 and "武汉市水务集团有限公司" in companies
    assert Bundle.objects.get(code="employment").repeat_party == "employee"


def test_a_second_run_changes_nothing(loaded):
    before = (
        ItemVersion.objects.count(),
        Department.objects.count(),
        dict(Bundle.objects.values_list("code", "version")),
    )
    again = demo.demo_load()
    assert again["items_imported"] == []
    after = (
        ItemVersion.objects.count(),
        Department.objects.count(),
        dict(Bundle.objects.values_list("code", "version")),
    )
    assert after == before


def test_questions_choose_items_and_licences_flow_between_items(loaded):
    newborn = Bundle.objects.get(code="newborn")
    plan = selectors.bundle_plan(bundle=newborn, answers={"insured": "yes", "sscard": "no"})
    assert {c.item_version.name for c in plan.components} == {"《出生医学证明》首次签发", "出生登记"}
    cert = next(m for m in plan.materials if m["code"] == "birth_certificate")
    assert cert["x-produced-by"] == "11420100MB207DCH3Q20000010700000"  # issued by the first item
    restaurant = Bundle.objects.get(code="restaurant")
    small = selectors.bundle_plan(bundle=restaurant, answers={"large": "no", "signboard": "no"})
    large = selectors.bundle_plan(bundle=restaurant, answers={"large": "yes", "signboard": "yes"})
    assert len(large.components) == len(small.components) + 2
    licence = next(m for m in small.materials if m["code"] == "business_license")
    assert licence["license_type_code"]  # 营业执照 can stand in (免提交)
    house = Bundle.objects.get(code="house-transfer")
    plan = selectors.bundle_plan(bundle=house, answers={"broadband": "no"})
    deed = next(m for m in plan.materials if m["code"] == "new_property_certificate")
    assert deed.get("x-produced-by") == "12420100MB1EH2YW1W00070014200200"  # 不动产转移登记
    assert deed["x-items"] and len(deed["x-items"]) == 3  # water, power, gas: one material for all
    old = next(m for m in plan.materials if m["code"] == "property_certificate")
    assert "x-produced-by" not in old and old["license_type_code"] == deed["license_type_code"]


def test_employment_form_takes_several_people_without_javascript(loaded, client):
    from yiwang.accounts.models import User

    company = User.objects.filter(kind="legal").first()
    client.force_login(company)
    html = client.get("/bundles/employment/apply/").content.decode()
    assert html.count('class="panel person-row"') == 3  # three blank rows
    assert 'name="employees[2].employee.name"' in html and 'value="add_row"' in html
    r = client.post(
        "/bundles/employment/apply/",
        {"rows": "3", "intent": "add_row", "employees[0].employee.name": "刘一", "idempotency_token": "t"},
    )
    html = r.content.decode()
    assert r.status_code == 200 and html.count('class="panel person-row"') == 4
    assert 'value="刘一"' in html  # typed values survive the re-render
    r = client.post(
        "/bundles/employment/apply/",
        {"rows": "4", "intent": "submit", "employees[1].employee.name": "陈二", "idempotency_token": "t2"},
    )
    html = r.content.decode()
    assert r.status_code == 422 and 'id="p-employees-1-employee-id_number"' in html
    assert 'href="#p-employees-1-employee-id_number"' in html  # the error points into row 2


def test_a_utility_company_handles_its_part_with_its_own_staff_and_queue(loaded):
    """Non-government handlers: the water company has its own staff (its queue is the department
    queue of every department, scoped by organizations.selectors like any other)."""
    from yiwang.accounts.models import User
    from yiwang.organizations.models import Department, DepartmentKind

    water = Department.objects.get(name="武汉市水务集团有限公司")
    assert water.kind == DepartmentKind.ENTERPRISE
    clerk = User.objects.get(username="water")
    assert clerk.check_password("demo-pass-1234")
    roles = set(clerk.staff_roles.values_list("role", "department"))
    assert roles == {("reviewer", water.pk), ("approver", water.pk)}
