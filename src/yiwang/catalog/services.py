"""Catalogue writes: the element registry, item versions (draft → published with a validity
window → retired) and bulk import/export of items (JSON and Excel) with a validation report.

Import format: a list of item rows, documented in docs (see `validation.ROW_KEYS`); the same
format is what `items_export` writes, so an export imports back unchanged."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, BinaryIO

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.identifiers import is_valid_uscc
from yiwang.organizations.models import Department, Region, ServiceHall

from . import ledgering, validation
from .elements import canonical_elements
from .models import (
    CodeMapping,
    DataElement,
    Item,
    ItemClaim,
    ItemNodeKind,
    ItemVersion,
    Material,
    VersionStatus,
)
from .selectors import element_registry, element_registry_clear, today

# --- element registry ---------------------------------------------------------------------------

ELEMENT_FIELDS = ["party", "name", "type", "format", "validator", "max_length", "enum", "sensitive", "mask"]


@transaction.atomic
def elements_sync() -> int:
    """Upsert the canonical elements of catalog/elements.py into the registry table. Elements
    no longer listed are kept (ids are stable; old forms and cases refer to them). Returns how
    many rows were created or changed: 0 when the registry is already in step."""
    existing = {e.id: e for e in DataElement.objects.all()}
    to_create, to_update = [], []
    for spec in canonical_elements():
        current = existing.get(spec["id"])
        if current is None:
            to_create.append(DataElement(**spec))
        elif any(getattr(current, f) != spec[f] for f in ELEMENT_FIELDS):
            for f in ELEMENT_FIELDS:
                setattr(current, f, spec[f])
            to_update.append(current)
    DataElement.objects.bulk_create(to_create)
    if to_update:
        DataElement.objects.bulk_update(to_update, ELEMENT_FIELDS)
    if to_create or to_update:
        transaction.on_commit(element_registry_clear)
    element_registry_clear()
    return len(to_create) + len(to_update)


# --- rows <-> versions ----------------------------------------------------------------------------

# Version fields stored as given in a row, with the default used when the row omits them.
VERSION_DEFAULTS: dict[str, Any] = {
    "name": "",
    "item_type": "",
    "service_objects": [],
    "exercise_levels": [],
    "power_source": "1",
    "legal_basis": "",
    "conditions": "",
    "statutory_limit_days": None,
    "promised_limit_days": None,
    "case_kind": "",
    "handling_forms": [],
    "online_depth": [],
    "online_grade": "",
    "visits_required": 1,
    "locations": "",
    "hours": "",
    "consultation": "",
    "complaint": "",
    "fees": [],
    "results": [],
    "cross_city_scope": "",
    "themes": [],
    "tolerance_acceptance": False,
    "commitment_system": False,
    "tolerance_days": 5,
    "tolerance_lapse": "suspend",
    "commitment_text": "",
    "commitment_replaces": [],
    "verification_days": 20,
    "cooling_off_days": None,
    "confirm_days": None,
    "special_procedures": [],
    "form_schema": {},
}
# The clock rules of an item (issue 12): the §42 extension (0 where the law allows none) and the
# acceptance limit after a supplement. Exported only when they differ from the default, so the
# guide hash of versions published before these fields existed stays the same.
CLOCK_DEFAULTS: dict[str, int] = {"extension_days": 10, "acceptance_limit_days": 5}
MATERIAL_DEFAULTS: dict[str, Any] = {
    "material_type": "1",
    "material_form": "2",
    "required": True,
    "copies": 1,
    "source": "applicant",
    "issuing_department": "",
    "license_type_code": "",
    "tolerable": False,
    "blank_form": "",
    "sample": "",
    "notes": "",
}


def _version_fields(row: dict) -> dict:
    out = {}
    for key, default in VERSION_DEFAULTS.items():
        value = row.get(key)
        out[key] = (
            (default.copy() if isinstance(default, list | dict) else default) if value is None else value
        )
        if isinstance(out[key], str) and key not in ("form_schema",):
            out[key] = out[key].strip()
    for key, default in CLOCK_DEFAULTS.items():
        out[key] = default if row.get(key) is None else row[key]
    return out


def _material_fields(m: dict, position: int) -> dict:
    out = {"code": m["code"].strip(), "name": m["name"].strip(), "position": position}
    for key, default in MATERIAL_DEFAULTS.items():
        value = m.get(key)
        out[key] = default if value is None else value
    return out


def material_row(m: Material) -> dict:
    row = {"code": m.code, "name": m.name}
    for key in MATERIAL_DEFAULTS:
        value = getattr(m, key)
        if key in ("issuing_department", "license_type_code", "blank_form", "sample", "notes") and not value:
            continue
        row[key] = value
    return row


def version_row(version: ItemVersion) -> dict:
    """One version in the import/export format."""
    item = version.item
    row: dict[str, Any] = {
        "code": item.code,
        "basic_code": item.basic_code,
        "department_uscc": item.department.uscc,
        "node_kind": item.node_kind,
    }
    if item.local_code:
        row["local_code"] = item.local_code
    if item.parent_id:
        row["parent_code"] = item.parent.code
    if item.business_kind:
        row["business_kind"] = item.business_kind
    for key in VERSION_DEFAULTS:
        row[key] = getattr(version, key)
    for key, default in CLOCK_DEFAULTS.items():
        if getattr(version, key) != default:
            row[key] = getattr(version, key)
    if not row["online_grade"]:
        del row["online_grade"]
    row["materials"] = [material_row(m) for m in version.materials.all()]
    halls = sorted(h.name for h in version.halls.all())
    if halls:
        row["halls"] = halls
    return row


def _guide_problems_for(version: ItemVersion) -> list[tuple[str, str]]:
    row = version_row(version)
    return (
        validation.row_structure_problems(row)
        + validation.guide_problems(row)
        + validation.schema_problems(row["form_schema"], element_registry(), require_properties=True)
    )


def _fields_error(problems: list[tuple[str, str]], message: str) -> ValidationFailed:
    fields: dict[str, list[str]] = {}
    for f, msg in problems:
        fields.setdefault(f, []).append(msg)
    return ValidationFailed(message, fields=fields)


# --- versions -------------------------------------------------------------------------------------


@transaction.atomic
def item_version_draft(*, item: Item, based_on: ItemVersion | None = None) -> ItemVersion:
    """A new draft version of `item`, copying `based_on` (default: the latest version) with its
    materials and halls. An item has at most one draft at a time."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    versions = ItemVersion.objects.filter(item=item)
    draft = versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        raise Conflict(f"该事项已有草稿版本（v{draft.version}），请直接修改该草稿", code="draft_exists")
    if based_on is not None and based_on.item_id != item.pk:
        raise ValidationFailed(fields={"based_on": ["所依据的版本不属于该事项"]})
    source = based_on or versions.order_by("-version").first()
    number = (versions.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    if source is None:
        return ItemVersion.objects.create(
            item=item, version=number, name=item.code, item_type="", status=VersionStatus.DRAFT
        )
    fields = {key: getattr(source, key) for key in VERSION_DEFAULTS}
    new = ItemVersion.objects.create(item=item, version=number, status=VersionStatus.DRAFT, **fields)
    Material.objects.bulk_create(
        [
            Material(
                item_version=new,
                code=m.code,
                name=m.name,
                position=m.position,
                **{k: getattr(m, k) for k in MATERIAL_DEFAULTS},
            )
            for m in source.materials.all()
        ]
    )
    new.halls.set(source.halls.all())
    return new


@transaction.atomic
def item_version_update(*, item_version: ItemVersion, **fields: Any) -> ItemVersion:
    """Change guide fields of a draft. Published versions are immutable (Conflict)."""
    version = ItemVersion.objects.select_for_update().get(pk=item_version.pk)
    if version.status != VersionStatus.DRAFT:
        raise Conflict("已发布的事项版本不可修改，请新建草稿版本", code="version_immutable")
    unknown = set(fields) - set(VERSION_DEFAULTS)
    if unknown:
        raise ValidationFailed(fields={k: ["不可修改的字段"] for k in sorted(unknown)})
    for key, value in fields.items():
        setattr(version, key, value)
    version.save()
    return version


@transaction.atomic
def item_version_publish(
    *, item_version: ItemVersion, valid_from: date | None = None, valid_until: date | None = None
) -> ItemVersion:
    """Publish a draft: the guide must be complete and its form schema valid against the element
    registry. The version is valid from `valid_from` (default today); the item's previously
    published version ends the day before (and is retired if that day has passed)."""
    Item.objects.select_for_update().filter(pk=item_version.item_id).first()
    version = (
        ItemVersion.objects.select_related("item", "item__department", "item__parent")
        .prefetch_related("materials", "halls")
        .get(pk=item_version.pk)
    )
    if version.status != VersionStatus.DRAFT:
        raise Conflict("只有草稿版本可以发布", code="version_not_draft")
    day = today()
    valid_from = valid_from or day
    if valid_until is not None and valid_until < valid_from:
        raise ValidationFailed(fields={"valid_until": ["失效日期不能早于生效日期"]})
    # an imported list entry (Item.external) has names and codes only: the rule checks skip it
    problems = [] if version.item.external else _guide_problems_for(version)
    if problems:
        raise _fields_error(problems, "办事指南不完整或申请表有误，不能发布")
    previous = ItemVersion.objects.filter(item_id=version.item_id, status=VersionStatus.PUBLISHED).exclude(
        pk=version.pk
    )
    for old in previous:
        if old.valid_until is not None and old.valid_until < valid_from:
            continue
        if old.valid_from is not None and old.valid_from > valid_from:
            raise ValidationFailed(
                fields={
                    "valid_from": [f"生效日期不能早于已发布版本 v{old.version} 的生效日期 {old.valid_from}"]
                }
            )
        old.valid_until = valid_from - timedelta(days=1)
        if old.valid_until < day:
            old.status = VersionStatus.RETIRED
        old.save(update_fields=["valid_until", "status"])
        ledgering.record(
            old,
            ledgering.RETIRED if old.status == VersionStatus.RETIRED else ledgering.SUPERSEDED,
        )
    version.status = VersionStatus.PUBLISHED
    version.valid_from = valid_from
    version.valid_until = valid_until
    version.published_at = timezone.now()
    version.save(update_fields=["status", "valid_from", "valid_until", "published_at"])
    ledgering.record(version, ledgering.PUBLISHED)
    return version


@transaction.atomic
def item_versions_retire_expired(*, on: date | None = None) -> int:
    """Mark published versions whose validity has ended as retired (a daily housekeeping job;
    selectors already ignore them by date)."""
    on = on or today()
    expired = list(
        ItemVersion.objects.select_for_update(of=("self",))
        .filter(status=VersionStatus.PUBLISHED, valid_until__lt=on)
        .select_related("item", "item__department", "item__parent")
        .order_by("id")
    )
    for version in expired:
        version.status = VersionStatus.RETIRED
        version.save(update_fields=["status"])
        ledgering.record(version, ledgering.RETIRED)  # one entry per retired version
    return len(expired)


# --- import report --------------------------------------------------------------------------------


@dataclass
class ImportIssue:
    row: int
    code: str
    field: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        where = f"{self.sheet} " if self.sheet else ""
        code = f" [{self.code}]" if self.code else ""
        return f"{where}第 {self.row} 行{code} {self.field}：{self.message}"


@dataclass
class ImportReport:
    source: str = "json"
    rows: int = 0
    dry_run: bool = False
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: int = 0
    drafts: int = 0
    departments_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, code: str, field: str, message: str, sheet: str = "") -> None:
        self.errors.append(ImportIssue(row, code or "", field, message, sheet))

    def warn(self, row: int, code: str, field: str, message: str, sheet: str = "") -> None:
        self.warnings.append(ImportIssue(row, code or "", field, message, sheet))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        return data

    def as_text(self) -> str:
        lines = []
        if self.ok:
            verb = "校验通过（试运行，未导入）" if self.dry_run else "导入完成"
            lines.append(
                f"{verb}：共 {self.rows} 行；新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}；"
                f"发布 {self.published}，草稿 {self.drafts}"
                + (f"；新建部门 {self.departments_created}" if self.departments_created else "")
            )
        else:
            lines.append(f"校验未通过，未导入任何数据：共 {self.rows} 行，{len(self.errors)} 处错误")
            lines.extend(f"  错误 {e}" for e in self.errors)
        lines.extend(f"  提示 {w}" for w in self.warnings)
        return "\n".join(lines)


class _Rollback(Exception):
    pass


# --- import ---------------------------------------------------------------------------------------

NODE_RANK = {ItemNodeKind.MAIN: 0, ItemNodeKind.SUB: 1, ItemNodeKind.BUSINESS: 2}


def _apply_code_mappings(
    row: dict, mappings: dict[tuple[str, str], str]
) -> tuple[dict, list[tuple[str, str]]]:
    """Local code-table values → GB/T 39046 codes, using the CodeMapping rows of the source."""
    row = dict(row)
    problems: list[tuple[str, str]] = []

    def mapped(table: str, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            value = value.strip()
            if (table, value) in mappings:
                return mappings[(table, value)]
        return value

    for key in validation.SCALAR_CODE_FIELDS:
        if row.get(key) not in (None, ""):
            row[key] = mapped(key, row[key])
    for key in validation.LIST_CODE_FIELDS:
        if isinstance(row.get(key), list):
            row[key] = [mapped(key, v) for v in row[key]]
    local = row.get("local_codes")
    if local is not None:
        entries = local if isinstance(local, list) else [local]
        for entry in entries:
            if not isinstance(entry, dict) or set(entry) != {"table", "value"}:
                problems.append(("local_codes", '本地代码应为 {"table", "value"} 对象'))
                continue
            table, value = entry["table"], str(entry["value"]).strip()
            if table not in validation.SCALAR_CODE_FIELDS + validation.LIST_CODE_FIELDS:
                problems.append(("local_codes", f"不支持的代码表 {table}"))
                continue
            national = mappings.get((table, value))
            if national is None:
                problems.append((table, f"本地代码 {value} 在代码表 {table} 中没有映射"))
                continue
            if table in validation.LIST_CODE_FIELDS:
                current = row.get(table) or []
                if national not in current:
                    row[table] = [*current, national]
            elif row.get(table) in (None, "", value):
                row[table] = national
            elif row[table] != national:
                problems.append(
                    (
                        table,
                        f"{validation.FIELD_LABELS[table]} {row[table]} 与本地代码 {value} 的映射 {national} 不一致",
                    )
                )
        row.pop("local_codes", None)
    return row, problems


def _norm_uscc(value: Any) -> str:
    return value.strip().upper() if isinstance(value, str) else ""


def _resolve_halls(
    names: list[str], department: Department | None, halls_by_name: dict[str, list[ServiceHall]]
):
    """Hall names → halls; a name shared by several halls is resolved by the department's region."""
    found, problems = [], []
    for name in names:
        candidates = halls_by_name.get(name, [])
        if len(candidates) > 1 and department is not None:
            path = department.region.path
            near = [h for h in candidates if path.startswith(h.region.path) or h.region.path.startswith(path)]
            candidates = near or candidates
        if not candidates:
            problems.append(("halls", f"办理大厅 {name} 不存在"))
        elif len(candidates) > 1:
            problems.append(("halls", f"办理大厅名称 {name} 不唯一"))
        else:
            found.append(candidates[0])
    return found, problems


def _version_matches(version: ItemVersion, fields: dict, materials: list[dict], hall_ids: set[int]) -> bool:
    if any(getattr(version, k) != v for k, v in fields.items()):
        return False
    current = [
        {
            "code": m.code,
            "name": m.name,
            "position": m.position,
            **{k: getattr(m, k) for k in MATERIAL_DEFAULTS},
        }
        for m in version.materials.all()
    ]
    if current != materials:
        return False
    return {h.pk for h in version.halls.all()} == hall_ids


@transaction.atomic
def items_move_department(
    *, source: Department, target: Department, actor: User | None = None, note: str = ""
) -> None:
    """A department's successor takes over its items (organizations.hooks.department_succession,
    registered in CatalogConfig.ready()). Moves no cases, so it reports none."""
    Item.objects.filter(department=source).update(department=target)
    # 事项认领: the successor also holds the claims (and their pending provincial changes); a
    # standard item both had claimed keeps the source's claim where it is (one claim a department)
    ItemClaim.objects.filter(department=source).exclude(
        standard_item__in=ItemClaim.objects.filter(department=target).values("standard_item")
    ).update(department=target)


@transaction.atomic
def items_import(
    *,
    data: list[dict],
    publish: bool = True,
    source: str = "json",
    dry_run: bool = False,
    valid_from: date | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Import item rows all-or-nothing. Every row is validated first; if any row has an error
    nothing is written and the report lists every problem (row, code, field, message).
    `source` selects the CodeMapping rows applied to local code-table values. With
    `publish=True` each changed item gets a published version (the guide must be complete);
    otherwise drafts. Rows may carry `_row` (their row number in a sheet) and `_sheet`."""
    report = report or ImportReport(source=source)
    report.source, report.dry_run = source, dry_run
    if not isinstance(data, list):
        report.error(0, "", "_", "导入内容应为事项列表")
        return report
    report.rows = len(data)
    registry = element_registry()
    mappings = {(m.table, m.local_code): m.national_code for m in CodeMapping.objects.filter(system=source)}

    prepared: list[tuple[int, str, dict]] = []
    for index, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            report.error(index, "", "_", "每一行应为 JSON 对象")
            continue
        raw = dict(raw)
        rownum = raw.pop("_row", index)
        sheet = raw.pop("_sheet", "")
        row, problems = _apply_code_mappings(raw, mappings)
        problems += validation.row_structure_problems(row)
        problems += validation.schema_problems(row.get("form_schema"), registry, require_properties=publish)
        if publish:
            problems += validation.guide_problems(row)
        code = row.get("code") if isinstance(row.get("code"), str) else ""
        for f, msg in problems:
            report.error(rownum, code, f, msg, sheet)
        for f, msg in validation.consistency_problems(row):
            report.warn(rownum, code, f, msg, sheet)
        prepared.append((rownum, sheet, row))

    # duplicates within the file
    first_seen: dict[str, int] = {}
    for rownum, sheet, row in prepared:
        code = row.get("code")
        if not isinstance(code, str) or not code:
            continue
        if code in first_seen:
            report.error(rownum, code, "code", f"实施编码重复（与第 {first_seen[code]} 行相同）", sheet)
        else:
            first_seen[code] = rownum

    # departments
    usccs = {_norm_uscc(r.get("department_uscc")) for _, _, r in prepared} - {""}
    departments = {
        d.uscc.upper(): d for d in Department.objects.filter(uscc__in=usccs).select_related("region")
    }
    # parents and existing items
    file_rows = {r["code"]: r for _, _, r in prepared if isinstance(r.get("code"), str)}
    parent_codes = {r.get("parent_code") for _, _, r in prepared if isinstance(r.get("parent_code"), str)}
    existing = {
        i.code: i
        for i in Item.objects.filter(code__in=set(file_rows) | parent_codes).select_related(
            "department", "parent"
        )
    }
    hall_names = {
        n
        for _, _, r in prepared
        if isinstance(r.get("halls"), list)
        for n in r["halls"]
        if isinstance(n, str)
    }
    halls_by_name: dict[str, list[ServiceHall]] = {}
    for h in ServiceHall.objects.filter(name__in=hall_names).select_related("region"):
        halls_by_name.setdefault(h.name, []).append(h)

    resolved: list[tuple[int, str, dict, Department | None, list[ServiceHall]]] = []
    for rownum, sheet, row in prepared:
        code = row.get("code") if isinstance(row.get("code"), str) else ""
        uscc = _norm_uscc(row.get("department_uscc"))
        department = None
        if uscc:
            if not is_valid_uscc(uscc):
                report.error(rownum, code, "department_uscc", f"统一社会信用代码 {uscc} 无效", sheet)
            else:
                department = departments.get(uscc)
                if department is None:
                    report.error(
                        rownum, code, "department_uscc", f"找不到统一社会信用代码为 {uscc} 的部门", sheet
                    )
        parent_code = row.get("parent_code")
        if isinstance(parent_code, str) and parent_code and parent_code != code:
            parent_kind = None
            if parent_code in file_rows:
                parent_kind = file_rows[parent_code].get("node_kind")
            elif parent_code in existing:
                parent_kind = existing[parent_code].node_kind
            else:
                report.error(rownum, code, "parent_code", f"上级事项 {parent_code} 不存在", sheet)
            kind = row.get("node_kind")
            if parent_kind is not None:
                if kind == ItemNodeKind.SUB and parent_kind != ItemNodeKind.MAIN:
                    report.error(rownum, code, "parent_code", "子项的上级事项应为主项", sheet)
                if kind == ItemNodeKind.BUSINESS and parent_kind not in (ItemNodeKind.MAIN, ItemNodeKind.SUB):
                    report.error(rownum, code, "parent_code", "业务办理项的上级事项应为主项或子项", sheet)
        halls: list[ServiceHall] = []
        if isinstance(row.get("halls"), list):
            halls, problems = _resolve_halls(
                [n for n in row["halls"] if isinstance(n, str)], department, halls_by_name
            )
            for f, msg in problems:
                report.error(rownum, code, f, msg, sheet)
        resolved.append((rownum, sheet, row, department, halls))

    if not report.ok:
        return report

    try:
        with transaction.atomic():
            _write_rows(resolved, existing=existing, publish=publish, valid_from=valid_from, report=report)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except ValidationFailed as exc:  # a check that needs the written state (should not happen)
        report.error(0, "", "_", exc.message + "：" + "；".join(f"{k} {v}" for k, v in exc.fields.items()))
        report.created = report.updated = report.unchanged = report.published = report.drafts = 0
    return report


def _write_rows(
    resolved, *, existing: dict[str, Item], publish: bool, valid_from: date | None, report: ImportReport
):
    items: dict[str, Item] = dict(existing)
    ordered = sorted(resolved, key=lambda r: NODE_RANK.get(r[2]["node_kind"], 9))
    latest_versions: dict[int, ItemVersion] = {}
    existing_ids = [i.pk for i in existing.values()]
    for v in (
        ItemVersion.objects.filter(item_id__in=existing_ids)
        .order_by("item_id", "-version")
        .prefetch_related("materials", "halls")
    ):
        latest_versions.setdefault(v.item_id, v)
    for _rownum, _sheet, row, department, halls in ordered:
        code = row["code"].strip()
        parent = items.get(row["parent_code"]) if row.get("parent_code") else None
        item_fields = {
            "basic_code": row["basic_code"].strip(),
            "local_code": (row.get("local_code") or "").strip(),
            "department": department,
            "parent": parent,
            "node_kind": row["node_kind"],
            "business_kind": row.get("business_kind") or "",
        }
        item = items.get(code)
        changed_item = False
        if item is None:
            item = Item.objects.create(code=code, **item_fields)
            items[code] = item
            created = True
        else:
            created = False
            for key, value in item_fields.items():
                if getattr(item, key) != value:
                    setattr(item, key, value)
                    changed_item = True
            if changed_item:
                item.save()
        fields = _version_fields(row)
        materials = [_material_fields(m, i) for i, m in enumerate(row.get("materials") or [])]
        hall_ids = {h.pk for h in halls}
        latest = None if created else latest_versions.get(item.pk)
        if (
            latest is not None
            and latest.status in (VersionStatus.PUBLISHED, VersionStatus.DRAFT)
            and not (publish and latest.status == VersionStatus.DRAFT)
            and _version_matches(latest, fields, materials, hall_ids)
        ):
            if changed_item:
                report.updated += 1
            else:
                report.unchanged += 1
            continue
        elif latest is not None and latest.status == VersionStatus.DRAFT:
            version = latest
            for key, value in fields.items():
                setattr(version, key, value)
            version.save()
            version.materials.all().delete()
        else:
            number = latest.version + 1 if latest is not None else 1
            version = ItemVersion.objects.create(
                item=item, version=number, status=VersionStatus.DRAFT, **fields
            )
        Material.objects.bulk_create([Material(item_version=version, **m) for m in materials])
        version.halls.set(halls)
        if created:
            report.created += 1
        else:
            report.updated += 1
        if publish:
            day = date.fromisoformat(row["valid_from"]) if row.get("valid_from") else valid_from
            until = date.fromisoformat(row["valid_until"]) if row.get("valid_until") else None
            item_version_publish(item_version=version, valid_from=day, valid_until=until)
            report.published += 1
        else:
            report.drafts += 1


def items_export(*, codes: list[str] | None = None) -> list[dict]:
    """Every item's latest version in the import format (parents before children)."""
    items = Item.objects.select_related("department", "parent")
    if codes is not None:
        items = items.filter(code__in=codes)
    latest: dict[int, ItemVersion] = {}
    versions = (
        ItemVersion.objects.filter(item__in=items)
        .select_related("item", "item__department", "item__parent")
        .prefetch_related("materials", "halls")
        .order_by("item_id", "-version")
    )
    for v in versions:
        latest.setdefault(v.item_id, v)
    rows = [version_row(v) for v in latest.values()]
    rows.sort(key=lambda r: (NODE_RANK.get(r["node_kind"], 9), r["code"]))
    return rows


# --- Excel ----------------------------------------------------------------------------------------


def items_export_xlsx(*, codes: list[str] | None = None) -> bytes:
    from .xlsx import rows_to_workbook

    return rows_to_workbook(items_export(codes=codes))


@transaction.atomic
def items_import_xlsx(
    *, fileobj: BinaryIO, publish: bool = True, source: str = "xlsx", dry_run: bool = False
) -> ImportReport:
    from .xlsx import workbook_to_rows

    report = ImportReport(source=source, dry_run=dry_run)
    rows = workbook_to_rows(fileobj, report)
    if not report.ok:
        report.rows = len(rows)
        return report
    return items_import(data=rows, publish=publish, source=source, dry_run=dry_run, report=report)


# --- the Sichuan-style item list (department, main item, name, implementation code, type code) ----

LIST_COLUMNS = ["department", "main_item", "item_name", "implementation_code", "item_type_code"]
LIST_SOURCE = "sichuan"


@transaction.atomic
def item_list_import(
    *,
    fileobj: io.TextIOBase,
    region_code: str,
    create_departments: bool = False,
    department_usccs: dict[str, str] | None = None,
    dry_run: bool = False,
    source: str = LIST_SOURCE,
) -> ImportReport:
    """Import an item list (CSV: department, main_item, item_name, implementation_code,
    item_type_code) as draft items: guides (limits, materials) are not in the list. Departments
    are matched by name or short name within the region; with `create_departments` missing ones
    are created with the USCC found in their implementation codes. All or nothing."""
    from .item_list import convert_item_list

    report = ImportReport(source=source, dry_run=dry_run)
    region = _region_by_code(region_code)
    if region is None:
        report.error(0, "", "region_code", f"行政区划 {region_code} 不存在")
        return report
    csv_rows = list(csv.DictReader(fileobj))
    report.rows = len(csv_rows)
    rows, new_departments = convert_item_list(
        csv_rows,
        region=region,
        create_departments=create_departments,
        department_usccs=department_usccs or {},
        report=report,
    )
    # rows of departments that could not be resolved are left out; the other rows are still
    # validated so the report names every problem at once
    rows = [r for r in rows if r.get("department_uscc")]
    try:
        with transaction.atomic():
            for name, code in new_departments:
                Department.objects.create(name=name, short_name=name, uscc=code, region=region)
                report.departments_created += 1
            items_import(data=rows, publish=False, source=source, dry_run=False, report=report)
            if not report.ok or dry_run:
                raise _Rollback
    except _Rollback:
        if not report.ok:
            report.created = report.updated = report.unchanged = report.drafts = 0
            report.departments_created = 0
    report.rows = len(csv_rows)
    report.dry_run = dry_run
    return report


def _region_by_code(code: str) -> Region | None:
    code = code.strip()
    candidates = {code, code.rstrip("0") or code, code[:6], code[:6].ljust(12, "0"), code.ljust(12, "0")}
    return Region.objects.filter(code__in=candidates).order_by("code").first()
