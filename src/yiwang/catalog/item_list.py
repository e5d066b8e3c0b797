"""Convert a provincial portal's item list (CSV: department, main_item, item_name,
implementation_code, item_type_code — e.g. ../shared/data/items-sichuan-guang-an-district.csv)
into import rows. The list has names and codes only, so items become drafts.

Implementation codes look like `{basic code}-{12-digit division}-{000}-{department USCC}-1-00`;
some lists carry an old 9-character organisation code (`00877868-5`) or a placeholder instead
of the USCC, which is reported as a warning. `main_item` names the main item (主项) a row belongs
to (`未分类`: none). When the main item is itself a row of the same department it becomes the
parent; otherwise a main item is created with a local code (`LOCAL-{division}-{hash}`)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from django.db.models import Q

from yiwang.core.identifiers import is_valid_uscc, normalize
from yiwang.organizations.models import Department, Region

from .models import ItemNodeKind

if TYPE_CHECKING:
    from .services import ImportReport

NO_MAIN_ITEM = "未分类"
COLUMNS = ["department", "main_item", "item_name", "implementation_code", "item_type_code"]
# {basic}-{division 12}-{seq 3}-{org code, may contain a dash}-{d}-{dd}
CODE_RE = re.compile(
    r"^(?P<basic>.+?)-(?P<division>\d{12})-(?P<seq>\d{3})-(?P<org>.+)-(?P<a>\d)-(?P<b>\d{2})$"
)
# short form without division: {letter}-{6 digits}-{3 digits}-{org}
SHORT_CODE_RE = re.compile(r"^(?P<basic>[0-9A-Z]{1,2}-\d+-\d+)-(?P<org>[^-]+)$")


def parse_implementation_code(code: str) -> tuple[str, str]:
    """(basic code, department code part) of an implementation code."""
    code = code.strip()
    m = CODE_RE.match(code) or SHORT_CODE_RE.match(code)
    if m:
        return m.group("basic"), m.group("org")
    parts = code.split("-")
    return parts[0], parts[3] if len(parts) > 3 else ""


def local_main_code(division: str, department: str, name: str) -> str:
    digest = hashlib.sha1(f"{department}|{name}".encode(), usedforsecurity=False).hexdigest()[:10].upper()
    return f"LOCAL-{division}-{digest}"


def convert_item_list(
    csv_rows: list[dict],
    *,
    region: Region,
    create_departments: bool,
    department_usccs: dict[str, str],
    report: ImportReport,
) -> tuple[list[dict], list[tuple[str, str]]]:
    """Import rows (drafts) and the departments to create [(name, uscc)]; problems go into
    `report` (row numbers are CSV line numbers: the header is line 1)."""
    if csv_rows and set(COLUMNS) - set(csv_rows[0]):
        missing = "、".join(sorted(set(COLUMNS) - set(csv_rows[0])))
        report.error(1, "", "_", f"缺少列：{missing}")
        return [], []
    division = region.code.ljust(12, "0")
    rows = []
    for line, r in enumerate(csv_rows, start=2):
        rows.append({k: (r.get(k) or "").strip() for k in COLUMNS} | {"_line": line})

    # departments: by name or short name, within the region
    names = sorted({r["department"] for r in rows if r["department"]})
    known: dict[str, Department] = {}
    for d in Department.objects.filter(
        Q(name__in=names) | Q(short_name__in=names), region__path__startswith=region.path
    ):
        for n in (d.name, d.short_name):
            if n in names:
                known.setdefault(n, d)
    org_codes: dict[str, Counter] = defaultdict(Counter)
    first_line: dict[str, int] = {}
    for r in rows:
        if not r["department"]:
            report.error(r["_line"], r["implementation_code"], "department", "实施部门不能为空")
            continue
        first_line.setdefault(r["department"], r["_line"])
        _, org = parse_implementation_code(r["implementation_code"])
        if is_valid_uscc(org):
            org_codes[r["department"]][normalize(org)] += 1
        elif r["department"] not in known or create_departments:
            report.warn(
                r["_line"],
                r["implementation_code"],
                "implementation_code",
                f"实施编码中的部门代码 {org or '（空）'} 不是有效的统一社会信用代码",
            )
    usccs: dict[str, str] = {}
    to_create: list[tuple[str, str]] = []
    taken = set(Department.objects.values_list("uscc", flat=True))
    missing = [n for n in names if n not in known]
    # departments with fewer candidate codes choose first, so shared codes go where they must
    for name in sorted(missing, key=lambda n: (len(org_codes[n]), n)):
        line = first_line.get(name, 0)
        if not create_departments:
            report.error(line, "", "department", f"部门“{name}”不存在（可使用 --create-departments 创建）")
            continue
        override = department_usccs.get(name)
        if override:
            code = normalize(override)
            if not is_valid_uscc(code):
                report.error(line, "", "department", f"为部门“{name}”指定的统一社会信用代码 {override} 无效")
                continue
        else:
            code = next((c for c, _ in org_codes[name].most_common() if c not in taken), "")
            if not code:
                report.error(
                    line,
                    "",
                    "department",
                    f"部门“{name}”不存在，且其实施编码中没有可用的有效统一社会信用代码，无法创建",
                )
                continue
        if code in taken:
            report.error(line, "", "department", f"统一社会信用代码 {code} 已被其他部门使用")
            continue
        taken.add(code)
        usccs[name] = code
        to_create.append((name, code))
    for name, d in known.items():
        usccs[name] = d.uscc

    # the tree
    by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        by_name[(r["department"], r["item_name"])].append(r)
    parents: dict[tuple[str, str], str] = {}  # (department, main item name) -> parent code
    main_rows: dict[str, dict] = {}  # code of a listed row that is a main item -> row
    synthesized: dict[str, dict] = {}
    for r in rows:
        main = r["main_item"]
        if not main or main == NO_MAIN_ITEM or main == r["item_name"]:
            continue
        key = (r["department"], main)
        if key in parents:
            continue
        same = by_name.get(key, [])
        if len(same) == 1 and same[0]["main_item"] in (NO_MAIN_ITEM, main, ""):
            parents[key] = same[0]["implementation_code"]
            main_rows[same[0]["implementation_code"]] = same[0]
        else:
            code = local_main_code(division, r["department"], main)
            parents[key] = code
            synthesized[code] = {
                "department": r["department"],
                "name": main,
                "line": r["_line"],
                "types": Counter(),
            }
    for r in rows:
        key = (r["department"], r["main_item"])
        if key in parents and parents[key] in synthesized:
            synthesized[parents[key]]["types"][r["item_type_code"]] += 1

    out: list[dict] = []
    for code, s in synthesized.items():
        out.append(
            _row(
                code=code,
                basic_code=code,
                uscc=usccs.get(s["department"], ""),
                name=s["name"],
                type_code=s["types"].most_common(1)[0][0] if s["types"] else "",
                node_kind=ItemNodeKind.MAIN,
                parent_code=None,
                line=s["line"],
            )
        )
    for r in rows:
        basic, _ = parse_implementation_code(r["implementation_code"])
        code = r["implementation_code"]
        parent = parents.get((r["department"], r["main_item"]))
        is_main = code in main_rows or parent is None or parent == code
        out.append(
            _row(
                code=code,
                basic_code=basic,
                uscc=usccs.get(r["department"], ""),
                name=r["item_name"],
                type_code=r["item_type_code"],
                node_kind=ItemNodeKind.MAIN if is_main else ItemNodeKind.SUB,
                parent_code=None if is_main else parent,
                line=r["_line"],
            )
        )
    return out, to_create


def _row(*, code, basic_code, uscc, name, type_code, node_kind, parent_code, line) -> dict:
    row = {
        "_row": line,
        "code": code,
        "basic_code": basic_code,
        "department_uscc": uscc,
        "node_kind": node_kind,
        "name": name,
        "item_type": type_code,
        "exercise_levels": ["4"],  # a district's list: 县级
        "power_source": "1",
    }
    if parent_code:
        row["parent_code"] = parent_code
    return row
