"""The provincial item library (省级事项库) as a source of standard items (事项认领): its export
files (JSON and Excel, as provinces publish them) and its HTTP API (changes since a cursor).

Everything the province sends is read into *standard rows* — the import/export row format's
standard fields (`STANDARD_FIELDS`) plus `basic_code`, `revision`, `updated_at`, `withdrawn` —
with the province's local code values mapped to GB/T 39046 through the `CodeMapping` rows of the
source (the same mapping the item import uses), and checked with the item import's own row checks.
A batch with any bad row is refused whole; `catalog.claims.standard_items_receive` applies a good
batch in one transaction. The field names and Excel headers are in `FIELDS` (docs/integration.md,
"事项认领", has the table).

The HTTP client lives here (the catalogue sits below `exchange`): `GET {base}/items/changes?
since=<cursor>&limit=<n>` answered by `{"items": [...], "next_cursor": "...", "has_more": bool}`.
Requests are signed by whatever the `catalog.province_request_signer` hook holds (`exchange`
registers its RFC 9421 signer with the platform's key); a 200 answer is read only once every
`catalog.province_answer_verifier` accepts it (`docking` registers the check of the province's
RFC 9421 answer signature against YIWANG_PROVINCE_PUBLIC_KEY, when one is configured). Timeouts, refused connections and 5xx
answers are retried with backoff; an oversized, malformed or non-200 answer is refused at once.
Settings (settings.py, from the environment): YIWANG_ITEM_LIBRARY_URL, _SOURCE ("province"),
_TIMEOUT (5 s), _RETRIES (2), _BACKOFF (0.2 s), _MAX_RESPONSE (1048576 bytes), _PAGE_SIZE (200),
_MAX_PAGES (50 a run)."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.conf import settings

from . import validation
from .hooks import province_answer_verifier, province_request_signer
from .models import CodeMapping

# (our key, JSON field, Excel header / Chinese JSON key, kind)
FIELDS: list[tuple[str, str, str, str]] = [
    ("basic_code", "basicCode", "基本编码", "str"),
    ("name", "itemName", "事项名称", "str"),
    ("item_type", "itemType", "事项类型", "code"),
    ("service_objects", "serviceObject", "服务对象", "list"),
    ("exercise_levels", "useLevel", "行使层级", "list"),
    ("power_source", "powerSource", "权力来源", "code"),
    ("legal_basis", "setBasis", "设定依据", "str"),
    ("conditions", "acceptCondition", "受理条件", "str"),
    ("statutory_limit_days", "legalLimit", "法定办结时限", "int"),
    ("revision", "version", "版本号", "int"),
    ("updated_at", "updateTime", "更新时间", "str"),
    ("withdrawn", "status", "状态", "status"),
]
# The fields the province owns; the city fills in the rest of the guide (claims.IMPLEMENTATION_FIELDS).
STANDARD_FIELDS = [
    "name",
    "item_type",
    "service_objects",
    "exercise_levels",
    "power_source",
    "legal_basis",
    "conditions",
    "statutory_limit_days",
]
STANDARD_LABELS = {k: validation.FIELD_LABELS[k] for k in STANDARD_FIELDS}
SHEET = "标准事项"
ACTIVE_WORDS = {"", "1", "在用", "有效", "active", "normal", "启用"}
WITHDRAWN_WORDS = {"0", "2", "停用", "废止", "取消", "withdrawn", "inactive", "deleted"}
BASIC_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-]{0,39}$")
TEXT_MAX = 20000
MAX_ROWS = 50000
MAX_FILE = 20 * 1024 * 1024

_BY_JSON = {j: (k, kind) for k, j, _, kind in FIELDS}
_BY_HEADER = {h: (k, kind) for k, _, h, kind in FIELDS}


def setting(name: str):
    """A YIWANG_ITEM_LIBRARY_* setting (settings.py reads them from the environment)."""
    return getattr(settings, f"YIWANG_ITEM_LIBRARY_{name}")


def source() -> str:
    return setting("SOURCE") or "province"


@dataclass
class Problem:
    row: int
    basic_code: str
    field: str
    message: str

    def __str__(self) -> str:
        code = f" [{self.basic_code}]" if self.basic_code else ""
        where = f"第 {self.row} 条{code} " if self.row else ""
        return f"{where}{self.field}：{self.message}"


@dataclass
class Batch:
    """Standard rows read from one file or one page of the API, with every problem found."""

    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    next_cursor: str = ""
    has_more: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def error(self, row: int, code: str, key: str, message: str) -> None:
        label = validation.FIELD_LABELS.get(key) or {
            "revision": "版本号",
            "withdrawn": "状态",
            "_": "内容",
        }.get(key, key)
        self.problems.append(Problem(row, code, label, message))

    def summary(self, limit: int = 20) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"……另有 {len(self.problems) - limit} 处")
        return "\n".join(lines)


# --- one value --------------------------------------------------------------------------------------


def _value(raw: Any, kind: str) -> tuple[Any, str | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if kind in ("str", "code"):
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            return None, "应为文本"
        return str(raw).strip(), None
    if kind == "int":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw, None
        if isinstance(raw, str) and raw.strip().isdigit():
            return int(raw.strip()), None
        return None, "应为整数"
    if kind == "list":
        if isinstance(raw, list):
            if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in raw):
                return None, "应为代码列表"
            return [str(v).strip() for v in raw if str(v).strip()], None
        if isinstance(raw, str | int) and not isinstance(raw, bool):
            from .xlsx import LIST_SPLIT

            return [p.strip() for p in LIST_SPLIT.split(str(raw)) if p.strip()], None
        return None, "应为代码列表"
    if kind == "status":
        if isinstance(raw, bool):
            return not raw, None
        text = str(raw).strip().lower()
        if text in ACTIVE_WORDS:
            return False, None
        if text in WITHDRAWN_WORDS:
            return True, None
        return None, f"未知的状态 {raw}"
    raise ValueError(kind)


# --- rows -------------------------------------------------------------------------------------------


def _check(rows: list[tuple[int, dict]], batch: Batch, system: str) -> None:
    """Map local codes, run the item import's row checks on the standard fields, and add every
    good row to `batch.rows`. Duplicated basic codes in one batch are an error."""
    from .services import _apply_code_mappings

    mappings = {(m.table, m.local_code): m.national_code for m in CodeMapping.objects.filter(system=system)}
    seen: dict[str, int] = {}
    for number, raw in rows:
        code = raw.get("basic_code") if isinstance(raw.get("basic_code"), str) else ""
        if not code:
            batch.error(number, "", "basic_code", "基本编码不能为空")
        elif not BASIC_CODE_RE.match(code):
            batch.error(number, code, "basic_code", "基本编码只能由字母、数字和连字符组成，不超过 40 个字符")
        elif code in seen:
            batch.error(number, code, "basic_code", f"基本编码重复（与第 {seen[code]} 条相同）")
        else:
            seen[code] = number
        revision = raw.get("revision")
        if not isinstance(revision, int) or revision < 1:
            batch.error(number, code, "revision", "版本号应为正整数")
        standard = {k: raw.get(k) for k in STANDARD_FIELDS}
        standard["power_source"] = standard["power_source"] or "1"
        for key in ("service_objects", "exercise_levels"):
            standard[key] = standard[key] or []
        for key in ("legal_basis", "conditions"):
            standard[key] = standard[key] or ""
        mapped, problems = _apply_code_mappings(standard, mappings)
        shaped = {"code": code or "-", "basic_code": code or "-", "department_uscc": "-", "node_kind": "main"}
        problems += validation.row_structure_problems(shaped | mapped)
        for key in ("legal_basis", "conditions"):
            if len(mapped[key]) > TEXT_MAX:
                problems.append((key, f"不能超过 {TEXT_MAX} 个字符"))
        days = mapped["statutory_limit_days"]
        if days is not None and days > 3650:
            problems.append(("statutory_limit_days", "法定办结时限不能超过 3650 个工作日"))
        for key, message in problems:
            batch.error(number, code, key, message)
        if not problems:
            batch.rows.append(
                {
                    "basic_code": code,
                    "revision": revision,
                    "updated_at": (raw.get("updated_at") or "")[:40],
                    "withdrawn": bool(raw.get("withdrawn")),
                    "standard": mapped,
                }
            )
    if len(batch.rows) != len(rows):
        batch.rows = []  # all or nothing


def _from_objects(objects: list, batch: Batch, system: str) -> None:
    rows: list[tuple[int, dict]] = []
    for number, obj in enumerate(objects, start=1):
        if not isinstance(obj, dict):
            batch.error(number, "", "_", "每一条事项应为 JSON 对象")
            continue
        row: dict[str, Any] = {}
        for key, raw in obj.items():
            target = _BY_JSON.get(key) or _BY_HEADER.get(str(key).strip())
            if target is None:
                continue  # provinces add fields of their own; only the mapped ones are read
            name, kind = target
            value, error = _value(raw, kind)
            if error:
                batch.error(number, str(obj.get("basicCode") or obj.get("基本编码") or ""), name, error)
            elif value is not None:
                row[name] = value
        rows.append((number, row))
    _check(rows, batch, system)


def items_of(payload: Any) -> list | None:
    """The item list inside a province's JSON: a bare list, `{"items": [...]}`, `{"data": [...]}`
    or `{"data": {"list": [...]}}`."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        for key in ("items", "data", "list", "rows"):
            inner = payload.get(key)
            if isinstance(inner, list):
                return inner
            if isinstance(inner, dict):
                found = items_of(inner)
                if found is not None:
                    return found
    return None


def read_json(data: bytes, *, system: str | None = None) -> Batch:
    batch = Batch()
    try:
        payload = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        batch.error(0, "", "_", "不是合法的 JSON（应为 UTF-8 编码）")
        return batch
    objects = items_of(payload)
    if objects is None:
        batch.error(0, "", "_", "找不到事项列表（应为列表，或 items、data、data.list 中的列表）")
        return batch
    if len(objects) > MAX_ROWS:
        batch.error(0, "", "_", f"事项超过 {MAX_ROWS} 条")
        return batch
    _from_objects(objects, batch, system or source())
    return batch


def read_xlsx(fileobj: BinaryIO, *, system: str | None = None) -> Batch:
    """First row: headers (`FIELDS`' Chinese names; other columns are ignored). The sheet named
    标准事项, or the first sheet."""
    from openpyxl import load_workbook

    batch = Batch()
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not an xlsx workbook
        batch.error(0, "", "_", "无法读取 Excel 文件（应为 .xlsx 格式）")
        return batch
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = next(it, None) or ()
    index = {i: _BY_HEADER[str(h).strip()] for i, h in enumerate(header) if str(h).strip() in _BY_HEADER}
    if not any(k == "basic_code" for k, _ in index.values()):
        batch.error(1, "", "_", "缺少“基本编码”列")
        wb.close()
        return batch
    rows: list[tuple[int, dict]] = []
    for number, values in enumerate(it, start=2):
        if number - 1 > MAX_ROWS:
            batch.error(number, "", "_", f"事项超过 {MAX_ROWS} 条")
            break
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row: dict[str, Any] = {}
        for i, (name, kind) in index.items():
            value, error = _value(values[i] if i < len(values) else None, kind)
            if error:
                batch.error(number, "", name, error)
            elif value is not None:
                row[name] = value
        rows.append((number, row))
    wb.close()
    if batch.ok:
        _check(rows, batch, system or source())
    return batch


# --- the HTTP API -----------------------------------------------------------------------------------


class ProvinceError(Exception):
    """The province's API did not give a usable answer. `code` says why (English, for records)."""

    MESSAGES = {
        "not_configured": "未配置省级事项库地址",
        "timeout": "省级事项库响应超时",
        "unavailable": "无法连接省级事项库",
        "server_error": "省级事项库返回服务器错误",
        "too_large": "省级事项库的应答超过大小上限",
        "bad_status": "省级事项库拒绝了请求",
        "malformed": "省级事项库的应答格式不正确",
        "invalid_items": "省级事项库的应答中有不合规的事项",
        "cursor_moved": "游标已被另一次同步推进",
        "signature_invalid": "省级事项库的应答签名无效，已拒收",
    }
    RETRYABLE = {"timeout", "unavailable", "server_error"}

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    @property
    def message(self) -> str:
        return self.MESSAGES.get(self.code, self.code)


@dataclass
class Fetch:
    batch: Batch
    attempts: int


def base_url() -> str:
    return (setting("URL") or "").strip()


def _get_once(url: str, timeout: float, limit: int) -> bytes:
    headers = {"Accept": "application/json"}
    for sign in province_request_signer.functions():
        headers.update(sign(method="GET", url=url, body=b""))
    parts = urllib.parse.urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers)
        resp = conn.getresponse()
        length = resp.getheader("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            raise ProviderTooLarge(length)
        data = resp.read(limit + 1)
        if len(data) > limit:
            raise ProviderTooLarge(f">{limit}")
        status = resp.status
        answer_headers = resp.getheaders()
    except ProviderTooLarge as exc:
        raise ProvinceError("too_large", str(exc)) from exc
    except TimeoutError as exc:
        raise ProvinceError("timeout", str(exc)) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise ProvinceError("unavailable", type(exc).__name__) from exc
    finally:
        conn.close()
    if status >= 500:
        raise ProvinceError("server_error", str(status))
    if status != 200:
        raise ProvinceError("bad_status", str(status))
    for verify in province_answer_verifier.functions():
        problem = verify(status=status, headers=answer_headers, body=data)
        if problem:
            raise ProvinceError("signature_invalid", problem)
    return data


class ProviderTooLarge(Exception):
    pass


def changes_fetch(*, cursor: str, url: str | None = None, system: str | None = None) -> Fetch:
    """One page of changes since `cursor`, read and checked (all rows good, or ProvinceError).
    Retries what may pass (timeouts, refused connections, 5xx) with exponential backoff."""
    base = (url or base_url()).rstrip("/")
    if not base:
        raise ProvinceError("not_configured")
    size = int(setting("PAGE_SIZE"))
    query = urllib.parse.urlencode({"since": cursor, "limit": size})
    target = f"{base}/items/changes?{query}"
    timeout = float(setting("TIMEOUT"))
    limit = int(setting("MAX_RESPONSE"))
    attempts = 1 + max(int(setting("RETRIES")), 0)
    backoff = float(setting("BACKOFF"))
    last: ProvinceError | None = None
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff * (2 ** (attempt - 1)))
        try:
            data = _get_once(target, timeout, limit)
        except ProvinceError as exc:
            last = exc
            if exc.code not in ProvinceError.RETRYABLE:
                break
            continue
        return Fetch(batch=_page(data, system or source()), attempts=attempt + 1)
    assert last is not None
    last.attempts = attempt + 1  # type: ignore[attr-defined]
    raise last


def _page(data: bytes, system: str) -> Batch:
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProvinceError("malformed", "json") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise ProvinceError("malformed", "items")
    next_cursor = payload.get("next_cursor")
    if not isinstance(next_cursor, str) or not next_cursor or len(next_cursor) > 200:
        raise ProvinceError("malformed", "next_cursor")
    has_more = payload.get("has_more", False)
    if not isinstance(has_more, bool):
        raise ProvinceError("malformed", "has_more")
    batch = Batch(next_cursor=next_cursor, has_more=has_more)
    _from_objects(payload["items"], batch, system)
    if not batch.ok:
        error = ProvinceError("invalid_items", batch.summary())
        error.batch = batch  # type: ignore[attr-defined]
        raise error
    return batch
