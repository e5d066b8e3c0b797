"""事项认领: standard items from the provincial item library, claimed by the city's departments.

- `standard_items_receive` applies a checked batch (catalog/province.py) in one transaction: new
  standard items are stored, a newer provincial revision of a known one replaces its standard
  fields and raises a `ClaimChange` for every department that claimed it (a change still pending is
  superseded by the newer one); an older or equal revision is ignored (replays, stale pages).
- `standard_file_import` and `province_sync` are the two ways in (an export file; the API polled
  since a cursor), each leaving a `ProvinceSync` record whatever happens.
- `item_claim` creates the department's item (its implementation code) with a draft first version
  carrying the standard fields and the implementation fields the department filled in; the
  department completes the guide and publishes it as any other version.
- `claim_change_accept` puts the province's new standard fields into a new version of the item
  through the catalogue's versioning (the open draft if there is one, otherwise a new draft that is
  published at once when the item has a version in force); `claim_change_reject` keeps the item as
  it is and records the reason."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.core.errors import Conflict, PermissionDenied, ValidationFailed
from yiwang.organizations.models import Department

from . import province, validation
from .models import (
    ChangeStatus,
    ClaimChange,
    Item,
    ItemClaim,
    ItemNodeKind,
    ItemVersion,
    ProvinceCursor,
    ProvinceSync,
    StandardItem,
    SyncStatus,
    VersionStatus,
)
from .selectors import can_claim_for, today

# What the department fills in when it claims (the rest of the guide it completes on the draft).
IMPLEMENTATION_FIELDS: dict[str, Any] = {
    "promised_limit_days": None,
    "case_kind": "",
    "handling_forms": [],
    "online_depth": [],
    "visits_required": 1,
    "locations": "",
    "hours": "",
    "consultation": "",
    "complaint": "",
}


# --- receiving standard items -----------------------------------------------------------------------


def _supersede_pending(claim: ItemClaim) -> None:
    ClaimChange.objects.filter(claim=claim, status=ChangeStatus.PENDING).update(
        status=ChangeStatus.SUPERSEDED, decided_at=timezone.now()
    )


@transaction.atomic
def standard_items_receive(*, rows: list[dict], system: str, sync: ProvinceSync) -> ProvinceSync:
    """Apply checked standard rows (province.Batch.rows); counts go into `sync` (not saved here)."""
    known = {
        s.basic_code: s
        for s in StandardItem.objects.select_for_update().filter(
            source=system, basic_code__in=[r["basic_code"] for r in rows]
        )
    }
    for row in rows:
        sync.received += 1
        current = known.get(row["basic_code"])
        fields = {
            "name": row["standard"]["name"],
            "item_type": row["standard"]["item_type"],
            "revision": row["revision"],
            "standard": row["standard"],
            "withdrawn": row["withdrawn"],
            "province_updated_at": row["updated_at"],
        }
        if current is None:
            known[row["basic_code"]] = StandardItem.objects.create(
                source=system, basic_code=row["basic_code"], **fields
            )
            sync.created += 1
            continue
        if row["revision"] < current.revision:
            sync.stale += 1
            continue
        if row["revision"] == current.revision:
            sync.unchanged += 1
            continue
        for key, value in fields.items():
            setattr(current, key, value)
        current.save()
        sync.changed += 1
        for claim in ItemClaim.objects.select_for_update().filter(standard_item=current):
            _supersede_pending(claim)
            if claim.accepted_standard == current.standard and not current.withdrawn:
                claim.accepted_revision = current.revision
                claim.save(update_fields=["accepted_revision"])
                continue
            ClaimChange.objects.create(
                claim=claim,
                revision=current.revision,
                before=claim.accepted_standard,
                after=current.standard,
                withdrawn=current.withdrawn,
            )
            sync.changes_raised += 1
    return sync


def _finish(sync: ProvinceSync, status: str, *, code: str = "", detail: str = "") -> ProvinceSync:
    sync.status, sync.error_code, sync.detail = status, code, detail[:4000]
    sync.finished_at = timezone.now()
    sync.save()
    return sync


def standard_file_import(*, data: bytes, kind: str, system: str | None = None) -> ProvinceSync:
    """Import an export file of the provincial library (`kind` json or xlsx): all rows or none.
    Returns the record (status failed with the problems in `detail` when refused)."""
    import io

    if kind not in ("json", "xlsx"):
        raise ValidationFailed(fields={"kind": ["文件类型应为 json 或 xlsx"]})
    system = system or province.source()
    sync = ProvinceSync.objects.create(source=system, via=kind)
    if len(data) > province.MAX_FILE:
        detail = f"文件超过 {province.MAX_FILE // (1024 * 1024)} MB"
        return _finish(sync, SyncStatus.FAILED, code="too_large", detail=detail)
    if kind == "json":
        batch = province.read_json(data, system=system)
    else:
        batch = province.read_xlsx(io.BytesIO(data), system=system)
    if not batch.ok:
        return _finish(sync, SyncStatus.FAILED, code="invalid_items", detail=batch.summary())
    try:
        standard_items_receive(rows=batch.rows, system=system, sync=sync)
    except Exception as exc:
        sync.received = sync.created = sync.changed = sync.unchanged = sync.stale = sync.changes_raised = 0
        _finish(sync, SyncStatus.FAILED, code="apply_failed", detail=type(exc).__name__)
        raise
    return _finish(sync, SyncStatus.OK)


def province_sync(
    *, url: str | None = None, system: str | None = None, max_pages: int | None = None
) -> ProvinceSync:
    """Poll the province's API for changes since the stored cursor, page by page. Each page is
    applied in one transaction together with the cursor's move (a conditional UPDATE: a poller
    that lost the race applies nothing). A page that cannot be had or is not right stops the run
    with the cursor where it was; pages applied before it stay (status partial)."""
    system = system or province.source()
    max_pages = max_pages or int(province.setting("MAX_PAGES"))
    ProvinceCursor.objects.get_or_create(source=system)
    start = ProvinceCursor.objects.get(source=system).cursor
    sync = ProvinceSync.objects.create(source=system, via="api", cursor_before=start, cursor_after=start)
    cursor = start
    while sync.pages < max_pages:
        try:
            fetched = province.changes_fetch(cursor=cursor, url=url, system=system)
        except province.ProvinceError as exc:
            sync.attempts += getattr(exc, "attempts", 1)
            status = SyncStatus.PARTIAL if sync.pages else SyncStatus.FAILED
            return _finish(sync, status, code=exc.code, detail=f"{exc.message}：{exc.detail}")
        sync.attempts += fetched.attempts
        try:
            with transaction.atomic():
                moved = ProvinceCursor.objects.filter(source=system, cursor=cursor).update(
                    cursor=fetched.batch.next_cursor, updated_at=timezone.now()
                )
                if not moved:
                    raise province.ProvinceError("cursor_moved")
                standard_items_receive(rows=fetched.batch.rows, system=system, sync=sync)
        except province.ProvinceError as exc:
            status = SyncStatus.PARTIAL if sync.pages else SyncStatus.FAILED
            return _finish(sync, status, code=exc.code, detail=exc.message)
        sync.pages += 1
        cursor = sync.cursor_after = fetched.batch.next_cursor
        sync.save()
        if not fetched.batch.has_more:
            break
    return _finish(sync, SyncStatus.OK)


# --- claiming -----------------------------------------------------------------------------------------


def implementation_code_suggest(*, standard_item: StandardItem, department: Department) -> str:
    """`{basic code}-{12-digit division}-000-{department USCC}-1-00`, the shape the provincial
    portals use (catalog/item_list.py)."""
    division = department.region.code.ljust(12, "0")
    return f"{standard_item.basic_code}-{division}-000-{department.uscc}-1-00"


def _ensure_can(actor: User, department: Department) -> None:
    if not can_claim_for(user=actor, department=department):
        raise PermissionDenied("只有本部门的部门管理员可以认领事项和确认省级变更")


@transaction.atomic
def item_claim(
    *,
    standard_item: StandardItem,
    department: Department,
    actor: User,
    code: str,
    fields: dict[str, Any] | None = None,
) -> ItemClaim:
    """The department claims a standard item: a new item (implementation code `code`) with a draft
    v1 carrying the standard fields and the implementation fields given."""
    _ensure_can(actor, department)
    standard_item = StandardItem.objects.select_for_update().get(pk=standard_item.pk)
    if standard_item.withdrawn:
        raise Conflict("该标准事项已被省级停用，不能认领", code="standard_withdrawn")
    if ItemClaim.objects.filter(standard_item=standard_item, department=department).exists():
        raise Conflict("本部门已认领该事项", code="already_claimed")
    fields = dict(fields or {})
    unknown = set(fields) - set(IMPLEMENTATION_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: ["不可填写的字段"] for k in sorted(unknown)})
    code = (code or "").strip()
    implementation = {
        k: (fields[k] if fields.get(k) is not None else (v.copy() if isinstance(v, list) else v))
        for k, v in IMPLEMENTATION_FIELDS.items()
    }
    row = {
        "code": code,
        "basic_code": standard_item.basic_code,
        "department_uscc": department.uscc,
        "node_kind": ItemNodeKind.MAIN,
        **standard_item.standard,
        **implementation,
    }
    problems = validation.row_structure_problems(row)
    if code and Item.objects.filter(code=code).exists():
        problems.append(("code", f"实施编码 {code} 已被其他事项使用"))
    promised, statutory = (
        implementation["promised_limit_days"],
        standard_item.standard.get("statutory_limit_days"),
    )
    if promised is not None and statutory is not None and promised > statutory and not problems:
        problems.append(("promised_limit_days", f"承诺办结时限不能超过法定办结时限（{statutory} 个工作日）"))
    if problems:
        errors: dict[str, list[str]] = {}
        for key, message in problems:
            errors.setdefault(key, []).append(message)
        raise ValidationFailed("认领信息有误", fields=errors)
    item = Item.objects.create(
        code=code, basic_code=standard_item.basic_code, department=department, node_kind=ItemNodeKind.MAIN
    )
    ItemVersion.objects.create(
        item=item, version=1, status=VersionStatus.DRAFT, **standard_item.standard, **implementation
    )
    return ItemClaim.objects.create(
        standard_item=standard_item,
        department=department,
        item=item,
        accepted_revision=standard_item.revision,
        accepted_standard=standard_item.standard,
        claimed_by=actor,
    )


def _decide(change: ClaimChange, actor: User, status: str) -> ClaimChange:
    """Move a pending change to `status` with a conditional UPDATE (two people deciding at once:
    the second gets a Conflict); the caller's transaction undoes it if what follows fails."""
    change = ClaimChange.objects.select_related("claim", "claim__department", "claim__item").get(pk=change.pk)
    _ensure_can(actor, change.claim.department)
    now = timezone.now()
    decided = ClaimChange.objects.filter(pk=change.pk, status=ChangeStatus.PENDING).update(
        status=status, decided_at=now, decided_by=actor
    )
    if not decided:
        raise Conflict("该变更已处理或已被更新的省级变更取代", code="change_not_pending")
    change.status, change.decided_at, change.decided_by = status, now, actor
    return change


@transaction.atomic
def claim_change_accept(*, change: ClaimChange, actor: User, valid_from: date | None = None) -> ClaimChange:
    """Take the province's new standard fields into a new version of the claimed item."""
    from .services import item_version_draft, item_version_publish, item_version_update

    change = _decide(change, actor, ChangeStatus.ACCEPTED)
    claim = ItemClaim.objects.select_for_update().get(pk=change.claim_id)
    if change.after == claim.accepted_standard:  # e.g. a withdrawal: taken note of, no new version
        claim.accepted_revision = change.revision
        claim.save(update_fields=["accepted_revision"])
        return change
    item = Item.objects.select_for_update().get(pk=claim.item_id)
    draft = ItemVersion.objects.filter(item=item, status=VersionStatus.DRAFT).first()
    in_force = ItemVersion.objects.filter(item=item, status=VersionStatus.PUBLISHED).exists()
    version = draft or item_version_draft(item=item)
    statutory = change.after.get("statutory_limit_days")
    if (
        statutory is not None
        and version.promised_limit_days is not None
        and version.promised_limit_days > statutory
    ):
        raise ValidationFailed(
            f"省级将法定办结时限改为 {statutory} 个工作日，短于本事项的承诺办结时限"
            f"（{version.promised_limit_days} 个工作日）：请先在草稿版本中调整承诺时限再采纳",
            fields={"promised_limit_days": ["承诺办结时限不能超过法定办结时限"]},
        )
    version = item_version_update(
        item_version=version, **{k: change.after[k] for k in province.STANDARD_FIELDS}
    )
    if draft is None and in_force:
        version = item_version_publish(item_version=version, valid_from=valid_from or today())
    change.item_version = version
    change.save(update_fields=["item_version"])
    claim.accepted_revision = change.revision
    claim.accepted_standard = change.after
    claim.save(update_fields=["accepted_revision", "accepted_standard"])
    return change


@transaction.atomic
def claim_change_reject(*, change: ClaimChange, actor: User, reason: str) -> ClaimChange:
    """Keep the item as it is; the reason is required and kept with the change."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写拒绝理由", fields={"reason": ["拒绝省级变更须说明理由"]})
    if len(reason) > 1000:
        raise ValidationFailed(fields={"reason": ["拒绝理由不能超过 1000 个字符"]})
    change = _decide(change, actor, ChangeStatus.REJECTED)
    change.reason = reason
    change.save(update_fields=["reason"])
    return change


# --- the diff ---------------------------------------------------------------------------------------


def _display(key: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    table = validation.CODE_TABLES.get(key)
    if table is not None:
        labels = dict(table[1].choices)
        values = value if isinstance(value, list) else [value]
        return "、".join(f"{labels.get(v, v)}（{v}）" for v in values)
    if key == "statutory_limit_days":
        return f"{value} 个工作日"
    return str(value)


def change_diff(change: ClaimChange) -> list[dict[str, str]]:
    """The standard fields that differ: [{field, label, before, after}], in the guide's order."""
    out = []
    for key in province.STANDARD_FIELDS:
        old, new = change.before.get(key), change.after.get(key)
        if old != new:
            out.append(
                {
                    "field": key,
                    "label": province.STANDARD_LABELS[key],
                    "before": _display(key, old),
                    "after": _display(key, new),
                }
            )
    return out


def standard_display(standard: dict) -> Iterable[tuple[str, str]]:
    for key in province.STANDARD_FIELDS:
        yield province.STANDARD_LABELS[key], _display(key, standard.get(key))
