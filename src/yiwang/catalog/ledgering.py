"""What the catalogue writes to the ledger (全程留痕): every publish, supersede and retire of an
item version, in the same transaction as the change. Item codes are public, so the subject is the
item code itself; the payload pins the version's status, validity and a SHA-256 of its published
guide (the import/export row, which a published version never changes).

`yiwang ledger verify` re-derives catalogue entries from the live versions: the guide hash and the
item/version always; status and validity only for the newest catalogue entry of that version (an
older entry recorded an earlier state, which the newer entries supersede). Registered from
CatalogConfig.ready(); the ledger itself knows no catalogue."""

from __future__ import annotations

import hashlib

from yiwang.ledger import rederive
from yiwang.ledger import services as ledger
from yiwang.ledger.models import Entry

from .models import ItemVersion

PREFIX = "catalog.item_version."
PUBLISHED = PREFIX + "published"
SUPERSEDED = PREFIX + "superseded"  # validity shortened by a newer version, still in force
RETIRED = PREFIX + "retired"


def guide_sha256(version: ItemVersion) -> str:
    from .services import version_row  # catalog.services records through this module

    return hashlib.sha256(ledger.canonical(version_row(version))).hexdigest()


def payload(version: ItemVersion, *, status: str | None = None) -> dict:
    return {
        "code": version.item.code,
        "version": version.version,
        "status": status or version.status,
        "valid_from": version.valid_from.isoformat() if version.valid_from else None,
        "valid_until": version.valid_until.isoformat() if version.valid_until else None,
        "guide_sha256": guide_sha256(version),
    }


def record(version: ItemVersion, kind: str) -> None:
    """Append one entry for `version` (call inside the transaction that changed it)."""
    ledger.entry_append(kind=kind, subject=version.item.code, payload=payload(version))


def _rederive(row: Entry) -> dict | None:
    stored = row.payload if isinstance(row.payload, dict) else {}
    version = (
        ItemVersion.objects.select_related("item", "item__department", "item__parent")
        .prefetch_related("materials", "halls")
        .filter(item__code=stored.get("code"), version=stored.get("version"))
        .first()
    )
    if version is None:
        return None
    live = payload(version)
    newer = Entry.objects.filter(
        kind__startswith=PREFIX,
        index__gt=row.index,
        payload__code=live["code"],
        payload__version=live["version"],
    ).exists()
    if newer:  # an earlier state: only what a published version never changes is re-derived
        live.update({k: stored.get(k) for k in ("status", "valid_from", "valid_until")})
    return live


def register() -> None:
    rederive.register(PREFIX, _rederive)
