"""Checks shared by the importer, the publish service and the admin: code tables (GB/T 39046-2020
Appendix A), the structure of an item row (the import/export format), the completeness of a
service guide, and a form schema against the element registry. Every check returns a list of
(field, Chinese message) pairs; callers turn them into reports or ValidationFailed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from yiwang.core.text import is_safe_link

from .models import (
    BusinessKind,
    CaseKind,
    CrossCityScope,
    ElementType,
    ExerciseLevel,
    HandlingForm,
    ItemNodeKind,
    ItemType,
    MaterialForm,
    MaterialSource,
    MaterialType,
    OnlineDepth,
    PowerSource,
    ResultType,
    ServiceObject,
    SpecialProcedureKind,
)

Problems = list[tuple[str, str]]

# table id -> (Chinese name, choices). Table ids are the import format's field names, so a
# CodeMapping(table=...) row maps a local value of that field.
CODE_TABLES: dict[str, tuple[str, type]] = {
    "item_type": ("事项类型", ItemType),
    "service_objects": ("服务对象", ServiceObject),
    "exercise_levels": ("行使层级", ExerciseLevel),
    "power_source": ("权力来源", PowerSource),
    "handling_forms": ("办理形式", HandlingForm),
    "case_kind": ("办件类型", CaseKind),
    "online_depth": ("网上办理深度", OnlineDepth),
    "result_type": ("办理结果类型", ResultType),
    "special_procedure_kind": ("特别程序种类", SpecialProcedureKind),
    "material_type": ("材料类型", MaterialType),
    "material_form": ("材料形式", MaterialForm),
    "material_source": ("来源渠道", MaterialSource),
    "node_kind": ("事项层级", ItemNodeKind),
    "business_kind": ("业务办理项类型", BusinessKind),
    "cross_city_scope": ("通办范围", CrossCityScope),
}
ONLINE_GRADES = ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"]
CROSS_CITY_SCOPES = ["", *CrossCityScope.values]
# Fields of a row whose values come from a code table (scalar or list); local codes are mapped.
SCALAR_CODE_FIELDS = ["item_type", "power_source", "case_kind"]
LIST_CODE_FIELDS = ["service_objects", "exercise_levels", "handling_forms", "online_depth"]

ROW_KEYS = {
    "code",
    "basic_code",
    "local_code",
    "department_uscc",
    "parent_code",
    "node_kind",
    "business_kind",
    "name",
    "item_type",
    "service_objects",
    "exercise_levels",
    "power_source",
    "legal_basis",
    "conditions",
    "statutory_limit_days",
    "promised_limit_days",
    "case_kind",
    "handling_forms",
    "online_depth",
    "online_grade",
    "visits_required",
    "locations",
    "hours",
    "consultation",
    "complaint",
    "fees",
    "results",
    "cross_city_scope",
    "themes",
    "tolerance_acceptance",
    "commitment_system",
    "tolerance_days",
    "tolerance_lapse",
    "commitment_text",
    "commitment_replaces",
    "verification_days",
    "cooling_off_days",
    "confirm_days",
    "special_procedures",
    "extension_days",
    "acceptance_limit_days",
    "form_schema",
    "materials",
    "halls",
    "local_codes",
    "valid_from",
    "valid_until",
}
REQUIRED_ROW_KEYS = ["code", "basic_code", "department_uscc", "name", "item_type", "node_kind"]
MATERIAL_KEYS = {
    "code",
    "name",
    "material_type",
    "material_form",
    "required",
    "copies",
    "source",
    "issuing_department",
    "license_type_code",
    "tolerable",
    "blank_form",
    "sample",
    "notes",
}
TEXT_LIMITS = {"code": 80, "basic_code": 40, "local_code": 80, "name": 200}
FIELD_LABELS = {
    "code": "实施编码",
    "basic_code": "基本编码",
    "local_code": "本地编码",
    "department_uscc": "实施部门统一社会信用代码",
    "parent_code": "上级事项编码",
    "node_kind": "事项层级",
    "business_kind": "业务办理项类型",
    "name": "事项名称",
    "item_type": "事项类型",
    "service_objects": "服务对象",
    "exercise_levels": "行使层级",
    "power_source": "权力来源",
    "legal_basis": "设定依据",
    "conditions": "受理条件",
    "statutory_limit_days": "法定办结时限",
    "promised_limit_days": "承诺办结时限",
    "case_kind": "办件类型",
    "handling_forms": "办理形式",
    "online_depth": "网上办理深度",
    "online_grade": "网办深度等级",
    "visits_required": "到现场次数",
    "locations": "办理地点",
    "hours": "办理时间",
    "consultation": "咨询方式",
    "complaint": "监督投诉方式",
    "fees": "收费",
    "results": "办理结果",
    "cross_city_scope": "通办范围",
    "themes": "主题",
    "tolerance_acceptance": "容缺受理",
    "commitment_system": "告知承诺制",
    "tolerance_days": "容缺材料补交时限",
    "tolerance_lapse": "容缺逾期处理",
    "commitment_text": "告知承诺书",
    "commitment_replaces": "承诺替代的材料",
    "verification_days": "事后核查时限",
    "cooling_off_days": "冷静期",
    "confirm_days": "冷静期届满后确认期限",
    "special_procedures": "特别程序",
    "extension_days": "可延长期限",
    "acceptance_limit_days": "补正后受理时限",
    "form_schema": "申请表",
    "materials": "申请材料",
    "halls": "办理大厅",
    "local_codes": "本地代码",
    "valid_from": "生效日期",
    "valid_until": "失效日期",
}
MATERIAL_LABELS = {
    "code": "材料编码",
    "name": "材料名称",
    "material_type": "材料类型",
    "material_form": "材料形式",
    "required": "必要性",
    "copies": "份数",
    "source": "来源渠道",
    "issuing_department": "出具单位",
    "license_type_code": "对应电子证照类型",
    "tolerable": "可容缺",
    "blank_form": "空白表格",
    "sample": "示例样表",
    "notes": "填报须知",
}
MATERIAL_LIMITS = {
    "code": 60,
    "name": 200,
    "issuing_department": 100,
    "license_type_code": 30,
    "blank_form": 300,
    "sample": 300,
}

# JSON Schema property keywords an item's form may use.
PROPERTY_KEYWORDS = {
    "title",
    "type",
    "maxLength",
    "maxItems",
    "enum",
    "minimum",
    "maximum",
    "format",
    "description",
}
# element type -> JSON Schema types a property of that element may declare
SCHEMA_TYPES: dict[str, set[str]] = {
    ElementType.STRING: {"string"},
    ElementType.TEXT: {"string"},
    ElementType.ENUM: {"string"},
    ElementType.DATE: {"string"},
    ElementType.INTEGER: {"integer"},
    ElementType.NUMBER: {"number", "integer"},
    ElementType.BOOLEAN: {"boolean"},
    ElementType.LIST: {"array"},
}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def code_values(table: str) -> set[str]:
    return set(CODE_TABLES[table][1].values)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- form schema --------------------------------------------------------------------------------


def schema_problems(schema: Any, registry: Mapping[str, Mapping], *, require_properties: bool) -> Problems:
    """A form schema is a JSON Schema object whose property keys are registered element ids, each
    with the item's own `title`, and types matching the element's type."""
    out: Problems = []
    if schema in (None, {}) and not require_properties:
        return out
    if not isinstance(schema, dict):
        return [("form_schema", "申请表应为 JSON 对象")]
    if schema.get("type") != "object":
        out.append(("form_schema", "申请表的 type 应为 object"))
    unknown = set(schema) - {"type", "required", "properties", "title", "description"}
    if unknown:
        out.append(("form_schema", f"申请表含不支持的关键字：{'、'.join(sorted(unknown))}"))
    props = schema.get("properties")
    if not isinstance(props, dict):
        out.append(("form_schema", "申请表缺少 properties"))
        return out
    if require_properties and not props:
        out.append(("form_schema", "申请表至少应有一个字段"))
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        out.append(("form_schema", "申请表的 required 应为字段标识列表"))
    else:
        for r in required:
            if r not in props:
                out.append((f"form_schema.{r}", f"必填字段 {r} 不在申请表字段中"))
    for key, prop in props.items():
        out.extend(_property_problems(key, prop, registry.get(key)))
    return out


def _property_problems(key: str, prop: Any, element: Mapping | None) -> Problems:
    field = f"form_schema.{key}"
    if element is None:
        return [(field, f"字段 {key} 不是已登记的数据元素")]
    if not isinstance(prop, dict):
        return [(field, f"字段 {key} 的定义应为 JSON 对象")]
    out: Problems = []
    title = prop.get("title")
    if not isinstance(title, str) or not title.strip():
        out.append((field, f"字段 {key} 缺少标题（title）"))
    unknown = {k for k in prop if k not in PROPERTY_KEYWORDS and not k.startswith("x-")}
    if unknown:
        out.append((field, f"字段 {key} 含不支持的关键字：{'、'.join(sorted(unknown))}"))
    etype = element["type"]
    declared = prop.get("type")
    if declared is not None and declared not in SCHEMA_TYPES.get(etype, set()):
        out.append((field, f"字段 {key} 的类型 {declared} 与数据元素类型（{ElementType(etype).label}）不符"))
    fmt = prop.get("format")
    if fmt is not None:
        allowed_format = "date" if etype == ElementType.DATE else element.get("format") or None
        if fmt != allowed_format:
            out.append((field, f"字段 {key} 的格式 {fmt} 与数据元素不符"))
    if "maxLength" in prop:
        ml = prop["maxLength"]
        if etype not in (ElementType.STRING, ElementType.TEXT) or not _is_int(ml) or ml < 1:
            out.append((field, f"字段 {key} 的 maxLength 应为正整数且仅用于文本"))
        elif element.get("max_length") and ml > element["max_length"]:
            out.append((field, f"字段 {key} 的 maxLength 不能超过数据元素的最大长度 {element['max_length']}"))
    for kw in ("minimum", "maximum"):
        if kw in prop and (
            etype not in (ElementType.INTEGER, ElementType.NUMBER) or not _is_number(prop[kw])
        ):
            out.append((field, f"字段 {key} 的 {kw} 应为数值且仅用于数值字段"))
    if (
        _is_number(prop.get("minimum"))
        and _is_number(prop.get("maximum"))
        and prop["minimum"] > prop["maximum"]
    ):
        out.append((field, f"字段 {key} 的 minimum 大于 maximum"))
    if "enum" in prop:
        enum = prop["enum"]
        if not isinstance(enum, list) or not enum:
            out.append((field, f"字段 {key} 的 enum 应为非空列表"))
        elif element.get("enum") and not set(enum) <= set(element["enum"]):
            out.append((field, f"字段 {key} 的可选值应取自数据元素的可选值：{'、'.join(element['enum'])}"))
    if "description" in prop and not isinstance(prop["description"], str):
        out.append((field, f"字段 {key} 的 description 应为文本"))
    return out


# --- rows ---------------------------------------------------------------------------------------


def row_structure_problems(row: Any) -> Problems:
    """Shape and code-table checks of one import row that need no database. Local codes must
    have been mapped already (see services._apply_code_mappings)."""
    if not isinstance(row, dict):
        return [("_", "每一行应为 JSON 对象")]
    out: Problems = []
    unknown = set(row) - ROW_KEYS
    for k in sorted(unknown):
        out.append((k, f"未知字段 {k}"))
    for k in REQUIRED_ROW_KEYS:
        v = row.get(k)
        if not isinstance(v, str) or not v.strip():
            out.append((k, f"{FIELD_LABELS[k]}不能为空"))
    for k, limit in TEXT_LIMITS.items():
        v = row.get(k)
        if isinstance(v, str) and len(v) > limit:
            out.append((k, f"{FIELD_LABELS[k]}不能超过 {limit} 个字符"))
    for k in (
        "local_code",
        "parent_code",
        "business_kind",
        "legal_basis",
        "conditions",
        "online_grade",
        "locations",
        "hours",
        "consultation",
        "complaint",
        "cross_city_scope",
    ):
        v = row.get(k)
        if v is not None and not isinstance(v, str):
            out.append((k, f"{FIELD_LABELS[k]}应为文本"))
    node_kind = row.get("node_kind")
    if isinstance(node_kind, str) and node_kind and node_kind not in code_values("node_kind"):
        out.append(("node_kind", "事项层级应为 main、sub 或 business"))
    bk = row.get("business_kind") or ""
    if node_kind == ItemNodeKind.BUSINESS and not bk:
        out.append(("business_kind", "业务办理项须注明类型（new、change、renew、cancel）"))
    if bk and bk not in code_values("business_kind"):
        out.append(("business_kind", "业务办理项类型应为 new、change、renew 或 cancel"))
    if bk and node_kind != ItemNodeKind.BUSINESS:
        out.append(("business_kind", "只有业务办理项才有业务办理项类型"))
    if node_kind == ItemNodeKind.MAIN and row.get("parent_code"):
        out.append(("parent_code", "主项不能有上级事项"))
    if node_kind in (ItemNodeKind.SUB, ItemNodeKind.BUSINESS) and not row.get("parent_code"):
        out.append(("parent_code", "子项和业务办理项须指定上级事项"))
    if row.get("parent_code") and row.get("parent_code") == row.get("code"):
        out.append(("parent_code", "上级事项不能是本事项"))
    for k in SCALAR_CODE_FIELDS:
        v = row.get(k)
        if v in (None, "") and k != "item_type":
            continue
        if isinstance(v, str) and v and v not in code_values(k):
            out.append((k, f"{FIELD_LABELS[k]}代码 {v} 不在 GB/T 39046 代码表中"))
        elif v is not None and not isinstance(v, str):
            out.append((k, f"{FIELD_LABELS[k]}应为代码文本"))
    for k in LIST_CODE_FIELDS:
        v = row.get(k)
        if v is None:
            continue
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            out.append((k, f"{FIELD_LABELS[k]}应为代码列表"))
            continue
        bad = [x for x in v if x not in code_values(k)]
        if bad:
            out.append((k, f"{FIELD_LABELS[k]}代码 {'、'.join(bad)} 不在 GB/T 39046 代码表中"))
        if len(set(v)) != len(v):
            out.append((k, f"{FIELD_LABELS[k]}有重复的代码"))
    for k in (
        "statutory_limit_days",
        "promised_limit_days",
        "visits_required",
        "tolerance_days",
        "verification_days",
        "cooling_off_days",
        "confirm_days",
    ):
        v = row.get(k)
        if v is not None and (not _is_int(v) or v < 0 or v > 3650):
            out.append((k, f"{FIELD_LABELS[k]}应为 0 到 3650 之间的整数"))
    for k, low, high in (("extension_days", 0, 60), ("acceptance_limit_days", 1, 30)):
        v = row.get(k)
        if v is not None and (not _is_int(v) or not low <= v <= high):
            out.append((k, f"{FIELD_LABELS[k]}应为 {low} 到 {high} 之间的整数（工作日）"))
    s, p = row.get("statutory_limit_days"), row.get("promised_limit_days")
    if _is_int(s) and _is_int(p) and p > s:
        out.append(("promised_limit_days", "承诺办结时限不能超过法定办结时限"))
    grade = row.get("online_grade")
    if grade and grade not in ONLINE_GRADES:
        out.append(("online_grade", "网办深度等级应为 Ⅰ、Ⅱ、Ⅲ 或 Ⅳ"))
    if grade == "Ⅳ" and _is_int(row.get("visits_required")) and row["visits_required"] != 0:
        out.append(("visits_required", "全程网办（Ⅳ级）的事项到现场次数应为 0"))
    scope = row.get("cross_city_scope")
    if isinstance(scope, str) and scope not in CROSS_CITY_SCOPES:
        out.append(("cross_city_scope", f"通办范围应为 {'、'.join(CrossCityScope.values)} 之一"))
    for k in ("tolerance_acceptance", "commitment_system"):
        if k in row and not isinstance(row[k], bool):
            out.append((k, f"{FIELD_LABELS[k]}应为 true 或 false"))
    if row.get("tolerance_lapse") not in (None, "suspend", "refuse"):
        out.append(("tolerance_lapse", "容缺逾期处理应为 suspend（中止审查）或 refuse（不予许可）"))
    replaces = row.get("commitment_replaces")
    if replaces is not None and (
        not isinstance(replaces, list) or not all(isinstance(c, str) and c for c in replaces)
    ):
        out.append(("commitment_replaces", "承诺替代的材料应为材料编码列表"))
    if row.get("commitment_text") is not None and not isinstance(row["commitment_text"], str):
        out.append(("commitment_text", "告知承诺书应为文本"))
    themes = row.get("themes")
    if themes is not None and (
        not isinstance(themes, list) or not all(isinstance(t, str) and t for t in themes)
    ):
        out.append(("themes", "主题应为文本列表"))
    halls = row.get("halls")
    if halls is not None and (
        not isinstance(halls, list) or not all(isinstance(h, str) and h for h in halls)
    ):
        out.append(("halls", "办理大厅应为大厅名称列表"))
    out.extend(_list_of_dicts(row, "fees", _fee_problems))
    out.extend(_list_of_dicts(row, "results", _result_problems))
    out.extend(_list_of_dicts(row, "special_procedures", _procedure_problems))
    out.extend(_materials_problems(row.get("materials")))
    for k in ("valid_from", "valid_until"):
        v = row.get(k)
        if v is not None and (not isinstance(v, str) or not DATE_RE.match(v)):
            out.append((k, f"{FIELD_LABELS[k]}格式应为 YYYY-MM-DD"))
    return out


def _list_of_dicts(row: dict, key: str, check) -> Problems:
    value = row.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        return [(key, f"{FIELD_LABELS[key]}应为对象列表")]
    out: Problems = []
    for i, entry in enumerate(value, start=1):
        out.extend((f"{key}[{i}]", msg) for msg in check(entry))
    return out


def _fee_problems(fee: dict) -> list[str]:
    out = []
    if set(fee) - {"name", "standard", "basis", "waivable"}:
        out.append("收费项含未知字段")
    if not isinstance(fee.get("name"), str) or not fee["name"].strip():
        out.append("收费项目名称不能为空")
    for k in ("standard", "basis"):
        if k in fee and not isinstance(fee[k], str):
            out.append("收费标准和依据应为文本")
    if "waivable" in fee and not isinstance(fee["waivable"], bool):
        out.append("是否可减免应为 true 或 false")
    return out


def _result_problems(result: dict) -> list[str]:
    out = []
    if set(result) - {"name", "type", "sample"}:
        out.append("办理结果含未知字段")
    if not isinstance(result.get("name"), str) or not result["name"].strip():
        out.append("办理结果名称不能为空")
    if result.get("type") not in code_values("result_type"):
        out.append("办理结果类型应为 10（证照）、20（批文）或 30（其他）")
    if "sample" in result and not isinstance(result["sample"], str):
        out.append("结果样本应为文本")
    elif not is_safe_link(result.get("sample") or ""):
        out.append("结果样本应为 http(s) 链接或站内路径")
    return out


def _procedure_problems(proc: dict) -> list[str]:
    out = []
    if set(proc) - {"kind", "name", "basis", "procedure", "duration_days"}:
        out.append("特别程序含未知字段")
    machine = proc.get("procedure")
    if machine is not None and (not isinstance(machine, str) or not re.fullmatch(r"[a-z_]{2,30}", machine)):
        out.append("特别程序代码（procedure）应为小写英文代码，如 hearing、expert_review")
    days = proc.get("duration_days")
    if days is not None and (not _is_int(days) or not 1 <= days <= 250):
        out.append("特别程序预计时长（duration_days）应为 1 到 250 之间的整数（工作日）")
    if proc.get("kind") not in code_values("special_procedure_kind"):
        out.append("特别程序种类应为 1（延长审批）或 2（其他）")
    if not isinstance(proc.get("name"), str) or not proc["name"].strip():
        out.append("特别程序名称不能为空")
    if not isinstance(proc.get("basis"), str) or not proc["basis"].strip():
        out.append("特别程序须注明法律依据")
    return out


def _materials_problems(materials: Any) -> Problems:
    if materials is None:
        return []
    if not isinstance(materials, list) or not all(isinstance(m, dict) for m in materials):
        return [("materials", "申请材料应为对象列表")]
    out: Problems = []
    seen: set[str] = set()
    for i, m in enumerate(materials, start=1):
        f = f"materials[{i}]"
        for k in sorted(set(m) - MATERIAL_KEYS):
            out.append((f, f"申请材料含未知字段 {k}"))
        for k in ("code", "name"):
            if not isinstance(m.get(k), str) or not m[k].strip():
                out.append((f, f"{MATERIAL_LABELS[k]}不能为空"))
        for k, limit in MATERIAL_LIMITS.items():
            if k in m and not isinstance(m[k], str):
                out.append((f, f"{MATERIAL_LABELS[k]}应为文本"))
            elif isinstance(m.get(k), str) and len(m[k]) > limit:
                out.append((f, f"{MATERIAL_LABELS[k]}不能超过 {limit} 个字符"))
        if "notes" in m and not isinstance(m["notes"], str):
            out.append((f, "填报须知应为文本"))
        for k in ("blank_form", "sample"):
            if isinstance(m.get(k), str) and not is_safe_link(m[k]):
                out.append((f, f"{MATERIAL_LABELS[k]}应为 http(s) 链接或站内路径"))
        code = m.get("code")
        if isinstance(code, str):
            if code in seen:
                out.append((f, f"材料编码 {code} 重复"))
            seen.add(code)
        for k, table in (
            ("material_type", "material_type"),
            ("material_form", "material_form"),
            ("source", "material_source"),
        ):
            if k in m and m[k] not in code_values(table):
                allowed = "、".join(sorted(code_values(table)))
                out.append((f, f"{MATERIAL_LABELS[k]}应为 {allowed} 之一"))
        for k in ("required", "tolerable"):
            if k in m and not isinstance(m[k], bool):
                out.append((f, f"{MATERIAL_LABELS[k]}应为 true 或 false"))
        if "copies" in m and (not _is_int(m["copies"]) or not 1 <= m["copies"] <= 99):
            out.append((f, "份数应为 1 到 99 之间的整数"))
    return out


def guide_problems(row: dict) -> Problems:
    """What a service guide (办事指南) must state before it is published."""
    out: Problems = []

    def need(key: str) -> None:
        v = row.get(key)
        if v is None or v == "" or v == []:
            out.append((key, f"发布前须填写{FIELD_LABELS[key]}"))

    for key in (
        "name",
        "item_type",
        "service_objects",
        "exercise_levels",
        "power_source",
        "conditions",
        "statutory_limit_days",
        "promised_limit_days",
        "case_kind",
        "handling_forms",
        "consultation",
        "complaint",
        "results",
    ):
        need(key)
    if row.get("item_type") == ItemType.ADMIN_POWER:
        out.append(("item_type", "事项类型 00 为上位分类，发布的事项须选择具体类型"))
    if row.get("item_type") not in (ItemType.PUBLIC_SERVICE, None, "") and not row.get("legal_basis"):
        out.append(("legal_basis", "行政权力事项发布前须填写设定依据"))
    if HandlingForm.WINDOW in (row.get("handling_forms") or []):
        need("locations")
        need("hours")
    online = {HandlingForm.ONLINE, HandlingForm.MOBILE} & set(row.get("handling_forms") or [])
    if online and not row.get("online_depth"):
        out.append(("online_depth", "可网上办理的事项须填写网上办理深度"))
    return out


# --- consistency of a guide's coded fields ------------------------------------------------------

# 即办件 are decided on the spot: at most one working day is promised.
IMMEDIATE_MAX_PROMISED_DAYS = 1
# a result named as a certificate or card is a licence (证照, result type 10), not a 批文 (20) or
# 其他 (30): 许可证, 执照, 证书, 结婚证, 居民户口簿, 护照, 通行证, 残疾人证, 道路运输证, 社会保障卡…
# ("…证明" and "…凭证" are not: a 证明 is a document, a 凭证 a receipt or a filing's record)
LICENCE_NAME_ENDINGS = ("证", "证书", "执照", "户口簿", "护照", "保障卡")
NOT_LICENCE_ENDINGS = ("凭证",)


def names_a_licence(name: str) -> bool:
    """Does a result's name name a licence? The part in brackets (（补）, （新生儿页）) is left aside."""
    base = re.sub(r"[（(][^（）()]*[）)]$", "", name.strip())
    return base.endswith(LICENCE_NAME_ENDINGS) and not base.endswith(NOT_LICENCE_ENDINGS)


def consistency_problems(row: dict) -> Problems:
    """Coded fields that contradict each other in a published guide. Reported as warnings (提示)
    by the importer, not errors: an edition published before a rule existed must still load as
    it was (the demo's first edition does), and its correction is a new version.

    - 即办件: the promised limit is at most one working day;
    - 网上办理深度 7 电子证照反馈 only when a result is a licence (证照, result type 10);
    - a 备案 is not a 行政许可 (《行政许可法》 does not cover filings: type 10 其他类别事项 or 20);
    - a result named as a licence (…许可证, …执照, …证书, 残疾人证, 户口簿…) is of result type 10."""
    out: Problems = []
    promised = row.get("promised_limit_days")
    if (
        row.get("case_kind") == CaseKind.IMMEDIATE
        and _is_int(promised)
        and promised > IMMEDIATE_MAX_PROMISED_DAYS
    ):
        out.append(("promised_limit_days", "即办件当场办结，承诺办结时限不应超过 1 个工作日"))
    results = row.get("results") if isinstance(row.get("results"), list) else []
    licence = any(isinstance(r, dict) and r.get("type") == ResultType.LICENSE for r in results)
    if OnlineDepth.E_LICENSE in (row.get("online_depth") or []) and not licence:
        out.append(("online_depth", "办理结果没有证照（类型 10），网上办理深度不应含 7 电子证照反馈"))
    for r in results:
        rname = r.get("name") if isinstance(r, dict) else None
        if isinstance(rname, str) and names_a_licence(rname) and r.get("type") != ResultType.LICENSE:
            out.append(("results", f"办理结果“{rname}”是证照，结果类型应为 10 证照"))
    name = row.get("name") if isinstance(row.get("name"), str) else ""
    if row.get("item_type") == ItemType.LICENSING and name.endswith("备案"):
        out.append(("item_type", "备案不是行政许可，事项类型应为 10 其他类别事项（或 20 公共服务事项）"))
    return out
