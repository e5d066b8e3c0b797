"""The canonical data elements (DESIGN.md §4.2): base elements qualified by the party they are
about. `yiwang sync_elements` (catalog.services.elements_sync) writes them to the registry table
(catalog.DataElement); item form schemas use these ids as property keys."""

from __future__ import annotations

# party id -> Chinese label
PARTIES: dict[str, str] = {
    "applicant": "申请人",
    "agent": "代办人",
    "legal_rep": "法定代表人",
    "contact": "联系人",
    "mother": "母亲",
    "father": "父亲",
    "child": "子女",
    "spouse": "配偶",
    "employee": "职工",
    "subject": "办理对象",
    "rights_holder": "权利人",
    "enterprise": "企业",
    "property": "不动产",
    "premises": "经营场所",
    "project": "项目",
}

# base id -> (label, type, format, validator, max_length, sensitive, mask)
PERSON_BASE: dict[str, tuple] = {
    "name": ("姓名", "string", "", "", 50, False, "name"),
    "id_number": ("公民身份号码", "string", "", "cn.ric", 18, True, "id_number"),
    "phone": ("手机号码", "string", "", "phone", 11, True, "phone"),
    "address": ("住址", "string", "", "", 200, True, "address"),
    "birth_date": ("出生日期", "date", "date", "", None, False, ""),
    "gender": ("性别", "enum", "", "", None, False, ""),
    "ethnicity": ("民族", "string", "", "", 20, False, ""),
    "email": ("电子邮箱", "string", "email", "", 100, True, "email"),
    "postcode": ("邮政编码", "string", "", "postcode", 6, False, ""),
    "relationship": ("与申请人关系", "string", "", "", 20, False, ""),
    "household_address": ("户籍地址", "string", "", "", 200, True, "address"),
    "employer": ("工作单位", "string", "", "", 100, False, ""),
}
ORG_BASE: dict[str, tuple] = {
    "name": ("名称", "string", "", "", 200, False, ""),
    "uscc": ("统一社会信用代码", "string", "", "cn.uscc", 18, False, ""),
    "registered_address": ("住所", "string", "", "", 200, False, ""),
    "business_address": ("经营场所", "string", "", "", 200, False, ""),
    "business_scope": ("经营范围", "text", "", "", 2000, False, ""),
    "registered_capital": ("注册资本（万元）", "number", "", "", None, False, ""),
    "employee_count": ("从业人数", "integer", "", "", None, False, ""),
    "type": ("类型", "string", "", "", 50, False, ""),
    "phone": ("联系电话", "string", "", "", 20, False, ""),
}
THING_BASE: dict[str, dict[str, tuple]] = {
    "property": {
        "certificate_no": ("不动产权证书号", "string", "", "", 60, False, ""),
        "address": ("坐落", "string", "", "", 200, False, ""),
        "area": ("面积（平方米）", "number", "", "", None, False, ""),
        "usage": ("用途", "string", "", "", 50, False, ""),
        "unit_no": ("不动产单元号", "string", "", "", 40, False, ""),
    },
    "premises": {
        "address": ("场所地址", "string", "", "", 200, False, ""),
        "area": ("经营面积（平方米）", "number", "", "", None, False, ""),
        "seats": ("座位数", "integer", "", "", None, False, ""),
        "category": ("场所类别", "string", "", "", 50, False, ""),
        # 一证多址: one licence for several sites (e.g. 18 water-supply sites); max_length per entry
        "sites": ("场所地址清单（一证多址）", "list", "", "", 200, False, ""),
    },
    "project": {
        "name": ("项目名称", "string", "", "", 200, False, ""),
        "address": ("项目地址", "string", "", "", 200, False, ""),
        "start_date": ("开始日期", "date", "date", "", None, False, ""),
        "end_date": ("结束日期", "date", "date", "", None, False, ""),
        "description": ("项目说明", "text", "", "", 2000, False, ""),
        "volume": ("数量（立方米）", "number", "", "", None, False, ""),
    },
}
# Elements that belong to no party: the application itself.
APPLICATION_BASE: dict[str, tuple] = {
    "application.reason": ("申请事由", "text", "", "", 2000, False, ""),
    "application.remarks": ("备注", "text", "", "", 2000, False, ""),
    "application.delivery": ("结果送达方式", "enum", "", "", None, False, ""),
    "application.delivery_address": ("送达地址", "string", "", "", 200, True, "address"),
    "application.date": ("申请日期", "date", "date", "", None, False, ""),
}
ENUMS: dict[str, list[str]] = {
    "gender": ["男", "女"],
    "application.delivery": ["window", "post", "electronic"],
}
PERSON_PARTIES = [
    "applicant",
    "agent",
    "legal_rep",
    "contact",
    "mother",
    "father",
    "child",
    "spouse",
    "employee",
    "subject",
    "rights_holder",
]
ORG_PARTIES = ["applicant", "enterprise", "rights_holder"]


def canonical_elements() -> list[dict]:
    """Every canonical element as a dict of DataElement fields."""
    out: dict[str, dict] = {}

    def add(eid: str, party: str, base: str, spec: tuple, party_label: str) -> None:
        label, type_, fmt, validator, max_length, sensitive, mask = spec
        out[eid] = {
            "id": eid,
            "party": party,
            "name": f"{party_label}{label}" if party_label else label,
            "type": type_,
            "format": fmt,
            "validator": validator,
            "max_length": max_length,
            "enum": ENUMS.get(base, ENUMS.get(eid, [])),
            "sensitive": sensitive,
            "mask": mask,
        }

    for party in PERSON_PARTIES:
        for base, spec in PERSON_BASE.items():
            add(f"{party}.{base}", party, base, spec, PARTIES[party])
    for party in ORG_PARTIES:
        for base, spec in ORG_BASE.items():
            eid = f"{party}.{base}"
            if eid in out:  # applicant.name / applicant.phone exist for persons already
                continue
            add(eid, party, base, spec, PARTIES[party])
    for party, bases in THING_BASE.items():
        for base, spec in bases.items():
            add(f"{party}.{base}", party, base, spec, "")
    for eid, spec in APPLICATION_BASE.items():
        add(eid, "application", eid.split(".", 1)[1], spec, "")
    return sorted(out.values(), key=lambda e: e["id"])
