"""Excel (.xlsx) form of the import/export format: sheet 事项 (one row per item), sheet 材料 (one
row per material, linked by 实施编码) and sheet 代码表 (the GB/T 39046 code tables, for reference;
ignored on import). Column headers are Chinese; list cells hold codes separated by commas, and
nested structures (fees, results, special procedures, form schema) are JSON text."""

from __future__ import annotations

import io
import json
import re
from typing import TYPE_CHECKING, Any, BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from yiwang.core.text import is_digits

from . import validation

if TYPE_CHECKING:
    from .services import ImportReport

ITEMS_SHEET, MATERIALS_SHEET, CODES_SHEET = "事项", "材料", "代码表"

# (key, header, kind): kind is str | int | list | bool | json
ITEM_COLUMNS: list[tuple[str, str, str]] = [
    ("code", "实施编码", "str"),
    ("basic_code", "基本编码", "str"),
    ("local_code", "本地编码", "str"),
    ("department_uscc", "实施部门统一社会信用代码", "str"),
    ("parent_code", "上级事项编码", "str"),
    ("node_kind", "事项层级", "str"),
    ("business_kind", "业务办理项类型", "str"),
    ("name", "事项名称", "str"),
    ("item_type", "事项类型", "code2"),
    ("service_objects", "服务对象", "list"),
    ("exercise_levels", "行使层级", "list"),
    ("power_source", "权力来源", "code"),
    ("legal_basis", "设定依据", "str"),
    ("conditions", "受理条件", "str"),
    ("statutory_limit_days", "法定办结时限（工作日）", "int"),
    ("promised_limit_days", "承诺办结时限（工作日）", "int"),
    ("case_kind", "办件类型", "code"),
    ("handling_forms", "办理形式", "list"),
    ("online_depth", "网上办理深度", "list"),
    ("online_grade", "网办深度等级", "str"),
    ("visits_required", "到现场次数", "int"),
    ("locations", "办理地点", "str"),
    ("hours", "办理时间", "str"),
    ("consultation", "咨询方式", "str"),
    ("complaint", "监督投诉方式", "str"),
    ("fees", "收费（JSON）", "json"),
    ("results", "办理结果（JSON）", "json"),
    ("cross_city_scope", "通办范围", "str"),
    ("themes", "主题", "list"),
    ("tolerance_acceptance", "容缺受理", "bool"),
    ("commitment_system", "告知承诺制", "bool"),
    ("special_procedures", "特别程序（JSON）", "json"),
    ("extension_days", "可延长期限（工作日）", "int"),
    ("acceptance_limit_days", "补正后受理时限（工作日）", "int"),
    ("halls", "办理大厅", "list"),
    ("form_schema", "申请表（JSON Schema）", "json"),
]
MATERIAL_COLUMNS: list[tuple[str, str, str]] = [
    ("item_code", "实施编码", "str"),
    ("code", "材料编码", "str"),
    ("name", "材料名称", "str"),
    ("material_type", "材料类型", "code"),
    ("material_form", "材料形式", "code"),
    ("required", "必要性", "bool"),
    ("copies", "份数", "int"),
    ("source", "来源渠道", "str"),
    ("issuing_department", "出具单位", "str"),
    ("license_type_code", "对应电子证照类型", "str"),
    ("tolerable", "可容缺", "bool"),
    ("blank_form", "空白表格", "str"),
    ("sample", "示例样表", "str"),
    ("notes", "填报须知", "str"),
]
LIST_SPLIT = re.compile(r"[,，、;；\n]+")
TRUE_WORDS = {"是", "true", "yes", "1", "y", "必要", "必须"}
FALSE_WORDS = {"否", "false", "no", "0", "n", "非必要", "非必须"}


def _cell_out(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "list":
        return ",".join(value) if value else None
    if kind == "bool":
        return "是" if value else "否"
    if kind == "json":
        return json.dumps(value, ensure_ascii=False) if value not in ([], {}) else None
    if value == "":
        return None
    return value


def rows_to_workbook(rows: list[dict]) -> bytes:
    wb = Workbook()
    bold = Font(bold=True)
    items = wb.active
    items.title = ITEMS_SHEET
    items.append([h for _, h, _ in ITEM_COLUMNS])
    materials = wb.create_sheet(MATERIALS_SHEET)
    materials.append([h for _, h, _ in MATERIAL_COLUMNS])
    for row in rows:
        items.append([_cell_out(row.get(k), kind) for k, _, kind in ITEM_COLUMNS])
        for m in row.get("materials") or []:
            m = {"item_code": row["code"], **m}
            materials.append([_cell_out(m.get(k), kind) for k, _, kind in MATERIAL_COLUMNS])
    codes = wb.create_sheet(CODES_SHEET)
    codes.append(["代码表", "字段", "代码", "名称"])
    for table, (label, choices) in validation.CODE_TABLES.items():
        for value, name in choices.choices:
            codes.append([label, table, value, name])
    for ws in (items, materials, codes):
        for cell in ws[1]:
            cell.font = bold
        # codes must stay text ("01" is not 1)
        for column in ws.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, str):
                    cell.number_format = "@"
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell_in(value: Any, kind: str, key: str) -> tuple[Any, str | None]:
    """Cell value → row value, or an error message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if kind in ("str", "code", "code2"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
            if kind == "code2" and len(text) == 1:
                text = text.zfill(2)  # 事项类型 "01" typed as a number
            return text, None
        return str(value).strip(), None
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value), None
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        if isinstance(value, str) and is_digits(value.strip()):
            return int(value.strip()), None
        return None, "应为整数"
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower()
        if text in TRUE_WORDS:
            return True, None
        if text in FALSE_WORDS:
            return False, None
        return None, "应为 是 或 否"
    if kind == "list":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return [p.strip() for p in LIST_SPLIT.split(str(value)) if p.strip()], None
    if kind == "json":
        try:
            return json.loads(value) if isinstance(value, str) else value, None
        except ValueError:
            return None, "不是合法的 JSON"
    raise ValueError(kind)


def _read_sheet(ws, columns, report: ImportReport, sheet: str) -> list[tuple[int, dict]]:
    by_header = {h: (k, kind) for k, h, kind in columns}
    rows_iter = ws.iter_rows(values_only=True)
    header = next(rows_iter, None)
    if header is None:
        return []
    index: dict[int, tuple[str, str]] = {}
    for i, h in enumerate(header):
        if h is None:
            continue
        h = str(h).strip()
        if h not in by_header:
            report.error(1, "", h, f"未知的列标题 {h}", sheet)
            continue
        index[i] = by_header[h]
    out = []
    for rownum, values in enumerate(rows_iter, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row: dict[str, Any] = {}
        for i, value in enumerate(values):
            if i not in index:
                continue
            key, kind = index[i]
            parsed, error = _cell_in(value, kind, key)
            if error:
                code = values[0] if values and isinstance(values[0], str) else ""
                report.error(rownum, code, key, error, sheet)
            elif parsed is not None:
                row[key] = parsed
        out.append((rownum, row))
    return out


def workbook_to_rows(fileobj: BinaryIO, report: ImportReport) -> list[dict]:
    """Read an exported workbook back into import rows; format problems go into `report`."""
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not an xlsx workbook
        report.error(0, "", "_", "无法读取 Excel 文件（应为 .xlsx 格式）")
        return []
    if ITEMS_SHEET not in wb.sheetnames:
        report.error(0, "", "_", f"缺少工作表“{ITEMS_SHEET}”")
        return []
    items = _read_sheet(wb[ITEMS_SHEET], ITEM_COLUMNS, report, ITEMS_SHEET)
    rows: list[dict] = []
    by_code: dict[str, dict] = {}
    for rownum, row in items:
        row["_row"] = rownum
        row["_sheet"] = ITEMS_SHEET
        row.setdefault("materials", [])
        for key in ("tolerance_acceptance", "commitment_system"):
            row.setdefault(key, False)
        rows.append(row)
        if isinstance(row.get("code"), str):
            by_code.setdefault(row["code"], row)
    if MATERIALS_SHEET in wb.sheetnames:
        for rownum, m in _read_sheet(wb[MATERIALS_SHEET], MATERIAL_COLUMNS, report, MATERIALS_SHEET):
            item_code = m.pop("item_code", None)
            target = by_code.get(item_code) if item_code else None
            if target is None:
                report.error(
                    rownum, item_code or "", "item_code", "材料所属的事项不在“事项”工作表中", MATERIALS_SHEET
                )
                continue
            target["materials"].append(m)
    wb.close()
    return rows
