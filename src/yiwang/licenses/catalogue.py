"""Demo licence catalogue (证照目录). The definer codes are well-formed 统一社会信用代码 made for
the demo (valid check characters), not the ministries' real codes; a deployment loads its
province's catalogue instead.

Each type lists the face items (照面信息) its national rule prescribes, beyond what every licence
carries anyway (holder and holder code, number, issuer, issue date, validity — GB/T 36903's
common items): `name`, Chinese `title`, `source` (the application form's data element it is filled
from at issuance, or "") and `required` (for 归集 imports; default true — items a record of an
older licence often lacks are optional). Its number rule (`numbering.py`) and the rule the items
come from are named with it."""

from __future__ import annotations

SAMR = ("国家市场监督管理总局", "11100000MB7680141D")
NHC = ("国家卫生健康委员会", "11100000MB24997300")
MCA = ("中华人民共和国民政部", "11100000MB55796137")
MNR = ("中华人民共和国自然资源部", "11100000MB2594287W")
MOHRSS = ("中华人民共和国人力资源和社会保障部", "11100000MB1137383W")
MPS = ("中华人民共和国公安部", "11100000MB7833320P")
MOHURD = ("中华人民共和国住房和城乡建设部", "11100000MB1148007Y")


def _f(name: str, title: str, source: str = "", *, required: bool = False) -> dict:
    return {"name": name, "title": title, "source": source, "required": required}


ADDRESS = {"name": "address", "title": "经营场所", "source": "premises.address"}
LEGAL_REP = _f("legal_representative", "法定代表人（负责人）")

# (definer, sequence, name, validity in months or None = 长期, metadata fields, issued here,
#  number rule (numbering.RULES), the rule that lists the face items)
DEMO_TYPES: list[tuple[tuple[str, str], str, str, int | None, list[dict], bool, str, str]] = [
    (
        SAMR,
        "001",
        "营业执照",
        None,
        [
            {"name": "domicile", "title": "住所", "source": "premises.address"},
            _f("entity_type", "类型"),
            LEGAL_REP,
            _f("registered_capital", "注册资本"),
            _f("established_on", "成立日期"),
            _f("business_scope", "经营范围"),
        ],
        True,
        "uscc",
        "《中华人民共和国市场主体登记管理条例》及其实施细则（营业执照记载事项）",
    ),
    (
        SAMR,
        "002",
        "食品经营许可证",
        60,
        [
            ADDRESS,
            {"name": "area", "title": "经营面积（平方米）", "source": "premises.area", "required": False},
            _f("business_kind", "主体业态"),
            _f("business_items", "经营项目"),
            LEGAL_REP,
            _f("domicile", "住所"),
            _f("complaint_phone", "投诉举报电话"),
            _f("signer", "签发人"),
        ],
        True,
        "food_jy",
        "《食品经营许可和备案管理办法》（市场监管总局令第78号，许可证载明事项与编号规则）",
    ),
    (
        NHC,
        "001",
        "公共场所卫生许可证",
        48,
        [ADDRESS, LEGAL_REP, _f("licensed_items", "许可项目")],
        True,
        "health_public",
        "《公共场所卫生管理条例实施细则》、公共场所卫生许可证式样",
    ),
    (
        NHC,
        "002",
        "生活饮用水供水单位卫生许可证",
        48,
        [
            ADDRESS,
            {"name": "sites", "title": "供水地址（一证多址）", "source": "premises.sites"},
            LEGAL_REP,
            _f("supply_mode", "供水方式"),
            _f("licensed_items", "许可项目"),
        ],
        True,
        "health_water",
        "《生活饮用水卫生监督管理办法》、供水单位卫生许可证式样",
    ),
    (
        NHC,
        "003",
        "出生医学证明",
        None,
        [
            {"name": "birth_place", "title": "出生地点", "source": ""},
            _f("sex", "性别"),
            _f("born_at", "出生时间"),
            _f("gestational_weeks", "出生孕周"),
            _f("birth_weight", "出生体重（克）"),
            _f("birth_length", "出生身长（厘米）"),
            _f("health", "健康状况"),
            _f("mother_name", "母亲姓名"),
            _f("father_name", "父亲姓名"),
            _f("delivery_institution", "接生机构名称"),
        ],
        True,
        "birth",
        "《中华人民共和国母婴保健法》、出生医学证明填写规范（证面项目）",
    ),
    (
        MCA,
        "001",
        "结婚证",
        None,
        [
            {"name": "spouse", "title": "配偶姓名", "source": ""},
            _f("registered_on", "登记日期"),
            _f("registrar", "婚姻登记员"),
            _f("note", "备注"),
        ],
        True,
        "marriage",
        "《婚姻登记条例》（国务院令第804号）、《婚姻登记工作规范》（结婚证字号）",
    ),
    (
        MNR,
        "001",
        "不动产权证书",
        None,
        [
            {"name": "location", "title": "坐落", "source": ""},
            _f("co_ownership", "共有情况"),
            _f("unit_number", "不动产单元号"),
            _f("right_type", "权利类型"),
            _f("right_nature", "权利性质"),
            _f("use", "用途"),
            _f("area", "面积"),
            _f("term", "使用期限"),
            _f("other", "权利其他状况"),
        ],
        True,
        "real_estate",
        "《不动产登记暂行条例》及其实施细则、不动产权证书式样（证书号与记载事项）",
    ),
    (
        MOHRSS,
        "001",
        "社会保障卡",
        120,
        [_f("bank", "金融账户开户银行")],
        True,
        "social_security",
        "《社会保障卡管理办法》、社会保障（个人）卡规范（卡面信息）",
    ),
    (
        MPS,
        "001",
        "居民身份证",
        240,
        [_f("sex", "性别"), _f("ethnicity", "民族"), _f("born_on", "出生日期"), _f("domicile", "住址")],
        False,
        "id_number",
        "《中华人民共和国居民身份证法》（登记项目）",
    ),
    (
        MOHURD,
        "001",
        "建筑垃圾处置核准证书",
        3,
        [ADDRESS, _f("disposal_site", "消纳场所"), _f("vehicles", "运输车辆")],
        True,
        "sequence",
        "《城市建筑垃圾管理规定》（建设部令第139号）",
    ),
]
