"""Demo data of 事项认领: a provincial item library's standard items, so that the claim page
(`/catalog/claims/`, the demo's department admins) has something to claim. The names, basic codes
and type codes are real (the first 60 distinct basic codes of 广安区's published list,
`data/items-sichuan-guang-an-district.csv`); the legal basis, conditions and limits are written by
the project and marked as demo text. Loaded through the same path as a province's JSON export
(`catalog.claims.standard_file_import`), so rerunning changes nothing (same revisions)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from yiwang.catalog import claims
from yiwang.catalog.item_list import parse_implementation_code

LIST = Path(__file__).parent / "data" / "items-sichuan-guang-an-district.csv"
COUNT = 60


def standard_items(count: int = COUNT) -> list[dict]:
    out, seen = [], set()
    with LIST.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            basic, _ = parse_implementation_code(row["implementation_code"])
            if basic in seen or len(basic) > 40 or "-" in basic[:2]:
                continue
            seen.add(basic)
            out.append(
                {
                    "basicCode": basic,
                    "itemName": row["item_name"],
                    "itemType": row["item_type_code"],
                    "serviceObject": "1,2",
                    "useLevel": "3,4",
                    "powerSource": "1",
                    "setBasis": "（演示数据）依据省级事项库公布的设定依据",
                    "acceptCondition": "（演示数据）申请材料齐全、符合法定形式",
                    "legalLimit": 20,
                    "version": 1,
                    "status": "在用",
                }
            )
            if len(out) == count:
                break
    return out


def demo_load() -> dict:
    data = json.dumps({"items": standard_items()}, ensure_ascii=False).encode()
    sync = claims.standard_file_import(data=data, kind="json")
    return {"status": sync.status, "created": sync.created, "unchanged": sync.unchanged}
