"""Editions of the demo catalogue: the first edition as it was published, then the corrections
as new versions of the same items (implementation codes never change).

A review against national documents found errors in the demo catalogue as first published
(issue 13: statutory limits, 婚姻登记 after 国务院令第804号, derived 办理形式 and 网上办理深度, a 备案
typed as 行政许可, 即办件 promising 2 days, 公告 on 不动产转移/抵押登记, power sources, 通办范围). They
are fixed where the data is made (`build_items.py`, `bundles.NEW_ITEMS`); `data/items-first-edition.json`
keeps, for each corrected item, the fields as first published. `items_load` imports a new item's
first edition (valid from `FIRST_EDITION_DAYS` days before the load), then the current rows
through the same `catalog.services.items_import`: an item whose row differs gets version 2,
the previous version's validity ends the day before (retired, in the ledger like every version
change). A database loaded before the corrections gets them the same way, as new versions.

The first-edition file is a record, not generated data: it was written once by
`yiwang shell -c "from yiwang.demo import editions; editions.main(['OLD.json', 'NEW.json'])"` from
two `catalog.services.items_export()` dumps of a loaded demo (the catalogue as first published,
and as corrected with an empty record)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from yiwang.catalog import selectors as catalog_selectors
from yiwang.catalog import services as catalog
from yiwang.catalog.models import Item

FIRST_EDITION_JSON = Path(__file__).resolve().parent / "data" / "items-first-edition.json"
FIRST_EDITION_DAYS = 30  # the first edition was published this many days before the corrections
# fields of a row a correction may change (the item's identity — codes, department, tree — never)
VERSION_FIELDS = [*catalog.VERSION_DEFAULTS, "materials", "halls"]


@cache
def first_edition() -> dict[str, dict]:
    """{implementation code: {field: value as first published}} for the corrected items."""
    return json.loads(FIRST_EDITION_JSON.read_text(encoding="utf-8"))["items"]


def first_edition_row(row: dict) -> dict:
    """The row as first published: the current row with the corrected fields as they were."""
    old = first_edition().get(row["code"])
    if not old:
        return row
    out = copy.deepcopy(row)
    out.update(copy.deepcopy(old))
    return out


@dataclass
class EditionLoad:
    report: catalog.ImportReport
    changed: list[str] = field(default_factory=list)  # codes created or given a new version


def _current(codes: list[str], on: date) -> dict[str, int]:
    ids = dict(Item.objects.filter(code__in=codes).values_list("pk", "code"))
    current = catalog_selectors.current_version_ids(item_ids=list(ids), on=on)
    return {ids[item_id]: version_id for item_id, version_id in current.items()}


def items_load(rows: list[dict], *, on: date | None = None, source: str = "json") -> EditionLoad:
    """Import `rows` (published): items new to the database first as their first edition, then
    every row as it is now — a corrected item becomes a new version, an unchanged one is left
    alone. The report counts created (new items), updated (new versions), unchanged, published."""
    on = on or catalog_selectors.today()
    codes = [r["code"] for r in rows]
    before = _current(codes, on)
    existing = set(Item.objects.filter(code__in=codes).values_list("code", flat=True))
    new = [first_edition_row(r) for r in rows if r["code"] not in existing]
    first = catalog.ImportReport(source=source)
    if new:
        first = catalog.items_import(
            data=new, publish=True, source=source, valid_from=on - timedelta(days=FIRST_EDITION_DAYS)
        )
        if not first.ok:
            return EditionLoad(report=first)
    now = catalog.items_import(data=rows, publish=True, source=source, valid_from=on)
    if not now.ok:
        return EditionLoad(report=now)
    after = _current(codes, on)
    report = now
    report.created = first.created
    # unchanged: items that were there before this load and got no new version
    report.unchanged = sum(1 for c in codes if c in existing and before.get(c) == after.get(c))
    report.published = first.published + now.published
    report.warnings = first.warnings + now.warnings
    return EditionLoad(report=report, changed=[c for c in codes if before.get(c) != after.get(c)])


# --- the record ------------------------------------------------------------------------------------


def corrections(old_rows: list[dict], new_rows: list[dict]) -> dict[str, dict]:
    """{code: {field: old value}} for the version fields that differ between two exports."""
    old = {r["code"]: r for r in old_rows}
    out: dict[str, dict] = {}
    for row in new_rows:
        before = old.get(row["code"])
        if before is None:
            continue
        diff = {k: before.get(k) for k in VERSION_FIELDS if before.get(k) != row.get(k)}
        if diff:
            out[row["code"]] = diff
    return dict(sorted(out.items()))


def main(argv: list[str]) -> None:
    old_path, new_path = argv
    old = json.loads(Path(old_path).read_text(encoding="utf-8"))
    new = json.loads(Path(new_path).read_text(encoding="utf-8"))
    record = {
        "about": "演示事项目录首版（2026年）中经核查更正的事项：各字段首次发布时的取值。"
        "更正后的取值见 items.json 与 bundles.NEW_ITEMS；加载时首版为第 1 版，更正为第 2 版。",
        "items": corrections(old, new),
    }
    FIRST_EDITION_JSON.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
