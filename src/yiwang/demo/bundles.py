"""Demo 一件事 (DESIGN.md §4.3): six national "one things" built from the demo catalogue's items,
with the component items the catalogue lacks created in the right departments (the water,
power, gas and broadband companies as non-government handlers), materials that a licence can
stand in for linked to the licence catalogue, questionnaires, dependencies, then published.

`demo_load()` is idempotent: it needs the demo departments and items (yiwang.demo.services) and
the licence catalogue; a second run changes nothing, and republishes a bundle only when one of
its items got a newer version."""

from __future__ import annotations

import copy

from django.db import transaction

from yiwang.bundles import selectors, services
from yiwang.bundles.models import Bundle, BundleItem, BundleStatus
from yiwang.catalog.models import Item
from yiwang.core.errors import DomainError
from yiwang.licenses.models import LicenseType
from yiwang.organizations.models import Department, DepartmentKind, Region

from . import build_items, editions, orgdata
from .codes import uscc_make

# Non-government handlers of 水电气网 transfers (公共服务企业).
COMPANIES = {
    "water": ("武汉市水务集团有限公司", "市水务集团"),
    "power": ("国网湖北省电力有限公司武汉供电公司", "武汉供电公司"),
    "gas": ("武汉市燃气集团有限公司", "市燃气集团"),
    "broadband": ("中国电信股份有限公司武汉分公司", "武汉电信"),
}

ID = {"type": "string", "maxLength": 18}


def _p(title: str, **kw) -> dict:
    return {"type": "string", "title": title, **kw}


# The form of the items a company change (企业信息变更) pushes to other departments.
ORG_CHANGE_PROPS = {
    "enterprise.name": _p("单位名称", maxLength=100),
    "enterprise.uscc": _p("统一社会信用代码", maxLength=18),
    "application.reason": _p("变更事项及内容", maxLength=1000),
}
ORG_CHANGE_REQUIRED = ["enterprise.name", "enterprise.uscc", "application.reason"]


def _m(
    code: str, name: str, *, form: str = "3", required: bool = True, licence: str = "", notes: str = ""
) -> dict:
    return {
        "code": code,
        "name": name,
        "material_type": "1",
        "material_form": form,
        "required": required,
        "copies": 1,
        "source": "government" if licence else "applicant",
        "tolerable": False,
        "notes": notes,
        **({"license_type_code": licence} if licence else {}),
    }


# key: (department key, basic code, name, legal basis, conditions, promised, statutory, service objects,
#       results, schema properties, required, materials, themes; optional "type" when the basic
#       code's type digits do not give it, "scope" 通办范围 — default 市内). The rest comes from a
#       base item; 网上办理深度 is derived (7 only with a licence result). The rules of
#       demo/tests/test_catalogue_rules.py hold for these items too (即办件 promise 1 day…).
NEW_ITEMS: dict[str, dict] = {
    "signboard": {
        "dept": "cg",
        "basic": "000100990000",
        "name": "户外招牌设置备案",
        "type": "10",  # a 备案, not a 行政许可 (the basic code keeps the digits it was issued with)
        "basis": "《城市市容和环境卫生管理条例》第十一条；《武汉市户外广告和招牌设置管理办法》",
        "conditions": "在建筑物外立面设置店招店牌，符合设置规范，不影响建筑安全和市容。",
        "promised": 1,
        "statutory": 5,
        "objects": ["1", "2"],
        "results": [{"name": "户外招牌设置备案回执", "type": "30"}],
        "props": {
            "enterprise.name": _p("经营者名称", maxLength=100),
            "premises.address": _p("设置地点", maxLength=200),
            "project.description": _p("招牌内容、尺寸及材质", maxLength=500),
        },
        "required": ["enterprise.name", "premises.address", "project.description"],
        "materials": [_m("signboard_design", "招牌设计效果图")],
        "themes": ["市场准入"],
    },
    "tax_change": {
        "dept": "sw",
        "basic": "200009910000",
        "name": "纳税人登记信息变更（市场监管变更同步）",
        "basis": "《中华人民共和国税收征收管理法》第十六条",
        "conditions": "纳税人在市场监管部门办理变更登记后，同步变更税务登记信息。",
        "promised": 1,
        "statutory": 5,
        "objects": ["2"],
        "results": [{"name": "税务登记信息变更结果", "type": "30"}],
        "props": {
            "enterprise.name": _p("纳税人名称", maxLength=100),
            "enterprise.uscc": _p("纳税人识别号", maxLength=18),
            "application.reason": _p("变更事项及内容", maxLength=1000),
        },
        "required": ["enterprise.name", "enterprise.uscc", "application.reason"],
        "materials": [],
        "themes": ["税收财务"],
    },
    "social_change": {
        "dept": "rs",
        "basic": "200009920000",
        "name": "社会保险单位信息变更登记",
        "basis": "《中华人民共和国社会保险法》第五十七条",
        "conditions": "用人单位登记事项发生变更的，自变更之日起三十日内办理社会保险变更登记。",
        "promised": 1,
        "statutory": 5,
        "objects": ["2"],
        "results": [{"name": "社会保险登记信息变更结果", "type": "30"}],
        "props": {
            "enterprise.name": _p("单位名称", maxLength=100),
            "enterprise.uscc": _p("统一社会信用代码", maxLength=18),
            "legal_rep.name": _p("法定代表人", maxLength=50),
            "application.reason": _p("变更事项及内容", maxLength=1000),
        },
        "required": ["enterprise.name", "enterprise.uscc", "application.reason"],
        "materials": [],
        "themes": ["社会保障"],
    },
    "medical_change": {
        "dept": "yb",
        "basic": "200009930000",
        "name": "医疗保险单位参保信息变更",
        "basis": "《中华人民共和国社会保险法》第五十七条；《医疗保障基金使用监督管理条例》",
        "conditions": "参保单位登记事项发生变更的，办理医疗保险参保信息变更。",
        "promised": 1,
        "statutory": 5,
        "objects": ["2"],
        "results": [{"name": "医保单位信息变更结果", "type": "30"}],
        "props": ORG_CHANGE_PROPS,
        "required": ORG_CHANGE_REQUIRED,
        "materials": [],
        "themes": ["医疗卫生"],
    },
    "fund_change": {
        "dept": "gjj",
        "basic": "200009940000",
        "name": "住房公积金单位信息变更登记",
        "basis": "《住房公积金管理条例》第十四条",
        "conditions": "单位名称、住所、法定代表人等发生变更的，办理住房公积金单位信息变更。",
        "promised": 1,
        "statutory": 5,
        "objects": ["2"],
        "results": [{"name": "住房公积金单位信息变更结果", "type": "30"}],
        "props": ORG_CHANGE_PROPS,
        "required": ORG_CHANGE_REQUIRED,
        "materials": [],
        "themes": ["住房保障"],
    },
    "retire_medical": {
        "dept": "yb",
        "basic": "200009950000",
        "name": "职工医保退休人员待遇核定",
        "basis": "《中华人民共和国社会保险法》第二十七条",
        "conditions": "参加职工基本医疗保险的个人，达到法定退休年龄时累计缴费达到规定年限的，退休后享受基本医疗保险待遇。",
        "promised": 1,
        "statutory": 10,
        "objects": ["1"],
        "results": [{"name": "医保退休待遇核定结果", "type": "30"}],
        "props": {
            "applicant.name": _p("申请人姓名", maxLength=50),
            "applicant.id_number": _p("公民身份号码", maxLength=18),
            "applicant.phone": _p("联系电话", maxLength=11),
        },
        "required": ["applicant.name", "applicant.id_number"],
        "materials": [],
        "themes": ["社会保障"],
    },
    "house_contract": {
        "dept": "zf",
        "basic": "200009960000",
        "name": "存量房买卖合同网签备案",
        "basis": "《城市房地产管理法》第四十五条；《房地产经纪管理办法》",
        "conditions": "买卖双方已签订存量房买卖合同，房屋不存在查封、限制交易等情形。",
        "promised": 1,
        "statutory": 5,
        "objects": ["1", "2"],
        "scope": "市内",  # the property's city: no 全国 scope
        "results": [{"name": "存量房买卖合同备案证明", "type": "20"}],
        "props": {
            "applicant.name": _p("买受人姓名", maxLength=50),
            "applicant.id_number": _p("买受人身份证号码", maxLength=18),
            "applicant.phone": _p("联系电话", maxLength=11),
            "rights_holder.name": _p("出卖人姓名", maxLength=50),
            "rights_holder.id_number": _p("出卖人身份证号码", maxLength=18),
            "property.address": _p("房屋坐落", maxLength=200),
            "property.area": {"type": "number", "title": "建筑面积（平方米）", "minimum": 0},
        },
        "required": ["applicant.name", "applicant.id_number", "rights_holder.name", "property.address"],
        "materials": [
            _m("sale_contract", "不动产买卖合同"),
            _m("property_certificate", "不动产权证书", licence="不动产权证书"),
        ],
        "themes": ["住房保障"],
    },
    "house_tax": {
        "dept": "sw",
        "basic": "200009970000",
        "name": "存量房交易税费申报",
        "basis": "《中华人民共和国契税法》；《中华人民共和国个人所得税法》",
        "conditions": "存量房交易双方按规定申报缴纳契税、个人所得税等税费。",
        "promised": 1,
        "statutory": 5,
        "objects": ["1", "2"],
        "scope": "市内",
        "results": [{"name": "完税证明", "type": "20"}],
        "props": {
            "applicant.name": _p("买受人姓名", maxLength=50),
            "applicant.id_number": _p("买受人身份证号码", maxLength=18),
            "property.address": _p("房屋坐落", maxLength=200),
            "property.area": {"type": "number", "title": "建筑面积（平方米）", "minimum": 0},
        },
        "required": ["applicant.name", "applicant.id_number", "property.address"],
        "materials": [_m("sale_contract", "不动产买卖合同")],
        "themes": ["税收财务"],
    },
    **{
        f"transfer_{key}": {
            "company": key,
            "basic": f"20000998{i}000",
            "name": f"{label}过户",
            "basis": basis,
            "conditions": f"不动产转移登记完成后，{label}户名变更为新产权人。",
            "promised": 1,
            "statutory": 3,
            "objects": ["1", "2"],
            "scope": "市内",  # the company's own service area
            "results": [{"name": f"{label}过户回执", "type": "30"}],
            "props": {
                "applicant.name": _p("新户主姓名", maxLength=50),
                "applicant.phone": _p("联系电话", maxLength=11),
                "property.address": _p("用户地址", maxLength=200),
                "application.remarks": _p(f"原{label}户号", maxLength=200),
            },
            "required": ["applicant.name", "applicant.phone", "property.address"],
            "materials": [
                _m("new_property_certificate", "买受人新不动产权证书", form="2", licence="不动产权证书")
            ],
            "themes": ["公用事业"],
        }
        for i, (key, label, basis) in enumerate(
            [
                ("water", "供水", "《城市供水条例》"),
                ("power", "供电", "《电力供应与使用条例》"),
                ("gas", "燃气", "《城镇燃气管理条例》"),
                ("broadband", "宽带", "《中华人民共和国电信条例》"),
            ],
            1,
        )
    },
    "employee_fund": {
        "dept": "gjj",
        "basic": "200009990000",
        "name": "住房公积金个人账户设立",
        "basis": "《住房公积金管理条例》第十五条",
        "conditions": "单位录用职工的，应当自录用之日起三十日内为职工办理住房公积金账户设立手续。",
        "promised": 1,
        "statutory": 5,
        "objects": ["2"],
        "results": [{"name": "住房公积金个人账户设立结果", "type": "30"}],
        "props": {
            "enterprise.name": _p("单位名称", maxLength=100),
            "enterprise.uscc": _p("统一社会信用代码", maxLength=18),
            "employee.name": _p("职工姓名", maxLength=50),
            "employee.id_number": _p("职工身份证号码", maxLength=18),
        },
        "required": ["enterprise.name", "enterprise.uscc", "employee.name", "employee.id_number"],
        "materials": [],
        "themes": ["住房保障"],
    },
    "employee_medical": {
        "dept": "yb",
        "basic": "200010000000",
        "name": "职工基本医疗保险参保登记",
        "basis": "《中华人民共和国社会保险法》第二十三条",
        "conditions": "用人单位应当自用工之日起三十日内为其职工办理职工基本医疗保险登记。",
        "promised": 1,
        "statutory": 5,
        "objects": ["2"],
        "results": [{"name": "职工医保参保登记信息", "type": "30"}],
        "props": {
            "enterprise.name": _p("单位名称", maxLength=100),
            "enterprise.uscc": _p("统一社会信用代码", maxLength=18),
            "employee.name": _p("职工姓名", maxLength=50),
            "employee.id_number": _p("职工身份证号码", maxLength=18),
            "application.date": {"type": "string", "format": "date", "title": "参保日期"},
        },
        "required": ["enterprise.name", "enterprise.uscc", "employee.name", "employee.id_number"],
        "materials": [],
        "themes": ["医疗卫生"],
    },
}

# Existing demo items by code.
BIRTH = "11420100MB207DCH3Q20000010700000"  # 《出生医学证明》首次签发
HUKOU = "11420100MBG6CMER0R00070010700000"  # 出生登记
RESIDENT_MEDICAL = "11420100MBFEXFG46Q20000012800000"  # 城乡居民基本医疗保险参保登记
SSCARD = "11420100MBCRY92Q2P20000014900000"  # 社会保障卡申领
FOOD = "11420100MBELWH4R2X00010010700001"  # 食品经营许可（新办）
FIRE = "11420100MB22E1M72300010032400000"  # 公众聚集场所投入使用、营业前消防安全检查
DRAIN = "11420100MB9LABRB2100010031000000"  # 城镇污水排入排水管网许可
COMPANY_CHANGE = "11420100MBELWH4R2X00010012800000"  # 公司变更登记
RETIRE = "11420100MBCRY92Q2P00070013500000"  # 企业职工基本养老保险正常退休申请
FUND_RETIRE = "12420100MBXA74RG1820000020500000"  # 住房公积金提取（离休、退休）
TRANSFER = "12420100MB1EH2YW1W00070014200200"  # 不动产转移登记
EMPLOYMENT = "11420100MBCRY92Q2P20000016300000"  # 就业登记
EMPLOYEE_INSURED = "11420100MBCRY92Q2P20000018400000"  # 职工参保登记

YES_NO = [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]

# code, name, audience, lead (department key), promised days, summary, questionnaire, repeat party,
# components: (item key or code, when, depends on, required)
BUNDLES = [
    {
        "code": "newborn",
        "name": "新生儿出生一件事",
        "audience": "person",
        "lead": "wjw",
        "days": 5,
        "summary": "新生儿出生后，父母一次申请即可办理《出生医学证明》、出生登记（落户）、城乡居民医保参保和社会保障卡申领。"
        "《出生医学证明》签发后，出生登记自动使用该电子证照办理，无需再提交；办结后结果统一送达。",
        "questionnaire": [
            {
                "id": "insured",
                "text": "孩子是否已参加城乡居民医保？",
                "options": [{"value": "yes", "label": "已参保"}, {"value": "no", "label": "未参保"}],
            },
            {"id": "sscard", "text": "是否同时为孩子申领社会保障卡？", "options": YES_NO},
        ],
        "components": [
            (BIRTH, {}, [], True),
            (HUKOU, {}, [BIRTH], True),
            (RESIDENT_MEDICAL, {"insured": ["no"]}, [HUKOU], True),
            (SSCARD, {"sscard": ["yes"]}, [], False),
        ],
    },
    {
        "code": "restaurant",
        "name": "开办餐饮店一件事",
        "audience": "legal",
        "lead": "scjg",
        "days": 10,
        "summary": "已取得营业执照的经营者开办餐饮店，一次申请食品经营许可、户外招牌设置、城镇污水排入排水管网许可；"
        "营业面积较大的公众聚集场所同时办理营业前消防安全检查。餐饮店无需办理公共场所卫生许可。营业执照电子证照免提交。",
        "questionnaire": [
            {
                "id": "large",
                "text": "经营场所建筑面积是否超过 300 平方米？",
                "options": [
                    {"value": "yes", "label": "超过 300 平方米"},
                    {"value": "no", "label": "不超过 300 平方米"},
                ],
            },
            {"id": "signboard", "text": "是否设置户外招牌？", "options": YES_NO},
        ],
        "components": [
            (FOOD, {}, [], True),
            (FIRE, {"large": ["yes"]}, [], True),
            ("signboard", {"signboard": ["yes"]}, [], False),
            (DRAIN, {}, [], True),
        ],
    },
    {
        "code": "company-change",
        "name": "企业信息变更一件事",
        "audience": "legal",
        "lead": "scjg",
        "days": 5,
        "summary": "企业在市场监管部门办理变更登记后，变更信息同步推送税务、人社、医保、公积金等部门，一次申请、同步变更。",
        "questionnaire": [],
        "components": [
            (COMPANY_CHANGE, {}, [], True),
            ("tax_change", {}, [COMPANY_CHANGE], True),
            ("social_change", {}, [COMPANY_CHANGE], True),
            ("medical_change", {}, [COMPANY_CHANGE], True),
            ("fund_change", {}, [COMPANY_CHANGE], True),
        ],
    },
    {
        "code": "retirement",
        "name": "退休一件事",
        "audience": "person",
        "lead": "rs",
        "days": 15,
        "summary": "职工达到法定退休年龄（按2025年起实施的渐进式延迟法定退休年龄规定计算）时，一次申请养老保险退休待遇、"
        "医保退休待遇核定，并可同时办理住房公积金退休提取。",
        "questionnaire": [{"id": "fund", "text": "是否同时提取住房公积金？", "options": YES_NO}],
        "components": [
            (RETIRE, {}, [], True),
            ("retire_medical", {}, [RETIRE], True),
            (FUND_RETIRE, {"fund": ["yes"]}, [RETIRE], False),
        ],
    },
    {
        "code": "house-transfer",
        "name": "二手房转移登记及水电气网联动过户一件事",
        "audience": "person",
        "lead": "bdc",
        "days": 10,
        "summary": "买卖双方一次申请：存量房合同网签备案、交易税费申报、不动产转移登记；登记完成后，供水、供电、燃气、宽带"
        "由各公共服务企业凭新不动产权证书电子证照联动过户，无需再跑。",
        "questionnaire": [{"id": "broadband", "text": "是否同时办理宽带过户？", "options": YES_NO}],
        "components": [
            ("house_contract", {}, [], True),
            ("house_tax", {}, ["house_contract"], True),
            (TRANSFER, {}, ["house_contract", "house_tax"], True),
            ("transfer_water", {}, [TRANSFER], False),
            ("transfer_power", {}, [TRANSFER], False),
            ("transfer_gas", {}, [TRANSFER], False),
            ("transfer_broadband", {"broadband": ["yes"]}, [TRANSFER], False),
        ],
    },
    {
        "code": "employment",
        "name": "员工录用一件事",
        "audience": "legal",
        "lead": "rs",
        "days": 5,
        "summary": "用人单位录用职工，一次为多名职工办理就业登记、职工社会保险参保、职工医保参保和住房公积金账户设立。",
        "questionnaire": [],
        "repeat": "employee",
        "components": [
            (EMPLOYMENT, {}, [], True),
            (EMPLOYEE_INSURED, {}, [], True),
            ("employee_medical", {}, [], True),
            ("employee_fund", {}, [], True),
        ],
    },
]


def _companies(city: Region) -> dict[str, Department]:
    out = {}
    for key, (name, short) in COMPANIES.items():
        dept = Department.objects.filter(name=name).first()
        if dept is None:
            dept = Department.objects.create(
                name=name,
                short_name=short,
                kind=DepartmentKind.ENTERPRISE,
                region=city,
                uscc=uscc_make(seed=name, region_code=orgdata.CITY, registry="9", category="1"),
            )
        out[key] = dept
    return out


WATER_STAFF = ("water", "钱进", "水务集团业务受理：过户等一件事联办")


def _company_staff(companies: dict[str, Department], password: str | None) -> None:
    """A staff account of the water company (a non-government handler) with its own queue."""
    import secrets

    from yiwang.accounts.models import User
    from yiwang.organizations.services import staff_create

    username, name, _ = WATER_STAFF
    user = User.objects.filter(username=username).first()
    if user is None:
        dept = companies["water"]
        user = staff_create(
            username=username,
            password=password or secrets.token_urlsafe(24),
            name=name,
            roles=[{"role": "reviewer", "department": dept}, {"role": "approver", "department": dept}],
        )
        if not password:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])


def _licence_codes() -> dict[str, str]:
    return dict(LicenseType.objects.values_list("name", "code"))


def _base_row() -> dict:
    from .services import demo_items_data

    return next(r for r in demo_items_data() if r["code"] == RESIDENT_MEDICAL)


def _item_rows(
    companies: dict[str, Department], licences: dict[str, str]
) -> tuple[list[dict], dict[str, str]]:
    """Import rows for the component items the demo catalogue lacks; {key: item code}."""
    base = _base_row()
    rows, codes = [], {}
    for key, spec in NEW_ITEMS.items():
        if "company" in spec:
            dept = companies[spec["company"]]
            uscc, dept_name = dept.uscc, dept.name
        else:
            uscc, dept_name = orgdata.department_uscc(spec["dept"]), orgdata.department(spec["dept"])[1]
        code = uscc + spec["basic"] + "00"
        codes[key] = code
        row = copy.deepcopy(base)
        materials = []
        for m in spec["materials"]:
            m = dict(m)
            if m.get("license_type_code"):
                m["license_type_code"] = licences[m["license_type_code"]]
            materials.append(m)
        row.update(
            code=code,
            basic_code=spec["basic"],
            local_code="WH" + spec["basic"],
            department_uscc=uscc,
            name=spec["name"],
            item_type=spec.get("type") or ("20" if spec["basic"].startswith("2") else "01"),
            service_objects=spec["objects"],
            legal_basis=spec["basis"],
            conditions=spec["conditions"],
            promised_limit_days=spec["promised"],
            statutory_limit_days=spec["statutory"],
            results=spec["results"],
            # derived, not copied from the base row: 7 电子证照反馈 only with a licence result;
            # 通办范围 the item's own (default 市内)
            online_depth=build_items.online_depth_for(
                base["online_depth"], [(r["name"], r["type"]) for r in spec["results"]]
            ),
            cross_city_scope=spec.get("scope", "市内"),
            themes=spec["themes"],
            form_schema={"type": "object", "required": spec["required"], "properties": spec["props"]},
            materials=materials,
            complaint=f"12345 市民服务热线；{dept_name}；一网通办平台“好差评”",
            special_procedures=[],
        )
        rows.append(row)
    return rows, codes


@transaction.atomic
def demo_load(*, world=None, password: str | None = None) -> dict:
    """Create (or bring up to date) and publish the six demo bundles. Needs the demo departments,
    items and licence types. Returns {"items_created": [...], "bundles": {code: version}}."""
    from yiwang.licenses.services import license_types_load

    if not LicenseType.objects.exists():
        license_types_load()
    city = Region.objects.get(code=orgdata.CITY)
    licences = _licence_codes()
    companies = _companies(city)
    _company_staff(companies, password)
    rows, keys = _item_rows(companies, licences)
    # first edition then corrections as new versions (editions.items_load), before any bundle is
    # (re)published below: a bundle pins the versions in force, so none is left outdated
    loaded = editions.items_load(rows)
    if not loaded.report.ok:
        raise DomainError("一件事演示事项导入失败：" + loaded.report.as_text()[:2000])
    departments = {
        d[0]: Department.objects.get(uscc=orgdata.department_uscc(d[0])) for d in orgdata.DEPARTMENTS
    }
    names = {r["code"]: r["name"] for r in rows}
    out = {"items_imported": [names[c] for c in loaded.changed], "bundles": {}}
    for spec in BUNDLES:
        code_of = lambda k: keys.get(k, k)  # noqa: E731
        bundle, _ = Bundle.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "audience": spec["audience"],
                "summary": spec["summary"],
                "lead_department": departments[spec["lead"]],
                "promised_days": spec["days"],
                "questionnaire": spec["questionnaire"],
                "repeat_party": spec.get("repeat", ""),
            },
        )
        items = {i.code: i for i in Item.objects.filter(code__in=[code_of(c[0]) for c in spec["components"]])}
        changed = False
        for position, (key, when, deps, required) in enumerate(spec["components"], 1):
            comp, created = BundleItem.objects.get_or_create(
                bundle=bundle,
                item=items[code_of(key)],
                defaults={
                    "position": position,
                    "when": when,
                    "depends_on": [code_of(d) for d in deps],
                    "required": required,
                },
            )
            wanted = (position, when, [code_of(d) for d in deps], required)
            if created or (comp.position, comp.when, comp.depends_on, comp.required) != wanted:
                comp.position, comp.when, comp.depends_on, comp.required = wanted
                comp.save()
                changed = True
        bundle.refresh_from_db()
        if changed or bundle.status != BundleStatus.PUBLISHED or selectors.bundle_outdated(bundle):
            bundle = services.bundle_publish(bundle=bundle)
        out["bundles"][bundle.code] = bundle.version
    return out
