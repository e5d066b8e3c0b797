"""A 新生儿出生-shaped bundle on the test world: 出生医学证明 (卫健) → 户口登记 (市场监管's test
department stands in for 公安), and 医保参保 only if the child is not insured yet."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from yiwang.accounts.models import TrustLevel
from yiwang.bundles.models import Bundle, BundleItem
from yiwang.bundles.services import bundle_publish
from yiwang.cases.models import Case
from yiwang.cases.services import case_apply_action
from yiwang.catalog.models import Item, ItemVersion, Material, VersionStatus
from yiwang.core.testing import MINIMAL_PDF, b64, make_ric
from yiwang.licenses.models import LicenseType
from yiwang.licenses.services import license_types_load

MON = date(2026, 11, 2)  # a Monday in a month without holidays; the flow runs that day (see below)
BIRTH_CERT = "出生医学证明"


@pytest.fixture(autouse=True)
def _on_mon():
    """Licences are issued on the day a case completes, and later steps check them against `MON`:
    every test here runs on MON, whatever the date (and across midnight)."""
    with time_machine.travel(datetime.combine(MON, time(10), tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield


BIRTH_SCHEMA = {
    "type": "object",
    "required": ["mother.name", "mother.id_number", "child.name", "child.birth_date"],
    "properties": {
        "mother.name": {"title": "母亲姓名"},
        "mother.id_number": {"title": "母亲身份证号码"},
        "father.name": {"title": "父亲姓名"},
        "child.name": {"title": "新生儿姓名", "maxLength": 30},
        "child.birth_date": {"title": "出生日期"},
        "child.gender": {"title": "性别", "enum": ["男", "女"]},
    },
}
HUKOU_SCHEMA = {
    "type": "object",
    "required": ["applicant.name", "applicant.id_number", "child.name"],
    "properties": {
        "applicant.name": {"title": "申报人姓名"},
        "applicant.id_number": {"title": "申报人身份证号码"},
        "applicant.phone": {"title": "联系电话"},
        "applicant.household_address": {"title": "申报人户籍地址"},
        "child.name": {"title": "申报户口姓名", "maxLength": 20},
        "child.gender": {"title": "性别"},
        "father.name": {"title": "父亲姓名"},
    },
}
INSURANCE_SCHEMA = {
    "type": "object",
    "required": ["applicant.phone", "child.name"],
    "properties": {
        "applicant.phone": {"title": "监护人手机"},
        "child.name": {"title": "参保人姓名", "maxLength": 25},
        "child.gender": {"title": "性别", "enum": ["女", "男"]},
    },
}


def make_item(*, code, name, dept, hall, schema, materials, promised=5, results=None, objects=("1",)):
    item = Item.objects.create(code=code, basic_code=code[:12], department=dept)
    v = ItemVersion.objects.create(
        item=item,
        version=1,
        status=VersionStatus.DRAFT,
        valid_from=date(2020, 1, 1),
        name=name,
        item_type="01",
        service_objects=list(objects),
        exercise_levels=["3"],
        statutory_limit_days=20,
        promised_limit_days=promised,
        case_kind="2",
        handling_forms=["1", "2"],
        online_depth=["1", "2", "3", "4", "5", "6"],
        visits_required=1,
        form_schema=schema,
        results=results or [{"name": "办结通知", "type": "20"}],
        legal_basis="《中华人民共和国户口登记条例》",
        conditions="新生儿出生后一个月内",
        consultation="12345",
        complaint="12345",
        locations="武汉市民之家",
        hours="工作日 9:00-17:00",
    )
    v.halls.add(hall)
    for i, (mcode, mname, lic_type) in enumerate(materials):
        Material.objects.create(
            item_version=v,
            code=mcode,
            name=mname,
            required=True,
            material_form="2",
            license_type_code=lic_type,
            position=i,
        )
    ItemVersion.objects.filter(pk=v.pk).update(status=VersionStatus.PUBLISHED, published_at=timezone.now())
    return item


class Newborn:
    pass


def prepare_world(w):
    """The test world as bundles need it: licence types loaded, one window for both departments,
    the citizen verified (real-name values are authoritative prefill)."""
    license_types_load()
    w.window.departments.add(w.dept2)
    w.citizen.trust_level = TrustLevel.VERIFIED
    w.citizen.save(update_fields=["trust_level"])
    return w


def build_newborn(world, *, on=None):
    cert = LicenseType.objects.get(name=BIRTH_CERT)
    n = Newborn()
    n.cert_type = cert
    n.birth = make_item(
        code="11420100MB0000002X442010000101",
        name="出生医学证明签发",
        dept=world.dept2,
        hall=world.hall,
        schema=BIRTH_SCHEMA,
        materials=[("delivery_record", "分娩记录", "")],
        results=[{"name": BIRTH_CERT, "type": "10"}],
        promised=3,
    )
    n.hukou = make_item(
        code="11420100MB0000001X442010000102",
        name="出生登记（户口）",
        dept=world.dept,
        hall=world.hall,
        schema=HUKOU_SCHEMA,
        materials=[("birth_cert", BIRTH_CERT, cert.code), ("id_card", "监护人身份证", "")],
        promised=2,
    )
    n.insurance = make_item(
        code="11420100MB0000002X442010000103",
        name="城乡居民医保参保登记",
        dept=world.dept2,
        hall=world.hall,
        schema=INSURANCE_SCHEMA,
        materials=[("id_card", "监护人身份证", "")],
        promised=2,
    )
    n.bundle = Bundle.objects.create(
        code="newborn",
        name="新生儿出生一件事",
        audience="person",
        lead_department=world.dept2,
        promised_days=10,
        questionnaire=[
            {
                "id": "insured",
                "text": "孩子是否已参加城乡居民医保？",
                "options": [{"value": "yes", "label": "已参保"}, {"value": "no", "label": "未参保"}],
            },
        ],
    )
    BundleItem.objects.create(bundle=n.bundle, item=n.birth, position=1)
    BundleItem.objects.create(bundle=n.bundle, item=n.hukou, position=2, depends_on=[n.birth.code])
    BundleItem.objects.create(bundle=n.bundle, item=n.insurance, position=3, when={"insured": ["no"]})
    bundle_publish(bundle=n.bundle, on=on or MON)
    n.bundle.refresh_from_db()
    return n


@pytest.fixture
def world(world):
    return prepare_world(world)


@pytest.fixture
def newborn(world):
    return build_newborn(world)


def newborn_form(world, **over):
    form = {
        "mother.name": "张丽",
        "mother.id_number": make_ric(serial=303, born=date(1994, 5, 6)),
        "father.name": "张伟",
        "child.name": "张小宝",
        "child.birth_date": "2026-10-30",
        "child.gender": "男",
        "applicant.name": world.citizen.display_name,
        "applicant.id_number": world.citizen.id_number,
        "applicant.phone": "13800138000",
    }
    form.update(over)
    return form


def pdf(code, name="材料.pdf"):
    return {"code": code, "name": name, "content_base64": b64(MINIMAL_PDF)}


def act(case, action, actor, **kw):
    return case_apply_action(case=Case.objects.get(pk=case.pk), actor=actor, action=action, on=MON, **kw)


def finish(case, world, *, clerk=None, reviewer=None, approver=None, decision="approve"):
    """Accept, review, decide and complete one department case."""
    act(case, "accept", clerk or world.clerk)
    act(case, "review", reviewer)
    act(case, decision, approver, **({"reason": "不符合条件"} if decision == "deny" else {}))
    return act(case, "complete", approver, delivery="electronic")


# --- 勾选即办 and a three-step chain (test_questionnaire, test_browser_next_steps) -----------------
SIMPLE = {
    "type": "object",
    "required": ["premises.address"],
    "properties": {
        "premises.address": {"title": "经营场所"},
        "application.reason": {"title": "变更事项及内容"},
    },
}
CHANGED = [
    {"value": "name", "label": "名称"},
    {"value": "address", "label": "住所（经营场所）"},
    {"value": "legal_rep", "label": "法定代表人"},
    {"value": "scope", "label": "经营范围"},
]


def item(world, code, name, *, dept=None, objects=("2",), promised=1):
    return make_item(
        code=code,
        name=name,
        dept=dept or world.dept,
        hall=world.hall,
        schema=SIMPLE,
        materials=[],
        promised=promised,
        objects=objects,
    )


@pytest.fixture
def change(world):
    """企业信息变更-shaped: the registration change always; seal, bank and a licence only when
    what changed concerns them."""
    reg = item(world, "11420100MB0000001X442010000201", "公司变更登记")
    seal = item(world, "11420100MB0000001X442010000202", "印章刻制备案信息变更")
    bank = item(world, "11420100MB0000002X442010000203", "银行账户信息变更", dept=world.dept2)
    food = item(world, "11420100MB0000002X442010000204", "食品经营许可（变更）", dept=world.dept2)
    bundle = Bundle.objects.create(
        code="company-change",
        name="企业信息变更一件事",
        audience="legal",
        lead_department=world.dept,
        promised_days=5,
        questionnaire=[
            {"id": "changed", "text": "哪些信息发生了变更？", "multiple": True, "options": CHANGED}
        ],
    )
    BundleItem.objects.create(bundle=bundle, item=reg, position=1)
    BundleItem.objects.create(
        bundle=bundle,
        item=seal,
        position=2,
        when={"changed": ["name", "legal_rep"]},
        depends_on=[reg.code],
    )
    BundleItem.objects.create(
        bundle=bundle, item=bank, position=3, when={"changed": ["name", "legal_rep"]}, depends_on=[reg.code]
    )
    BundleItem.objects.create(
        bundle=bundle, item=food, position=4, when={"changed": ["name", "address"]}, depends_on=[reg.code]
    )
    bundle_publish(bundle=bundle, on=MON)
    bundle.refresh_from_db()
    return bundle


@pytest.fixture
def newborn_card(world, newborn):
    """The newborn bundle with 社保卡申领, which needs the child's ID number from 户口登记."""
    card = make_item(
        code="11420100MB0000002X442010000104",
        name="社会保障卡申领",
        dept=world.dept2,
        hall=world.hall,
        schema={
            "type": "object",
            "required": ["child.name"],
            "properties": {"child.name": {"title": "持卡人姓名"}},
        },
        materials=[],
        promised=1,
        results=[{"name": "社会保障卡", "type": "10"}],
    )
    BundleItem.objects.create(bundle=newborn.bundle, item=card, position=4, depends_on=[newborn.hukou.code])
    bundle_publish(bundle=newborn.bundle, on=MON)
    newborn.card = card
    return newborn


@pytest.fixture
def eatery(world):
    """开办餐饮店-shaped, open to 个人和企业: 个体工商户 register with a person account, a company
    with the company's account; the food licence applies to both."""
    food = item(world, "11420100MB0000002X442010000301", "食品经营许可", objects=("1", "2"), dept=world.dept2)
    individual = item(world, "11420100MB0000001X442010000302", "个体工商户设立登记", objects=("1",))
    company = item(world, "11420100MB0000001X442010000303", "公司设立登记", objects=("2",))
    bundle = Bundle.objects.create(
        code="restaurant",
        name="开办餐饮店一件事",
        audience="any",
        lead_department=world.dept,
        promised_days=10,
        questionnaire=[
            {
                "id": "subject",
                "text": "以什么形式经营？",
                "options": [
                    {"value": "individual", "label": "个体工商户", "audience": "person"},
                    {"value": "company", "label": "企业（公司）", "audience": "legal"},
                ],
            }
        ],
    )
    BundleItem.objects.create(bundle=bundle, item=individual, position=1, when={"subject": ["individual"]})
    BundleItem.objects.create(bundle=bundle, item=company, position=2, when={"subject": ["company"]})
    BundleItem.objects.create(bundle=bundle, item=food, position=3)
    bundle_publish(bundle=bundle, on=MON)
    bundle.refresh_from_db()
    return bundle
