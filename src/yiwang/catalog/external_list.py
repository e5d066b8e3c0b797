"""Another district's published item list as catalogue entries (`Item.external`): the real list of
Sichuan's 广安区 (`demo/data/items-sichuan-guang-an-district.csv`: department, main_item,
item_name, implementation_code, item_type_code) so that search is tried on real item names at a
realistic size.

Each row becomes an item of a department named 广安区… (the list's `区经信局` → `广安区经信局`) in
the region 广安市广安区 (511602, outside the city), with the list's implementation code and name
exactly, one published version, no limits, no materials. `Item.external` keeps these entries out
of the city's indicators and out of the catalogue's rule checks (`item_version_publish` skips
them). Rerunning is idempotent: known codes are left alone, a changed name gets a new version."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from yiwang.core.identifiers import is_valid_uscc, uscc_check_digit
from yiwang.organizations.models import Department, Region, RegionLevel

from . import ledgering
from .item_list import parse_implementation_code
from .models import Item, ItemNodeKind, ItemType, ItemVersion, VersionStatus
from .selectors import today
from .services import item_version_publish

COLUMNS = ("department", "main_item", "item_name", "implementation_code", "item_type_code")
CITY = ("511600", "广安市")
DISTRICT = ("511602", "广安区")
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_TYPES = {c.value for c in ItemType}


@dataclass
class ExternalImport:
    rows: int = 0
    created: int = 0
    renamed: int = 0
    unchanged: int = 0
    departments_created: int = 0


def department_name(listed: str, district: str = DISTRICT[1]) -> str:
    """`区经信局` → `广安区经信局`; a name that already starts with the district stays."""
    listed = listed.strip()
    if listed.startswith(district):
        return listed
    if listed.startswith("区"):
        return district + listed[1:]
    return district + listed


def item_type(code: str) -> str:
    """The list's type codes are the national ones without the leading zero (`1` → `01`)."""
    code = code.strip()
    padded = code.zfill(2)
    return padded if padded in _TYPES else ItemType.OTHER


def _org_check(body: str) -> str:
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(_ALPHABET.index(c) * w for c, w in zip(body, weights, strict=True))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def _uscc_for(name: str, region_code: str, taken: set[str]) -> str:
    """A valid USCC derived from the department's name (机关, "11"), unused so far."""
    salt = 0
    while True:
        digest = hashlib.sha256(f"{name}|{salt}".encode()).digest()
        body = "MB" + "".join(_ALPHABET[b % 31] for b in digest[:6])
        head = f"11{region_code}{body}{_org_check(body)}"
        code = head + uscc_check_digit(head)
        if code not in taken and is_valid_uscc(code):
            return code
        salt += 1


def _region() -> Region:
    city, _ = Region.objects.get_or_create(
        code=CITY[0].ljust(6, "0"), defaults={"name": CITY[1], "level": RegionLevel.CITY}
    )
    district, _ = Region.objects.get_or_create(
        code=DISTRICT[0], defaults={"name": DISTRICT[1], "level": RegionLevel.DISTRICT, "parent": city}
    )
    return district


def _version_fields(r: dict) -> dict:
    return {
        "name": r["item_name"],
        "item_type": item_type(r["item_type_code"]),
        "exercise_levels": ["4"],
        "service_objects": [],
        "handling_forms": ["1"],
    }


@transaction.atomic
def external_list_import(*, fileobj: io.TextIOBase, on: date | None = None) -> ExternalImport:
    """Import the list (all or nothing). Returns what was created."""
    on = on or today()
    out = ExternalImport()
    rows = [{k: (r.get(k) or "").strip() for k in COLUMNS} for r in csv.DictReader(fileobj)]
    out.rows = len(rows)
    region = _region()
    departments: dict[str, Department] = {d.name: d for d in Department.objects.filter(region=region)}
    taken = set(Department.objects.values_list("uscc", flat=True))
    existing = {i.code: i for i in Item.objects.filter(code__in=[r["implementation_code"] for r in rows])}
    latest = {
        v.item_id: v
        for v in ItemVersion.objects.filter(item__in=existing.values()).order_by("item_id", "version")
    }
    new_items: list[Item] = []
    new_names: dict[str, dict] = {}
    for r in rows:
        if not r["implementation_code"] or not r["item_name"]:
            continue
        name = department_name(r["department"])
        dept = departments.get(name)
        if dept is None:
            code = _uscc_for(name, region.code[:6], taken)
            taken.add(code)
            dept = departments[name] = Department.objects.create(
                name=name, short_name=name[len(DISTRICT[1]) :] or name, uscc=code, region=region
            )
            out.departments_created += 1
        item = existing.get(r["implementation_code"])
        if item is None:
            if r["implementation_code"] in new_names:
                continue  # a code listed twice: the first row wins
            basic, _ = parse_implementation_code(r["implementation_code"])
            new_items.append(
                Item(
                    code=r["implementation_code"],
                    basic_code=basic[:40],
                    department=dept,
                    node_kind=ItemNodeKind.MAIN,
                    external=True,
                )
            )
            new_names[r["implementation_code"]] = r
            continue
        current = latest.get(item.pk)
        if current is not None and current.name == r["item_name"]:
            out.unchanged += 1
            continue
        # a renamed entry: a new version through the ordinary publish (which skips the checks)
        version = ItemVersion.objects.create(
            item=item, version=(current.version if current else 0) + 1, **_version_fields(r)
        )
        item_version_publish(item_version=version, valid_from=on)
        out.renamed += 1
    # new entries in bulk: one published version each, and its ledger entry
    Item.objects.bulk_create(new_items, batch_size=500)
    created = {i.code: i for i in Item.objects.filter(code__in=list(new_names))}
    now = timezone.now()
    versions = ItemVersion.objects.bulk_create(
        [
            ItemVersion(
                item=created[code],
                version=1,
                **_version_fields(r),
                status=VersionStatus.PUBLISHED,
                valid_from=on,
                published_at=now,
            )
            for code, r in new_names.items()
        ],
        batch_size=500,
    )
    versions = list(
        ItemVersion.objects.filter(item__in=created.values(), version=1).select_related(
            "item", "item__department", "item__parent"
        )
    )
    prefetch_related_objects(versions, "materials", "halls")
    for version in versions:
        ledgering.record(version, ledgering.PUBLISHED)
    out.created = len(versions)
    return out
