"""What happens elsewhere when an organisation is succeeded (core.hooks; docs/architecture.md).

Organisations sit below the catalogue and the cases, so `department_succeed` and `region_succeed`
cannot move items or cases themselves: the apps that own such records register a function in
their AppConfig.ready()::

    organizations.hooks.department_succession.register("cases", cases_move_department)

Each function runs inside the succession's transaction, in registration order (INSTALLED_APPS
order: the catalogue's items before the cases), moves its own records to the successor and
returns the number of open cases it moved, or None when it moves no cases; the succession
reports the total (`yiwang succeed`).

`window_assignment_check`: before `services.staff_role_grant` gives someone a window for the
first time, every registered function may refuse it by raising a DomainError (training: 持证上岗,
a hall that requires a valid certification; docs/training.md). The halls' window terminal runs the
same checks again, for today, each time a clerk calls (next, recall, resume:
`halls.rules.window_service_check`), so a certificate that expires after the assignment stops the
calling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from yiwang.core.hooks import Hook

if TYPE_CHECKING:
    from yiwang.accounts.models import User

    from .models import Department, Region, Window


class DepartmentSuccession(Protocol):
    def __call__(
        self, *, source: Department, target: Department, actor: User | None, note: str
    ) -> int | None: ...


class RegionSuccession(Protocol):
    def __call__(self, *, source: Region, target: Region, actor: User | None, note: str) -> int | None: ...


department_succession: Hook[DepartmentSuccession] = Hook("organizations.department_succession")
region_succession: Hook[RegionSuccession] = Hook("organizations.region_succession")


class WindowAssignmentCheck(Protocol):
    def __call__(self, *, user: User, window: Window, role: str) -> None: ...


# Called by `services.staff_role_grant` before a role with a window is granted, and by the halls'
# window terminal before a clerk calls; a function raises a DomainError to refuse it (training:
# 持证上岗, a hall requiring a valid certification on the day).
window_assignment_check: Hook[WindowAssignmentCheck] = Hook("organizations.window_assignment_check")
