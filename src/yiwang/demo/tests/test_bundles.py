"""The demo 一件事: all fourteen publish on the demo catalogue's current item versions, a second
run changes nothing, the licence links make 免提交 work, the 员工录用 bundle repeats per
employee, and each questionnaire routes as the national practice has it (情形 of 新生儿出生,
个体工商户 or 企业 for 开办餐饮店, 勾选即办 for 企业信息变更, 弹性退休…)."""

from __future__ import annotations

import pytest

from yiwang.bundles import selectors
from yiwang.bundles.models import Bundle, BundleItem
from yiwang.catalog.models import ItemVersion
from yiwang.demo import bundles as demo
from yiwang.demo.services import demo_load as site_demo_load
from yiwang.organizations.models import Department


def born(**over) -> dict:
    """新生儿出生 answers: married parents, settling with the father, registered in Wuhan."""
    return {"settle": "father", "married": "yes", "place": "local", "insured": "no", "sscard": "yes", **over}


def names(bundle: str, **answers) -> set[str]:
    plan = selectors.bundle_plan(bundle=Bundle.objects.get(code=bundle), answers=answers)
    return {c.item_version.name for c in plan.components}


@pytest.fixture
def loaded(demo_site, db):
    return demo.demo_load()


FOURTEEN = {
    "newborn",
    "restaurant",
    "company-change",
    "retirement",
    "house-transfer",
    "employment",
    "school-enrolment",
    "utility-connection",
    "transport-company",
    "social-security-card",
    "disability-services",
    "credit-repair",
    "bankruptcy-check",
    "listing-compliance",
}


def test_fourteen_bundles_publish_on_current_item_versions(loaded):
    assert set(loaded["bundles"]) == FOURTEEN
    assert all(v >= 1 for v in loaded["bundles"].values())
    assert Bundle.objects.filter(status="published").count() == 14
    for bundle in Bundle.objects.all():
        assert selectors.bundle_outdated(bundle) == [], bundle.code  # none left bundle_outdated
        assert bundle.merged_schema["properties"] and BundleItem.objects.filter(bundle=bundle).count() >= 3
        assert all(c.item_version_id for c in bundle.components.all())
    names = {c.item_version.name for c in selectors.components(Bundle.objects.get(code="newborn"))}
    assert {"《出生医学证明》首次签发", "出生登记", "城乡居民基本医疗保险参保登记", "预防接种证办理"} <= names
    # non-government handlers of the utility transfers and connections, the bank, the clinic
    house = selectors.components(Bundle.objects.get(code="house-transfer"))
    companies = {c.item.department.name for c in house if c.item.department.kind == "enterprise"}
    assert len(companies) == 4 and "武汉市水务集团有限公司" in companies
    connect = selectors.components(Bundle.objects.get(code="utility-connection"))
    assert {c.item.department.kind for c in connect} == {"enterprise", "government"}
    change = selectors.components(Bundle.objects.get(code="company-change"))
    assert "中国工商银行股份有限公司武汉分行" in {c.item.department.name for c in change}
    newborn = selectors.components(Bundle.objects.get(code="newborn"))
    clinic = next(c for c in newborn if c.item_version.name == "预防接种证办理")
    assert clinic.item.department.kind == "institution" and clinic.depends_on == []  # parallel
    assert Bundle.objects.get(code="employment").repeat_party == "employee"
    assert {b.code for b in Bundle.objects.filter(audience="any")} == {"restaurant", "utility-connection"}


def test_demo_load_publishes_after_the_catalogue_changes(loaded):
    """A component item corrected in the catalogue (a new published version) leaves its bundle
    outdated until the next demo load, which republishes it on the new version."""
    from yiwang.catalog import services as catalog
    from yiwang.demo.services import demo_items_data

    newborn = Bundle.objects.get(code="newborn")
    before = newborn.version
    row = next(r for r in demo_items_data() if r["name"] == "出生登记")
    row = {**row, "conditions": row["conditions"] + "（已更新）"}
    assert catalog.items_import(data=[row], publish=True, source="json").ok
    assert selectors.bundle_outdated(newborn) == ["出生登记"]
    site_demo_load(password="demo-pass-1234")  # the catalogue is loaded again, bundles last
    newborn.refresh_from_db()
    assert newborn.version > before and selectors.bundle_outdated(newborn) == []
    assert all(selectors.bundle_outdated(b) == [] for b in Bundle.objects.all())


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
    plan = selectors.bundle_plan(bundle=newborn, answers=born(insured="yes", sscard="no"))
    assert {c.item_version.name for c in plan.components} == {
        "《出生医学证明》首次签发",
        "出生登记",
        "预防接种证办理",
    }
    cert = next(m for m in plan.materials if m["code"] == "birth_certificate")
    assert cert["x-produced-by"] == "11420100MB207DCH3Q20000010700000"  # issued by the first item
    restaurant = Bundle.objects.get(code="restaurant")
    small = selectors.bundle_plan(
        bundle=restaurant, answers={"subject": "registered", "large": "no", "signboard": "no"}
    )
    large = selectors.bundle_plan(
        bundle=restaurant, answers={"subject": "registered", "large": "yes", "signboard": "yes"}
    )
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


def test_newborn_situations(loaded):
    assert "出生登记（非婚生育随父落户）" in names("newborn", **born(married="no"))
    assert "出生登记（非婚生育随母落户）" in names("newborn", **born(married="no", settle="mother"))
    assert "出生登记" not in names("newborn", **born(married="no"))
    plan = selectors.bundle_plan(bundle=Bundle.objects.get(code="newborn"), answers=born(married="no"))
    assert any(m["code"] == "paternity_test" and m["required"] for m in plan.materials)
    plan = selectors.bundle_plan(
        bundle=Bundle.objects.get(code="newborn"), answers=born(married="no", settle="mother")
    )
    assert "paternity_test" not in {m["code"] for m in plan.materials}
    # a parent registered outside the province: 出生登记, 医保 and 社保卡 are done there
    assert names("newborn", **born(place="other", settle="mother")) == {
        "《出生医学证明》首次签发",
        "预防接种证办理",
    }
    assert "出生登记" in names("newborn", **born(place="province", settle="mother"))
    card = next(
        c
        for c in selectors.components(Bundle.objects.get(code="newborn"))
        if c.item_version.name == "社会保障卡申领"
    )
    hukou = {
        c.item.code for c in selectors.components(card.bundle) if c.item_version.name.startswith("出生登记")
    }
    assert set(card.depends_on) == hukou  # the card needs the child's ID number from 户口登记


def test_restaurant_is_for_individual_businesses_and_companies(loaded):
    restaurant = Bundle.objects.get(code="restaurant")
    individual = selectors.bundle_plan(
        bundle=restaurant, answers={"subject": "individual", "large": "no", "signboard": "no"}
    )
    assert individual.account_kind == "person"
    assert {c.item_version.name for c in individual.components} == {
        "个体工商户设立登记",
        "食品经营许可（新办）",
    }
    licence = next(m for m in individual.materials if m["code"] == "business_license")
    assert licence["x-produced-by"] == "11420100MBELWH4R2X00010011400000"  # the new 营业执照 flows on
    company = selectors.bundle_plan(
        bundle=restaurant, answers={"subject": "company", "large": "yes", "signboard": "no"}
    )
    assert company.account_kind == "legal"
    assert (
        "公司设立登记" in {c.item_version.name for c in company.components} and len(company.components) == 4
    )
    assert "设立登记" not in " ".join(names("restaurant", subject="registered", large="no", signboard="no"))


def test_company_change_selects_only_the_departments_concerned(loaded):
    assert names("company-change", changed=["capital"], food="yes") == {
        "公司变更登记",
        "纳税人登记信息变更（市场监管变更同步）",
    }
    assert names("company-change", changed=["shareholders"], food="yes") == {"公司变更登记"}
    by_name = names("company-change", changed=["name"], food="yes")
    assert {"公章刻制备案", "企业电子印章申领", "单位银行结算账户信息变更", "食品经营许可（变更）"} <= by_name
    assert len(by_name) == 9
    assert "食品经营许可（变更）" not in names("company-change", changed=["name"], food="no")
    assert "公章刻制备案" not in names("company-change", changed=["address"], food="no")


def test_retirement_early_and_late_under_the_2025_rules(loaded):
    assert names("retirement", kind="early", fund="yes") == {
        "企业职工弹性提前退休申请",
        "职工医保退休人员待遇核定",
        "住房公积金提取（离休、退休）",
    }
    assert names("retirement", kind="late", fund="yes") == {"企业职工弹性延迟退休申请"}
    assert "企业职工基本养老保险正常退休申请" in names("retirement", kind="normal", fund="no")
    early = Bundle.objects.get(code="retirement").summary
    assert "最长提前3年" in early and "逐步提高到20年" in early and "2025年1月1日" in early


def test_the_other_first_batch_things_route_by_their_answers(loaded):
    school = names("school-enrolment", hukou="nonlocal", housing="rent", permit="no", stage="primary")
    assert {
        "住房租赁合同登记备案",
        "社会保险参保缴费证明开具",
        "居住证申领",
        "入托入学预防接种证查验",
    } <= school
    assert "户籍证明开具" not in school
    assert names("utility-connection", subject="person", which=["water", "gas"], dig="yes") == {
        "供水报装",
        "燃气报装",
    }
    assert "占用、挖掘城市道路审批" in names(
        "utility-connection", subject="company", which=["power"], dig="yes"
    )
    assert names("transport-company", kind="freight", seal="no", bank="yes") == {
        "道路货物运输经营许可",
        "道路运输证配发",
        "企业银行基本存款账户开立",
    }
    assert names("social-security-card", card="ok", functions=["transit", "library"]) == {
        "社会保障卡公共交通乘车功能开通",
        "社会保障卡图书借阅功能开通",
    }
    assert len(names("disability-services", hardship="yes", severe="yes")) == 4
    assert names("credit-repair", what=["penalty"]) == {
        "市场监管领域行政处罚信息信用修复",
        "行政处罚信息信用修复（信用中国）",
    }
    assert len(names("bankruptcy-check", scope=["estate", "vehicle", "tax"])) == 3
    assert names("listing-compliance", report="yes", fields=["none"]) == {
        "企业专项信用报告出具（替代有无违法违规记录证明）"
    }
    assert len(names("listing-compliance", report="no", fields=["samr", "tax", "env"])) == 3


def test_a_company_repairs_its_credit_in_one_submission(loaded):
    """End to end on the demo data: the 信用中国 repair waits for the market-regulation repair,
    and the page says so in plain words."""
    from yiwang.accounts.models import User
    from yiwang.bundles import presenters, services
    from yiwang.core.testing import MINIMAL_PDF, b64

    company = User.objects.get(username="business")
    bundle = Bundle.objects.get(code="credit-repair")
    preview = selectors.bundle_preview(bundle=bundle, answers={"what": ["penalty"]}, actor=company)
    props = preview["form_schema"]["properties"]
    form = {k: p["x-prefill"]["value"] for k, p in props.items() if p.get("x-prefill")}
    form.setdefault("legal_rep.id_number", "11010519491231002X")
    form.setdefault("legal_rep.phone", "13800138000")
    form["application.reason"] = "武市监罚〔2026〕1号，罚款已缴纳并完成整改"
    pdf = {"name": "材料.pdf", "content_base64": b64(MINIMAL_PDF)}
    materials = [
        {"code": m["code"], **pdf} for m in preview["materials"] if m.get("material_form") in ("2", "3")
    ]
    bcase = services.bundle_case_submit(
        actor=company,
        bundle_code="credit-repair",
        answers={"what": ["penalty"]},
        form=form,
        channel="online",
        materials=materials,
    )
    steps = {s["item"]: s for s in presenters.bundle_case_detail(bcase)["next_steps"]}
    assert steps["市场监管领域行政处罚信息信用修复"]["who"] == "武汉市市场监督管理局"
    assert steps["行政处罚信息信用修复（信用中国）"]["when"].startswith(
        "等“市场监管领域行政处罚信息信用修复”办好后，武汉市发展和改革委员会会自动开始办理"
    )


def test_the_next_steps_promise_my_licences_only_for_licences_issued_here(loaded):
    """“自动存入我的证照” only where completion issues an e-licence on this platform: 社会保障卡
    does; 道路运输经营许可证 and 残疾人证 are licences (result type 10) that no licence type here
    issues, so the page names them and promises nothing."""
    from yiwang.bundles import presenters

    def version(bundle: str, item: str):
        return next(
            c.item_version
            for c in selectors.components(Bundle.objects.get(code=bundle))
            if c.item_version.name == item
        )

    card = version("newborn", "社会保障卡申领")
    assert presenters._results_text(card) == "社会保障卡（电子证照，自动存入“我的证照”）"
    for bundle, item, result in [
        ("transport-company", "道路货物运输经营许可", "道路运输经营许可证"),
        ("disability-services", "残疾人证新办", "中华人民共和国残疾人证"),
    ]:
        v = version(bundle, item)
        assert [r["type"] for r in v.results] == ["10"], item
        assert presenters._results_text(v) == result, item
