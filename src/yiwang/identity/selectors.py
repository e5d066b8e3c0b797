"""电子身份码 reads: a person's reference, the verifier's place, the person's check log, and what a
verifier is shown about the person (masked)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

from yiwang.accounts.models import AccountKind, TrustLevel, User
from yiwang.core.masking import mask_id_number
from yiwang.core.models import Key, KeyPurpose

from .models import IdentityCheck, IdentityReference, Outcome

if TYPE_CHECKING:
    from yiwang.organizations.models import ServiceHall, Window

# A key's retirement time never changes once set, so it may be memoised per process (like the
# key material in core.keys); a key not yet retired is re-read every time.
_retired_lock = threading.Lock()
_retired: dict[int, datetime] = {}


def clear_memo() -> None:
    with _retired_lock:
        _retired.clear()


def active_reference(*, user: User) -> str | None:
    """The reference new codes carry (hex), or None. Plain SQL: it runs on every issue."""
    sql = (
        f"SELECT ref FROM {connection.ops.quote_name(IdentityReference._meta.db_table)} "  # noqa: S608
        "WHERE user_id = %s AND revoked_at IS NULL"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [user.pk])
        row = cur.fetchone()
    return row[0] if row else None


_REFERENCE_SQL: dict[str, str] = {}
# what a check reads of the person (`services._judge`, `person_masked`); the rest (phone, …) is
# deferred and loads only if some caller asks for it
_PERSON_FIELDS = ("id", "username", "is_active", "kind", "display_name", "trust_level", "id_number", "uscc")


def reference_by_ref(*, ref: str) -> IdentityReference | None:
    """The reference with its person, in one plain statement through `User.objects.raw` (the
    model's converters, decryption included, apply): it runs on every e-ID check, and the ORM's
    select_related with the whole user row (two decryptions) cost more than the check's writes."""
    sql = _REFERENCE_SQL.get(connection.vendor)
    if sql is None:
        q = connection.ops.quote_name
        cols = ", ".join(f"u.{q(User._meta.get_field(f).column)}" for f in _PERSON_FIELDS)
        sql = _REFERENCE_SQL[connection.vendor] = (
            f"SELECT {cols}, r.{q('id')} AS ref_pk, r.{q('created_at')} AS ref_created_at, "  # noqa: S608
            f"r.{q('revoked_at')} AS ref_revoked_at "
            f"FROM {q(IdentityReference._meta.db_table)} r "
            f"JOIN {q(User._meta.db_table)} u ON u.{q('id')} = r.{q('user_id')} WHERE r.{q('ref')} = %s"
        )
    for user in User.objects.raw(sql, [ref]):
        reference = IdentityReference(
            id=user.ref_pk,
            user_id=user.pk,
            ref=ref,
            created_at=_aware(user.ref_created_at),
            revoked_at=_aware(user.ref_revoked_at),
        )
        reference._state.adding = False
        reference._state.db = user._state.db
        reference.user = user
        return reference
    return None


def _aware(value: object) -> datetime | None:
    """A timestamp read through a raw annotation (SQLite hands back text, naive UTC)."""
    if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
        return value
    if isinstance(value, str):
        value = parse_datetime(value)
    return value.replace(tzinfo=UTC) if value is not None else None


def signing_key_retired_at(*, version: int) -> datetime | None:
    hit = _retired.get(version)
    if hit is not None:
        return hit
    retired = (
        Key.objects.filter(purpose=KeyPurpose.IDENTITY_CODE, version=version)
        .values_list("retired_at", flat=True)
        .first()
    )
    if retired is not None:
        with _retired_lock:
            _retired[version] = retired
    return retired


def verifier_place_ids(*, user: User) -> tuple[int | None, int | None]:
    """(hall id, window id) of the verifier's window role, or (None, None) for staff without one.
    One plain SQL statement: it runs on every check, and the ORM's compilation of this join cost
    more than the rest of the check's reads together (bench/identity.py)."""
    from yiwang.organizations.models import StaffRole, Window

    q = connection.ops.quote_name
    sql = (
        f"SELECT w.hall_id, r.window_id FROM {q(StaffRole._meta.db_table)} r "  # noqa: S608
        f"JOIN {q(Window._meta.db_table)} w ON w.id = r.window_id "
        "WHERE r.user_id = %s ORDER BY r.id LIMIT 1"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [user.pk])
        row = cur.fetchone()
    return (row[0], row[1]) if row else (None, None)


@dataclass(frozen=True)
class VerifierPlace:
    """Whether a staff member may verify codes, and where they do: the hall and window of their
    first window role (None, None without one), as partly loaded rows (id and the name or number
    `place_label` shows; other fields load on access)."""

    may_verify: bool
    hall: ServiceHall | None = None
    window: Window | None = None


def verifier_place(*, user: User) -> VerifierPlace:
    """`may_verify_codes` and `verifier_place_ids` (and the hall name and window number a check's
    answer shows) in one plain SQL statement over the verifier's roles: they run on every check."""
    from yiwang.organizations.models import Department, DepartmentKind, ServiceHall, StaffRole, Window

    q = connection.ops.quote_name
    sql = (
        f"SELECT r.window_id, w.hall_id, w.{q('number')}, h.{q('name')}, d.kind "  # noqa: S608
        f"FROM {q(StaffRole._meta.db_table)} r "
        f"LEFT JOIN {q(Window._meta.db_table)} w ON w.id = r.window_id "
        f"LEFT JOIN {q(ServiceHall._meta.db_table)} h ON h.id = w.hall_id "
        f"LEFT JOIN {q(Department._meta.db_table)} d ON d.id = r.department_id "
        "WHERE r.user_id = %s ORDER BY r.id"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [user.pk])
        rows = cur.fetchall()
    enterprise = [
        kind == DepartmentKind.ENTERPRISE and window_id is None for window_id, _, _, _, kind in rows
    ]
    may = not any(enterprise) or not all(enterprise)
    at = next((r for r in rows if r[0] is not None), None)
    if at is None:
        return VerifierPlace(may_verify=may)
    window_id, hall_id, number, hall_name, _ = at
    alias = connection.alias
    return VerifierPlace(
        may_verify=may,
        hall=ServiceHall.from_db(alias, ["id", "name"], [hall_id, hall_name]),
        window=Window.from_db(alias, ["id", "hall_id", "number"], [window_id, hall_id, number]),
    )


def verifier_place_label(*, user: User) -> str:
    from yiwang.organizations.models import Window

    _, window_id = verifier_place_ids(user=user)
    window = Window.objects.select_related("hall").filter(pk=window_id).first() if window_id else None
    return f"{window.hall.name} {window.number}号窗口" if window else "未登记窗口"


def checks_for_person(*, user: User) -> QuerySet[IdentityCheck]:
    """我的身份码使用记录: every check of the person's codes, newest first."""
    return IdentityCheck.objects.filter(person=user).select_related("verifier", "hall", "window")


def last_revocation(*, user: User) -> datetime | None:
    return (
        IdentityReference.objects.filter(user=user, revoked_at__isnull=False)
        .order_by("-revoked_at")
        .values_list("revoked_at", flat=True)
        .first()
    )


def person_masked(user: User) -> dict:
    """What a verifier sees: the name, the ID number masked, the login's trust level."""
    if user.kind == AccountKind.LEGAL:
        number = mask_id_number(user.uscc or "")
    else:
        number = mask_id_number(user.id_number or "")
    return {
        "name": user.display_name or user.username,
        "kind": user.kind,
        "kind_label": AccountKind(user.kind).label,
        "id_number_masked": number,
        "trust_level": int(user.trust_level),
        "trust_level_label": TrustLevel(user.trust_level).label,
    }


def place_label(check: IdentityCheck) -> str:
    if check.window_id:
        return f"{check.hall.name} {check.window.number}号窗口"
    if check.hall_id:
        return check.hall.name
    return "工作人员核验（未登记窗口）"


CHECK_USABLE_FOR = timedelta(minutes=30)


def verified_person(*, check_id: str, verifier: User, now: datetime | None = None) -> User | None:
    """The person a window clerk checked by e-ID code (a valid check by this clerk in the last 30
    minutes), to file an application on the person's behalf; None otherwise."""
    from django.utils import timezone

    if not str(check_id).isdigit():
        return None
    now = now or timezone.now()
    check = (
        IdentityCheck.objects.filter(
            pk=int(check_id), verifier=verifier, outcome=Outcome.VALID, at__gte=now - CHECK_USABLE_FOR
        )
        .select_related("person")
        .first()
    )
    return check.person if check and check.person and check.person.is_active else None


def may_verify_codes(*, user: User) -> bool:
    """A public-service company's back-office staff may not verify codes: a user whose every
    role is in an enterprise department and at no window (services.ensure_verifier)."""
    from django.db.models import Q

    from yiwang.organizations.models import DepartmentKind, StaffRole

    roles = StaffRole.objects.filter(user=user)
    enterprise = Q(department__kind=DepartmentKind.ENTERPRISE, window__isnull=True)
    return not roles.filter(enterprise).exists() or roles.exclude(enterprise).exists()
