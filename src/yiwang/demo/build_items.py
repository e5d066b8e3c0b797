"""Writes data/items.json, the demo service catalogue in the catalog import format.

The guides are written here once, compactly (shared materials, form presets, department
defaults), and expanded to the import format: `python -m yiwang.demo.build_items` rewrites the
JSON; a test checks that the committed JSON is what this module builds. Item names and legal
bases are real; codes, limits, materials and wording are the project's demo content.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from yiwang.catalog.elements import canonical_elements

from .orgdata import CITY_HALL, HALLS, HONGSHAN_HALL, HOURS, JIANGAN_HALL, department, department_uscc

OUT = Path(__file__).resolve().parent / "data" / "items.json"
ELEMENTS = {e["id"]: e for e in canonical_elements()}
HALL_ADDRESS = {name: address for name, _region, address, _phone in HALLS}
HALL_PHONE = {name: phone for name, _region, _address, phone in HALLS}

# --- shared materials: the same material has the same code in every item ------------------------
# code: name, material_type (1 原件 2 复印件 3 原件和复印件), material_form (1 纸质 2 电子 3 纸质+电子),
#       source, issuing department, notes
M: dict[str, tuple[str, str, str, str, str, str]] = {
    "id_card": (
        "申请人身份证明",
        "1",
        "3",
        "applicant",
        "公安机关",
        "居民身份证或其他有效身份证件，电子证照可免提交",
    ),
    "legal_rep_id": ("法定代表人（负责人）身份证明", "2", "3", "applicant", "公安机关", ""),
    "authorization": ("授权委托书及受托人身份证明", "1", "3", "applicant", "", "委托他人代为办理时提供"),
    "business_license": (
        "营业执照",
        "2",
        "2",
        "government",
        "市场监督管理部门",
        "已共享的电子营业执照免提交",
    ),
    "site_plan": ("场所平面图", "1", "3", "applicant", "", "标明功能布局、面积、主要设备设施位置及操作流程"),
    "lease": ("场地使用证明", "2", "3", "applicant", "", "不动产权证书或租赁合同等"),
    "commitment_letter": ("告知承诺书", "1", "3", "applicant", "", "按格式文本签署，承诺符合许可条件"),
    "household_register": ("居民户口簿", "1", "1", "government", "公安机关", ""),
    "marriage_certificate": ("结婚证", "1", "3", "government", "民政部门", ""),
    "photo": ("近期免冠证件照片", "1", "3", "applicant", "", "白色背景，可现场采集"),
    "food_safety_system": ("食品安全管理制度", "1", "3", "applicant", "", ""),
    "equipment_layout": ("主要设备设施布局及操作流程文件", "1", "3", "applicant", "", ""),
    "health_certificate": ("从业人员健康证明", "2", "3", "government", "卫生健康部门", ""),
    "hygiene_report": ("卫生检测（评价）报告", "1", "3", "other", "有资质的检测机构", ""),
    "water_quality_report": ("水质检验报告", "1", "3", "other", "有资质的检测机构", "出厂水、末梢水各项指标"),
    "hygiene_system": ("卫生管理制度", "1", "3", "applicant", "", ""),
    "birth_record": ("分娩机构出具的新生儿出生信息", "1", "2", "other", "助产机构", "由助产机构信息系统推送"),
    "parents_id": ("父母双方身份证明", "1", "3", "applicant", "公安机关", ""),
    "property_certificate": ("不动产权证书", "1", "3", "government", "不动产登记机构", ""),
    "sale_contract": ("不动产买卖合同", "1", "3", "applicant", "", "已网签备案的合同可免提交"),
    "tax_certificate": ("完税凭证", "1", "2", "government", "税务部门", "税务部门推送的可免提交"),
    "mortgage_contract": ("抵押合同及主债权合同", "1", "3", "applicant", "", ""),
    "land_certificate": ("土地权属来源材料", "1", "3", "government", "自然资源部门", ""),
    "completion_acceptance": ("建设工程竣工验收备案材料", "1", "3", "government", "住房和城乡建设部门", ""),
    "survey_report": ("不动产权籍调查成果", "1", "3", "other", "测绘机构", ""),
    "transport_contract": ("建筑垃圾运输处置合同", "1", "3", "applicant", "", ""),
    "disposal_site_proof": ("建筑垃圾消纳场所证明", "1", "3", "other", "消纳场所经营单位", ""),
    "construction_permit": ("建筑工程施工许可证", "2", "2", "government", "住房和城乡建设部门", ""),
    "night_work_reason": ("连续施工作业必要性说明", "1", "3", "applicant", "", "说明工艺要求或特殊需要"),
    "noise_plan": ("噪声污染防治措施方案", "1", "3", "applicant", "", ""),
    "resident_notice": ("周边居民公告证明", "1", "3", "applicant", "", "张贴公告的照片"),
    "housing_proof": ("迁入地合法稳定住所证明", "2", "3", "applicant", "", "不动产权证书或租赁登记备案证明"),
    "relationship_proof": ("亲属关系证明", "1", "3", "applicant", "", ""),
    "labor_contract": ("劳动合同", "2", "3", "applicant", "", ""),
    "bank_account": ("本人银行账户信息", "2", "2", "applicant", "", "社会保障卡金融账户可免提交"),
    "medical_records": ("病历及诊断证明", "1", "3", "other", "定点医疗机构", ""),
    "eia_report": ("环境影响报告书", "1", "3", "other", "环评编制单位", ""),
    "drain_water_report": ("排水水质检测报告", "1", "3", "other", "有资质的检测机构", ""),
    "fire_plan": ("场所消防设施平面图", "1", "3", "applicant", "", ""),
    "project_approval": ("项目批准、核准或备案文件", "2", "3", "government", "发展改革部门", ""),
    "design_drawings": ("建设工程设计方案", "1", "3", "other", "设计单位", ""),
    "qualification": ("执业资格证明", "2", "3", "government", "", ""),
    "physical_exam": ("健康体检证明", "1", "3", "other", "二级以上医疗机构", "六个月内有效"),
    "staff_list": ("专业技术人员名单及资格证明", "1", "3", "applicant", "", ""),
    "articles": ("章程", "1", "3", "applicant", "", ""),
    "capital_proof": ("资金证明", "1", "3", "other", "银行或会计师事务所", ""),
    "vehicle_docs": ("车辆技术资料", "2", "3", "applicant", "", ""),
    "driving_license": ("机动车驾驶证", "2", "3", "government", "公安机关交通管理部门", ""),
    "income_proof": ("家庭收入和财产状况声明", "1", "3", "applicant", "", "并授权核对家庭经济状况"),
    "school_docs": ("办学场所、师资和资产证明", "1", "3", "applicant", "", ""),
    "equipment_docs": ("特种设备出厂文件及监督检验证明", "2", "3", "other", "制造单位、检验机构", ""),
}

# --- form presets (element id : item's own wording [: maxLength]); "?" marks optional fields ----
PERSON = ["applicant.name:申请人姓名", "applicant.id_number:公民身份号码", "applicant.phone:联系电话"]
ENTERPRISE = [
    "enterprise.name:单位名称:100",
    "enterprise.uscc:统一社会信用代码",
    "legal_rep.name:法定代表人（负责人）",
    "legal_rep.id_number:法定代表人身份证号码",
    "legal_rep.phone:联系电话",
]
AGENT = ["?agent.name:代办人姓名", "?agent.id_number:代办人身份证号码", "?agent.phone:代办人手机号码"]

PERSON_MATS = ["id_card", ("authorization", {"required": False})]
ENTERPRISE_MATS = [("business_license", {}), "legal_rep_id"]

ONLINE_FULL = {"online_depth": ["1", "2", "3", "4", "5", "6", "7"], "online_grade": "Ⅳ", "visits_required": 0}
ONLINE_ONCE = {"online_depth": ["1", "2", "3", "4", "5", "6"], "online_grade": "Ⅲ", "visits_required": 1}

ITEMS: list[dict] = []


def item(name: str, dept: str, **kw) -> dict:
    """One guide, compactly: t type, k case kind, s/p statutory/promised working days, o service
    objects, th themes, basis, cond, mats, res (name, result type), form, tol/com (容缺/告知承诺),
    sp special procedures, online (depth, grade, visits), scope (通办范围), halls (more halls),
    and the flags the derived fields follow (see `expand`):
    present — the person must come in person (photo, fingerprints, a registrar's questions:
    护照, 通行证, 身份证, 婚姻, 收养), so no 快递申请; post — the paper materials may be sent by post
    (办理形式 4 快递申请); levels — exercise levels when not the department's own; registrars —
    the halls where the item is handled when it is exercised below the department's level."""
    spec = {"name": name, "dept": dept, **kw}
    ITEMS.append(spec)
    return spec


# 《行政许可法》§25: a 行政审批局 exercises the licences of several departments by 相对集中行政许可权
# (decided by the provincial government with the State Council's approval); its items cite it.
RELATIVE_CONCENTRATION = "《中华人民共和国行政许可法》第二十五条（相对集中行政许可权）"


def handling_forms_for(spec: dict) -> list[str]:
    """办理形式: every demo item can be applied for at a window, on the web and on the mobile app;
    a visit still needed (to show originals, sign, be photographed) takes none of them away. 快递
    申请 only where the item says its materials may come by post — never when the person must be
    present."""
    if spec.get("post") and spec.get("present"):
        raise ValueError(
            f"{spec['name']}: an item that needs the person present takes no postal applications"
        )
    return ["1", "2", "3", *(["4"] if spec.get("post") else [])]


def online_depth_for(depth: list[str], results: list[tuple[str, str]]) -> list[str]:
    """网上办理深度 7 电子证照反馈 only when a result is a licence (result type 10)."""
    if any(rtype == "10" for _name, rtype in results):
        return list(depth)
    return [d for d in depth if d != "7"]


EXTEND = {"kind": "1", "name": "延长审批", "basis": "《中华人民共和国行政许可法》第四十二条"}


# 《行政许可法》§45 names the procedures whose time is not counted; others (site inspection,
# public notice) stop the clock only where a specific law says so, so they cite that law alone.
SECTION_45 = ("听证", "招标", "拍卖", "检验", "检测", "检疫", "鉴定", "专家评审")


def sp(name: str, basis: str) -> dict:
    if any(word in name for word in SECTION_45):
        basis = f"《中华人民共和国行政许可法》第四十五条；{basis}"
    return {"kind": "2", "name": name, "basis": basis}


# ============================ 市场监管 ============================================================
FOOD_FORM = [
    "enterprise.name:经营者名称:100",
    "enterprise.uscc:统一社会信用代码",
    "legal_rep.name:法定代表人（负责人）",
    "legal_rep.id_number:法定代表人身份证号码",
    "legal_rep.phone:联系电话",
    "premises.address:经营场所:200",
    "premises.area:经营场所面积（平方米）",
    "enterprise.business_scope:经营项目:500",
    "?premises.category:主体业态",
]
FOOD_BASIS = (
    "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》（国家市场监督管理总局令第78号）"
)
FOOD_MATS = [
    "application_form",
    *ENTERPRISE_MATS,
    "site_plan",
    ("lease", {"tolerable": True}),
    "food_safety_system",
]
food = item(
    "食品经营许可",
    "scjg",
    t="01",
    k="2",
    s=10,
    p=3,
    o=["1", "2", "6"],
    th=["市场准入", "医疗卫生"],
    basis=FOOD_BASIS,
    cond="1. 具有与经营的食品品种、数量相适应的经营场所，并与有毒、有害场所保持规定的距离；"
    "2. 具有相应的设备设施和食品安全管理人员、管理制度；3. 具有合理的设备布局和工艺流程。",
    mats=FOOD_MATS,
    res=[("食品经营许可证", "10")],
    form=FOOD_FORM,
    tol=True,
    com=True,
    sp=[sp("现场核查", "《食品经营许可和备案管理办法》"), EXTEND],
    online=ONLINE_ONCE,
    scope="市内",
)
food["children"] = [
    {"name": "食品经营许可（新办）", "business_kind": "new", "k": "2", "p": 3},
    {
        "name": "食品经营许可（变更）",
        "business_kind": "change",
        "k": "2",
        "p": 2,
        "mats": ["application_form", *ENTERPRISE_MATS, ("food_license", {})],
        "sp": [],
    },
    {
        "name": "食品经营许可（延续）",
        "business_kind": "renew",
        "k": "2",
        "p": 2,
        "mats": ["application_form", *ENTERPRISE_MATS, "food_safety_system"],
        "sp": [],
    },
    {
        "name": "食品经营许可（注销）",
        "business_kind": "cancel",
        "k": "1",
        "p": 1,
        "mats": ["application_form", *ENTERPRISE_MATS],
        "res": [("注销食品经营许可通知书", "20")],
        "sp": [],
        "tol": False,
        "com": False,
        "online": ONLINE_FULL,
    },
]
M["food_license"] = ("食品经营许可证正、副本", "1", "3", "government", "市场监督管理部门", "")

REG_BASIS = "《中华人民共和国市场主体登记管理条例》第十九条；《中华人民共和国市场主体登记管理条例实施细则》"
item(
    "个体工商户设立登记",
    "scjg",
    t="01",
    k="1",
    s=3,
    p=1,
    o=["1"],
    th=["市场准入", "就业创业"],
    basis=f"《促进个体工商户发展条例》；{REG_BASIS}",
    cond="有经营能力的自然人；有固定经营场所；经营范围不属于法律、行政法规禁止的项目。",
    mats=["application_form", *PERSON_MATS, "lease"],
    res=[("营业执照", "10")],
    form=[
        *PERSON,
        "enterprise.name:个体工商户名称:60",
        "premises.address:经营场所",
        "enterprise.business_scope:经营范围:500",
        "?enterprise.employee_count:从业人数",
    ],
    online=ONLINE_FULL,
    scope="全国",
)
for nm, bk, res in [
    ("公司设立登记", "new", [("营业执照", "10")]),
    ("公司变更登记", "change", [("营业执照", "10")]),
    ("公司注销登记", "cancel", [("准予注销登记通知书", "20")]),
]:
    item(
        nm,
        "scjg",
        t="01",
        k="1",
        s=3,
        p=1,
        o=["2"],
        th=["市场准入"],
        basis=f"《中华人民共和国公司法》；{REG_BASIS}",
        cond="申请材料齐全、符合法定形式。" if bk != "cancel" else "公司已清算完毕，无未结清债权债务。",
        mats=[
            "application_form",
            "legal_rep_id",
            "articles" if bk != "cancel" else "tax_clearance",
            "lease" if bk == "new" else "business_license",
            ("authorization", {"required": False}),
        ],
        res=res,
        form=[
            "enterprise.name:企业名称:100",
            *(["enterprise.uscc:统一社会信用代码"] if bk != "new" else []),
            "legal_rep.name:法定代表人",
            "legal_rep.id_number:法定代表人身份证号码",
            "legal_rep.phone:联系电话",
            "enterprise.registered_address:住所",
            *(
                [
                    "enterprise.registered_capital:注册资本（万元）",
                    "enterprise.business_scope:经营范围:2000",
                    "enterprise.type:企业类型",
                ]
                if bk == "new"
                else []
            ),
            *(["application.reason:变更事项及内容:1000"] if bk == "change" else []),
            *(["application.reason:注销原因:500"] if bk == "cancel" else []),
        ],
        online=ONLINE_FULL,
        scope="全国",
    )
M["tax_clearance"] = ("清税证明", "1", "2", "government", "税务部门", "税务部门共享的免提交")
item(
    "食品生产许可",
    "scjg",
    t="01",
    k="2",
    s=20,
    p=10,
    o=["2"],
    th=["市场准入"],
    basis="《中华人民共和国食品安全法》第三十五条；《食品生产许可管理办法》",
    cond="具有与生产的食品品种、数量相适应的生产场所、设备设施、专业技术人员和管理制度。",
    mats=["application_form", *ENTERPRISE_MATS, "site_plan", "equipment_layout", "food_safety_system"],
    res=[("食品生产许可证", "10")],
    form=[*ENTERPRISE, "premises.address:生产地址", "enterprise.business_scope:申请生产的食品类别:500"],
    sp=[sp("现场核查", "《食品生产许可管理办法》"), sp("检验", "《食品生产许可管理办法》"), EXTEND],
    online=ONLINE_ONCE,
    scope="市内",
)
item(
    "特种设备使用登记",
    "scjg",
    t="01",
    k="1",
    s=15,
    p=1,
    o=["2", "6"],
    th=["市场准入", "城市建设"],
    basis="《中华人民共和国特种设备安全法》第三十三条；《特种设备使用管理规则》",
    cond="特种设备经监督检验合格，使用单位已建立安全管理制度并配备安全管理人员。",
    mats=["application_form", *ENTERPRISE_MATS, "equipment_docs"],
    res=[("特种设备使用登记证", "10")],
    form=[*ENTERPRISE, "premises.address:设备使用地点", "application.remarks:设备品种及数量:500"],
    online=ONLINE_FULL,
    scope="市内",
)
item(
    "第二类医疗器械经营备案",
    "scjg",
    t="10",
    k="1",
    s=5,
    p=1,
    o=["2"],
    th=["市场准入", "医疗卫生"],
    basis="《医疗器械监督管理条例》第四十一条；《医疗器械经营监督管理办法》",
    cond="具有与经营范围和经营规模相适应的经营场所、贮存条件及质量管理制度。",
    mats=["application_form", *ENTERPRISE_MATS, "lease", "site_plan"],
    res=[("第二类医疗器械经营备案凭证", "10")],
    form=[
        *ENTERPRISE,
        "premises.address:经营场所",
        "?premises.area:经营面积（平方米）",
        "enterprise.business_scope:经营范围:500",
    ],
    online=ONLINE_FULL,
    scope="市内",
)

# ============================ 公安 ===============================================================
item(
    "户口迁移审批",
    "ga",
    t="01",
    k="2",
    s=20,
    p=5,
    o=["1"],
    th=["户籍办理"],
    basis="《中华人民共和国户口登记条例》第十条；《武汉市户籍准入登记规定》",
    cond="符合本市户籍准入条件（投靠亲属、购房、人才引进、就业等），在迁入地有合法稳定住所。",
    mats=[
        "application_form",
        *PERSON_MATS,
        "household_register",
        "housing_proof",
        ("relationship_proof", {"required": False, "notes": "投靠亲属迁入时提供"}),
    ],
    res=[("准予迁入证明", "20")],
    form=[
        "applicant.name:姓名",
        "applicant.id_number:公民身份号码",
        "applicant.household_address:现户籍地址",
        "applicant.address:迁入地址",
        "?applicant.relationship:与户主关系",
        "application.reason:迁移原因:500",
        "applicant.phone:联系电话",
    ],
    online=ONLINE_ONCE,
    scope="全国",
    halls=[JIANGAN_HALL, HONGSHAN_HALL],
)
item(
    "出生登记",
    "ga",
    t="07",
    k="1",
    s=5,
    p=1,
    o=["1"],
    th=["户籍办理", "生育收养"],
    basis="《中华人民共和国户口登记条例》第七条",
    cond="婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报出生登记。",
    mats=[
        "application_form",
        "birth_certificate",
        "parents_id",
        "household_register",
        ("marriage_certificate", {"required": False}),
    ],
    res=[("居民户口簿（户口登记）", "10")],
    form=[
        "child.name:新生儿姓名",
        "child.gender:性别",
        "child.birth_date:出生日期",
        "mother.name:母亲姓名",
        "mother.id_number:母亲身份证号码",
        "father.name:父亲姓名",
        "father.id_number:父亲身份证号码",
        "applicant.household_address:申报户口所在地",
        "applicant.phone:联系电话",
    ],
    online=ONLINE_FULL,
    scope="省内",
    halls=[JIANGAN_HALL, HONGSHAN_HALL],
)
M["birth_certificate"] = ("出生医学证明", "1", "3", "government", "助产机构", "电子出生医学证明可免提交")
item(
    "居民身份证申领",
    "ga",
    t="07",
    k="2",
    s=60,
    p=15,
    o=["1"],
    th=["户籍办理"],
    basis="《中华人民共和国居民身份证法》第八条、第十条",
    cond="居住在中华人民共和国境内的年满十六周岁的中国公民；未满十六周岁的可以依照规定申请领取。",
    mats=["household_register", "photo"],
    res=[("居民身份证", "10")],
    fees=[
        {
            "name": "居民身份证工本费",
            "standard": "20元/证",
            "waivable": True,
            "basis": "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》",
        }
    ],
    form=[
        "applicant.name:姓名",
        "applicant.id_number:公民身份号码",
        "applicant.household_address:户籍地址",
        "applicant.phone:联系电话",
        "?application.delivery:领取方式",
        "?application.delivery_address:邮寄地址",
    ],
    online=ONLINE_ONCE,
    scope="全国",
    halls=[JIANGAN_HALL, HONGSHAN_HALL],
    present=True,
)
item(
    "居住证申领",
    "ga",
    t="07",
    k="2",
    s=15,
    p=7,
    o=["1"],
    th=["户籍办理"],
    basis="《居住证暂行条例》第九条、第十条",
    cond="离开常住户口所在地到本市居住半年以上，有合法稳定就业、住所或连续就读之一。",
    mats=["application_form", "id_card", "photo", "housing_proof", ("labor_contract", {"required": False})],
    res=[("居住证", "10")],
    form=[
        *PERSON,
        "applicant.household_address:户籍地址",
        "applicant.address:现居住地址",
        "?applicant.employer:就业单位",
    ],
    online=ONLINE_ONCE,
    scope="市内",
)
item(
    "普通护照签发",
    "ga",
    t="01",
    k="2",
    s=15,
    p=7,
    o=["1"],
    th=["出入境"],
    basis="《中华人民共和国护照法》第五条、第六条",
    cond="中国公民因前往外国定居、探亲、学习、就业、旅行、从事商务活动等非公务原因出国。",
    mats=["application_form", "id_card", "photo"],
    res=[("普通护照", "10")],
    fees=[
        {
            "name": "普通护照工本费",
            "standard": "120元/本",
            "waivable": False,
            "basis": "《国家发展改革委 财政部关于降低部分行政事业性收费标准的通知》",
        }
    ],
    form=[
        *PERSON,
        "applicant.gender:性别",
        "applicant.birth_date:出生日期",
        "application.reason:出境事由:200",
        "?application.delivery:领取方式",
    ],
    online=ONLINE_ONCE,
    scope="全国",
    present=True,
)
item(
    "往来港澳通行证签发",
    "ga",
    t="01",
    k="2",
    s=15,
    p=7,
    o=["1"],
    th=["出入境"],
    basis="《中国公民因私事往来香港地区或者澳门地区的暂行管理办法》",
    cond="内地居民因私事前往香港、澳门地区。",
    mats=["application_form", "id_card", "photo"],
    res=[("往来港澳通行证", "10")],
    fees=[
        {
            "name": "往来港澳通行证工本费",
            "standard": "60元/证",
            "waivable": False,
            "basis": "《国家发展改革委 财政部关于降低部分行政事业性收费标准的通知》",
        }
    ],
    form=[*PERSON, "applicant.gender:性别", "application.reason:前往事由:200"],
    online=ONLINE_ONCE,
    scope="全国",
    present=True,
)
item(
    "旅馆业特种行业许可证核发",
    "ga",
    t="01",
    k="2",
    s=20,
    p=10,
    o=["2", "6"],
    th=["市场准入", "文化旅游"],
    basis="《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）；《旅馆业治安管理办法》第四条",
    cond="房屋建筑、消防设备、出入口和通道等符合消防安全要求，具备必要的防盗安全设施。",
    mats=["application_form", *ENTERPRISE_MATS, "lease", "site_plan", "fire_plan"],
    res=[("特种行业许可证", "10")],
    form=[
        *ENTERPRISE,
        "premises.address:旅馆地址",
        "premises.area:建筑面积（平方米）",
        "?premises.seats:客房数（间）",
    ],
    sp=[sp("现场检查", "《旅馆业治安管理办法》")],
    online=ONLINE_ONCE,
    scope="市内",
)
item(
    "剧毒化学品购买许可",
    "ga",
    t="01",
    k="2",
    s=3,
    p=2,
    o=["2", "3"],
    th=["城市建设"],
    basis="《危险化学品安全管理条例》第三十八条、第三十九条",
    cond="购买单位持有相关许可证件或营业执照，用途合法，有专人保管。",
    mats=["application_form", *ENTERPRISE_MATS, "safety_system"],
    res=[("剧毒化学品购买许可证", "10")],
    form=[*ENTERPRISE, "application.reason:购买品种、数量及用途:500"],
    online=ONLINE_ONCE,
    scope="无",
)
M["safety_system"] = ("安全管理制度及专职保管人员资格证明", "1", "3", "applicant", "", "")
item(
    "养犬登记证核发",
    "ga",
    t="01",
    k="1",
    s=10,
    p=1,
    o=["1", "2"],
    th=["城市建设"],
    basis="《武汉市养犬管理条例》",
    cond="在重点管理区内养犬，犬只已接种狂犬病疫苗，每户限养一只。",
    mats=["application_form", "id_card", "vaccination_proof", "housing_proof"],
    res=[("养犬登记证", "10")],
    form=[*PERSON, "applicant.address:养犬地址", "application.remarks:犬只品种、毛色:200"],
    online=ONLINE_FULL,
    scope="市内",
)
M["vaccination_proof"] = ("犬只狂犬病免疫证明", "1", "3", "other", "动物诊疗机构", "")

# ============================ 卫生健康 ===========================================================
item(
    "公共场所卫生许可",
    "wjw",
    t="01",
    k="2",
    s=20,
    p=5,
    o=["2", "6"],
    th=["市场准入", "医疗卫生"],
    basis="《公共场所卫生管理条例》第八条；《公共场所卫生管理条例实施细则》第二十二条",
    cond="场所布局、卫生设施和从业人员健康证明符合公共场所卫生要求（住宿、沐浴、美容美发、游泳场所等）。",
    mats=[
        "application_form",
        "business_license",
        "site_plan",
        ("hygiene_report", {"tolerable": True}),
        ("health_certificate", {"tolerable": True}),
        ("commitment_letter", {"required": False}),
    ],
    res=[("公共场所卫生许可证", "10")],
    form=[
        *ENTERPRISE,
        "premises.address:场所地址",
        "premises.area:营业面积（平方米）",
        "premises.category:经营项目（住宿/沐浴/美容美发/游泳等）",
    ],
    tol=True,
    com=True,
    online=ONLINE_ONCE,
    scope="市内",
)
item(
    "生活饮用水供水单位卫生许可",
    "wjw",
    t="01",
    k="2",
    s=20,
    p=10,
    o=["2", "3", "6"],
    th=["医疗卫生", "城市建设"],
    basis="《中华人民共和国传染病防治法》第二十九条；《生活饮用水卫生监督管理办法》第七条",
    cond="供水单位的水源选择、水处理工艺、输配水设施及水质符合国家卫生标准，直接从事供、管水人员持有健康证明。",
    mats=[
        "application_form",
        *ENTERPRISE_MATS,
        "water_quality_report",
        "hygiene_system",
        "health_certificate",
    ],
    res=[("生活饮用水供水单位卫生许可证", "10")],
    form=[
        *ENTERPRISE,
        "premises.address:供水单位地址",
        "premises.category:供水方式（集中式/二次供水）",
        "?project.volume:日供水量（立方米）",
    ],
    sp=[sp("水质检验", "《生活饮用水卫生监督管理办法》"), EXTEND],
    online=ONLINE_ONCE,
    scope="市内",
)
BIRTH_FORM = [
    "child.name:新生儿姓名",
    "child.gender:性别",
    "child.birth_date:出生日期",
    "mother.name:母亲姓名",
    "mother.id_number:母亲身份证号码",
    "father.name:父亲姓名",
    "father.id_number:父亲身份证号码",
    "applicant.phone:联系电话",
]
item(
    "《出生医学证明》首次签发",
    "wjw",
    t="20",
    k="1",
    s=5,
    p=1,
    o=["1"],
    th=["医疗卫生", "生育收养"],
    basis="《中华人民共和国母婴保健法》第二十三条；《国家卫生计生委关于进一步加强出生医学证明管理的通知》",
    cond="在本市助产机构内出生的新生儿，由父母或监护人申请首次签发。",
    mats=["application_form", "parents_id", "birth_record"],
    res=[("出生医学证明", "10")],
    form=BIRTH_FORM,
    online=ONLINE_FULL,
    scope="省内",
)
item(
    "《出生医学证明》补发",
    "wjw",
    t="20",
    k="2",
    s=20,
    p=10,
    o=["1"],
    th=["医疗卫生", "生育收养"],
    basis="《中华人民共和国母婴保健法》第二十三条",
    cond="《出生医学证明》遗失、被盗或严重损毁的。",
    mats=["application_form", "parents_id", "household_register", "loss_statement"],
    res=[("出生医学证明", "10")],
    form=[*BIRTH_FORM, "application.reason:补发原因:200"],
    online=ONLINE_ONCE,
    scope="省内",
)
M["loss_statement"] = ("遗失（损毁）情况说明", "1", "3", "applicant", "", "")
item(
    "生育登记",
    "wjw",
    t="20",
    k="1",
    s=5,
    p=1,
    o=["1"],
    th=["生育收养", "医疗卫生"],
    basis="《中华人民共和国人口与计划生育法》；《湖北省人口与计划生育条例》",
    cond="夫妻双方或一方户籍在本市，或在本市居住的流动人口。",
    mats=["parents_id", ("marriage_certificate", {"required": False})],
    res=[("生育登记服务凭证", "30")],
    form=[
        "mother.name:女方姓名",
        "mother.id_number:女方身份证号码",
        "father.name:男方姓名",
        "father.id_number:男方身份证号码",
        "applicant.phone:联系电话",
        "?applicant.address:现居住地址",
    ],
    online=ONLINE_FULL,
    scope="全国",
)
item(
    "医疗机构执业登记",
    "wjw",
    t="01",
    k="2",
    s=45,
    p=20,
    o=["2", "3", "4"],
    th=["医疗卫生"],
    basis="《医疗机构管理条例》第十五条、第十六条；《医疗机构管理条例实施细则》",
    cond="按照设置审批或备案要求建成，房屋、设备、人员和规章制度符合医疗机构基本标准。",
    mats=["application_form", *ENTERPRISE_MATS, "site_plan", "staff_list", "lease"],
    res=[("医疗机构执业许可证", "10")],
    form=[
        *ENTERPRISE,
        "premises.address:执业地点",
        "premises.area:建筑面积（平方米）",
        "enterprise.business_scope:诊疗科目:500",
        "?premises.seats:床位数",
    ],
    sp=[sp("专家评审", "《医疗机构管理条例实施细则》"), EXTEND],
    online=ONLINE_ONCE,
    scope="市内",
)
item(
    "医师执业注册",
    "wjw",
    t="01",
    k="2",
    s=20,
    p=10,
    o=["1"],
    th=["医疗卫生", "就业创业"],
    basis="《中华人民共和国医师法》第十三条、第十四条；《医师执业注册管理办法》",
    cond="取得医师资格，经拟执业的医疗、预防、保健机构同意。",
    mats=["application_form", "id_card", "qualification", "physical_exam", "employer_letter"],
    res=[("医师执业证书", "10")],
    form=[*PERSON, "applicant.employer:拟执业机构:100", "application.remarks:执业类别及范围:200"],
    online=ONLINE_FULL,
    scope="全国",
    post=True,
)
M["employer_letter"] = ("聘用单位出具的拟聘用证明", "1", "3", "other", "聘用单位", "")
item(
    "护士执业注册",
    "wjw",
    t="01",
    k="2",
    s=20,
    p=5,
    o=["1"],
    th=["医疗卫生", "就业创业"],
    basis="《护士条例》第七条、第八条；《护士执业注册管理办法》",
    cond="具有完全民事行为能力，通过护士执业资格考试，符合健康标准。",
    mats=["application_form", "id_card", "qualification", "physical_exam", "employer_letter"],
    res=[("护士执业证书", "10")],
    form=[*PERSON, "applicant.employer:拟执业机构:100"],
    online=ONLINE_FULL,
    scope="全国",
    post=True,
)
item(
    "放射诊疗许可",
    "wjw",
    t="01",
    k="2",
    s=20,
    p=15,
    o=["2", "3"],
    th=["医疗卫生"],
    basis="《放射性同位素与射线装置安全和防护条例》；《放射诊疗管理规定》第十一条",
    cond="具有经核准登记的医学影像科诊疗科目，放射诊疗场所和防护设施经检测合格。",
    mats=["application_form", *ENTERPRISE_MATS, "radiation_report", "staff_list"],
    res=[("放射诊疗许可证", "10")],
    form=[*ENTERPRISE, "premises.address:放射诊疗场所地址", "application.remarks:放射诊疗项目及设备:500"],
    sp=[sp("检测", "《放射诊疗管理规定》"), EXTEND],
    online=ONLINE_ONCE,
    scope="市内",
)
M["radiation_report"] = (
    "放射诊疗建设项目职业病危害放射防护评价报告",
    "1",
    "3",
    "other",
    "有资质的技术服务机构",
    "",
)

# ============================ 医保 ===============================================================
item(
    "城乡居民基本医疗保险参保登记",
    "yb",
    t="20",
    k="1",
    s=5,
    p=1,
    o=["1"],
    th=["社会保障", "医疗卫生", "生育收养"],
    basis="《中华人民共和国社会保险法》第二十五条；《国务院关于整合城乡居民基本医疗保险制度的意见》",
    cond="本市户籍或持本市居住证且未参加职工基本医疗保险的城乡居民（含新生儿）。",
    mats=["id_card", ("household_register", {"required": False, "notes": "新生儿参保时提供"})],
    res=[("参保登记信息", "30")],
    form=[*PERSON, "applicant.household_address:户籍地址", "?applicant.address:现居住地址"],
    online=ONLINE_FULL,
    scope="全国",
    halls=[JIANGAN_HALL, HONGSHAN_HALL],
)
item(
    "基本医疗保险关系转移接续",
    "yb",
    t="20",
    k="2",
    s=15,
    p=10,
    o=["1"],
    th=["社会保障", "医疗卫生"],
    basis="《中华人民共和国社会保险法》第三十二条；《流动就业人员基本医疗保障关系转移接续暂行办法》",
    cond="参保人员跨统筹地区流动就业，在转入地参加基本医疗保险。",
    mats=["id_card", "insurance_certificate"],
    res=[("基本医疗保险关系转移接续联系函", "30")],
    form=[*PERSON, "application.remarks:转出地医保经办机构:100"],
    online=ONLINE_FULL,
    scope="全国",
)
M["insurance_certificate"] = ("参保凭证", "1", "2", "government", "医疗保障经办机构", "")
item(
    "异地就医备案",
    "yb",
    t="20",
    k="1",
    s=1,
    p=1,
    o=["1"],
    th=["社会保障", "医疗卫生"],
    basis="《国家医保局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》（医保发〔2022〕22号）",
    cond="异地长期居住人员、临时外出就医人员等参保人员。",
    mats=["id_card", ("commitment_letter", {"name": "异地就医备案个人承诺书"})],
    res=[("备案凭证", "30")],
    form=[
        *PERSON,
        "applicant.address:就医地（居住地）地址",
        "application.reason:备案类型:100",
        "?application.date:备案开始日期",
    ],
    com=True,
    online=ONLINE_FULL,
    scope="全国",
)
item(
    "门诊慢特病待遇认定",
    "yb",
    t="07",
    k="2",
    s=20,
    p=10,
    o=["1"],
    th=["社会保障", "医疗卫生"],
    basis="《国家医保局 财政部关于建立医疗保障待遇清单制度的意见》（医保发〔2021〕5号）",
    cond="参加本市基本医疗保险，患有规定的门诊慢性病或特殊疾病。",
    mats=["application_form", "id_card", "medical_records"],
    res=[("门诊慢特病待遇认定结果", "30")],
    form=[*PERSON, "application.reason:申请病种:100", "?applicant.employer:定点医疗机构"],
    sp=[
        {
            "kind": "2",
            "name": "专家评审",
            "basis": "《中华人民共和国行政许可法》第四十五条；《医疗保障基金使用监督管理条例》",
        }
    ],
    online=ONLINE_FULL,
    scope="市内",
)
item(
    "生育津贴支付",
    "yb",
    t="05",
    k="2",
    s=20,
    p=10,
    o=["1", "2"],
    th=["社会保障", "生育收养"],
    basis="《中华人民共和国社会保险法》第五十四条、第五十六条",
    cond="用人单位已缴纳生育保险费的职工，符合规定的生育或计划生育手术情形。",
    mats=["id_card", "birth_certificate", "bank_account"],
    res=[("生育津贴支付", "30")],
    form=[*PERSON, "applicant.employer:参保单位:100", "child.birth_date:生育日期"],
    online=ONLINE_FULL,
    scope="市内",
)

# ============================ 人社 ===============================================================
item(
    "社会保障卡申领",
    "rs",
    t="20",
    k="2",
    s=20,
    p=5,
    o=["1"],
    th=["社会保障", "生育收养"],
    basis="《中华人民共和国社会保险法》第五十八条；《社会保障卡管理办法》",
    cond="在本市参加社会保险或享受人社公共服务的人员（含新生儿）。",
    mats=["id_card", "photo", ("authorization", {"required": False})],
    res=[("社会保障卡", "10")],
    form=[*PERSON, "?application.delivery:领卡方式", "?application.delivery_address:邮寄地址"],
    online=ONLINE_FULL,
    scope="全国",
    halls=[JIANGAN_HALL, HONGSHAN_HALL],
)
item(
    "社会保障卡补领、换领",
    "rs",
    t="20",
    k="1",
    s=5,
    p=1,
    o=["1"],
    th=["社会保障"],
    basis="《中华人民共和国社会保险法》第五十八条；《社会保障卡管理办法》",
    cond="社会保障卡遗失、损坏或有效期满。",
    mats=["id_card", "photo"],
    res=[("社会保障卡", "10")],
    form=[*PERSON, "application.reason:补换原因:100"],
    online=ONLINE_FULL,
    scope="全国",
)
item(
    "就业登记",
    "rs",
    t="20",
    k="1",
    s=5,
    p=1,
    o=["2", "6"],
    th=["就业创业", "社会保障"],
    basis="《中华人民共和国就业促进法》；《就业服务与就业管理规定》第六十二条",
    cond="用人单位招用劳动者后30日内为其办理就业登记。",
    mats=["business_license", "labor_contract", "employee_id"],
    res=[("就业登记信息", "30")],
    form=[
        "enterprise.name:用人单位名称:100",
        "enterprise.uscc:统一社会信用代码",
        "employee.name:劳动者姓名",
        "employee.id_number:劳动者身份证号码",
        "?employee.phone:劳动者联系电话",
        "application.date:录用日期",
    ],
    online=ONLINE_FULL,
    scope="省内",
)
M["employee_id"] = ("职工身份证明", "2", "2", "applicant", "公安机关", "")
item(
    "失业登记",
    "rs",
    t="20",
    k="1",
    s=5,
    p=1,
    o=["1"],
    th=["就业创业", "社会保障"],
    basis="《中华人民共和国就业促进法》；《就业服务与就业管理规定》第六十三条",
    cond="法定劳动年龄内、有劳动能力、有就业要求、处于无业状态的城乡劳动者。",
    mats=["id_card"],
    res=[("就业创业证", "10")],
    form=[*PERSON, "applicant.address:常住地址", "?applicant.employer:原工作单位"],
    online=ONLINE_FULL,
    scope="全国",
)
item(
    "失业保险金申领",
    "rs",
    t="05",
    k="2",
    s=10,  # 《失业保险金申领发放办法》：自受理之日起10日内核定
    p=5,
    o=["1"],
    th=["社会保障", "就业创业"],
    basis="《中华人民共和国社会保险法》第四十五条；《失业保险条例》第十四条；《失业保险金申领发放办法》第八条",
    cond="失业前累计缴纳失业保险费满一年，非因本人意愿中断就业，已办理失业登记并有求职要求。",
    mats=["id_card", "bank_account"],
    res=[("失业保险金发放", "30")],
    form=[*PERSON, "applicant.employer:原参保单位:100", "application.reason:失业原因:200"],
    online=ONLINE_FULL,
    scope="全国",
)
item(
    "企业职工基本养老保险正常退休申请",
    "rs",
    t="07",
    k="2",
    s=20,
    p=10,
    o=["1", "2"],
    th=["社会保障"],
    basis="《中华人民共和国社会保险法》第十六条；《国务院关于渐进式延迟法定退休年龄的办法》",
    cond="达到法定退休年龄且累计缴费满规定年限的参保人员（按渐进式延迟退休规定确定）。",
    mats=["id_card", "personnel_file", "bank_account"],
    res=[("基本养老金核定表", "30")],
    form=[*PERSON, "applicant.birth_date:出生日期", "applicant.employer:参保单位:100"],
    online=ONLINE_ONCE,
    scope="全国",
)
M["personnel_file"] = ("职工档案", "1", "1", "other", "档案保管单位", "")
item(
    "创业担保贷款申请",
    "rs",
    t="20",
    k="2",
    s=15,
    p=10,
    o=["1", "2"],
    th=["就业创业"],
    basis="《财政部 人力资源社会保障部 中国人民银行关于进一步加大创业担保贷款贴息力度全力支持重点群体创业就业的通知》（财金〔2020〕21号）",
    cond="符合条件的城镇登记失业人员、高校毕业生、退役军人等创业人员及小微企业。",
    mats=["application_form", "id_card", "business_license", "business_plan"],
    res=[("创业担保贷款审核意见", "20")],
    form=[
        *PERSON,
        "enterprise.name:创业实体名称:100",
        "application.reason:贷款用途:500",
        "?enterprise.employee_count:带动就业人数",
    ],
    online=ONLINE_ONCE,
    scope="市内",
)
M["business_plan"] = ("创业计划书", "1", "3", "applicant", "", "")
item(
    "职工参保登记",
    "rs",
    t="20",
    k="1",
    s=5,
    p=1,
    o=["2", "3", "6"],
    th=["社会保障", "就业创业"],
    basis="《中华人民共和国社会保险法》第五十八条",
    cond="用人单位自用工之日起30日内为其职工申请办理社会保险登记。",
    mats=["labor_contract", "employee_id"],
    res=[("职工参保登记信息", "30")],
    form=[
        "enterprise.name:参保单位名称:100",
        "enterprise.uscc:统一社会信用代码",
        "employee.name:职工姓名",
        "employee.id_number:职工身份证号码",
        "application.date:参保日期",
    ],
    online=ONLINE_FULL,
    scope="省内",
)
item(
    "人力资源服务许可",
    "rs",
    t="01",
    k="2",
    s=20,
    p=10,
    o=["2"],
    th=["就业创业", "市场准入"],
    basis="《人力资源市场暂行条例》第十八条；《人力资源服务机构管理规定》",
    cond="有明确的业务范围、管理制度和与开展业务相适应的办公场所，有取得相应资格的专职工作人员。",
    mats=["application_form", *ENTERPRISE_MATS, "lease", "staff_list"],
    res=[("人力资源服务许可证", "10")],
    form=[*ENTERPRISE, "premises.address:服务场所", "enterprise.business_scope:服务范围:500"],
    com=True,
    online=ONLINE_FULL,
    scope="市内",
    post=True,
)

# ============================ 公积金 =============================================================
item(
    "住房公积金单位缴存登记",
    "gjj",
    t="20",
    k="1",
    s=5,
    p=1,
    o=["2", "3", "6"],
    th=["住房保障", "市场准入"],
    basis="《住房公积金管理条例》第十四条、第十五条",
    cond="新设立的单位自设立之日起30日内办理住房公积金缴存登记。",
    mats=["business_license", "legal_rep_id"],
    res=[("住房公积金缴存登记信息", "30")],
    form=[
        *ENTERPRISE,
        "contact.name:经办人",
        "contact.phone:经办人电话",
        "?enterprise.employee_count:职工人数",
    ],
    online=ONLINE_FULL,
    scope="市内",
)
item(
    "住房公积金提取（购买自住住房）",
    "gjj",
    t="20",
    k="2",
    s=3,
    p=2,
    o=["1"],
    th=["住房保障"],
    basis="《住房公积金管理条例》第二十四条",
    cond="购买、建造、翻建、大修自住住房的职工及其配偶。",
    mats=["id_card", "sale_contract", "property_certificate", "bank_account"],
    res=[("住房公积金提取", "30")],
    form=[
        *PERSON,
        "property.address:房屋坐落",
        "?property.certificate_no:不动产权证书号",
        "?spouse.name:配偶姓名",
        "?spouse.id_number:配偶身份证号码",
    ],
    online=ONLINE_FULL,
    scope="全国",
    halls=[JIANGAN_HALL, HONGSHAN_HALL],
)
item(
    "住房公积金提取（离休、退休）",
    "gjj",
    t="20",
    k="1",
    s=3,
    p=1,
    o=["1"],
    th=["住房保障", "社会保障"],
    basis="《住房公积金管理条例》第二十四条",
    cond="离休、退休的职工。",
    mats=["id_card", "retirement_proof", "bank_account"],
    res=[("住房公积金提取", "30")],
    form=[*PERSON],
    online=ONLINE_FULL,
    scope="全国",
    post=True,
)
M["retirement_proof"] = ("离休、退休证明", "1", "2", "government", "人力资源和社会保障部门", "")
item(
    "住房公积金个人住房贷款",
    "gjj",
    t="20",
    k="2",
    s=15,
    p=10,
    o=["1"],
    th=["住房保障"],
    basis="《住房公积金管理条例》第二十六条",
    cond="连续足额缴存住房公积金6个月以上，购买、建造、翻建、大修自住住房。",
    mats=["application_form", "id_card", "marriage_certificate", "sale_contract", "income_proof"],
    res=[("住房公积金个人住房贷款审批通知", "20")],
    form=[
        *PERSON,
        "property.address:房屋坐落",
        "property.area:建筑面积（平方米）",
        "?spouse.name:配偶姓名",
        "?spouse.id_number:配偶身份证号码",
        "application.remarks:贷款金额及期限:100",
    ],
    online=ONLINE_ONCE,
    scope="都市圈",  # 武汉都市圈住房公积金一体化：缴存、贷款互认
)

# ============================ 税务 ===============================================================
item(
    "发票领用",
    "sw",
    t="10",
    k="1",
    s=5,
    p=1,
    o=["1", "2", "6"],
    th=["税收财务"],
    basis="《中华人民共和国发票管理办法》第十五条",
    cond="已办理涉税信息确认的纳税人。",
    mats=["id_card"],
    res=[("发票（数电发票授信额度）", "30")],
    form=[
        "enterprise.name:纳税人名称:100",
        "enterprise.uscc:纳税人识别号",
        "contact.name:办税人员",
        "contact.phone:办税人员电话",
    ],
    online=ONLINE_FULL,
    scope="全国",
)
item(
    "跨区域涉税事项报告",
    "sw",
    t="10",
    k="1",
    s=1,
    p=1,
    o=["2", "6"],
    th=["税收财务"],
    basis="《国家税务总局关于创新跨区域涉税事项报验管理制度的通知》（税总发〔2017〕103号）",
    cond="纳税人跨省（自治区、直辖市和计划单列市）临时从事生产经营活动。",
    mats=["contract_copy"],
    res=[("跨区域涉税事项报告表", "30")],
    form=[
        "enterprise.name:纳税人名称:100",
        "enterprise.uscc:纳税人识别号",
        "project.name:经营项目名称",
        "project.address:跨区域经营地址",
        "project.start_date:合同有效期起",
        "project.end_date:合同有效期止",
    ],
    online=ONLINE_FULL,
    scope="全国",
)
M["contract_copy"] = ("外出经营合同", "2", "2", "applicant", "", "")
item(
    "增值税一般纳税人登记",
    "sw",
    t="10",
    k="1",
    s=1,
    p=1,
    o=["2", "6"],
    th=["税收财务", "市场准入"],
    basis="《增值税一般纳税人登记管理办法》（国家税务总局令第43号）",
    cond="年应税销售额超过规定标准，或会计核算健全、能够提供准确税务资料的纳税人。",
    mats=["business_license"],
    res=[("增值税一般纳税人登记", "30")],
    form=[
        "enterprise.name:纳税人名称:100",
        "enterprise.uscc:纳税人识别号",
        "legal_rep.name:法定代表人",
        "application.date:一般纳税人资格生效之日",
    ],
    online=ONLINE_FULL,
    scope="全国",
)
item(
    "清税申报（税务注销）",
    "sw",
    t="10",
    k="2",
    s=20,
    p=3,
    o=["2", "6"],
    th=["税收财务", "市场准入"],
    basis="《中华人民共和国税收征收管理法》；《中华人民共和国税收征收管理法实施细则》第十五条",
    cond="纳税人已结清应纳税款、滞纳金、罚款，缴销发票。",
    mats=["application_form", "business_license", "cancel_resolution"],
    res=[("清税证明", "20")],
    form=[
        "enterprise.name:纳税人名称:100",
        "enterprise.uscc:纳税人识别号",
        "legal_rep.name:法定代表人",
        "application.reason:注销原因:500",
    ],
    online=ONLINE_FULL,
    scope="全国",
)
M["cancel_resolution"] = ("注销决议或决定", "1", "3", "applicant", "", "")

# ============================ 政务服务和大数据 ===================================================
item(
    "企业电子印章申领",
    "zwfw",
    t="20",
    k="1",
    s=3,
    p=1,
    o=["2", "3", "4", "6"],
    th=["市场准入"],
    basis="《中华人民共和国电子签名法》；《国务院办公厅关于加快推进电子证照扩大应用领域和全国互通互认的意见》（国办发〔2022〕3号）",
    cond="已取得营业执照的市场主体。",
    mats=["business_license", "legal_rep_id"],
    res=[("电子印章", "10")],
    form=[*ENTERPRISE, "application.remarks:印章类型（公章/财务专用章/合同专用章）:100"],
    online=ONLINE_FULL,
    scope="省内",
)
item(
    "政务数据共享申请",
    "zwfw",
    t="20",
    k="2",
    s=10,
    p=5,
    o=["5"],
    th=["数据共享"],
    basis="《政务信息资源共享管理暂行办法》（国发〔2016〕51号）；《湖北省政务数据资源应用与管理办法》",
    cond="政务部门因履行职责需要使用其他部门的政务数据，有明确的使用依据和用途。",
    mats=["application_form", "usage_basis"],
    res=[("政务数据共享审核意见", "20")],
    form=[
        "applicant.name:申请部门:100",
        "contact.name:联系人",
        "contact.phone:联系电话",
        "application.reason:使用依据及用途:2000",
    ],
    online=ONLINE_FULL,
    scope="市内",
)
M["usage_basis"] = ("数据使用依据及安全保障承诺", "1", "2", "applicant", "", "")

# ============================ 城管 ===============================================================
item(
    "建筑垃圾处置核准",
    "cg",
    t="01",
    k="2",
    s=20,
    p=3,
    o=["2", "6"],
    th=["城市建设"],
    basis="《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）；《城市建筑垃圾管理规定》（建设部令第139号）",
    cond="有建筑垃圾分类处置方案和资源化利用措施，与具备资质的运输单位签订运输合同，消纳场所落实。",
    mats=[
        "application_form",
        *ENTERPRISE_MATS,
        "construction_permit",
        "transport_contract",
        ("disposal_site_proof", {"tolerable": True}),
    ],
    res=[("建筑垃圾处置核准证书", "10")],
    form=[
        *ENTERPRISE,
        "project.name:工程名称",
        "project.address:工程地址",
        "project.volume:建筑垃圾数量（立方米）",
        "project.start_date:处置开始日期",
        "project.end_date:处置结束日期",
    ],
    tol=True,
    online=ONLINE_ONCE,
    scope="市内",
)
item(
    "夜间建筑施工许可",
    "cg",
    t="01",
    k="1",
    s=20,
    p=1,
    o=["2", "6"],
    th=["城市建设", "环境保护"],
    basis="《中华人民共和国噪声污染防治法》第四十三条；《武汉市环境噪声污染防治管理办法》",
    cond="因生产工艺要求或者其他特殊需要必须在夜间（22时至次日6时）连续施工作业。",
    mats=[
        "application_form",
        "business_license",
        "construction_permit",
        "night_work_reason",
        "noise_plan",
        "resident_notice",
    ],
    res=[("夜间施工许可证明", "20")],
    form=[
        *ENTERPRISE,
        "project.name:工程名称",
        "project.address:施工地点",
        "project.start_date:夜间施工开始日期",
        "project.end_date:夜间施工结束日期",
        "project.description:夜间施工内容及工艺要求:1000",
    ],
    online=ONLINE_FULL,
    scope="市内",
)
item(
    "设置大型户外广告审批",
    "cg",
    t="01",
    k="2",
    s=20,
    p=5,
    o=["1", "2", "6"],
    th=["城市建设"],
    basis="《城市市容和环境卫生管理条例》第十一条；《武汉市户外广告设置管理办法》",
    cond="设置地点符合户外广告设置规划，设施结构安全，不影响市容和交通安全。",
    mats=["application_form", *ENTERPRISE_MATS, "design_drawings", "lease"],
    res=[("户外广告设置许可决定书", "20")],
    form=[
        *ENTERPRISE,
        "project.address:设置地点",
        "project.description:广告规格、形式及内容:1000",
        "project.start_date:设置期限起",
        "project.end_date:设置期限止",
    ],
    sp=[{"kind": "2", "name": "听证", "basis": "《中华人民共和国行政许可法》第四十六条、第四十七条"}],
    online=ONLINE_ONCE,
    scope="市内",
)
item(
    "占用、挖掘城市道路审批",
    "cg",
    t="01",
    k="2",
    s=20,
    p=5,
    o=["1", "2", "6"],
    th=["城市建设", "交通出行"],
    basis="《城市道路管理条例》第二十九条至第三十三条",
    cond="因特殊情况确需临时占用或挖掘城市道路，有施工方案和交通疏导方案。",
    mats=["application_form", *ENTERPRISE_MATS, "design_drawings", "traffic_plan"],
    res=[("占用挖掘城市道路许可决定书", "20")],
    form=[
        *ENTERPRISE,
        "project.address:占挖地点",
        "project.start_date:开始日期",
        "project.end_date:结束日期",
        "project.description:占挖面积及用途:500",
    ],
    online=ONLINE_ONCE,
    scope="市内",
)
M["traffic_plan"] = ("交通疏导方案", "1", "3", "applicant", "", "")

# ============================ 自然资源和城乡建设 =================================================
item(
    "建设工程规划许可证核发",
    "zrzy",
    t="01",
    k="2",
    s=20,
    p=10,
    o=["2", "3", "6"],
    th=["城市建设"],
    basis="《中华人民共和国城乡规划法》第四十条",
    cond="建设用地权属明确，建设工程设计方案符合控制性详细规划和规划条件。",
    mats=["application_form", *ENTERPRISE_MATS, "land_certificate", "design_drawings", "project_approval"],
    res=[("建设工程规划许可证", "10")],
    form=[
        *ENTERPRISE,
        "project.name:建设项目名称",
        "project.address:建设位置",
        "property.area:建设规模（平方米）",
    ],
    sp=[
        {
            "kind": "2",
            "name": "听证",
            "basis": "《中华人民共和国行政许可法》第四十六条；《中华人民共和国城乡规划法》第五十条",
        },
        sp("专家评审", "《中华人民共和国城乡规划法》"),
        EXTEND,
    ],
    online=ONLINE_ONCE,
    scope="市内",
)
item(
    "建设用地规划许可证核发",
    "zrzy",
    t="01",
    k="2",
    s=20,
    p=5,
    o=["2", "3", "6"],
    th=["城市建设"],
    basis="《中华人民共和国城乡规划法》第三十七条、第三十八条",
    cond="以划拨或出让方式取得国有土地使用权的建设项目，符合规划条件。",
    mats=["application_form", *ENTERPRISE_MATS, "project_approval", "land_certificate"],
    res=[("建设用地规划许可证", "10")],
    form=[
        *ENTERPRISE,
        "project.name:建设项目名称",
        "project.address:用地位置",
        "property.area:用地面积（平方米）",
    ],
    online=ONLINE_ONCE,
    scope="市内",
)
item(
    "建筑工程施工许可证核发",
    "zrzy",
    t="01",
    k="2",
    s=7,  # 《建筑法》第八条（2019年修正）：自收到申请之日起七日内颁发
    p=3,
    o=["2", "3", "6"],
    th=["城市建设"],
    basis="《中华人民共和国建筑法》第七条、第八条；《建筑工程施工许可管理办法》",
    cond="已办理用地和规划许可，施工图审查合格，施工企业已确定，有保证工程质量和安全的具体措施。",
    mats=["application_form", *ENTERPRISE_MATS, "land_certificate", "design_drawings", "commitment_letter"],
    res=[("建筑工程施工许可证", "10")],
    form=[
        *ENTERPRISE,
        "project.name:工程名称",
        "project.address:建设地址",
        "property.area:建筑面积（平方米）",
        "project.start_date:计划开工日期",
        "project.end_date:计划竣工日期",
    ],
    com=True,
    online=ONLINE_FULL,
    scope="市内",
)

# ============================ 不动产登记 =========================================================
RE_BASIS = "《中华人民共和国民法典》第二百零九条至第二百二十三条；《不动产登记暂行条例》第十四条、第二十条"
RE_FORM = [
    "rights_holder.name:权利人",
    "rights_holder.id_number:权利人身份证号码",
    "rights_holder.phone:联系电话",
    "property.address:不动产坐落",
    "property.unit_no:不动产单元号",
    "property.area:面积（平方米）",
    "property.usage:用途",
    "?agent.name:代理人姓名",
    "?agent.id_number:代理人身份证号码",
]
RE_FEE = [
    {
        "name": "不动产登记费",
        "standard": "住宅80元/件；非住宅550元/件",
        "waivable": True,
        "basis": "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
    }
]
re = item(
    "不动产登记",
    "bdc",
    t="07",
    k="2",
    s=30,
    p=5,
    o=["1", "2", "3", "4", "6"],
    th=["不动产", "住房保障"],
    basis=RE_BASIS,
    cond="申请登记的不动产权属清楚、界址清晰、面积准确，申请材料齐全、符合法定形式。",
    mats=["application_form", "id_card", "property_certificate", ("authorization", {"required": False})],
    res=[("不动产权证书", "10"), ("不动产登记证明", "10")],
    fees=RE_FEE,
    form=RE_FORM,
    sp=[
        {
            "kind": "2",
            "name": "公告",
            "basis": "《不动产登记暂行条例实施细则》第十七条（首次登记、依职权更正登记和注销登记）",
        }
    ],
    online=ONLINE_ONCE,
    scope="市内",
    halls=[JIANGAN_HALL, HONGSHAN_HALL],
)
re["children"] = [
    {
        "name": "不动产首次登记",
        "node_kind": "sub",
        "p": 5,
        "res": [("不动产权证书", "10")],
        "mats": ["application_form", "id_card", "land_certificate", "completion_acceptance", "survey_report"],
    },
    {
        "name": "不动产转移登记",
        "node_kind": "sub",
        "p": 1,
        "res": [("不动产权证书", "10")],
        "mats": [
            "application_form",
            "id_card",
            "property_certificate",
            "sale_contract",
            "tax_certificate",
            ("marriage_certificate", {"required": False}),
        ],
        "form": [*RE_FORM, "property.certificate_no:原不动产权证书号"],
        "sp": [],  # 实施细则§17: 公告 only for 首次登记 and 依职权 更正/注销登记
    },
    {
        "name": "不动产抵押登记",
        "node_kind": "sub",
        "p": 1,
        "res": [("不动产登记证明", "10")],
        "mats": ["application_form", "id_card", "property_certificate", "mortgage_contract"],
        "form": [
            *RE_FORM,
            "property.certificate_no:不动产权证书号",
            "application.remarks:抵押权人及被担保债权数额:200",
        ],
        "sp": [],
    },
]

# ============================ 民政 ===============================================================
# 婚姻登记 (《婚姻登记条例》 as revised by 国务院令第804号, in force 2025-05-10): the registrar is the
# county-level 民政 department (here the districts' 婚姻登记处), registration is 全国通办 (either
# party's place of household registration or habitual residence), the parties present their ID
# card and — for marriage — the signed statement, for divorce the 结婚证; no 户口簿. The items keep
# their implementation codes (the city 民政局's catalogue entries), exercised at county level.
MARRIAGE_BASIS = "《婚姻登记条例》（2025年国务院令第804号修订）"
MARRIAGE_REGISTRARS = {
    "levels": ["4"],
    "registrars": [JIANGAN_HALL, HONGSHAN_HALL],
    "registrar": "各区民政局婚姻登记处",
    "present": True,
}
MARRIAGE_ID = ("id_card", {"name": "双方当事人的居民身份证", "notes": "本人居民身份证原件，登记时当场核验"})
MARRIAGE_FORM = [
    "applicant.name:男方姓名",
    "applicant.id_number:男方身份证号码",
    "spouse.name:女方姓名",
    "spouse.id_number:女方身份证号码",
    "applicant.phone:联系电话",
]
item(
    "内地居民结婚登记",
    "mz",
    t="07",
    k="1",
    s=1,
    p=1,
    o=["1"],
    th=["婚姻登记"],
    basis=f"《中华人民共和国民法典》第一千零四十九条；{MARRIAGE_BASIS}",
    cond="男女双方完全自愿，男年满二十二周岁、女年满二十周岁，双方均无配偶且无禁止结婚的亲属关系；"
    "双方共同到任一方常住户口所在地或者经常居住地的婚姻登记机关申请。",
    mats=[
        MARRIAGE_ID,
        "single_declaration",
        ("photo", {"required": False, "notes": "双方近期半身免冠合影照片，可在婚姻登记处现场拍摄"}),
    ],
    res=[("结婚证", "10")],
    form=MARRIAGE_FORM,
    online={**ONLINE_ONCE, "online_depth": ["1", "2", "3"], "online_grade": "Ⅱ"},
    scope="全国",
    **MARRIAGE_REGISTRARS,
)
M["single_declaration"] = (
    "本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明",
    "1",
    "1",
    "applicant",
    "",
    "",
)
# 离婚 is no 即办件: 《民法典》§1077 gives 30 days (calendar days) from the application in which
# either party may withdraw (离婚冷静期), then 30 days in which both must come back to ask for the
# 离婚证, or the application lapses. The whole procedure takes up to 60 calendar days (at most 44
# working days), so the promised 45 working days cover it: a case waiting as the law says is never
# overdue. The statutory 60 is the law's 30 + 30 days.
DIVORCE_CALENDAR_DAYS = 60
item(
    "内地居民离婚登记",
    "mz",
    t="07",
    k="2",
    s=60,
    p=45,
    o=["1"],
    th=["婚姻登记"],
    basis=f"《中华人民共和国民法典》第一千零七十六条至第一千零七十八条；{MARRIAGE_BASIS}",
    cond="双方自愿离婚并对子女抚养、财产及债务处理达成一致，共同到婚姻登记机关申请；自婚姻登记机关收到申请之日起"
    "三十日内任何一方可以撤回；期限届满后三十日内双方共同到场申请发给离婚证，未申请的视为撤回离婚登记申请。",
    mats=[MARRIAGE_ID, ("marriage_certificate", {"name": "本人的结婚证"}), "divorce_agreement"],
    res=[("离婚证", "10")],
    cooling=(30, 30),  # 《民法典》§1077: 30 days to withdraw, then 30 days to confirm (calendar days)
    form=[*MARRIAGE_FORM, "application.remarks:离婚协议要点:2000"],
    # no declared special procedure: the cooling-off period is the real procedure above
    online={**ONLINE_ONCE, "online_depth": ["1", "2"], "online_grade": "Ⅰ"},
    scope="全国",
    **MARRIAGE_REGISTRARS,
)
M["divorce_agreement"] = ("离婚协议书", "1", "1", "applicant", "", "")
item(
    "补领婚姻登记证",
    "mz",
    t="07",
    k="1",
    s=1,
    p=1,
    o=["1"],
    th=["婚姻登记"],
    basis=MARRIAGE_BASIS,
    cond="结婚证、离婚证遗失或损毁，可申请补领。",
    mats=["id_card", "photo"],
    res=[("结婚证（补）", "10")],
    form=[*MARRIAGE_FORM, "application.reason:补领原因:200"],
    online=ONLINE_ONCE,
    scope="全国",
    **MARRIAGE_REGISTRARS,
)
item(
    "收养登记",
    "mz",
    t="07",
    k="2",
    s=30,
    p=20,
    o=["1"],
    th=["生育收养"],
    basis="《中华人民共和国民法典》第一千一百零五条；《中国公民收养子女登记办法》",
    cond="收养人和被收养人符合民法典规定的条件，送养人同意送养。",
    mats=[
        "application_form",
        "id_card",
        "household_register",
        "physical_exam",
        "income_proof",
        ("relationship_proof", {"name": "送养人同意送养的证明"}),
    ],
    res=[("收养登记证", "10")],
    form=[
        *PERSON,
        "?spouse.name:配偶姓名",
        "?spouse.id_number:配偶身份证号码",
        "child.name:被收养人姓名",
        "child.gender:被收养人性别",
        "child.birth_date:被收养人出生日期",
    ],
    sp=[{"kind": "2", "name": "公告", "basis": "《中国公民收养子女登记办法》第七条"}],
    online=ONLINE_ONCE,
    scope="无",
    present=True,
)
item(
    "社会团体成立登记",
    "mz",
    t="01",
    k="2",
    s=60,
    p=20,
    o=["4"],
    th=["社会组织"],
    basis="《社会团体登记管理条例》第十条、第十一条",
    cond="有50个以上个人会员或30个以上单位会员，有规范的名称、组织机构、固定住所和合法资产。",
    mats=["application_form", "articles", "capital_proof", "lease", "sponsor_approval"],
    res=[("社会团体法人登记证书", "10")],
    form=[
        "applicant.name:社会团体名称:100",
        "legal_rep.name:拟任法定代表人",
        "legal_rep.id_number:法定代表人身份证号码",
        "legal_rep.phone:联系电话",
        "applicant.registered_address:住所",
        "applicant.registered_capital:注册资金（万元）",
        "applicant.business_scope:业务范围:1000",
    ],
    online=ONLINE_ONCE,
    scope="市内",
    post=True,
)
M["sponsor_approval"] = ("业务主管单位批准文件", "1", "3", "government", "业务主管单位", "")
item(
    "民办非企业单位成立登记",
    "mz",
    t="01",
    k="2",
    s=60,
    p=20,
    o=["4"],
    th=["社会组织"],
    basis="《民办非企业单位登记管理暂行条例》第八条、第十一条",
    cond="有与业务活动相适应的合法财产、组织机构、场所和从业人员。",
    mats=["application_form", "articles", "capital_proof", "lease", "sponsor_approval"],
    res=[("民办非企业单位（法人）登记证书", "10")],
    form=[
        "applicant.name:单位名称:100",
        "legal_rep.name:法定代表人",
        "legal_rep.id_number:法定代表人身份证号码",
        "legal_rep.phone:联系电话",
        "applicant.registered_address:住所",
        "applicant.business_scope:业务范围:1000",
    ],
    online=ONLINE_ONCE,
    scope="市内",
    post=True,
)

# ============================ 水务、消防、生态环境 ===============================================
item(
    "城镇污水排入排水管网许可",
    "sw2",
    t="01",
    k="2",
    s=15,
    p=5,
    o=["2", "6"],
    th=["城市建设", "环境保护", "市场准入"],
    basis="《城镇排水与污水处理条例》第二十一条；《城镇污水排入排水管网许可管理办法》",
    cond="排放口设置、预处理设施和排水水质符合国家和地方标准。",
    mats=[
        "application_form",
        *ENTERPRISE_MATS,
        "site_plan",
        ("drain_water_report", {"tolerable": True}),
        ("commitment_letter", {"required": False}),
    ],
    res=[("城镇污水排入排水管网许可证", "10")],
    form=[
        *ENTERPRISE,
        "premises.address:排水户地址",
        "premises.category:排水户类型（餐饮/洗涤/医疗等）",
        "?project.volume:日排水量（立方米）",
    ],
    tol=True,
    com=True,
    sp=[sp("检测", "《城镇污水排入排水管网许可管理办法》")],
    online=ONLINE_FULL,
    scope="市内",
)
item(
    "取水许可",
    "sw2",
    t="01",
    k="2",
    s=45,
    p=20,
    o=["2", "3", "6"],
    th=["城市建设", "环境保护"],
    basis="《中华人民共和国水法》第四十八条；《取水许可和水资源费征收管理条例》",
    cond="取水符合水资源规划和用水总量控制指标，已编制建设项目水资源论证报告。",
    mats=["application_form", *ENTERPRISE_MATS, "water_assessment"],
    res=[("取水许可证", "10")],
    form=[
        *ENTERPRISE,
        "project.address:取水地点",
        "project.volume:年取水量（立方米）",
        "application.reason:取水用途:500",
    ],
    sp=[sp("专家评审", "《取水许可和水资源费征收管理条例》"), EXTEND],
    online=ONLINE_ONCE,
    scope="无",
)
M["water_assessment"] = ("建设项目水资源论证报告书", "1", "3", "other", "论证编制单位", "")
item(
    "公众聚集场所投入使用、营业前消防安全检查",
    "xf",
    t="01",
    k="1",
    s=10,
    p=1,
    o=["2", "6"],
    th=["市场准入", "城市建设"],
    basis="《中华人民共和国消防法》第十五条；《公众聚集场所投入使用、营业前消防安全检查规则》",
    cond="场所消防设施、疏散通道等符合消防技术标准；采用告知承诺方式的，作出承诺后当场办理。",
    mats=["application_form", *ENTERPRISE_MATS, "commitment_letter", "fire_plan", "lease"],
    res=[("公众聚集场所投入使用、营业前消防安全检查合格证", "10")],
    form=[
        *ENTERPRISE,
        "premises.address:场所地址",
        "premises.area:建筑面积（平方米）",
        "premises.category:场所类别",
        "?premises.seats:容纳人数",
    ],
    com=True,
    online=ONLINE_FULL,
    scope="市内",
)
item(
    "建设项目环境影响报告书审批",
    "sthj",
    t="01",
    k="2",
    s=60,
    p=20,
    o=["2", "3", "6"],
    th=["环境保护", "城市建设"],
    basis="《中华人民共和国环境影响评价法》第二十二条；《建设项目环境保护管理条例》",
    cond="建设项目类型及其选址、布局、规模符合环境保护法律法规和相关规划。",
    mats=["application_form", *ENTERPRISE_MATS, "eia_report", "project_approval"],
    res=[("环境影响报告书批复", "20")],
    form=[
        *ENTERPRISE,
        "project.name:建设项目名称",
        "project.address:建设地点",
        "project.description:项目概况:2000",
    ],
    sp=[
        sp("专家评审", "《中华人民共和国环境影响评价法》"),
        {
            "kind": "2",
            "name": "听证",
            "basis": "《中华人民共和国行政许可法》第四十六条；《环境影响评价公众参与办法》",
        },
        EXTEND,
    ],
    online=ONLINE_ONCE,
    scope="无",
)
item(
    "排污许可",
    "sthj",
    t="01",
    k="2",
    s=20,
    p=10,
    o=["2", "3", "6"],
    th=["环境保护"],
    basis="《排污许可管理条例》第二条、第十条",
    cond="依法取得建设项目环评批复，污染防治设施和自行监测方案符合要求。",
    mats=["application_form", *ENTERPRISE_MATS, "eia_approval", "monitoring_plan"],
    res=[("排污许可证", "10")],
    form=[*ENTERPRISE, "premises.address:生产经营场所地址", "enterprise.business_scope:主要污染物种类:500"],
    online=ONLINE_FULL,
    scope="无",
)
M["eia_approval"] = ("环境影响评价批复文件", "2", "2", "government", "生态环境部门", "")
M["monitoring_plan"] = ("自行监测方案", "1", "3", "applicant", "", "")

# ============================ 交通、教育、住房、文旅 =============================================
item(
    "道路旅客运输经营许可",
    "jt",
    t="01",
    k="2",
    s=20,
    p=10,
    o=["2"],
    th=["交通出行", "市场准入"],
    basis="《中华人民共和国道路运输条例》第八条、第十条；《道路旅客运输及客运站管理规定》",
    cond="有与其经营业务相适应并经检测合格的车辆，符合条件的驾驶人员，健全的安全生产管理制度。",
    mats=["application_form", *ENTERPRISE_MATS, "vehicle_docs", "driving_license", "safety_system"],
    res=[("道路运输经营许可证", "10")],
    form=[*ENTERPRISE, "enterprise.business_scope:申请经营范围:500", "?enterprise.employee_count:驾驶人员数"],
    online=ONLINE_ONCE,
    scope="无",
)
item(
    "网络预约出租汽车驾驶员证核发",
    "jt",
    t="01",
    k="2",
    s=20,
    p=5,
    o=["1"],
    th=["交通出行", "就业创业"],
    basis="《网络预约出租汽车经营服务管理暂行办法》第十四条、第十五条",
    cond="取得相应准驾车型机动车驾驶证并具有3年以上驾驶经历，无交通肇事犯罪等记录，考试合格。",
    mats=["application_form", "id_card", "driving_license", "photo"],
    res=[("网络预约出租汽车驾驶员证", "10")],
    form=[*PERSON, "applicant.address:居住地址"],
    online=ONLINE_FULL,
    scope="市内",
)
item(
    "道路货物运输经营许可",
    "jt",
    t="01",
    k="2",
    s=20,
    p=5,
    o=["1", "2"],
    th=["交通出行", "市场准入"],
    basis="《中华人民共和国道路运输条例》第二十一条、第二十四条",
    cond="有与其经营业务相适应并经检测合格的车辆和符合条件的驾驶人员，有健全的安全生产管理制度。",
    mats=["application_form", "id_card", "vehicle_docs", "driving_license"],
    res=[("道路运输经营许可证", "10")],
    form=[*PERSON, "enterprise.name:经营者名称:100", "application.remarks:拟投入车辆情况:500"],
    com=True,
    online=ONLINE_FULL,
    scope="无",
)
item(
    "民办学校办学许可",
    "jy",
    t="01",
    k="2",
    s=60,
    p=30,
    o=["3", "4"],
    th=["教育科研"],
    basis="《中华人民共和国民办教育促进法》第十二条、第十六条；《中华人民共和国民办教育促进法实施条例》",
    cond="具有符合规定的举办者、章程、校长和师资、办学场所及资产。",
    mats=["application_form", "articles", "capital_proof", "school_docs"],
    res=[("民办学校办学许可证", "10")],
    form=[
        "applicant.name:学校名称:100",
        "legal_rep.name:拟任校长",
        "legal_rep.id_number:校长身份证号码",
        "legal_rep.phone:联系电话",
        "premises.address:办学地址",
        "applicant.business_scope:办学层次及类别:500",
    ],
    sp=[sp("专家评审", "《中华人民共和国民办教育促进法实施条例》"), EXTEND],
    online=ONLINE_ONCE,
    scope="无",
)
item(
    "教师资格认定",
    "jy",
    t="07",
    k="2",
    s=30,
    p=20,
    o=["1"],
    th=["教育科研", "就业创业"],
    basis="《中华人民共和国教师法》第十条至第十三条；《教师资格条例》",
    cond="具备规定学历，通过教师资格考试，普通话水平达到规定等级，身体条件符合要求。",
    mats=["application_form", "id_card", "physical_exam", "qualification", "photo"],
    res=[("教师资格证书", "10")],
    form=[*PERSON, "application.remarks:认定的教师资格种类及任教学科:100"],
    online=ONLINE_FULL,
    scope="全国",
    post=True,
)
item(
    "商品房预售许可",
    "zf",
    t="01",
    k="2",
    s=10,
    p=5,
    o=["2"],
    th=["住房保障", "城市建设"],
    basis="《中华人民共和国城市房地产管理法》第四十五条；《城市商品房预售管理办法》第七条",
    cond="已交付全部土地使用权出让金，取得规划和施工许可，投入开发建设的资金达到工程建设总投资的25%以上。",
    mats=["application_form", *ENTERPRISE_MATS, "construction_permit", "land_certificate", "capital_proof"],
    res=[("商品房预售许可证", "10")],
    form=[
        *ENTERPRISE,
        "project.name:项目名称",
        "project.address:项目坐落",
        "property.area:预售面积（平方米）",
    ],
    online=ONLINE_ONCE,
    scope="无",
)
item(
    "公共租赁住房申请",
    "zf",
    t="20",
    k="2",
    s=30,
    p=20,
    o=["1"],
    th=["住房保障"],
    basis="《公共租赁住房管理办法》（住房和城乡建设部令第11号）",
    cond="在本市无住房或住房面积低于规定标准，收入、财产低于规定标准的城镇中等偏下收入住房困难家庭、新就业无房职工等。",
    mats=[
        "application_form",
        "id_card",
        "household_register",
        "income_proof",
        ("labor_contract", {"required": False}),
    ],
    res=[("公共租赁住房资格确认", "30")],
    form=[
        *PERSON,
        "applicant.address:现居住地址",
        "?spouse.name:配偶姓名",
        "?spouse.id_number:配偶身份证号码",
        "?applicant.employer:工作单位",
    ],
    sp=[{"kind": "2", "name": "公示", "basis": "《公共租赁住房管理办法》第十一条"}],
    online=ONLINE_FULL,
    scope="市内",
)
item(
    "娱乐场所经营活动审批",
    "wl",
    t="01",
    k="2",
    s=20,
    p=10,
    o=["1", "2"],
    th=["文化旅游", "市场准入"],
    basis="《娱乐场所管理条例》第九条；《娱乐场所管理办法》",
    cond="场所设置符合条例规定，与学校等保持规定距离，有相应的安全和消防设施。",
    mats=["application_form", *ENTERPRISE_MATS, "site_plan", "lease"],
    res=[("娱乐经营许可证", "10")],
    form=[
        *ENTERPRISE,
        "premises.address:经营场所",
        "premises.area:使用面积（平方米）",
        "premises.category:娱乐场所类型",
    ],
    sp=[
        {
            "kind": "2",
            "name": "听证",
            "basis": "《娱乐场所管理条例》第九条；《中华人民共和国行政许可法》第四十六条",
        }
    ],
    online=ONLINE_ONCE,
    scope="市内",
)
item(
    "旅行社设立许可",
    "wl",
    t="01",
    k="2",
    s=20,
    p=10,
    o=["2"],
    th=["文化旅游", "市场准入"],
    basis="《旅行社条例》第六条、第七条",
    cond="取得企业法人资格并且注册资本不少于30万元。",
    mats=["application_form", *ENTERPRISE_MATS, "lease", "staff_list"],
    res=[("旅行社业务经营许可证", "10")],
    form=[*ENTERPRISE, "premises.address:经营场所", "enterprise.registered_capital:注册资本（万元）"],
    com=True,
    online=ONLINE_FULL,
    scope="市内",
    post=True,
)

# ============================ 区级 ===============================================================
for prefix in ("ja", "hs"):
    district = "江岸区" if prefix == "ja" else "洪山区"
    item(
        "个体工商户设立登记",
        f"{prefix}_scjg",
        t="01",
        k="1",
        s=3,
        p=1,
        o=["1"],
        th=["市场准入", "就业创业"],
        basis=f"《促进个体工商户发展条例》；{REG_BASIS}",
        cond="有经营能力的自然人；有固定经营场所；经营范围不属于法律、行政法规禁止的项目。",
        mats=["application_form", *PERSON_MATS, "lease"],
        res=[("营业执照", "10")],
        form=[
            *PERSON,
            "enterprise.name:个体工商户名称:60",
            "premises.address:经营场所",
            "enterprise.business_scope:经营范围:500",
        ],
        online=ONLINE_FULL,
        scope="全国",
    )
    item(
        "食品经营许可",
        f"{prefix}_scjg",
        t="01",
        k="2",
        s=10,
        p=3,
        o=["1", "2", "6"],
        th=["市场准入", "医疗卫生"],
        basis=FOOD_BASIS,
        cond="具有与经营的食品品种、数量相适应的经营场所、设备设施、食品安全管理人员和管理制度。",
        mats=FOOD_MATS,
        res=[("食品经营许可证", "10")],
        form=FOOD_FORM,
        tol=True,
        com=True,
        online=ONLINE_ONCE,
        scope="市内",
    )
    item(
        "公共场所卫生许可",
        f"{prefix}_xzsp",
        t="01",
        k="2",
        s=20,
        p=3,
        o=["1", "2", "6"],
        th=["市场准入", "医疗卫生"],
        basis="《公共场所卫生管理条例》第八条；《公共场所卫生管理条例实施细则》第二十二条",
        cond=f"在{district}辖区内经营住宿、沐浴、美容美发等公共场所。",
        mats=[
            "application_form",
            *ENTERPRISE_MATS,
            "site_plan",
            ("hygiene_report", {"tolerable": True}),
            "commitment_letter",
        ],
        res=[("公共场所卫生许可证", "10")],
        form=[
            *ENTERPRISE,
            "premises.address:场所地址",
            "premises.area:营业面积（平方米）",
            "premises.category:经营项目",
        ],
        tol=True,
        com=True,
        online=ONLINE_ONCE,
        scope="市内",
    )
    item(
        "最低生活保障审核确认",
        f"{prefix}_mz",
        t="05",
        k="2",
        s=30,
        p=20,
        o=["1"],
        th=["社会救助", "社会保障"],
        basis="《社会救助暂行办法》第九条至第十一条；《湖北省最低生活保障审核确认办法》",
        cond=f"{district}户籍，家庭人均收入低于当地最低生活保障标准且财产符合规定的家庭。",
        mats=["application_form", "id_card", "household_register", "income_proof"],
        res=[("最低生活保障金", "30")],
        form=[
            *PERSON,
            "applicant.household_address:户籍地址",
            "applicant.address:现居住地址",
            "application.reason:申请理由（家庭困难情况）:2000",
        ],
        sp=[{"kind": "2", "name": "入户调查及公示", "basis": "《社会救助暂行办法》第十一条"}],
        online=ONLINE_FULL,
        scope="市内",
    )
    item(
        "高龄津贴申领",
        f"{prefix}_mz",
        t="05",
        k="1",
        s=20,
        p=1,
        o=["1"],
        th=["社会保障", "社会救助"],
        basis="《中华人民共和国老年人权益保障法》；《湖北省实施〈中华人民共和国老年人权益保障法〉办法》",
        cond=f"{district}户籍、年满80周岁的老年人。",
        mats=["id_card", "bank_account"],
        res=[("高龄津贴", "30")],
        form=[*PERSON, "applicant.birth_date:出生日期", "applicant.household_address:户籍地址", *AGENT],
        online=ONLINE_FULL,
        scope="市内",
    )
item(
    "诊所备案",
    "ja_wj",
    t="10",
    k="1",
    s=5,
    p=1,
    o=["1", "2"],
    th=["医疗卫生", "市场准入"],
    basis="《医疗机构管理条例》第十六条；《诊所备案管理暂行办法》",
    cond="诊所符合诊所基本标准，主要负责人具有相应执业资格。",
    mats=["application_form", "id_card", "lease", "site_plan", "qualification"],
    res=[("诊所备案凭证", "10")],
    form=[
        *PERSON,
        "enterprise.name:诊所名称:100",
        "premises.address:诊所地址",
        "enterprise.business_scope:诊疗科目:300",
    ],
    online=ONLINE_ONCE,
    scope="无",
)
item(
    "特困人员救助供养审核确认",
    "ja_mz",
    t="05",
    k="2",
    s=30,
    p=20,
    o=["1"],
    th=["社会救助"],
    basis="《社会救助暂行办法》第十四条；《特困人员认定办法》",
    cond="无劳动能力、无生活来源、无法定赡养抚养扶养义务人或其义务人无履行能力的老年人、残疾人及未成年人。",
    mats=["application_form", "id_card", "household_register", "income_proof"],
    res=[("特困人员救助供养证", "10")],
    form=[*PERSON, "applicant.household_address:户籍地址", "application.reason:申请理由:2000", *AGENT],
    online=ONLINE_ONCE,
    scope="市内",
)
item(
    "失业人员一次性创业补贴申领",
    "hs_rs",
    t="05",
    k="2",
    s=20,
    p=10,
    o=["1"],
    th=["就业创业"],
    basis="《湖北省就业创业扶持政策》；《财政部 人力资源社会保障部关于印发〈就业补助资金管理办法〉的通知》",
    cond="在洪山区首次创办小微企业或从事个体经营且正常经营6个月以上的登记失业人员。",
    mats=["id_card", "business_license", "bank_account"],
    res=[("一次性创业补贴", "30")],
    form=[*PERSON, "enterprise.name:创业实体名称:100", "enterprise.uscc:统一社会信用代码"],
    online=ONLINE_FULL,
    scope="市内",
)


# --- expansion to the import format -----------------------------------------------------------
TYPE_PREFIX = {"20": "20", "10": "10"}
COUNTERS: dict[str, int] = {}
BASIC: dict[str, str] = {}


def basic_code(name: str, item_type: str) -> str:
    """12-digit basic code: 2-digit class + 2-digit type + 5-digit main number + 3-digit sub."""
    if name not in BASIC:
        cls = item_type if item_type in ("10", "20") else "00"
        typ = "00" if item_type in ("10", "20") else item_type
        COUNTERS[cls + typ] = COUNTERS.get(cls + typ, 0) + 1
        BASIC[name] = f"{cls}{typ}{COUNTERS[cls + typ] * 7 + 100:05d}000"
    return BASIC[name]


def schema_for(fields: list[str]) -> dict:
    props: dict[str, dict] = {}
    required: list[str] = []
    for spec in fields:
        optional = spec.startswith("?")
        parts = spec.lstrip("?").split(":")
        eid, title = parts[0], parts[1]
        el = ELEMENTS[eid]
        if el["type"] in ("string", "text"):
            limit = el["max_length"]
            if len(parts) > 2:
                limit = min(int(parts[2]), limit) if limit else int(parts[2])
            prop = {"type": "string", "title": title, "maxLength": limit}
            if el["format"]:
                prop["format"] = el["format"]
        elif el["type"] == "integer":
            prop = {"type": "integer", "title": title, "minimum": 0}
        elif el["type"] == "number":
            prop = {"type": "number", "title": title, "minimum": 0}
        elif el["type"] == "date":
            prop = {"type": "string", "format": "date", "title": title}
        elif el["type"] == "enum":
            prop = {"type": "string", "title": title, "enum": list(el["enum"])}
        else:
            prop = {"type": "boolean", "title": title}
        props[eid] = prop
        if not optional:
            required.append(eid)
    return {"type": "object", "required": required, "properties": props}


def materials_for(specs: list, item_name: str) -> list[dict]:
    codes = [s if isinstance(s, str) else s[0] for s in specs]
    # Every guide lists at least three materials: the application form and, for filing through
    # an agent, the power of attorney complete the short ones.
    if len(specs) < 3 and "application_form" not in codes:
        specs = ["application_form", *specs]
    if len(specs) < 3 and "authorization" not in codes:
        specs = [*specs, ("authorization", {"required": False})]
    out = []
    for spec in specs:
        code, over = (spec, {}) if isinstance(spec, str) else spec
        if code == "application_form":
            base = (f"{item_name}申请表", "1", "3", "applicant", "", "可在线填写，由系统生成")
        else:
            base = M[code]
        name, mtype, mform, source, issuer, notes = base
        mat = {
            "code": code,
            "name": over.get("name", name),
            "material_type": mtype,
            "material_form": mform,
            "required": over.get("required", True),
            "copies": 1,
            "source": source,
            "tolerable": over.get("tolerable", False),
        }
        if issuer:
            mat["issuing_department"] = issuer
        if code == "application_form":
            # blank forms and samples are links (http(s) or site paths); the demo ships no files,
            # so it says where to get them instead
            mat["notes"] = f"《{item_name}申请表》可在办理窗口领取，或由系统根据填报内容生成。"
        note = over.get("notes", notes)
        if note:
            mat["notes"] = note
        out.append(mat)
    return out


def expand(spec: dict, *, parent: dict | None = None, position: int = 0) -> list[dict]:
    dept_key = spec["dept"]
    _k, dept_name, _short, _kind, _region, _reg = department(dept_key)
    uscc = department_uscc(dept_key)
    hall = {"420100": CITY_HALL, "420102": JIANGAN_HALL, "420111": HONGSHAN_HALL}[_region]
    halls = [hall, *spec.get("halls", [])]
    item_type = spec["t"]
    node_kind = spec.get("node_kind", "business" if spec.get("business_kind") else "main")
    if parent is None:
        basic = spec.get("basic") or basic_code(spec["name"], item_type)
        code = f"{uscc}{basic}00"
    elif node_kind == "sub":
        basic = parent["basic_code"][:9] + f"{position:03d}"
        code = f"{uscc}{basic}00"
    else:
        basic = parent["basic_code"]
        code = f"{uscc}{basic}{position:02d}"
    online = spec.get("online", ONLINE_ONCE)
    if spec.get("present") and online["visits_required"] < 1:
        raise ValueError(f"{spec['name']}: the person must be present, so at least one visit")
    levels = ["3"] if _region == "420100" else ["4"]
    if dept_key in ("ga", "sw") and parent is None:
        levels = ["3", "4"]
    levels = spec.get("levels", levels)
    window_text = "综合受理窗口" if hall != CITY_HALL else "综合受理窗口或部门窗口"
    locations = f"{hall}（{HALL_ADDRESS[hall]}）{window_text}；网上申请：一网通办平台“{spec['name']}”"
    if spec.get("registrars"):  # exercised below the department's level, at these halls
        halls = list(spec["registrars"])
        hall = halls[0]
        places = "、".join(f"{h}（{HALL_ADDRESS[h]}）" for h in halls)
        locations = (
            f"{spec.get('registrar', '各区登记机关')}：{places}；网上预约：一网通办平台“{spec['name']}”"
        )
    basis = spec["basis"]
    if dept_key.endswith("_xzsp") and RELATIVE_CONCENTRATION not in basis:
        basis = f"{basis}；{RELATIVE_CONCENTRATION}"
    data = {
        "code": code,
        "basic_code": basic,
        "local_code": f"WH{basic}{position:02d}" if parent is not None else f"WH{basic}",
        "department_uscc": uscc,
        "node_kind": node_kind,
        "name": spec["name"],
        "item_type": item_type,
        "service_objects": spec["o"],
        "exercise_levels": levels,
        # every demo item is exercised by law at its department's own level (the districts'
        # 市场监管局 and 行政审批局 included): none was handed down (2 上级下放) or entrusted
        "power_source": "1",
        "legal_basis": basis,
        "conditions": spec["cond"],
        "statutory_limit_days": spec["s"],
        "promised_limit_days": spec["p"],
        "case_kind": spec["k"],
        "handling_forms": handling_forms_for(spec),
        "online_depth": online_depth_for(online["online_depth"], spec["res"]),
        "online_grade": online["online_grade"],
        "visits_required": online["visits_required"],
        "locations": locations,
        "hours": HOURS,
        "consultation": f"窗口咨询：{hall}；电话咨询：{HALL_PHONE[hall]}；网上咨询：一网通办平台“我要咨询”",
        "complaint": f"12345 市民服务热线；{dept_name}政务服务监督；一网通办平台“好差评”",
        "fees": spec.get("fees", []),
        "results": [{"name": n, "type": t} for n, t in spec["res"]],
        "cross_city_scope": spec.get("scope", "市内"),
        "themes": spec["th"],
        "tolerance_acceptance": bool(spec.get("tol", False)),
        "commitment_system": bool(spec.get("com", False)),
        **(
            {"cooling_off_days": spec["cooling"][0], "confirm_days": spec["cooling"][1]}
            if spec.get("cooling")
            else {}
        ),
        "special_procedures": spec.get("sp", []),
        "form_schema": schema_for(spec["form"]),
        "materials": materials_for(spec["mats"], spec["name"]),
        "halls": halls,
    }
    if parent is not None:
        data["parent_code"] = parent["code"]
    if spec.get("business_kind"):
        data["business_kind"] = spec["business_kind"]
    out = [data]
    for i, child in enumerate(spec.get("children", []), start=1):
        merged = {k: v for k, v in spec.items() if k != "children"}
        merged.update(child)
        out.extend(expand(merged, parent=data, position=i))
    return out


# 免提交: materials an e-licence of the demo licence catalogue can stand in for
# (implementation code, material code) → licence type name (licenses/catalogue.py).
LICENCE_LINKS = {
    ("11420100MBG6CMER0R00070010700000", "birth_certificate"): "出生医学证明",  # 出生登记
    ("11420100MBELWH4R2X00010010700001", "business_license"): "营业执照",  # 食品经营许可（新办）
    ("11420100MB22E1M72300010032400000", "business_license"): "营业执照",  # 消防安全检查
    ("11420100MB9LABRB2100010031000000", "business_license"): "营业执照",  # 排水许可
    ("11420100MBCRY92Q2P20000016300000", "business_license"): "营业执照",  # 就业登记
    ("12420100MB1EH2YW1W00070014200200", "property_certificate"): "不动产权证书",  # 不动产转移登记
}


def licence_type_codes() -> dict[str, str]:
    from yiwang.licenses.catalogue import DEMO_TYPES

    return {name: definer[1] + seq for definer, seq, name, *_ in DEMO_TYPES}


def link_licences(items: list[dict]) -> None:
    codes = licence_type_codes()
    for row in items:
        for m in row.get("materials", []):
            name = LICENCE_LINKS.get((row["code"], m["code"]))
            if name:
                m["license_type_code"] = codes[name]


def build() -> list[dict]:
    COUNTERS.clear()
    BASIC.clear()
    out: list[dict] = []
    for spec in ITEMS:
        out.extend(expand(spec))
    link_licences(out)
    return out


def dumps(items: list[dict]) -> str:
    return json.dumps(items, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    OUT.write_text(dumps(build()), encoding="utf-8")


# --- the 一件事 component items, kept in demo/onething_items.py (added to ITEMS here) ------------
from . import onething_items  # noqa: E402

onething_items.register(sys.modules[__name__])

if __name__ == "__main__":
    main()
