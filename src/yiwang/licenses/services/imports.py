"""归集 and 修复: existing licence records imported from an .xlsx or CSV file in one transaction
(rows checked by `licenses.importing`, valid rows issued through `license_import`, rejected rows
put in the repair queue), and staff correcting and re-issuing or discarding rejected rows."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.core import keys
from yiwang.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed

from .. import importing
from ..models import ImportBatch, License, LicenseRepair, RepairStatus
from .base import clean_text, log
from .issuance import license_import


def _import_actor_check(actor: User | None) -> None:
    if actor is not None and getattr(actor, "kind", None) != AccountKind.STAFF:
        raise PermissionDenied("只有工作人员可以归集证照")


def _issue_clean(clean: importing.CleanRow) -> License:
    return license_import(
        type_=clean.type_,
        issuer=clean.issuer,
        holder_name=clean.holder_name,
        holder_id_type=clean.holder_id_type,
        holder_id=clean.holder_id,
        issued_on=clean.issued_on,
        metadata=clean.metadata,
        valid_until=clean.valid_until,
    )


@transaction.atomic
def license_import_file(
    *, content: bytes, filename: str, actor: User | None = None, today: date | None = None
) -> ImportBatch:
    """归集: read an .xlsx or CSV file of existing licence records, check every row, issue every
    valid row through `license_import` and put every rejected row in the repair queue — all in
    one transaction, so a failure anywhere imports nothing. A file that cannot be read at all
    raises ValidationFailed (fields.file). `actor` None = the command line (any department)."""
    _import_actor_check(actor)
    today = today or timezone.localdate()
    try:
        fmt, _headers, rows = importing.read_table(content, filename)
    except importing.FileError as exc:
        raise ValidationFailed(fields={"file": [str(exc)]}) from None
    results = importing.validate_rows(rows, actor=actor, today=today)
    batch = ImportBatch.objects.create(
        filename=(filename or "upload")[-200:],
        file_format=fmt,
        file_sha256=hashlib.sha256(content).hexdigest(),
        created_by=actor,
        total_rows=len(results),
    )
    report = []
    issued = rejected = 0
    for res in results:
        entry = {"row": res.row, "holder": res.holder_label()}
        if res.ok:
            lic = _issue_clean(res.clean)
            entry.update(outcome="issued", identifier=lic.identifier)
            issued += 1
        else:
            issuer = importing._load_departments().get(keys.normalize(res.values.get("issuer_code") or ""))
            repair = LicenseRepair.objects.create(
                batch=batch,
                row_number=res.row,
                data=json.dumps(res.values, ensure_ascii=False),
                errors=[e.as_dict() for e in res.errors],
                department=issuer,
            )
            entry.update(outcome="rejected", repair=repair.pk, errors=[e.as_dict() for e in res.errors])
            rejected += 1
        report.append(entry)
    batch.issued_count, batch.rejected_count, batch.report = issued, rejected, report
    batch.save(update_fields=["issued_count", "rejected_count", "report"])
    log.info("license import batch %s: %s issued, %s to repair", batch.pk, issued, rejected)
    return batch


def repair_values(item: LicenseRepair) -> dict[str, str]:
    try:
        data = json.loads(item.data or "{}")
    except ValueError:
        data = {}
    return {str(k): str(v) for k, v in data.items() if k != "holder_id_type_resolved"}


def _repair_allowed(actor: User, item: LicenseRepair) -> bool:
    allowed = importing.allowed_departments(actor)
    return (
        allowed is None
        or item.batch.created_by_id == actor.pk
        or (item.department_id is not None and item.department_id in allowed)
    )


@transaction.atomic
def license_repair_reissue(
    *, item: LicenseRepair, actor: User | None, values: dict, today: date | None = None
) -> LicenseRepair:
    """修复: staff correct a rejected row (`values` by field name; a field left out or blank for
    holder_id / holder_name keeps the stored value) and re-issue it. The corrected row is checked
    by the same rules, duplicates against licences already issued included; when it still fails,
    ValidationFailed names the fields and nothing changes."""
    _import_actor_check(actor)
    item = LicenseRepair.objects.select_for_update().select_related("batch").get(pk=item.pk)
    if actor is not None and not _repair_allowed(actor, item):
        raise NotFound("未找到该待修复记录")
    if item.status != RepairStatus.PENDING:
        raise InvalidTransition("该记录已处理")
    merged = repair_values(item)
    for k, v in (values or {}).items():
        if not isinstance(k, str) or not isinstance(v, str | int | float) or isinstance(v, bool):
            raise ValidationFailed(fields={str(k): ["应为文字"]})
        v = str(v).strip()
        if k in ("holder_id", "holder_name") and not v:
            continue
        merged[k] = v
    res = importing.validate_row(
        merged, today=today or timezone.localdate(), allowed=importing.allowed_departments(actor)
    )
    if res.clean is not None:
        dup = importing.existing_duplicate(res.clean)
        if dup is not None:
            res.errors.append(
                importing.RowError("row", "duplicate_existing", f"平台已有该证照（{dup.identifier}）")
            )
    if res.errors or res.clean is None:
        fields: dict[str, list[str]] = {}
        for e in res.errors:
            fields.setdefault(e.field, []).append(e.message)
        raise ValidationFailed("修正后的记录仍有问题", fields=fields)
    lic = _issue_clean(res.clean)
    item.status, item.license = RepairStatus.REISSUED, lic
    item.resolved_by, item.resolved_at = actor, timezone.now()
    item.data = json.dumps(res.values, ensure_ascii=False)
    item.department = res.clean.issuer
    item.save(update_fields=["status", "license", "resolved_by", "resolved_at", "data", "department"])
    log.info("license repair %s re-issued as %s", item.pk, lic.identifier)
    return item


@transaction.atomic
def license_repair_discard(*, item: LicenseRepair, actor: User | None, reason: str) -> LicenseRepair:
    """A rejected row that is not a licence to bring in (a test row, a licence long cancelled)."""
    _import_actor_check(actor)
    item = LicenseRepair.objects.select_for_update().select_related("batch").get(pk=item.pk)
    if actor is not None and not _repair_allowed(actor, item):
        raise NotFound("未找到该待修复记录")
    if item.status != RepairStatus.PENDING:
        raise InvalidTransition("该记录已处理")
    item.note = clean_text("reason", reason, max_length=200)
    item.status, item.resolved_by, item.resolved_at = RepairStatus.DISCARDED, actor, timezone.now()
    item.save(update_fields=["note", "status", "resolved_by", "resolved_at"])
    return item
