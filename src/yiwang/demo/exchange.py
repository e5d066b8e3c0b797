"""Demo data of the exchange: the city's data resources (人口, 婚姻, 市场主体, 不动产 with 查封 and
抵押, 社保, 完税, 裁判文书), local register rows for the demo citizens and company, and the sharing
agreements the demo departments need for their items and "one things". Idempotent: run it after
the main demo data set (departments and users exist); running it again changes nothing but
re-encrypts register values."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.exchange import ledgering, services
from yiwang.exchange.models import Agreement, AgreementStatus, DataResource, SharingType
from yiwang.organizations.models import Department, DepartmentKind, Region

from . import orgdata
from .codes import uscc_make

COURT = ("court", "武汉市中级人民法院", "市中院", DepartmentKind.GOVERNMENT, "1", "1")
BANK = ("bank", "示例银行股份有限公司武汉分行", "示例银行武汉分行", DepartmentKind.ENTERPRISE, "9", "1")

PERSON = "person"
ORG = "org"


def _el(code, name, base="", sensitive=False, mask=""):
    return {"code": code, "name": name, "base": base, "sensitive": sensitive, "mask": mask}


# code, provider key, name, subject, sharing, consent, frequency, source system, legal basis, owner, elements
RESOURCES: list[tuple] = [
    (
        "ga.population",
        "ga",
        "人口基本信息",
        PERSON,
        SharingType.CONDITIONAL,
        False,
        "realtime",
        "人口信息管理系统",
        "《中华人民共和国居民身份证法》《中华人民共和国户口登记条例》",
        "户政管理处",
        [
            _el("name", "姓名", "name"),
            _el("id_number", "公民身份号码", "id_number", True, "id_number"),
            _el("gender", "性别", "gender"),
            _el("birth_date", "出生日期", "birth_date"),
            _el("ethnicity", "民族", "ethnicity"),
            _el("household_address", "户籍地址", "household_address", True, "address"),
        ],
    ),
    (
        "mz.marriage",
        "mz",
        "婚姻登记信息",
        PERSON,
        SharingType.CONDITIONAL,
        True,
        "daily",
        "全国婚姻登记信息系统",
        "《婚姻登记条例》",
        "社会事务处",
        [
            _el("marital_status", "婚姻状况"),
            _el("spouse_name", "配偶姓名", "", True, "name"),
            _el("registration_date", "登记日期"),
            _el("registration_authority", "登记机关"),
        ],
    ),
    (
        "scjg.enterprise",
        "scjg",
        "市场主体登记信息",
        ORG,
        SharingType.UNCONDITIONAL,
        False,
        "realtime",
        "市场主体登记注册系统",
        "《中华人民共和国市场主体登记管理条例》",
        "登记注册处",
        [
            _el("name", "名称", "name"),
            _el("uscc", "统一社会信用代码", "uscc"),
            _el("type", "类型", "type"),
            _el("legal_representative", "法定代表人"),
            _el("registered_address", "住所", "registered_address"),
            _el("registered_capital", "注册资本（万元）", "registered_capital"),
            _el("business_scope", "经营范围", "business_scope"),
            _el("established_on", "成立日期"),
            _el("status", "登记状态"),
        ],
    ),
    (
        "bdc.real_estate",
        "bdc",
        "不动产登记信息",
        PERSON,
        SharingType.CONDITIONAL,
        True,
        "realtime",
        "不动产登记信息管理基础平台",
        "《不动产登记暂行条例》第二十七条",
        "登记业务科",
        [
            _el("certificate_no", "不动产权证书号", "property.certificate_no"),
            _el("unit_no", "不动产单元号", "property.unit_no"),
            _el("location", "坐落", "property.address"),
            _el("area", "建筑面积（平方米）", "property.area"),
            _el("usage", "用途", "property.usage"),
            _el("registered_on", "登记日期"),
        ],
    ),
    (
        "court.seizures",
        "court",
        "不动产查封信息",
        PERSON,
        SharingType.CONDITIONAL,
        False,
        "realtime",
        "执行案件管理系统",
        "《中华人民共和国民事诉讼法》第二百五十五条；《最高人民法院 国土资源部 建设部关于依法规范人民法院执行和国土资源房地产管理部门协助执行若干问题的通知》",
        "执行局",
        [
            _el("seizure_status", "查封状态"),
            _el("seizure_court", "查封法院"),
            _el("seizure_document", "查封文书号"),
            _el("seizure_until", "查封期限至"),
        ],
    ),
    (
        "bank.mortgages",
        "bank",
        "个人住房抵押贷款信息",
        PERSON,
        SharingType.CONDITIONAL,
        True,
        "daily",
        "信贷管理系统",
        "《中华人民共和国民法典》第三百九十五条；《中华人民共和国个人信息保护法》第十三条（取得个人同意）",
        "个人信贷部",
        [
            _el("mortgage_status", "抵押状态"),
            _el("mortgagee", "抵押权人"),
            _el("loan_settled", "贷款是否结清"),
        ],
    ),
    (
        "court.judgements",
        "court",
        "裁判文书与失信被执行人信息",
        ORG,
        SharingType.CONDITIONAL,
        False,
        "daily",
        "审判流程管理系统",
        "《最高人民法院关于公布失信被执行人名单信息的若干规定》",
        "审判管理办公室",
        [
            _el("dishonest_executee", "是否失信被执行人"),
            _el("open_cases", "未结案件数"),
            _el("judgement_count", "近三年裁判文书数"),
        ],
    ),
    (
        "rs.social_insurance",
        "rs",
        "社会保险参保信息",
        PERSON,
        SharingType.CONDITIONAL,
        True,
        "daily",
        "社会保险信息系统",
        "《中华人民共和国社会保险法》第七十四条",
        "社会保险经办处",
        [
            _el("insured", "参保状态"),
            _el("insurance_types", "参保险种"),
            _el("employer", "参保单位", "employer"),
            _el("months_paid", "累计缴费月数"),
        ],
    ),
    (
        "sw.tax_paid",
        "sw",
        "个人完税信息",
        PERSON,
        SharingType.CONDITIONAL,
        True,
        "daily",
        "金税三期税收管理系统",
        "《中华人民共和国税收征收管理法》第八条",
        "纳税服务科",
        [
            _el("tax_status", "纳税状态"),
            _el("deed_tax_paid", "契税是否已缴清"),
            _el("last_paid_on", "最近缴税日期"),
        ],
    ),
]

ALL = ["prefill", "case_handling", "verification"]
POPULATION_FIELDS = ["name", "gender", "birth_date", "ethnicity", "household_address"]
# consumer key -> [(resource code, elements or None for all, purposes)]
AGREEMENTS: dict[str, list[tuple[str, list[str] | None, list[str]]]] = {
    **{
        key: [("ga.population", POPULATION_FIELDS, ALL)]
        for key in [
            "scjg",
            "wjw",
            "yb",
            "rs",
            "gjj",
            "sw",
            "bdc",
            "mz",
            "zrzy",
            "zf",
            "jy",
            "xf",
            "cg",
            "sw2",
            "ja_scjg",
            "ja_xzsp",
            "ja_wj",
            "ja_mz",
            "hs_scjg",
            "hs_xzsp",
            "hs_mz",
            "hs_rs",
        ]
    },
}
EXTRA: list[tuple[str, str, list[str] | None, list[str]]] = [
    # 新生儿出生: 公安 registers the child (parents' marriage); 卫健 issues the birth certificate
    ("ga", "mz.marriage", ["marital_status", "registration_date"], ["case_handling", "verification"]),
    ("wjw", "mz.marriage", ["marital_status"], ["case_handling"]),
    # 社保卡 / 医保 / 公积金 / 退休
    ("yb", "rs.social_insurance", ["insured", "insurance_types", "employer"], ALL),
    ("gjj", "rs.social_insurance", ["insured", "employer", "months_paid"], ALL),
    ("hs_rs", "rs.social_insurance", None, ALL),
    # 二手房转移登记: 不动产登记中心 reads seizures, mortgages, tax; 住建 and 税务 read the property
    ("bdc", "court.seizures", None, ["case_handling", "verification"]),
    ("bdc", "bank.mortgages", None, ["case_handling", "verification"]),
    ("bdc", "sw.tax_paid", ["tax_status", "deed_tax_paid"], ["case_handling", "verification"]),
    ("bdc", "mz.marriage", ["marital_status", "spouse_name"], ["case_handling"]),
    ("zf", "bdc.real_estate", ["certificate_no", "location", "area", "usage"], ALL),
    ("sw", "bdc.real_estate", ["certificate_no", "location", "area", "registered_on"], ["case_handling"]),
    ("gjj", "bdc.real_estate", ["certificate_no", "location", "area"], ["case_handling"]),
    # 企业 things: 市场监管 checks judgements (企业破产/上市合法合规信息核查)
    ("scjg", "court.judgements", None, ["case_handling", "verification", "supervision"]),
    ("sw", "court.judgements", ["dishonest_executee"], ["verification"]),
]
ENTERPRISE_CONSUMERS = [
    "sw",
    "rs",
    "yb",
    "gjj",
    "ga",
    "xf",
    "cg",
    "sw2",
    "wjw",
    "bdc",
    "wl",
    "sthj",
    "jt",
    "ja_scjg",
    "ja_xzsp",
    "hs_scjg",
    "hs_xzsp",
]


def _department(key: str, extra: dict[str, Department]) -> Department | None:
    if key in extra:
        return extra[key]
    return Department.objects.filter(uscc=orgdata.department_uscc(key)).first()


def _extra_departments() -> dict[str, Department]:
    city = Region.objects.filter(code=orgdata.CITY).first()
    out: dict[str, Department] = {}
    if city is None:
        return out
    for key, name, short, kind, registry, category in (COURT, BANK):
        out[key], _ = Department.objects.get_or_create(
            uscc=uscc_make(seed=name, region_code=orgdata.CITY, registry=registry, category=category),
            defaults={"name": name, "short_name": short, "kind": kind, "region": city},
        )
    return out


def _agreement(
    *, resource: DataResource, consumer: Department, elements: list[str] | None, purposes: list[str]
) -> bool:
    """A pre-agreed, approved agreement (recorded in the ledger like any other). False if one exists."""
    if Agreement.objects.filter(
        consumer=consumer, resource=resource, status=AgreementStatus.APPROVED
    ).exists():
        return False
    codes = [e.code for e in resource.elements.all()]
    chosen = [c for c in codes if elements is None or c in elements]
    today = timezone.localdate()
    until = date(today.year + 2, 12, 31)
    a = Agreement.objects.create(
        resource=resource,
        consumer=consumer,
        requested_elements=chosen,
        requested_until=until,
        purposes=sorted(purposes),
        purpose_note="演示数据：预置共享协议",
        legal_basis="部门“三定”规定及政务服务事项法定依据",
        valid_from=today - timedelta(days=30),
    )
    ledgering.record_agreement(a, decision=False)
    Agreement.objects.filter(pk=a.pk).update(
        status=AgreementStatus.APPROVED,
        elements=chosen,
        valid_until=until,
        decided_at=timezone.now(),
        decision_reason="无条件共享，自动批准"
        if resource.sharing_type == SharingType.UNCONDITIONAL
        else "同意（演示数据预置）",
        automatic=resource.sharing_type == SharingType.UNCONDITIONAL,
    )
    a.refresh_from_db()
    ledgering.record_agreement(a, decision=True)
    return True


def _register_rows(resources: dict[str, DataResource]) -> int:
    users = {u.username: u for u in User.objects.filter(username__in=["citizen", "citizen2", "business"])}
    rows = 0
    citizen, citizen2, business = users.get("citizen"), users.get("citizen2"), users.get("business")
    if citizen is not None and citizen.id_number:
        ric = citizen.id_number
        born = f"{ric[6:10]}-{ric[10:12]}-{ric[12:14]}"
        person_rows = {
            "ga.population": {
                "name": citizen.display_name,
                "id_number": ric,
                "gender": "男" if int(ric[16]) % 2 else "女",
                "birth_date": born,
                "ethnicity": "汉族",
                "household_address": "湖北省武汉市江岸区沿江大道 188 号 3 栋 2 单元 501 室",
            },
            "mz.marriage": {
                "marital_status": "已婚",
                "spouse_name": citizen2.display_name if citizen2 else "李娜",
                "registration_date": "2016-10-01",
                "registration_authority": "武汉市江岸区民政局",
            },
            "bdc.real_estate": {
                "certificate_no": "鄂（2019）武汉市江岸不动产权第0012345号",
                "unit_no": "420102001001GB00001F00010021",
                "location": "江岸区沿江大道 188 号 3 栋 2 单元 501 室",
                "area": 89.5,
                "usage": "住宅",
                "registered_on": "2019-07-12",
            },
            "court.seizures": {"seizure_status": "无查封"},
            "bank.mortgages": {"mortgage_status": "已抵押", "mortgagee": BANK[1], "loan_settled": "否"},
            "rs.social_insurance": {
                "insured": "正常参保",
                "insurance_types": "企业职工基本养老保险、失业保险、工伤保险",
                "employer": "武汉示例餐饮管理有限公司",
                "months_paid": 112,
            },
            "sw.tax_paid": {"tax_status": "正常", "deed_tax_paid": "是", "last_paid_on": "2026-10-15"},
        }
        for code, values in person_rows.items():
            services.register_put(resource=resources[code], subject=ric, values=values)
            rows += 1
    if citizen2 is not None and citizen2.id_number:
        ric = citizen2.id_number
        services.register_put(
            resource=resources["ga.population"],
            subject=ric,
            values={
                "name": citizen2.display_name,
                "id_number": ric,
                "gender": "男" if int(ric[16]) % 2 else "女",
                "birth_date": f"{ric[6:10]}-{ric[10:12]}-{ric[12:14]}",
                "ethnicity": "汉族",
                "household_address": "湖北省武汉市江汉区解放大道 600 号 12 楼 1203 室",
            },
        )
        services.register_put(
            resource=resources["mz.marriage"],
            subject=ric,
            values={
                "marital_status": "已婚",
                "spouse_name": citizen.display_name if citizen else "张伟",
                "registration_date": "2016-10-01",
                "registration_authority": "武汉市江岸区民政局",
            },
        )
        rows += 2
    if business is not None and business.uscc:
        services.register_put(
            resource=resources["scjg.enterprise"],
            subject=business.uscc,
            values={
                "name": business.display_name,
                "uscc": business.uscc,
                "type": "有限责任公司（自然人投资或控股）",
                "legal_representative": business.legal_representative or "王强",
                "registered_address": "武汉市江岸区后湖大道 111 号 1 栋 1 层 101 室",
                "registered_capital": 100,
                "business_scope": "餐饮服务；食品销售；餐饮管理",
                "established_on": "2021-03-18",
                "status": "存续（在营、开业、在册）",
            },
        )
        services.register_put(
            resource=resources["court.judgements"],
            subject=business.uscc,
            values={"dishonest_executee": "否", "open_cases": 0, "judgement_count": 1},
        )
        rows += 2
    return rows


@transaction.atomic
def demo_load() -> dict:
    """Load (or bring up to date) the exchange demo data. Returns counts."""
    extra = _extra_departments()
    resources: dict[str, DataResource] = {}
    missing: list[str] = []
    for code, key, name, subject, sharing, consent, freq, source, basis, owner, elements in RESOURCES:
        dept = _department(key, extra)
        if dept is None:
            missing.append(key)
            continue
        resources[code] = services.resource_save(
            department=dept,
            code=code,
            name=name,
            subject_kind=subject,
            sharing_type=sharing,
            consent_required=consent,
            update_frequency=freq,
            source_system=source,
            legal_basis=basis,
            owner=owner,
            elements=elements,
        )
    if missing:
        return {
            "resources": len(resources),
            "missing_departments": missing,
            "agreements": 0,
            "register_rows": 0,
        }
    plan: list[tuple[str, str, list[str] | None, list[str]]] = []
    for consumer, items in AGREEMENTS.items():
        plan += [(consumer, code, els, purposes) for code, els, purposes in items]
    plan += EXTRA
    plan += [(key, "scjg.enterprise", None, ALL) for key in ENTERPRISE_CONSUMERS]
    created = 0
    for consumer_key, code, els, purposes in plan:
        consumer = _department(consumer_key, extra)
        if consumer is None or consumer.pk == resources[code].department_id:
            continue
        created += _agreement(resource=resources[code], consumer=consumer, elements=els, purposes=purposes)
    return {
        "resources": len(resources),
        "agreements": created,
        "register_rows": _register_rows(resources),
        "missing_departments": [],
    }
