"""Changes to many cases at once, caused by something other than the case: a holiday notice
entered (due dates recomputed), a department or region succeeded by another (open cases moved).
Each case changed gets its record — a CaseRecord or a `moved` event with its ledger entry."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F, QuerySet

from yiwang.accounts.models import User
from yiwang.core.errors import StaleVersion
from yiwang.organizations.models import Department, Region, Role

from ..clock import today
from ..models import Case, CaseRecord, Status
from ..rules import OPEN_STATUSES, RUNNING
from .transitions import _event, _recomputed


@transaction.atomic
def cases_recompute_due_dates(*, years: set[int], reason: str, on: date | None = None) -> int:
    """After a holiday notice is entered: recompute due dates of open accepted cases whose
    dates were provisional or fall in `years`; each changed case gets a record."""
    on = on or today()
    changed = 0
    candidates = Case.objects.filter(status__in=RUNNING, accepted_on__isnull=False).prefetch_related("stops")
    for case in candidates.iterator(chunk_size=500):
        touches = (
            case.due_date_provisional
            or case.accepted_on.year in years
            or (case.due_date and case.due_date.year in years)
        )
        if touches and _recompute_one(case, reason=reason, on=on):
            changed += 1
    return changed


def _recompute_one(case: Case, *, reason: str, on: date) -> bool:
    """Version-checked like every other write: if someone acted on the case meanwhile (an
    extension, a stop ending), re-read it and recompute from what they left."""
    for _ in range(5):
        new = _recomputed(case, today_=on)
        if all(getattr(case, k) == v for k, v in new.items()):
            return False
        if Case.objects.filter(pk=case.pk, version=case.version).update(version=F("version") + 1, **new):
            CaseRecord.objects.create(
                case=case,
                kind="due_date_recomputed",
                note=f"{reason}：办结期限由{case.due_date:%Y-%m-%d}调整为{new['due_date']:%Y-%m-%d}",
                data={
                    "old": case.due_date.isoformat(),
                    "new": new["due_date"].isoformat(),
                    "was_provisional": case.due_date_provisional,
                    "provisional": new["due_date_provisional"],
                },
            )
            return True
        case = Case.objects.prefetch_related("stops").get(pk=case.pk)
        if case.status not in RUNNING:
            return False
    raise StaleVersion("办件变动频繁，办结期限重算未完成，请稍后重试")


def _move(*, cases: QuerySet[Case], actor: User | None, note: str, update: dict, kind: str) -> int:
    moved = 0
    for case in cases.filter(status__in=OPEN_STATUSES | {Status.APPROVED, Status.DENIED}):
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1, **update)
        case.refresh_from_db()
        _event(
            case=case,
            action="moved",
            frm=case.status,
            to=case.status,
            actor=actor,
            role=Role.PLATFORM_ADMIN,
            note=note,
            data={"kind": kind},
        )
        moved += 1
    return moved


@transaction.atomic
def cases_move_department(*, source: Department, target: Department, actor: User | None, note: str) -> int:
    """A department succeeded by another: its open and decided cases go with it."""
    return _move(
        cases=Case.objects.filter(department=source),
        actor=actor,
        note=note,
        update={"department_id": target.pk, "region_id": target.region_id},
        kind="department",
    )


@transaction.atomic
def cases_move_region(*, source: Region, target: Region, actor: User | None, note: str) -> int:
    """A region merged into another: its open and decided cases go with it."""
    return _move(
        cases=Case.objects.filter(region=source),
        actor=actor,
        note=note,
        update={"region_id": target.pk},
        kind="region",
    )
