"""Demo 一件事 (DESIGN.md §4.3): fourteen national "one things" (the first batch of 国发〔2024〕3号
and more) built from the demo catalogue's items. Government items the catalogue lacked are in
demo/onething_items.py (generated into the catalogue); items of non-government handlers (the
water, power, gas and broadband companies, a bank, the city card company, the vaccination
clinic, the assessing hospital, the library) are created here in their own organisations.
Materials that a licence can stand in for are linked to the licence catalogue; questionnaires
(single or multiple choice, and for 个人和企业 bundles the answer that decides the account kind)
and dependencies, then published.

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

from . import build_items, editions, onething_items, orgdata
from .codes import uscc_make

# Non-government handlers: the 水电气网 companies (过户, 联合报装), a bank (账户开立、变更, 社保卡金融
# 功能), the city card company (乘车), and public institutions (接种门诊, 评残医院, 图书馆).
ENTERPRISE, INSTITUTION = DepartmentKind.ENTERPRISE, DepartmentKind.INSTITUTION
COMPANIES = {
    "water": ("武汉市水务集团有限公司", "市水务集团", ENTERPRISE),
    "power": ("国网湖北省电力有限公司武汉供电公司", "武汉供电公司", ENTERPRISE),
    "gas": ("武汉市燃气集团有限公司", "市燃气集团", ENTERPRISE),
    "broadband": ("中国电信股份有限公司武汉分公司", "武汉电信", ENTERPRISE),
    "bank": ("中国工商银行股份有限公司武汉分行", "工行武汉分行", ENTERPRISE),
    "transit": ("武汉城市一卡通有限公司", "武汉通公司", ENTERPRISE),
    "clinic": ("武汉市江岸区后湖街社区卫生服务中心", "后湖街社区卫生服务中心", INSTITUTION),
    "hospital": ("武汉市第一医院", "市一医院", INSTITUTION),
    "library": ("武汉图书馆", "武汉图书馆", INSTITUTION),
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


def _company_item(company, i, name, basis, conditions, results, props, required, materials=(), **kw):
    """An item a non-government handler (company or institution) handles in a bundle. `results`:
    names (result type 30 其他) or (name, type) — a licence such as 预防接种证 is type 10 证照."""
    return {
        "company": company,
        "basic": f"2000097{i:02d}000",
        "name": name,
        "basis": basis,
        "conditions": conditions,
        "promised": kw.get("promised", 1),
        "statutory": kw.get("statutory", 5),
        "objects": kw.get("objects", ["1", "2"]),
        "results": [
            {"name": r[0], "type": r[1]} if isinstance(r, tuple) else {"name": r, "type": "30"}
            for r in results
        ],
        "props": props,
        "required": required,
        "materials": list(materials),
        "themes": kw.get("themes", ["公用事业"]),
        # the guide's own values where the copied base row's would be wrong for these items
        "row": {
            "case_kind": "1" if kw.get("promised", 1) == 1 else "2",
            "online_depth": ["1", "2", "3", "4", "5", "6"],  # no licence issued: no 电子证照反馈
            "cross_city_scope": "市内",
        },
    }


NEWBORN_BASIS = "《中华人民共和国疫苗管理法》第四十七条、第四十八条；《预防接种工作规范》"
CONNECT_BASIS = "《国务院办公厅关于全面开展工程建设项目审批制度改革的实施意见》（国办发〔2019〕11号）"
CARD_BASIS = "《中华人民共和国社会保险法》第五十八条；《国务院关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见》（国发〔2024〕3号）"
BANK_BASIS = "《人民币银行结算账户管理办法》；《企业银行结算账户管理办法》（银发〔2019〕41号）"
PLACE = {
    "applicant.name": _p("申请人（用户）名称", maxLength=50),
    "applicant.phone": _p("联系电话", maxLength=11),
    "project.address": _p("报装地址", maxLength=200),
    "project.description": _p("用途及预计用量（用水、用电容量、用气量或带宽）", maxLength=500),
}
PLACE_REQUIRED = ["applicant.name", "applicant.phone", "project.address"]
CARD_PROPS = {
    "applicant.name": _p("持卡人姓名", maxLength=50),
    "applicant.id_number": _p("公民身份号码", maxLength=18),
    "applicant.phone": _p("联系电话", maxLength=11),
}
CARD_MATERIAL = _m("social_security_card", "社会保障卡", form="2", licence="社会保障卡")

# Items of non-government handlers added for the first-batch 一件事 (国发〔2024〕3号).
COMPANY_ITEMS: dict[str, dict] = {
    "vaccination_card": _company_item(
        "clinic",
        1,
        "预防接种证办理",
        NEWBORN_BASIS,
        "儿童出生后一个月内，监护人到儿童居住地承担预防接种工作的接种单位或者出生医院为其办理预防接种证。",
        [("预防接种证", "10")],  # a licence (证照) the clinic issues, not a receipt
        {
            "child.name": _p("儿童姓名", maxLength=50),
            "child.gender": {"type": "string", "title": "性别", "enum": ["男", "女"]},
            "child.birth_date": {"type": "string", "format": "date", "title": "出生日期"},
            "mother.name": _p("母亲姓名", maxLength=50),
            "applicant.phone": _p("监护人联系电话", maxLength=11),
            "child.address": _p("现居住地址", maxLength=200),
        },
        ["child.name", "child.birth_date", "applicant.phone", "child.address"],
        objects=["1"],
        themes=["医疗卫生", "生育收养"],
    ),
    "vaccination_check": _company_item(
        "clinic",
        2,
        "入托入学预防接种证查验",
        NEWBORN_BASIS,
        "儿童入托、入学时查验预防接种证，发现未按规定接种的，由接种单位补种。",
        ["预防接种证查验证明"],
        {
            "child.name": _p("学生姓名", maxLength=50),
            "child.id_number": _p("学生身份证号码", maxLength=18),
            "applicant.phone": _p("监护人联系电话", maxLength=11),
        },
        ["child.name", "child.id_number"],
        objects=["1"],
        themes=["医疗卫生", "教育科研"],
    ),
    **{
        f"connect_{key}": _company_item(
            key,
            i,
            f"{label}报装",
            f"{basis}；{CONNECT_BASIS}",
            f"新建、改建项目或用户申请新装{label}，由{label}企业现场勘查、接入施工并通{label[-1]}；"
            "外线工程需占用、挖掘城市道路的，同步办理审批。",
            [f"{label}接入完成通知"],
            PLACE,
            PLACE_REQUIRED,
            [_m("connection_site_plan", "用户工程总平面图（标明接入位置）", required=False)],
            promised=days,
            statutory=days * 2,
        )
        for i, (key, label, basis, days) in enumerate(
            [
                ("water", "供水", "《城市供水条例》", 4),
                ("power", "供电", "《电力供应与使用条例》", 4),
                ("gas", "燃气", "《城镇燃气管理条例》", 4),
                ("broadband", "宽带", "《中华人民共和国电信条例》", 2),
            ],
            3,
        )
    },
    "bank_change": _company_item(
        "bank",
        7,
        "单位银行结算账户信息变更",
        BANK_BASIS,
        "存款人名称、单位法定代表人或主要负责人、住址等发生变更的，于5个工作日内通知开户银行办理变更。",
        ["银行结算账户变更回执"],
        ORG_CHANGE_PROPS,
        ORG_CHANGE_REQUIRED,
        objects=["2", "3", "4", "6"],
        themes=["税收财务"],
    ),
    "bank_open": _company_item(
        "bank",
        8,
        "企业银行基本存款账户开立",
        BANK_BASIS,
        "取得营业执照的企业开立基本存款账户，银行审核后开立并向中国人民银行备案（取消企业银行账户许可）。",
        ["开户回执"],
        {
            "enterprise.name": _p("企业名称", maxLength=100),
            "enterprise.uscc": _p("统一社会信用代码", maxLength=18),
            "legal_rep.name": _p("法定代表人", maxLength=50),
            "legal_rep.phone": _p("联系电话", maxLength=11),
        },
        ["enterprise.name", "enterprise.uscc", "legal_rep.name"],
        objects=["2", "6"],
        themes=["税收财务"],
    ),
    "card_finance": _company_item(
        "bank",
        9,
        "社会保障卡金融账户激活",
        CARD_BASIS,
        "持卡人本人申请激活社会保障卡银行账户功能，用于待遇领取和缴费。",
        ["金融账户激活结果"],
        CARD_PROPS,
        ["applicant.name", "applicant.id_number"],
        [CARD_MATERIAL],
        objects=["1"],
        themes=["社会保障"],
    ),
    "card_transit": _company_item(
        "transit",
        10,
        "社会保障卡公共交通乘车功能开通",
        CARD_BASIS,
        "持卡人开通社会保障卡乘坐地铁、公交功能（居民服务“一卡通”）。",
        ["乘车功能开通结果"],
        CARD_PROPS,
        ["applicant.name", "applicant.id_number"],
        [CARD_MATERIAL],
        objects=["1"],
        themes=["交通出行"],
    ),
    "card_library": _company_item(
        "library",
        11,
        "社会保障卡图书借阅功能开通",
        CARD_BASIS + "；《中华人民共和国公共图书馆法》",
        "持卡人开通社会保障卡在公共图书馆借阅图书功能，免办读者证、免押金。",
        ["借阅功能开通结果"],
        CARD_PROPS,
        ["applicant.name", "applicant.id_number"],
        [CARD_MATERIAL],
        objects=["1"],
        themes=["文化体育"],
    ),
    "disability_assess": _company_item(
        "hospital",
        12,
        "残疾评定",
        "《中华人民共和国残疾人证管理办法》；《残疾人残疾分类和分级》（GB/T 26341—2010）",
        "申请人到残联指定的评定机构进行残疾评定，评定结果推送残联审核发证。",
        ["残疾评定结果"],
        {
            "applicant.name": _p("申请人姓名", maxLength=50),
            "applicant.id_number": _p("公民身份号码", maxLength=18),
            "applicant.phone": _p("联系电话", maxLength=11),
            "application.remarks": _p("申请评定的残疾类别", maxLength=200),
        },
        ["applicant.name", "applicant.id_number", "application.remarks"],
        promised=10,
        statutory=20,
        objects=["1"],
        themes=["残疾人", "医疗卫生"],
    ),
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

IND_REG = "11420100MBELWH4R2X00010011400000"  # 个体工商户设立登记
CO_REG = "11420100MBELWH4R2X00010012100000"  # 公司设立登记
FOOD_CHANGE = "11420100MBELWH4R2X00010010700002"  # 食品经营许可（变更）
E_SEAL = "11420100MBD8U5E83L20000021900000"  # 企业电子印章申领
RESIDENCE = "11420100MBG6CMER0R00070012100000"  # 居住证申领
DIG = "11420100MBN96E2T1M00010026800000"  # 占用、挖掘城市道路审批
FREIGHT = "11420100MBJ20QC63Y00010035900000"  # 道路货物运输经营许可
PASSENGER = "11420100MBJ20QC63Y00010034500000"  # 道路旅客运输经营许可
SSCARD_REPLACE = "11420100MBCRY92Q2P20000015600000"  # 社会保障卡补领、换领

YES_NO = [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]


def q(qid: str, text: str, options: list, *, multiple: bool = False) -> dict:
    """A question: options as (value, label) or (value, label, account kind)."""
    opts = [
        {"value": o[0], "label": o[1], **({"audience": o[2]} if len(o) > 2 else {})}
        if isinstance(o, tuple)
        else o
        for o in options
    ]
    return {"id": qid, "text": text, "options": opts, **({"multiple": True} if multiple else {})}


LOCAL = ["local", "province"]  # 户籍在本市或省内：出生登记在此办理
HUKOUS = [HUKOU, "unmarried_birth", "unmarried_birth_father"]  # whichever 出生登记 applies
CHANGED = [
    ("name", "企业名称"),
    ("address", "住所（经营场所）"),
    ("legal_rep", "法定代表人"),
    ("capital", "注册资本"),
    ("scope", "经营范围"),
    ("shareholders", "股东（投资人）"),
    ("finance", "财务负责人"),
]
ORG_CORE = ["name", "address", "legal_rep"]  # what 社保、医保、公积金、银行 hold about a company
REGISTERED = [IND_REG, CO_REG]  # the restaurant's licences start once the business is registered
RETIRES = [RETIRE, "retire_early"]  # either retirement gives the medical and fund steps their start
CARDS = [SSCARD, SSCARD_REPLACE]

# code, name, audience, lead (department key), promised days, summary, questionnaire, repeat party,
# components: (item key or code, when, depends on, required). Item keys are NEW_ITEMS /
# COMPANY_ITEMS here or onething_items (government items in the generated catalogue).
BUNDLES = [
    {
        "code": "newborn",
        "name": "新生儿出生一件事",
        "audience": "person",
        "lead": "wjw",
        "days": 10,
        "summary": "新生儿出生后，父母一次申请即可办理《出生医学证明》、预防接种证、出生登记（落户）、城乡居民医保参保和"
        "社会保障卡申领。《出生医学证明》签发后，出生登记自动使用该电子证照办理；出生登记办结、孩子有了公民身份号码后，"
        "社会保障卡自动开始办理。预防接种证由居住地社区卫生服务中心同步办理。父母未办理结婚登记的，按非婚生育出生登记办理"
        "（随母落户的由母亲申报；随父落户的由父亲申报，并提交亲子鉴定意见书）；随父或随母落户的一方户籍在外省的，出生登记、医保和社保卡请在户籍地办理。",
        "questionnaire": [
            q("settle", "孩子随哪一方落户？", [("father", "随父亲落户"), ("mother", "随母亲落户")]),
            q(
                "married",
                "父母是否已办理结婚登记？",
                [("yes", "已登记结婚"), ("no", "未登记结婚（非婚生育）")],
            ),
            q(
                "place",
                "落户一方的户籍在哪里？",
                [("local", "武汉市"), ("province", "湖北省其他市州"), ("other", "外省（区、市）")],
            ),
            q("insured", "孩子是否已参加城乡居民医保？", [("yes", "已参保"), ("no", "未参保")]),
            q("sscard", "是否同时为孩子申领社会保障卡？", YES_NO),
        ],
        "components": [
            (BIRTH, {}, [], True),
            ("vaccination_card", {}, [], True),
            (HUKOU, {"married": ["yes"], "place": LOCAL}, [BIRTH], True),
            ("unmarried_birth", {"married": ["no"], "settle": ["mother"], "place": LOCAL}, [BIRTH], True),
            (
                "unmarried_birth_father",
                {"married": ["no"], "settle": ["father"], "place": LOCAL},
                [BIRTH],
                True,
            ),
            (RESIDENT_MEDICAL, {"insured": ["no"], "place": LOCAL}, HUKOUS, True),
            (SSCARD, {"sscard": ["yes"], "place": LOCAL}, HUKOUS, False),
        ],
    },
    {
        "code": "restaurant",
        "name": "开办餐饮店一件事",
        "audience": "any",
        "lead": "scjg",
        "days": 10,
        "summary": "开办餐饮店一次申请：尚未登记的，同时办理个体工商户登记（经营者本人以个人账号申请）或企业设立登记"
        "（投资企业以企业账号申请），登记后营业执照电子证照自动用于食品经营许可等后续事项；已取得营业执照的，以经营主体账号"
        "申请。同时办理食品经营许可、户外招牌设置备案、城镇污水排入排水管网许可；营业面积超过300平方米的公众聚集场所同时办理"
        "营业前消防安全检查。餐饮店无需办理公共场所卫生许可。个体工商户的排水许可、消防检查在登记后以经营主体账号办理。",
        "questionnaire": [
            q(
                "subject",
                "以什么形式开办？",
                [
                    ("individual", "新办个体工商户（经营者本人申请）", "person"),
                    ("company", "新设立企业（投资企业申请）", "legal"),
                    ("registered", "已取得营业执照的企业或个体工商户", "legal"),
                ],
            ),
            q(
                "large",
                "经营场所建筑面积是否超过 300 平方米？",
                [("yes", "超过 300 平方米"), ("no", "不超过 300 平方米")],
            ),
            q("signboard", "是否设置户外招牌？", YES_NO),
        ],
        "components": [
            (IND_REG, {"subject": ["individual"]}, [], True),
            (CO_REG, {"subject": ["company"]}, [], True),
            (FOOD, {}, REGISTERED, True),
            (FIRE, {"large": ["yes"], "subject": ["company", "registered"]}, REGISTERED, True),
            ("signboard", {"signboard": ["yes"]}, REGISTERED, False),
            (DRAIN, {"subject": ["company", "registered"]}, REGISTERED, True),
        ],
    },
    {
        "code": "company-change",
        "name": "企业信息变更一件事",
        "audience": "legal",
        "lead": "scjg",
        "days": 5,
        "summary": "企业勾选发生变更的信息，一次申请：市场监管部门办理变更登记后，变更信息只推送给相关部门和单位同步变更——"
        "税务登记；名称、住所或法定代表人变更的，社会保险、医疗保险、住房公积金单位信息和开户银行；名称或法定代表人变更的，"
        "公章刻制备案和电子印章；持有食品经营许可证且载明事项变更的，食品经营许可变更。勾选哪些，就只办哪些。",
        "questionnaire": [
            q("changed", "哪些信息发生了变更？（可多选）", CHANGED, multiple=True),
            q("food", "是否持有食品经营许可证？", YES_NO),
        ],
        "components": [
            (COMPANY_CHANGE, {}, [], True),
            (
                "tax_change",
                {"changed": ["name", "address", "legal_rep", "capital", "scope", "finance"]},
                [COMPANY_CHANGE],
                True,
            ),
            ("social_change", {"changed": ORG_CORE}, [COMPANY_CHANGE], True),
            ("medical_change", {"changed": ORG_CORE}, [COMPANY_CHANGE], True),
            ("fund_change", {"changed": ORG_CORE}, [COMPANY_CHANGE], True),
            ("bank_change", {"changed": ORG_CORE}, [COMPANY_CHANGE], True),
            ("seal_filing", {"changed": ["name", "legal_rep"]}, [COMPANY_CHANGE], True),
            (E_SEAL, {"changed": ["name", "legal_rep"]}, [COMPANY_CHANGE, "seal_filing"], False),
            (FOOD_CHANGE, {"changed": ORG_CORE, "food": ["yes"]}, [COMPANY_CHANGE], True),
        ],
    },
    {
        "code": "retirement",
        "name": "退休一件事",
        "audience": "person",
        "lead": "rs",
        "days": 15,
        "summary": "按《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》（2025年1月1日起施行）："
        "到达法定退休年龄正常退休的，一次申请养老保险退休待遇、医保退休待遇核定，可同时提取住房公积金；达到最低缴费年限"
        "（2025年为15年，自2030年起每年提高6个月，逐步提高到20年）的，可弹性提前退休，最长提前3年且不早于原法定退休年龄；"
        "与单位协商一致的，可弹性延迟退休，最长延迟3年，延迟期间继续缴费，期满再办理退休。",
        "questionnaire": [
            q(
                "kind",
                "您选择哪种退休方式？",
                [
                    ("normal", "到达法定退休年龄正常退休"),
                    ("early", "弹性提前退休（最长提前3年）"),
                    ("late", "弹性延迟退休（最长延迟3年，需与单位协商一致）"),
                ],
            ),
            q("fund", "是否同时提取住房公积金？（延迟退休的不适用）", YES_NO),
        ],
        "components": [
            (RETIRE, {"kind": ["normal"]}, [], True),
            ("retire_early", {"kind": ["early"]}, [], True),
            ("retire_late", {"kind": ["late"]}, [], True),
            ("retire_medical", {"kind": ["normal", "early"]}, RETIRES, True),
            (FUND_RETIRE, {"fund": ["yes"], "kind": ["normal", "early"]}, RETIRES, False),
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
        "questionnaire": [q("broadband", "是否同时办理宽带过户？", YES_NO)],
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
    {
        "code": "school-enrolment",
        "name": "教育入学一件事",
        "audience": "person",
        "lead": "jy",
        "days": 15,
        "summary": "适龄儿童少年义务教育阶段入学，监护人一次报名：户籍、房产、租赁备案、社保缴费、居住证信息由各部门核验后"
        "共享给教育部门，不再开具、提交证明；进入小学的，社区卫生服务中心同步查验预防接种证。核验完成后教育部门按学区派位。",
        "questionnaire": [
            q("hukou", "孩子的户籍在哪里？", [("local", "本市户籍"), ("nonlocal", "非本市户籍（随迁子女）")]),
            q("housing", "在学区内的住房是？", [("own", "自有住房"), ("rent", "租赁住房")]),
            q("permit", "监护人是否已有本市居住证？（本市户籍的选“是”）", YES_NO),
            q("stage", "入读哪个学段？", [("primary", "小学一年级"), ("junior", "初中一年级")]),
        ],
        "components": [
            ("household_proof", {"hukou": ["local"]}, [], True),
            ("property_query", {"housing": ["own"]}, [], True),
            ("rental_filing", {"housing": ["rent"]}, [], True),
            ("social_proof", {"hukou": ["nonlocal"]}, [], True),
            (RESIDENCE, {"hukou": ["nonlocal"], "permit": ["no"]}, [], True),
            ("vaccination_check", {"stage": ["primary"]}, [], False),
            (
                "school_enrol",
                {},
                ["household_proof", "property_query", "rental_filing", "social_proof", RESIDENCE],
                True,
            ),
        ],
    },
    {
        "code": "utility-connection",
        "name": "水电气网联合报装一件事",
        "audience": "any",
        "lead": "zwfw",
        "days": 15,
        "summary": "一次申请、勾选所需的供水、供电、燃气、宽带报装，各公共服务企业同步勘查、接入；企业的外线工程需占用、挖掘"
        "城市道路的，城管部门同步审批，审批后企业施工接入。个人（自建住房等）以个人账号申请，外线工程由企业办理。",
        "questionnaire": [
            q(
                "subject",
                "申请主体是？",
                [("company", "企业（工程建设项目等）", "legal"), ("person", "个人（自建住房等）", "person")],
            ),
            q(
                "which",
                "需要报装哪些？（可多选）",
                [("water", "供水"), ("power", "供电"), ("gas", "燃气"), ("broadband", "宽带")],
                multiple=True,
            ),
            q("dig", "外线工程是否需要占用、挖掘城市道路？（个人选“否”）", YES_NO),
        ],
        "components": [
            (DIG, {"dig": ["yes"], "subject": ["company"]}, [], True),
            ("connect_water", {"which": ["water"]}, [DIG], True),
            ("connect_power", {"which": ["power"]}, [DIG], True),
            ("connect_gas", {"which": ["gas"]}, [DIG], True),
            ("connect_broadband", {"which": ["broadband"]}, [], True),
        ],
    },
    {
        "code": "transport-company",
        "name": "开办运输企业一件事",
        "audience": "legal",
        "lead": "jt",
        "days": 15,
        "summary": "已取得营业执照的企业开办道路运输业务，一次申请道路货物或旅客运输经营许可，许可后自动为车辆配发道路运输证；"
        "需要的，同时办理公章刻制备案和银行基本存款账户开立。营业执照电子证照免提交。",
        "questionnaire": [
            q("kind", "经营哪类道路运输？", [("freight", "道路货物运输"), ("passenger", "道路旅客运输")]),
            q("seal", "是否需要刻制公章？", YES_NO),
            q("bank", "是否需要开立银行基本存款账户？", YES_NO),
        ],
        "components": [
            (FREIGHT, {"kind": ["freight"]}, [], True),
            (PASSENGER, {"kind": ["passenger"]}, [], True),
            ("transport_cert", {}, [FREIGHT, PASSENGER], True),
            ("seal_filing", {"seal": ["yes"]}, [], False),
            ("bank_open", {"bank": ["yes"]}, [], False),
        ],
    },
    {
        "code": "social-security-card",
        "name": "社会保障卡居民服务一件事",
        "audience": "person",
        "lead": "rs",
        "days": 10,
        "summary": "一次申请社会保障卡（新办或补换），并勾选开通金融账户、地铁公交乘车、图书借阅等居民服务“一卡通”功能；"
        "制卡完成后，银行、武汉通公司、武汉图书馆自动开通，社会保障卡电子证照免提交。已有社保卡的可只开通功能。",
        "questionnaire": [
            q(
                "card",
                "您的社会保障卡情况？",
                [
                    ("none", "还没有社保卡"),
                    ("replace", "卡丢失或损坏，需要补换"),
                    ("ok", "已有社保卡，可正常使用"),
                ],
            ),
            q(
                "functions",
                "需要开通哪些功能？（可多选）",
                [
                    ("finance", "金融账户"),
                    ("transit", "地铁公交乘车"),
                    ("library", "图书借阅"),
                    ("none", "暂不开通"),
                ],
                multiple=True,
            ),
        ],
        "components": [
            (SSCARD, {"card": ["none"]}, [], True),
            (SSCARD_REPLACE, {"card": ["replace"]}, [], True),
            ("card_finance", {"functions": ["finance"]}, CARDS, False),
            ("card_transit", {"functions": ["transit"]}, CARDS, False),
            ("card_library", {"functions": ["library"]}, CARDS, False),
        ],
    },
    {
        "code": "disability-services",
        "name": "残疾人服务一件事",
        "audience": "person",
        "lead": "cl",
        "days": 30,
        "summary": "一次申请：到指定评定机构（市一医院）残疾评定，评定结果推送残联办理残疾人证；发证后，符合条件的自动办理"
        "困难残疾人生活补贴、重度残疾人护理补贴（国发〔2015〕52号），无需再次申请。",
        "questionnaire": [
            q("hardship", "是否为最低生活保障家庭或其他困难家庭？", YES_NO),
            q("severe", "是否申请重度残疾人护理补贴（评定为一、二级的发放）？", YES_NO),
        ],
        "components": [
            ("disability_assess", {}, [], True),
            ("disability_card", {}, ["disability_assess"], True),
            ("living_subsidy", {"hardship": ["yes"]}, ["disability_card"], False),
            ("care_subsidy", {"severe": ["yes"]}, ["disability_card"], False),
        ],
    },
    {
        "code": "credit-repair",
        "name": "信用修复一件事",
        "audience": "legal",
        "lead": "fgw",
        "days": 10,
        "summary": "企业纠正失信行为后一次申请：市场监管领域行政处罚信息在国家企业信用信息公示系统修复后，“信用中国”网站同步"
        "修复，不再分别申请；需要的，同时移出经营异常名录、修复纳税信用。勾选需要修复的信息即可。",
        "questionnaire": [
            q(
                "what",
                "需要修复哪些信息？（可多选）",
                [("penalty", "行政处罚信息"), ("abnormal", "经营异常名录"), ("tax", "纳税信用")],
                multiple=True,
            )
        ],
        "components": [
            ("credit_fix_samr", {"what": ["penalty"]}, [], True),
            ("credit_fix_ndrc", {"what": ["penalty"]}, ["credit_fix_samr"], True),
            ("abnormal_exit", {"what": ["abnormal"]}, [], True),
            ("credit_fix_tax", {"what": ["tax"]}, [], True),
        ],
    },
    {
        "code": "bankruptcy-check",
        "name": "企业破产信息核查一件事",
        "audience": "legal",
        "lead": "zwfw",
        "days": 5,
        "summary": "人民法院指定的破产管理人代表债务人一次申请，勾选需要核查的信息，市场监管、不动产登记、公安车管、税务、"
        "人社、公积金、医保部门同步查询并反馈，不再逐个部门跑。",
        "questionnaire": [
            q(
                "scope",
                "需要核查哪些信息？（可多选）",
                [
                    ("samr", "登记档案及股权"),
                    ("estate", "不动产"),
                    ("vehicle", "机动车"),
                    ("tax", "涉税信息"),
                    ("social", "社会保险缴费"),
                    ("fund", "住房公积金缴存"),
                    ("medical", "医疗保险缴费"),
                ],
                multiple=True,
            )
        ],
        "components": [
            (f"bk_{k}", {"scope": [k]}, [], True)
            for k in ["samr", "estate", "vehicle", "tax", "social", "fund", "medical"]
        ],
    },
    {
        "code": "listing-compliance",
        "name": "企业上市合法合规信息核查一件事",
        "audience": "legal",
        "lead": "fgw",
        "days": 10,
        "summary": "拟上市企业一次申请合法合规信息核查：可由公共信用信息平台出具专项信用报告，替代各部门有无违法违规记录证明；"
        "不使用专项信用报告的，勾选需要核查的领域，各部门同步出具核查结果。",
        "questionnaire": [
            q(
                "report",
                "是否以专项信用报告替代各部门证明？",
                [("yes", "是，出具专项信用报告"), ("no", "否，由各部门分别核查")],
            ),
            q(
                "fields",
                "需要各部门核查哪些领域？（可多选；选择专项信用报告的，选“无需单独核查”）",
                [
                    ("samr", "市场监管"),
                    ("tax", "税务"),
                    ("social", "人力资源社会保障"),
                    ("fund", "住房公积金"),
                    ("env", "生态环境"),
                    ("fire", "消防安全"),
                    ("none", "无需单独核查"),
                ],
                multiple=True,
            ),
        ],
        "components": [
            ("credit_report", {"report": ["yes"]}, [], True),
            *(
                (f"ls_{k}", {"report": ["no"], "fields": [k]}, [], True)
                for k in ["samr", "tax", "social", "fund", "env", "fire"]
            ),
        ],
    },
]


def _companies(city: Region) -> dict[str, Department]:
    out = {}
    for key, (name, short, kind) in COMPANIES.items():
        dept = Department.objects.filter(name=name).first()
        if dept is None:
            registry = ("9", "1") if kind == ENTERPRISE else ("1", "2")  # 企业 / 事业单位
            dept = Department.objects.create(
                name=name,
                short_name=short,
                kind=kind,
                region=city,
                uscc=uscc_make(
                    seed=name, region_code=orgdata.CITY, registry=registry[0], category=registry[1]
                ),
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
    for key, spec in {**NEW_ITEMS, **COMPANY_ITEMS}.items():
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
        row.update(spec.get("row", {}))
        rows.append(row)
    return rows, codes


@transaction.atomic
def demo_load(*, world=None, password: str | None = None) -> dict:
    """Create (or bring up to date) and publish the demo bundles. Needs the demo departments,
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

    def code_of(key: str) -> str:
        """An item key of this module or of onething_items, or an implementation code."""
        return keys.get(key) or (onething_items.code(key) if key in onething_items.registered() else key)

    for spec in BUNDLES:
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
        stale = BundleItem.objects.filter(bundle=bundle).exclude(item__code__in=list(items))
        changed = stale.delete()[0] > 0  # components no longer part of the bundle
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
