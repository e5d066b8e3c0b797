"""Status changes of a licence: suspend, reinstate, revoke (final), each a ledger entry and a
bit on the status list; the sweep that marks licences past their validity as expired."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from yiwang.core.errors import InvalidTransition
from yiwang.ledger import services as ledger

from .. import hooks, statuslist
from ..ledgering import commitment
from ..models import License, LicenseStatus

_ALLOWED = {
    LicenseStatus.SUSPENDED: {LicenseStatus.VALID},
    LicenseStatus.VALID: {LicenseStatus.SUSPENDED},
    LicenseStatus.REVOKED: {LicenseStatus.VALID, LicenseStatus.SUSPENDED, LicenseStatus.EXPIRED},
}


@transaction.atomic
def license_set_status(*, license: License, status: str, reason: str = "", actor_role: str = "") -> License:
    """Suspend, reinstate or revoke a licence (revocation is final); written to the ledger."""
    if status not in _ALLOWED or license.status not in _ALLOWED[status]:
        raise InvalidTransition("该证照当前状态不允许此操作")
    updated = License.objects.filter(pk=license.pk, status=license.status).update(
        status=status, status_reason=reason[:200]
    )
    if updated != 1:
        raise InvalidTransition("该证照状态已被他人修改，请刷新后重试")
    frm, license.status, license.status_reason = license.status, status, reason[:200]
    statuslist.invalidate()
    entry = ledger.entry_append(
        kind=f"license.{status}",
        subject=commitment(license),
        payload={"identifier": license.identifier, "from": frm, "to": status, "reason": reason},
        actor_role=actor_role,
    )
    hooks.changed(license=license, event=status, ref=str(entry.pk))  # 归集, 数据上报 (docking)
    return license


@transaction.atomic
def licenses_expire(*, today: date | None = None) -> int:
    """Mark licences past their validity as expired (a scheduled sweep; verification checks
    `exp` itself, so this only keeps the status column true)."""
    today = today or timezone.localdate()
    return License.objects.filter(status=LicenseStatus.VALID, valid_until__lt=today).update(
        status=LicenseStatus.EXPIRED
    )
