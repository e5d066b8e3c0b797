"""共同缔造 reads, including who may see what: published posts and comments are public; a held or
rejected one is seen only by its author and the moderators of its region."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from yiwang.accounts.models import AccountKind, User
from yiwang.core.errors import NotFound
from yiwang.core.masking import mask_name
from yiwang.organizations.models import Department, Role
from yiwang.organizations.selectors import region_q, staff_scope
from yiwang.workdays import selectors as workdays

from .models import Comment, Finding, Kind, Mission, Moderation, Proposal, RectificationItem, Status
from .services import OPEN, is_mission_manager, is_moderator, not_found

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yiwang.workdays.selectors import WorkCalendar


def _user(user: User | AnonymousUser | None) -> User | None:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def moderator_paths(user: User | AnonymousUser | None) -> list[str]:
    user = _user(user)
    if user is None or user.kind != AccountKind.STAFF:
        return []
    scope = staff_scope(user)
    return scope.region_paths.get(Role.SUPERVISOR, []) + scope.region_paths.get(Role.PLATFORM_ADMIN, [])


def proposals_visible(*, user: User | AnonymousUser | None) -> QuerySet:
    q = Q(moderation=Moderation.PUBLISHED)
    user = _user(user)
    if user is not None:
        q |= Q(author=user)
        paths = moderator_paths(user)
        if paths:
            q |= region_q(paths)
    return Proposal.objects.filter(q)


def proposal_list(
    *,
    user: User | AnonymousUser | None,
    kind: str | None = None,
    status: str | None = None,
    department: int | None = None,
    item: str | None = None,
    moderation: str | None = None,
    q: str | None = None,
) -> QuerySet:
    qs = proposals_visible(user=user).select_related("department", "author")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department_id=department)
    if item:
        qs = qs.filter(item__code=item)
    if moderation:
        qs = qs.filter(moderation=moderation)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return qs.order_by("-submitted_at", "-id")


def proposal_for(*, user: User | AnonymousUser | None, number: str) -> Proposal:
    p = (
        proposals_visible(user=user)
        .select_related("department", "region", "author", "item", "hall")
        .filter(number=number)
        .first()
    )
    if p is None:
        raise not_found()
    return p


def comments_visible(*, user: User | AnonymousUser | None, proposal: Proposal) -> QuerySet:
    q = Q(moderation=Moderation.PUBLISHED)
    user = _user(user)
    if user is not None:
        q |= Q(author=user)
        if is_moderator(user, region_path=proposal.region.path):
            q = Q()
    return Comment.objects.filter(q, proposal=proposal).select_related("author").order_by("created_at", "id")


def comment_for_moderation(*, user: User | AnonymousUser | None, comment_id: int) -> Comment:
    c = Comment.objects.select_related("proposal", "proposal__region", "author").filter(pk=comment_id).first()
    if c is None:
        raise not_found()
    if c.moderation != Moderation.PUBLISHED and not (
        _user(user) and (c.author_id == user.pk or is_moderator(user, region_path=c.proposal.region.path))
    ):
        raise not_found()
    return c


def held_comments(*, user: User | AnonymousUser | None) -> QuerySet:
    paths = moderator_paths(user)
    if not paths:
        return Comment.objects.none()
    return (
        Comment.objects.filter(region_q(paths, "proposal__region__path"), moderation=Moderation.HELD)
        .select_related("proposal", "author")
        .order_by("created_at", "id")
    )


def department_queue(*, user: User | AnonymousUser | None) -> QuerySet:
    """Published proposals and drafts of the departments the user administers, within region."""
    user = _user(user)
    if user is None or user.kind != AccountKind.STAFF:
        return Proposal.objects.none()
    q = Q(pk__in=[])
    for role, dept_id, path in staff_scope(user).department_roles:
        if role == Role.DEPT_ADMIN:
            q |= Q(department_id=dept_id, region__path__startswith=path)
    return (
        Proposal.objects.filter(q, moderation=Moderation.PUBLISHED)
        .exclude(kind=Kind.EXPERIENCE, status=Status.PUBLISHED, answered_on__isnull=False)
        .select_related("department", "author")
        .order_by("answer_due", "-submitted_at")
    )


def answer_warning(p: Proposal, *, today: date, cal: WorkCalendar | None = None) -> tuple[str, int | None]:
    """Light of the department's first answer: ("normal"|"yellow"|"red", working days left);
    ("normal", None) when answered or when there is no time limit."""
    if p.answer_due is None or p.answered_on is not None or p.status not in OPEN:
        return "normal", None
    return workdays.warning_light(due=p.answer_due, today=today, cal=cal)


def author_label(p_or_c: Proposal | Comment) -> str:
    """How a proposer or commenter is shown to others: name masked (core.masking)."""
    author = p_or_c.author
    if author.kind == AccountKind.STAFF:
        return "工作人员"
    return mask_name(author.display_name or "") or "群众"


# --- 办事体验 missions and rectification items (staff only) -----------------------------------------
def _managed_q(user: User) -> Q:
    """Rows of the departments the user administers (within region) or of the supervised regions."""
    scope = staff_scope(user)
    q = Q(pk__in=[])
    for role, dept_id, path in scope.department_roles:
        if role == Role.DEPT_ADMIN:
            q |= Q(department_id=dept_id, region__path__startswith=path)
    if Role.SUPERVISOR in scope.roles:
        q |= region_q(scope.region_paths[Role.SUPERVISOR])
    return q


def missions_visible(*, user: User | AnonymousUser | None) -> QuerySet:
    """Missions the user performs or planned, and those of the departments they manage."""
    user = _user(user)
    if user is None or user.kind != AccountKind.STAFF:
        return Mission.objects.none()
    q = Q(staff=user) | Q(created_by=user) | _managed_q(user)
    return (
        Mission.objects.filter(q)
        .select_related("department", "region", "staff", "item", "hall")
        .order_by("-created_at", "-id")
    )


def mission_for(*, user: User | AnonymousUser | None, number: str) -> Mission:
    m = missions_visible(user=user).filter(number=number).first()
    if m is None:
        raise NotFound("办事体验不存在", code="not_found")
    return m


def finding_for(*, user: User | AnonymousUser | None, finding_id: int) -> Finding:
    f = (
        Finding.objects.select_related("mission", "mission__region", "mission__department", "proposal")
        .filter(pk=finding_id, mission__in=missions_visible(user=user))
        .first()
    )
    if f is None:
        raise NotFound("体验发现不存在", code="not_found")
    return f


def finding_of_mission(*, user: User | AnonymousUser | None, mission: Mission, finding_id: int) -> Finding:
    """A finding of this mission, if the user may see it (404 otherwise)."""
    f = finding_for(user=user, finding_id=finding_id)
    if f.mission_id != mission.pk:
        raise NotFound("体验发现不存在", code="not_found")
    return f


def proposal_viewer_rights(*, user: User | None, proposal: Proposal) -> dict[str, bool]:
    """What the viewer may do on a post: support it (not an experience report, not closed) and rate
    its result (the author or a supporter, once, after implementation)."""
    supported = user is not None and proposal.supports.filter(user=user).exists()
    can_rate = (
        proposal.status == Status.DONE
        and user is not None
        and user.kind != AccountKind.STAFF
        and (proposal.author_id == user.pk or supported)
        and not proposal.result_ratings.filter(user=user).exists()
    )
    return {
        "supported": supported,
        "support": proposal.kind != Kind.EXPERIENCE and proposal.status not in (Status.DECLINED, Status.DONE),
        "rate": can_rate,
    }


def departments_managed(*, user: User) -> list[Department]:
    """Departments whose 办事体验 missions the user may plan."""
    return [
        d
        for d in Department.objects.select_related("region").order_by("name")[:300]
        if is_mission_manager(user, department_id=d.pk, region_path=d.region.path)
    ]


def rectifications_visible(*, user: User | AnonymousUser | None, status: str | None = None) -> QuerySet:
    user = _user(user)
    if user is None or user.kind != AccountKind.STAFF:
        return RectificationItem.objects.none()
    qs = RectificationItem.objects.filter(_managed_q(user)).select_related("department", "region")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "due_date", "id")


def rectification_for(*, user: User | AnonymousUser | None, number: str) -> RectificationItem:
    item = rectifications_visible(user=user).filter(number=number).first()
    if item is None:
        raise NotFound("整改事项不存在", code="not_found")
    return item
