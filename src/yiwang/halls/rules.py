"""Who may do what in a hall, and the queue's priority rule. Read only.

Access (one function per capability, so that another kind of caller — a terminal device — can be
added in one place):
- `may_issue_tickets`: hall staff — a clerk of one of the hall's windows, a hall admin or the
  reception desk (导办台) of the hall (`HallRole`) — and the hall's self-service terminals (the
  device account of a `Terminal` managed by the hall, `devices.py`).
- `may_staff_window`: the clerks set up on that window (`organizations.StaffRole` clerk rows).
- `window_service_refusal`: whether a clerk of the window may serve there *today* — the checks of
  `organizations.hooks.window_assignment_check` run again at the moment of calling (training
  registers 持证上岗: a hall requiring certification refuses a clerk whose certificate expired or
  was never checked). Halls sits below training, so it only runs the hook.
- `may_admin_hall`: the hall's admins (`HallRole` admin) and platform admins.
- `may_see_stats`: hall staff, supervisors and platform admins.

The priority rule (`pick_next`), documented in docs/halls.md:
1. A ticket transferred to this window goes first (it was already being served).
2. Then priority tickets — an appointment checked in within its slot, the green channel
   (elderly from the hall's `green_age`, disabled, pregnant, military: marked by staff) and
   tickets transferred from another business type — by their time in the queue.
3. Then walk-ins by their time in the queue.
Without starving walk-ins: when the window's last `priority_run` calls today were all priority
tickets and a walk-in is waiting, the longest-waiting walk-in is called next. So at least one call
in every `priority_run + 1` at a window goes to a walk-in while walk-ins wait.
"""

from __future__ import annotations

from collections.abc import Sequence

from yiwang.accounts.models import AccountKind
from yiwang.core.errors import DomainError
from yiwang.organizations import hooks as org_hooks
from yiwang.organizations.models import Role, ServiceHall, Window
from yiwang.organizations.selectors import staff_scope

from .models import HallRole, HallRoleKind, Ticket
from .models_live import Terminal


def _is_staff(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.kind == AccountKind.STAFF)


def hall_roles(user, hall: ServiceHall) -> set[str]:
    if not _is_staff(user):
        return set()
    return set(HallRole.objects.filter(user=user, hall=hall).values_list("role", flat=True))


def may_staff_window(user, window: Window) -> bool:
    return _is_staff(user) and window.pk in staff_scope(user).window_ids


def window_service_check(user, window: Window) -> None:
    """Raise the DomainError of the first `window_assignment_check` that refuses `user` serving at
    `window` today (training: 422 `certification_required`)."""
    for check in org_hooks.window_assignment_check:
        check(user=user, window=window, role=Role.CLERK)


def window_service_refusal(user, window: Window) -> DomainError | None:
    """The refusal of `window_service_check`, or None when `user` may serve at `window` today."""
    try:
        window_service_check(user, window)
    except DomainError as exc:
        return exc
    return None


def may_issue_tickets(user, hall: ServiceHall) -> bool:
    if not _is_staff(user):
        return False
    if hall_roles(user, hall):
        return True
    if Terminal.objects.filter(account=user, hall=hall, active=True).exists():  # a kiosk of the hall
        return True
    return Window.objects.filter(hall=hall, pk__in=staff_scope(user).window_ids).exists()


def may_admin_hall(user, hall: ServiceHall) -> bool:
    if not _is_staff(user):
        return False
    return HallRoleKind.ADMIN in hall_roles(user, hall) or staff_scope(user).has(Role.PLATFORM_ADMIN)


def may_see_stats(user, hall: ServiceHall) -> bool:
    if not _is_staff(user):
        return False
    return may_issue_tickets(user, hall) or staff_scope(user).has(Role.SUPERVISOR, Role.PLATFORM_ADMIN)


def halls_administered(user) -> list[ServiceHall]:
    if not _is_staff(user):
        return []
    if staff_scope(user).has(Role.PLATFORM_ADMIN):
        return list(ServiceHall.objects.filter(code__isnull=False).order_by("name"))
    ids = HallRole.objects.filter(user=user, role=HallRoleKind.ADMIN).values_list("hall_id", flat=True)
    return list(ServiceHall.objects.filter(pk__in=list(ids)).order_by("name"))


# --- the queue order -------------------------------------------------------------------------------
def queue_key(t: Ticket, window_id: int) -> tuple:
    return (0 if t.target_window_id == window_id else 1, 0 if t.priority else 1, t.queued_at, t.pk)


def pick_next(
    candidates: Sequence[Ticket], *, window_id: int, recent_priority: Sequence[bool], run: int
) -> list[Ticket]:
    """The candidates in the order the window should try them (the first one still waiting wins).

    `candidates`: waiting tickets the window may call; `recent_priority`: for the window's latest
    calls today, newest first, whether each was a priority ticket; `run`: the hall's
    `priority_run`."""
    ordered = sorted(candidates, key=lambda t: queue_key(t, window_id))
    walk_ins = [t for t in ordered if not t.priority and t.target_window_id != window_id]
    if not ordered or not walk_ins:
        return ordered
    head = ordered[0]
    streak = len(recent_priority) >= run and all(recent_priority[:run])
    if head.priority and head.target_window_id != window_id and streak:
        first = walk_ins[0]
        return [first, *[t for t in ordered if t.pk != first.pk]]
    return ordered
