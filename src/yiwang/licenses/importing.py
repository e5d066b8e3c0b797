"""归集 / 修复: reading existing licence records from Excel (.xlsx) or CSV and checking every row.

No writes here: `read_table` turns a file into rows, `validate_rows` / `validate_row` say for each
row what is wrong (or what would be issued). `services.license_import_file` issues the valid rows
in one transaction and queues the rejected ones for repair; `services.license_repair_reissue`
checks a corrected row again with the same rules.

Columns (first non-empty row is the header; Chinese or English names, a trailing * is ignored):
证照类型代码 type_code / 证照类型 type_name (one of them), 持证主体 holder_name, 持证主体代码类型
holder_id_type (111 | 001, or their names; inferred from the code when empty), 持证主体代码
holder_id, 颁证单位代码 issuer_code, 颁证日期 issued_on, 有效期至 valid_until (empty = the type's
rule, 长期 = none), 原证照编号 original_number; then the type's metadata fields by title or name.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from yiwang.core import keys
from yiwang.core.identifiers import ValidationError as IdValidationError
from yiwang.core.identifiers import validate_ric, validate_uscc
from yiwang.core.masking import mask_id_number, mask_name
from yiwang.core.text import has_markup

from .models import HolderIdType, License, LicenseType

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_TEXT = 200

FIELDS: dict[str, str] = {
    "type_code": "证照类型代码",
    "type_name": "证照类型",
    "holder_name": "持证主体",
    "holder_id_type": "持证主体代码类型",
    "holder_id": "持证主体代码",
    "issuer_code": "颁证单位代码",
    "issued_on": "颁证日期",
    "valid_until": "有效期至",
    "original_number": "原证照编号",
}
ALIASES: dict[str, str] = {
    **{v: k for k, v in FIELDS.items()},
    **{k: k for k in FIELDS},
    "证照类型名称": "type_name",
    "持证主体名称": "holder_name",
    "持证人": "holder_name",
    "持证主体证件号码": "holder_id",
    "证件号码": "holder_id",
    "颁发机构代码": "issuer_code",
    "颁证机构代码": "issuer_code",
    "发证日期": "issued_on",
    "有效期截止日期": "valid_until",
    "证照编号": "original_number",
}
ID_TYPE_NAMES = {
    "111": "111",
    "001": "001",
    "公民身份号码": "111",
    "居民身份证": "111",
    "统一社会信用代码": "001",
}
LONG_TERM = {"长期", "长期有效", "永久"}
LIST_FIELDS = {"sites"}  # 一证多址: one cell, addresses separated by ；/;/line breaks


class FileError(ValueError):
    """The file as a whole cannot be read (nothing is imported)."""


@dataclass
class RowError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass
class CleanRow:
    type_: LicenseType
    issuer: object  # organizations.Department
    holder_name: str
    holder_id_type: str
    holder_id: str
    holder_hash: str
    issued_on: date
    valid_until: date | None
    metadata: dict

    def key(self) -> tuple:
        return (self.type_.pk, self.holder_hash, self.issued_on, self.metadata.get("original_number", ""))


@dataclass
class RowResult:
    row: int  # the row number in the file (header = its own row), for people
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)
    clean: CleanRow | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.clean is not None

    def holder_label(self) -> str:
        """The holder as a report may show it: a company's name whole, a person's masked."""
        name = self.values.get("holder_name", "")
        return name if _is_company(self.values) else mask_name(name)


# --- reading files ---------------------------------------------------------------------------------
def _norm_header(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text or "")).strip().rstrip("*").strip()
    return re.sub(r"\s+", "", s)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_xlsx(content: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileError("无法读取该 Excel 文件，请确认是 .xlsx 格式") from exc
    try:
        ws = wb.worksheets[0]
        out = []
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
            out.append((n, [_cell(v) for v in row]))
            if len(out) > MAX_ROWS + 50:
                break
        return out
    finally:
        wb.close()


def _rows_csv(content: bytes) -> list[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese saves CSV as GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError("CSV 文件编码无法识别，请保存为 UTF-8")
    if "\0" in text:
        raise FileError("CSV 文件内容无法识别")
    try:
        return [(n, [c.strip() for c in r]) for n, r in enumerate(csv.reader(io.StringIO(text)), start=1)]
    except csv.Error as exc:
        raise FileError("CSV 文件格式有误") from exc


def read_table(content: bytes, filename: str = "") -> tuple[str, list[str], list[tuple[int, dict[str, str]]]]:
    """(format, headers, [(row number, {header: value})]) of the first sheet / the CSV; empty rows
    are skipped. Raises FileError for what cannot be read at all."""
    if not content:
        raise FileError("文件为空")
    if len(content) > MAX_BYTES:
        raise FileError(f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB")
    name = (filename or "").lower()
    if content[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        fmt, raw = "xlsx", _rows_xlsx(content)
    elif name.endswith((".csv", ".txt")) or not name:
        fmt, raw = "csv", _rows_csv(content)
    else:
        raise FileError("只支持 Excel（.xlsx）和 CSV 文件")
    raw = [(n, r) for n, r in raw if any(c for c in r)]
    if not raw:
        raise FileError("文件中没有数据")
    header_row, headers = raw[0][0], [_norm_header(h) for h in raw[0][1]]
    seen = set()
    for h in headers:
        if h and h in seen:
            raise FileError(f"表头“{h}”重复（第 {header_row} 行）")
        seen.add(h)
    body = raw[1:]
    if not body:
        raise FileError("文件中只有表头，没有数据行")
    if len(body) > MAX_ROWS:
        raise FileError(f"一次最多导入 {MAX_ROWS} 行，请分批导入")
    rows = []
    for n, cells in body:
        rows.append((n, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h}))
    canon = {ALIASES.get(h) for h in headers}
    missing = [FIELDS[f] for f in ("holder_name", "holder_id", "issuer_code", "issued_on") if f not in canon]
    if "type_code" not in canon and "type_name" not in canon:
        missing.insert(0, "证照类型代码或证照类型")
    if missing:
        raise FileError(f"缺少必需的列：{'、'.join(missing)}")
    return fmt, headers, rows


def canonical(raw: dict[str, str]) -> dict[str, str]:
    """Known columns under their field names; other columns kept by header (metadata candidates)."""
    out: dict[str, str] = {}
    for h, v in raw.items():
        key = ALIASES.get(h, h)
        if key in out and not v:
            continue
        out[key] = v
    return out


# --- checking rows ---------------------------------------------------------------------------------
def _date(value: str) -> date | None:
    v = unicodedata.normalize("NFKC", value or "").strip()
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", v) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", v
    )
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _find_type(values: dict, types: dict) -> LicenseType | None:
    code = keys.normalize(values.get("type_code", ""))
    name = (values.get("type_name") or "").strip()
    if code:
        return types["code"].get(code)
    return types["name"].get(name) if name else None


def _load_types() -> dict:
    all_types = list(LicenseType.objects.all())
    return {"code": {t.code: t for t in all_types}, "name": {t.name: t for t in all_types}}


def _load_departments() -> dict:
    from yiwang.organizations.models import Department

    return {d.uscc: d for d in Department.objects.exclude(uscc="")}


def allowed_departments(actor) -> set[int] | None:
    """Departments the actor may import licences for: None = all (platform admin, or the command
    line without an actor); department admins and approvers for their departments."""
    if actor is None:
        return None
    from yiwang.organizations.models import Role
    from yiwang.organizations.selectors import staff_scope

    scope = staff_scope(actor)
    if scope.has(Role.PLATFORM_ADMIN):
        return None
    return scope.departments_for(Role.DEPT_ADMIN, Role.APPROVER)


def _metadata(type_: LicenseType, values: dict, errors: list[RowError]) -> dict:
    out: dict = {}
    missing = []
    for f in type_.metadata_fields or []:
        name, title = f.get("name"), f.get("title") or f.get("name")
        raw = values.get(name) or values.get(f"x_{name}") or values.get(_norm_header(title)) or ""
        raw = raw.strip()
        if not raw:
            if f.get("required", True):
                missing.append(title)
            continue
        if name in LIST_FIELDS:
            items = [s.strip() for s in re.split(r"[;；\n]+", raw) if s.strip()]
            out[name] = list(dict.fromkeys(items))
        else:
            out[name] = raw
    if missing:
        errors.append(RowError("metadata", "missing_metadata", f"缺少照面信息：{'、'.join(missing)}"))
    return out


def validate_row(
    values: dict[str, str],
    *,
    today: date,
    allowed: set[int] | None,
    types: dict | None = None,
    departments: dict | None = None,
    row: int = 0,
) -> RowResult:
    """Check one row (canonical field names). Duplicates are checked by `validate_rows`."""
    from .services import party_hash, valid_until_for

    types = types if types is not None else _load_types()
    departments = departments if departments is not None else _load_departments()
    values = {k: (v if isinstance(v, str) else _cell(v)) for k, v in values.items()}
    res = RowResult(row=row, values=values)
    errors = res.errors

    for name, value in values.items():
        if len(value) > MAX_TEXT * 10 or (value and has_markup(value)):
            errors.append(
                RowError(name, "invalid_value", f"{FIELDS.get(name, name)}内容不能包含HTML标记或过长")
            )

    type_ = _find_type(values, types)
    if type_ is None:
        if values.get("type_code") or values.get("type_name"):
            errors.append(RowError("type_code", "unknown_type", "证照目录中没有这一证照类型"))
        else:
            errors.append(RowError("type_code", "required", "证照类型代码或证照类型必填"))
    elif not type_.issued_here:
        errors.append(RowError("type_code", "not_issued_here", f"{type_.name}不在本平台签发，不能归集"))
        type_ = None

    holder_name = (values.get("holder_name") or "").strip()
    if not holder_name:
        errors.append(RowError("holder_name", "required", "持证主体必填"))
    elif len(holder_name) > MAX_TEXT:
        errors.append(RowError("holder_name", "invalid_value", f"持证主体不能超过 {MAX_TEXT} 个字"))

    holder_id = keys.normalize(values.get("holder_id") or "")
    id_type = ID_TYPE_NAMES.get((values.get("holder_id_type") or "").strip(), "")
    if (values.get("holder_id_type") or "").strip() and not id_type:
        errors.append(RowError("holder_id_type", "invalid_value", "持证主体代码类型应为 111 或 001"))
    holder_hash = ""
    if not holder_id:
        errors.append(RowError("holder_id", "required", "持证主体代码必填"))
    else:
        checked = ""
        tries = [id_type] if id_type else [HolderIdType.RIC, HolderIdType.USCC]
        for t in tries:
            try:
                checked = validate_ric(holder_id) if t == HolderIdType.RIC else validate_uscc(holder_id)
                id_type = t
                break
            except IdValidationError:
                continue
        if not checked:
            if not id_type:  # say which code it looks like
                looks_ric = re.fullmatch(r"\d{17}[\dX]", holder_id) is not None
                id_type = (
                    HolderIdType.RIC if looks_ric else (HolderIdType.USCC if len(holder_id) == 18 else "")
                )
            if id_type == HolderIdType.USCC:
                msg, code = "统一社会信用代码格式或校验位有误", "bad_uscc"
            elif id_type == HolderIdType.RIC:
                msg, code = "公民身份号码格式或校验位有误", "bad_id_number"
            else:
                msg, code = (
                    "持证主体代码既不是有效的公民身份号码，也不是有效的统一社会信用代码",
                    "bad_id_number",
                )
            errors.append(RowError("holder_id", code, msg))
        else:
            holder_id = checked
            values["holder_id_type_resolved"] = id_type
            holder_hash = party_hash(id_type=id_type, id_value=holder_id)

    issuer = None
    issuer_code = keys.normalize(values.get("issuer_code") or "")
    if not issuer_code:
        errors.append(RowError("issuer_code", "required", "颁证单位代码必填"))
    else:
        issuer = departments.get(issuer_code)
        if issuer is None:
            errors.append(RowError("issuer_code", "unknown_issuer", "颁证单位代码不是本平台的部门"))
        elif allowed is not None and issuer.pk not in allowed:
            errors.append(RowError("issuer_code", "forbidden_issuer", "您无权以该部门名义归集证照"))
            issuer = None

    issued_on = None
    raw_issued = values.get("issued_on") or ""
    if not raw_issued:
        errors.append(RowError("issued_on", "required", "颁证日期必填"))
    else:
        issued_on = _date(raw_issued)
        if issued_on is None:
            errors.append(RowError("issued_on", "bad_date", "颁证日期应为 YYYY-MM-DD"))
        elif issued_on > today:
            errors.append(RowError("issued_on", "bad_date", "颁证日期不能晚于今天"))
            issued_on = None

    valid_until = None
    raw_until = (values.get("valid_until") or "").strip()
    if raw_until and raw_until not in LONG_TERM:
        valid_until = _date(raw_until)
        if valid_until is None:
            errors.append(RowError("valid_until", "bad_date", "有效期至应为 YYYY-MM-DD 或“长期”"))
    elif not raw_until and type_ is not None and issued_on is not None:
        valid_until = valid_until_for(type_=type_, valid_from=issued_on)
    if valid_until and issued_on and valid_until < issued_on:
        errors.append(RowError("valid_until", "bad_date", "有效期至不能早于颁证日期"))
    elif valid_until and valid_until < today:
        errors.append(
            RowError(
                "valid_until", "expired", f"证照已过有效期（有效期至 {valid_until.isoformat()}），不予归集"
            )
        )

    metadata = _metadata(type_, values, errors) if type_ is not None else {}
    original = (values.get("original_number") or "").strip()
    if original:
        metadata["original_number"] = original[:MAX_TEXT]

    if not errors and type_ is not None and issuer is not None and issued_on is not None:
        res.clean = CleanRow(
            type_=type_,
            issuer=issuer,
            holder_name=holder_name,
            holder_id_type=id_type,
            holder_id=holder_id,
            holder_hash=holder_hash,
            issued_on=issued_on,
            valid_until=valid_until,
            metadata=metadata,
        )
    return res


def existing_duplicate(clean: CleanRow) -> License | None:
    """A licence already on the platform for the same type, holder and issue date (and the same
    original number when the record has one)."""
    for lic in License.objects.filter(
        type=clean.type_, holder_id_hash=clean.holder_hash, issued_on=clean.issued_on
    ).only("identifier", "metadata"):
        if (lic.metadata or {}).get("original_number", "") == clean.metadata.get("original_number", ""):
            return lic
    return None


def validate_rows(
    rows: list[tuple[int, dict[str, str]]], *, actor=None, today: date | None = None
) -> list[RowResult]:
    """Every row checked: field rules, then duplicates within the file (a later copy of an earlier
    row is rejected) and against licences already issued."""
    today = today or timezone.localdate()
    allowed = allowed_departments(actor)
    types, departments = _load_types(), _load_departments()
    results = []
    first_seen: dict[tuple, int] = {}
    for n, raw in rows:
        res = validate_row(
            canonical(raw), today=today, allowed=allowed, types=types, departments=departments, row=n
        )
        if res.clean is not None:
            key = res.clean.key()
            if key in first_seen:
                res.errors.append(RowError("row", "duplicate_in_file", f"与第 {first_seen[key]} 行重复"))
            else:
                first_seen[key] = n
                dup = existing_duplicate(res.clean)
                if dup is not None:
                    res.errors.append(
                        RowError("row", "duplicate_existing", f"平台已有该证照（{dup.identifier}）")
                    )
            if res.errors:
                res.clean = None
        results.append(res)
    return results


def masked_values(values: dict[str, str]) -> dict[str, str]:
    """A row's values as pages and the API may show them: the holder's code masked (a person's ID
    number; a credit code is public registration data but masked here too, it may be a typo of
    an ID number), the holder's name masked for a person."""
    out = {k: v for k, v in values.items() if k != "holder_id_type_resolved"}
    if out.get("holder_id"):
        out["holder_id"] = mask_id_number(out["holder_id"])
    if out.get("holder_name") and not _is_company(values):
        out["holder_name"] = mask_name(out["holder_name"])
    return out


def _is_company(values: dict[str, str]) -> bool:
    kind = values.get("holder_id_type_resolved") or ID_TYPE_NAMES.get(
        (values.get("holder_id_type") or "").strip()
    )
    if kind:
        return kind == HolderIdType.USCC
    try:
        validate_uscc(keys.normalize(values.get("holder_id") or ""))
    except IdValidationError:
        return False
    return True
