"""Evaluation reads: who may see which work orders, the statistics of docs/evaluations.md, and the
"多评合一" view (every rating of a department, whatever the channel).

Work orders visible to:
- department admins: orders about their department or assigned to it as the responsible unit,
  within their region; reviewers/approvers of that department see them too (read only);
- supervisors: every order within their region; platform admins: all (read only);
- citizens and companies: orders opened from their own (real-name or anonymous) ratings.
Anything else does not exist for the caller (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from yiwang.accounts.models import AccountKind, User
from yiwang.cases.models import Case
from yiwang.cases.models import Status as CaseStatus
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.organizations.models import Department, Role
from yiwang.organizations.selectors import region_q, staff_scope
from yiwang.workdays import selectors as workdays

from .models import BAD_LEVELS, GOOD_LEVELS, Channel, Evaluation, WorkOrder
from .services import OPEN_ORDER

if TYPE_CHECKING:
    from yiwang.workdays.selectors import WorkCalendar


def _order_q(user: User) -> Q:
    if user.kind != AccountKind.STAFF:
        return Q(evaluation__rater=user)
    scope = staff_scope(user)
    if Role.PLATFORM_ADMIN in scope.roles:
        return Q()
    q = Q(pk__in=[])
    for _role, dept_id, path in scope.department_roles:
        q |= (Q(department_id=dept_id) | Q(unit_id=dept_id)) & Q(region__path__startswith=path)
    if Role.SUPERVISOR in scope.roles:
        q |= region_q(scope.region_paths[Role.SUPERVISOR])
    return q


def orders_visible(*, user: User) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.filter(_order_q(user))


def order_for_actor(*, actor: User, pk: int) -> WorkOrder:
    order = (
        orders_visible(user=actor)
        .select_related("evaluation", "evaluation__case", "department", "unit", "region")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise NotFound("工单不存在", code="not_found")
    return order


def order_list(*, user: User, status: str | None = None, warning: str | None = None, on: date) -> QuerySet:
    qs = orders_visible(user=user).select_related(
        "evaluation", "evaluation__case", "evaluation__item", "department", "unit", "region"
    )
    if status:
        qs = qs.filter(status=status)
    if warning == "red":
        qs = qs.filter(status__in=OPEN_ORDER, due_date__lt=on)
    elif warning == "yellow":
        horizon = workdays.add_workdays(on, workdays.YELLOW_DAYS).date
        qs = qs.filter(status__in=OPEN_ORDER, due_date__gte=on, due_date__lte=horizon)
    return qs.order_by("due_date", "id")


def order_warning(
    order: WorkOrder, *, today: date, cal: WorkCalendar | None = None
) -> tuple[str, int | None]:
    """("normal"|"yellow"|"red", working days left) for an open order; finished: ("normal", None)."""
    if order.status not in OPEN_ORDER:
        return "normal", None
    return workdays.warning_light(due=order.due_date, today=today, cal=cal)


# --- statistics ------------------------------------------------------------------------------------
GROUPS = {
    # group key -> (Evaluation field, Case field or None when the indicator has no case base)
    "department": ("department_id", "department_id"),
    "hall": ("hall_id", "hall_id"),
    "window": ("window_id", "window_id"),
    "staff": ("staff_id", None),
    "item": ("item_id", "item_id"),
    "channel": ("channel", None),  # 多评合一: the same indicators per rating channel
}


@dataclass
class StatsFilter:
    department_ids: list[int] | None = None  # None: no restriction
    hall_id: int | None = None
    window_id: int | None = None
    staff_id: int | None = None
    item_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _counted() -> Q:
    return Q(excluded=False)


def _eval_aggregates() -> dict:
    bad = Q(excluded=False, level__in=BAD_LEVELS)
    real_bad = bad & Q(anonymous=False)
    return {
        "ratings": Count("id", filter=_counted()),
        "satisfied": Count("id", filter=Q(excluded=False, level__in=GOOD_LEVELS)),
        "bad": Count("id", filter=bad),
        "bad_handled": Count("id", filter=bad & Q(work_order__handled_on__isnull=False)),
        "bad_timely": Count("id", filter=bad & Q(work_order__handled_on__lte=F("work_order__due_date"))),
        "bad_real_name": Count("id", filter=real_bad),
        "bad_real_name_revisited": Count("id", filter=real_bad & Q(work_order__revisited_on__isnull=False)),
        "excluded": Count("id", filter=Q(excluded=True)),
    }


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def indicators(counts: dict) -> dict:
    """The six published indicators from the raw counts (formulas: docs/evaluations.md)."""
    return {
        "satisfaction_rate": _rate(counts["satisfied"], counts["ratings"]),
        "bad_rate": _rate(counts["bad"], counts["ratings"]),
        "bad_timely_rate": _rate(counts["bad_timely"], counts["bad"]),
        "bad_rectified_rate": _rate(counts["bad_handled"], counts["bad"]),
        "real_name_revisit_rate": _rate(counts["bad_real_name_revisited"], counts["bad_real_name"]),
        "active_rate": _rate(counts["cases_rated"], counts["cases_completed"])
        if counts.get("cases_completed") is not None
        else None,
    }


def _filtered(qs: QuerySet, f: StatsFilter, *, case_side: bool) -> QuerySet:
    if f.department_ids is not None:
        qs = qs.filter(department_id__in=f.department_ids)
    for name in ("hall_id", "window_id", "item_id"):
        value = getattr(f, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    if case_side:
        if f.date_from:
            qs = qs.filter(completed_at__date__gte=f.date_from)
        if f.date_to:
            qs = qs.filter(completed_at__date__lte=f.date_to)
    else:
        if f.staff_id is not None:
            qs = qs.filter(staff_id=f.staff_id)
        if f.date_from:
            qs = qs.filter(rated_on__gte=f.date_from)
        if f.date_to:
            qs = qs.filter(rated_on__lte=f.date_to)
    return qs


def _case_counts(f: StatsFilter, group_field: str | None) -> dict:
    """Completed cases in the period and those of them the applicant rated (主动评价率)."""
    rated = Evaluation.objects.filter(case=OuterRef("pk")).exclude(channel=Channel.HOTLINE)
    qs = _filtered(Case.objects.filter(status=CaseStatus.COMPLETED), f, case_side=True).annotate(
        has_rating=Exists(rated)
    )
    agg = {"cases_completed": Count("id"), "cases_rated": Count("id", filter=Q(has_rating=True))}
    if group_field is None:
        return {None: qs.aggregate(**agg)}
    return {row[group_field]: row for row in qs.order_by().values(group_field).annotate(**agg)}


ZERO = {k: 0 for k in _eval_aggregates()}


def stats(*, f: StatsFilter, group_by: str | None = None) -> dict:
    """Counts and indicators for the filter, and per group when `group_by` is given. Two queries
    (ratings, cases) plus one per group kind for the names."""
    if group_by is not None and group_by not in GROUPS:
        raise ValidationFailed(fields={"group_by": ["分组应为 " + "、".join(GROUPS)]})
    evals = _filtered(Evaluation.objects.all(), f, case_side=False)
    total = evals.aggregate(**_eval_aggregates())
    with_cases = f.staff_id is None
    if with_cases:
        total.update(_case_counts(f, None)[None])
    out = {"counts": total, "indicators": indicators(total)}
    if group_by:
        efield, cfield = GROUPS[group_by]
        rows = {r[efield]: r for r in evals.order_by().values(efield).annotate(**_eval_aggregates())}
        case_rows = _case_counts(f, cfield) if (cfield and with_cases) else {}
        names = _group_names(group_by, set(rows) | set(case_rows))
        groups = []
        for key in sorted(k for k in set(rows) | set(case_rows) if k is not None):
            counts = {k: rows.get(key, {}).get(k, 0) for k in ZERO}
            if cfield and with_cases:
                cr = case_rows.get(key, {})
                counts["cases_completed"] = cr.get("cases_completed", 0)
                counts["cases_rated"] = cr.get("cases_rated", 0)
            groups.append(
                {"id": key, "name": names.get(key, ""), "counts": counts, "indicators": indicators(counts)}
            )
        out["group_by"] = group_by
        out["groups"] = groups
    return out


def _group_names(group_by: str, keys: set) -> dict:
    from yiwang.catalog.models import ItemVersion
    from yiwang.organizations.models import ServiceHall, Window

    keys = {k for k in keys if k is not None}
    if group_by == "department":
        return dict(Department.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group_by == "hall":
        return dict(ServiceHall.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group_by == "window":
        return {
            w.pk: f"{w.hall.name} {w.number}号窗口"
            for w in Window.objects.filter(pk__in=keys).select_related("hall")
        }
    if group_by == "staff":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    if group_by == "channel":
        return {k: Channel(k).label for k in keys if k in Channel.values}
    names: dict = {}
    for item_id, name in (
        ItemVersion.objects.filter(item_id__in=keys)
        .order_by("item_id", "version")
        .values_list("item_id", "name")
    ):
        names[item_id] = name  # the latest version's name wins
    return names


def stats_scope(*, user: User, department: Department | None) -> list[int] | None:
    """Departments whose statistics `user` may read: department staff their own departments,
    supervisors those within their region, platform admins all. 403 for citizens."""
    if user.kind != AccountKind.STAFF:
        raise PermissionDenied("统计数据仅供工作人员查看，公开指标见评价公开页", code="forbidden")
    scope = staff_scope(user)
    if Role.PLATFORM_ADMIN in scope.roles:
        allowed = None
    else:
        q = Q(pk__in=scope.departments_for(Role.DEPT_ADMIN, Role.REVIEWER, Role.APPROVER, Role.CDO))
        if Role.SUPERVISOR in scope.roles:
            q |= region_q(scope.region_paths[Role.SUPERVISOR])
        allowed = list(Department.objects.filter(q).values_list("pk", flat=True))
    if department is not None:
        if allowed is not None and department.pk not in allowed:
            raise PermissionDenied("您无权查看该部门的评价统计", code="forbidden")
        return [department.pk]
    return allowed


def department_ratings(
    *,
    department_ids: list[int] | None,
    channel: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Evaluation]:
    """多评合一: every rating of the departments (None: all), whatever the channel — web, mobile,
    kiosk, window device, SMS link, 12345 — newest first. Excluded ratings are listed (marked)."""
    qs = Evaluation.objects.all()
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    if channel:
        if channel not in Channel.values:
            raise ValidationFailed(fields={"channel": ["评价渠道应为 " + "、".join(Channel.values)]})
        qs = qs.filter(channel=channel)
    if date_from:
        qs = qs.filter(rated_on__gte=date_from)
    if date_to:
        qs = qs.filter(rated_on__lte=date_to)
    return qs.select_related("case", "department", "work_order").order_by("-rated_at", "-id")
