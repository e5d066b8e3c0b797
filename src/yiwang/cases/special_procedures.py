"""Special procedures (《行政许可法》第四十五条): 听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审 and
the like, whose time does not count towards the limit — but only when the item declares the
procedure with its legal basis (`catalog.ItemVersion.special_procedures`). The catalogue names a
procedure in its own words (`name`, e.g. 水质检验) with the national kind code (`kind`: 1 延长审批 is
the §42 extension, not a stop; 2 其他); an entry may name the machine kind outright
(`procedure`) and its expected duration in working days (`duration_days`)."""

from __future__ import annotations

from typing import Any

SPECIAL_PROCEDURES = {
    "hearing": "听证",
    "tender": "招标",
    "auction": "拍卖",
    "inspection": "检验",
    "testing": "检测",
    "quarantine": "检疫",
    "appraisal": "鉴定",
    "expert_review": "专家评审",
    "public_notice": "公示",
    "announcement": "公告",
    "site_inspection": "现场核查",
}
# Other words the catalogue uses for the same procedure.
ALIASES = {"site_inspection": ("现场检查", "实地核查", "现场勘验")}
EXTENSION_KIND = "1"  # national code 延长审批: the §42 extension, not a clock stop


def _kind_of(entry: dict[str, Any]) -> str | None:
    code = entry.get("procedure")
    if code in SPECIAL_PROCEDURES:
        return code
    name = str(entry.get("name") or "")
    for code, label in SPECIAL_PROCEDURES.items():
        if label in name or any(a in name for a in ALIASES.get(code, ())):
            return code
    return None


def declared_procedures(special_procedures: list | None) -> dict[str, dict[str, Any]]:
    """{machine kind: catalogue entry} of the special procedures an item declares with a legal
    basis (the only ones that may stop its clock), in the catalogue's order."""
    out: dict[str, dict[str, Any]] = {}
    for entry in special_procedures or []:
        if not isinstance(entry, dict) or entry.get("kind") == EXTENSION_KIND:
            continue
        if not str(entry.get("basis") or "").strip():
            continue
        code = _kind_of(entry)
        if code and code not in out:
            out[code] = entry
    return out


def kinds_text(declared: dict[str, dict[str, Any]]) -> str:
    return "、".join(f"{k}（{SPECIAL_PROCEDURES[k]}）" for k in declared) or "无"
