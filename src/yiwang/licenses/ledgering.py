"""How `yiwang ledger verify` re-derives licence issuance entries from the live licences."""

from __future__ import annotations

from yiwang.ledger import rederive


def _rederive_issued(row) -> dict | None:
    from .models import License
    from .services import ledger_payload

    lic = License.objects.select_related("type").filter(ledger_entry=row.pending_id).first()
    return ledger_payload(lic) if lic else None


def register() -> None:
    rederive.register("license.issued", _rederive_issued)
