"""Reads for the staff workbench."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import ItemVersion
from yiwang.organizations.models import Department, Role, Window
from yiwang.organizations.selectors import staff_scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiwang.accounts.models import User


def intake_items(*, user: User | AnonymousUser) -> QuerySet[ItemVersion]:
    """Published items that the clerk's windows accept (their departments' items plus items
    listed one by one)."""
    scope = staff_scope(user)
    if Role.CLERK not in scope.roles or not scope.window_ids:
        return ItemVersion.objects.none()
    windows = Window.objects.filter(pk__in=scope.window_ids)
    dept_ids = set(windows.values_list("departments", flat=True)) - {None}
    item_ids = set(windows.values_list("items", flat=True)) - {None}
    return catalog.items_search(public=False).filter(
        Q(item__department_id__in=dept_ids) | Q(item_id__in=item_ids)
    )


def transfer_departments(*, exclude_id: int | None = None) -> QuerySet[Department]:
    qs = Department.objects.valid_on(catalog.today())
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.order_by("name")
