"""Organisation reads, and the two staff scopes (who may act where):
- acceptance scope: a clerk accepts at their window, for the items that window serves (all items
  of its departments plus items listed one by one; a comprehensive window serves many departments);
- department scope: reviewers, approvers and department admins act on cases of items their
  department implements, within their region (the region or any region under it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from django.db import connection
from django.db.models import IntegerField, Q, QuerySet, Value

from yiwang.core.rawjoin import RawJoin

from .models import Department, Region, Role, StaffRole

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiwang.accounts.models import User

    from .models import Window


class ServedItem(Protocol):
    """What the acceptance scope reads of a catalogue item (callers pass `catalog.models.Item`; the
    catalogue sits above organisations, which never import it)."""

    pk: int
    department_id: int


@dataclass
class StaffScope:
    roles: set[str] = field(default_factory=set)
    window_ids: set[int] = field(default_factory=set)
    hall_ids: set[int] = field(default_factory=set)
    # (role, department id, region path)
    department_roles: list[tuple[str, int, str]] = field(default_factory=list)
    region_paths: dict[str, list[str]] = field(default_factory=dict)  # role -> region paths
    # what the windows serve, read once (window_service): hall id -> (department ids, item ids)
    _served: dict[int, tuple[set[int], set[int]]] | None = field(default=None, repr=False)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def departments_for(self, *roles: str) -> set[int]:
        return {d for r, d, _ in self.department_roles if r in roles}


def staff_scope(user: User | AnonymousUser) -> StaffScope:
    """All roles of a staff member, loaded once per request (memoised on the user object)."""
    cached = getattr(user, "_staff_scope", None)
    if cached is not None:
        return cached
    scope = StaffScope()
    if user is not None and getattr(user, "is_authenticated", False):
        for role, region_path, department_id, window_id, hall_id in _staff_role_rows(user.pk):
            scope.roles.add(role)
            scope.region_paths.setdefault(role, []).append(region_path)
            if window_id:
                scope.window_ids.add(window_id)
                scope.hall_ids.add(hall_id)
            if department_id:
                scope.department_roles.append((role, department_id, region_path))
    user._staff_scope = scope
    return scope


_STAFF_ROLES_SQL: dict[str, str] = {}


def _staff_role_rows(user_id: int) -> list[tuple]:
    """(role, region path, department id, window id, hall id) of each of a user's roles. Plain SQL:
    it runs on every staff request, and the ORM's select_related of region and window cost more
    than the query (docs/benchmarks.md, issue 22)."""
    from .models import Window

    sql = _STAFF_ROLES_SQL.get(connection.vendor)
    if sql is None:
        q = connection.ops.quote_name
        sql = _STAFF_ROLES_SQL[connection.vendor] = (
            f"SELECT r.role, g.path, r.department_id, r.window_id, w.hall_id "  # noqa: S608
            f"FROM {q(StaffRole._meta.db_table)} r "
            f"JOIN {q(Region._meta.db_table)} g ON g.id = r.region_id "
            f"LEFT JOIN {q(Window._meta.db_table)} w ON w.id = r.window_id "
            "WHERE r.user_id = %s ORDER BY r.id"
        )
    with connection.cursor() as cur:
        cur.execute(sql, [user_id])
        return cur.fetchall()


def window_service(scope: StaffScope) -> dict[int, tuple[set[int], set[int]]]:
    """What a clerk's windows serve, by hall: hall id -> (departments served whole, items served one
    by one). One small query, once per scope (so once per request): a case filter built from
    these ids can use the cases' department index, where a correlated EXISTS over the windows is
    evaluated case by case (docs/benchmarks.md, "The case paths at 10 million cases")."""
    if scope._served is None:
        from .models import Window

        served: dict[int, tuple[set[int], set[int]]] = {}
        none = Value(None, output_field=IntegerField())
        ids = scope.window_ids
        by_dept = Window.departments.through.objects.filter(window_id__in=ids)
        by_item = Window.items.through.objects.filter(window_id__in=ids)
        rows = by_dept.values_list("window__hall_id", "department_id", none).union(
            by_item.values_list("window__hall_id", none, "item_id"), all=True
        )
        for hall_id, dept_id, item_id in rows:  # one query
            depts, items = served.setdefault(hall_id, (set(), set()))
            if dept_id is not None:
                depts.add(dept_id)
            if item_id is not None:
                items.add(item_id)
        scope._served = served
    return scope._served


_DEPARTMENT = RawJoin(Department, [], where='t0."id" = %s')


def department_by_id(pk: int) -> Department | None:
    """One department by id, in one plain statement (core.rawjoin): the data gateway asks for
    the caller's department on every query."""
    return _DEPARTMENT.first([pk])


def region_q(paths: list[str], field: str = "region__path") -> Q:
    """Rows whose region is one of `paths` or below them."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def windows_serving_item(item: ServedItem) -> Q:
    """Filter on Window: windows that serve this item."""
    return Q(items=item) | Q(departments=item.department_id)


def window_serves(*, window_id: int, item: ServedItem) -> bool:
    from .models import Window

    return Window.objects.filter(windows_serving_item(item), pk=window_id).exists()


def clerk_window_for_item(
    *, user: User | AnonymousUser, item: ServedItem, hall_ids: set[int] | None = None
) -> Window | None:
    """The first of a clerk's windows that serves `item` (optionally only in `hall_ids`), or None."""
    from .models import Window

    scope = staff_scope(user)
    qs = Window.objects.filter(windows_serving_item(item), pk__in=scope.window_ids)
    if hall_ids is not None:
        qs = qs.filter(hall_id__in=hall_ids)
    return qs.order_by("pk").first()


def region_lineage(path: str) -> list[str]:
    """A region's path and the paths of the regions above it, from the top:
    "/420100/420102/" -> ["/420100/", "/420100/420102/"]."""
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def staff_over(*, region_path: str, role: str, department_id: int | None = None) -> QuerySet[User]:
    """Active accounts holding `role` in the region or a region above it — of `department_id` when
    given: who oversees what happens there (supervisors, department admins). Each once."""
    from yiwang.accounts.models import User

    q = Q(staff_roles__role=role, staff_roles__region__path__in=region_lineage(region_path))
    if department_id is not None:
        q &= Q(staff_roles__department_id=department_id)
    return User.objects.filter(q, is_active=True).distinct()


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def is_within(region: Region, scope_path: str) -> bool:
    return region.path.startswith(scope_path)


__all__ = [
    "Role",
    "StaffScope",
    "is_within",
    "region_by_code",
    "region_lineage",
    "region_q",
    "staff_over",
    "staff_scope",
    "window_serves",
    "windows_serving_item",
]


# --- 救济途径 (remedies) -------------------------------------------------------------------------
REVIEW_DAYS = 60  # 《行政复议法》（2023）第二十条：知道或者应当知道之日起六十日内
LITIGATION_MONTHS = 6  # 《行政诉讼法》第四十六条：知道或者应当知道作出行政行为之日起六个月内
# Vertically managed agencies (《行政复议法》（2023）第二十七条): the review body is the agency one
# level up, not the people's government at the same level. Matched on the department's name when
# the `vertically_managed` flag is not set; the flag (admin-editable) is the data.
VERTICAL_AGENCIES = (
    ("税务", "上一级税务机关"),
    ("海关", "上一级海关"),
    ("金融监管", "上一级金融监督管理机构"),
    ("金融监督管理", "上一级金融监督管理机构"),
    ("国家安全", "上一级国家安全机关"),
)


@dataclass(frozen=True)
class Remedy:
    review_body: str
    review_days: int
    court: str
    litigation_months: int

    def as_dict(self) -> dict:
        return {
            "review_body": self.review_body,
            "review_days": self.review_days,
            "court": self.court,
            "litigation_months": self.litigation_months,
        }


def _vertical_body(department: Department) -> str | None:
    for word, body in VERTICAL_AGENCIES:
        if word in department.name:
            return body
    return "上一级主管部门" if department.vertically_managed else None


def department_remedy(department: Department) -> Remedy:
    """Where and how long an applicant may challenge this department's adverse decision: the
    department's own 复议机关 and court when an administrator entered them, else the default rule
    (2023 《行政复议法》): the people's government at the department's own level, or for a
    vertically managed agency the agency one level up; the court where the department sits."""
    region = department.region
    body = department.review_body.strip() or _vertical_body(department) or f"{region.name}人民政府"
    court = department.court.strip() or f"{region.name}有管辖权的人民法院"
    return Remedy(body, REVIEW_DAYS, court, LITIGATION_MONTHS)


def remedy_sentence(remedy: dict) -> str:
    """The sentence every adverse notice carries (from a stored remedy dict)."""
    return (
        f"如不服本决定，可以自收到本决定之日起{remedy['review_days']}日内向{remedy['review_body']}"
        f"申请行政复议，或者自收到本决定之日起{remedy['litigation_months']}个月内依法向"
        f"{remedy['court']}提起行政诉讼。"
    )
