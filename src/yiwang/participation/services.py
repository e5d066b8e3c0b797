"""共同缔造 writes: proposals and experiences (群众提/群众谈), drafts of process changes a department
publishes for discussion (群众议), comments and supports, the department's public answers with their
working-day time limit, moderation with reasons, and result ratings (群众评).

Every write is one transaction. A proposal's status changes only through a conditional UPDATE on
`version` (two people answering at once: one wins, the other gets 409 stale_version)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.catalog.models import Item
from yiwang.core.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
    Throttled,
    ValidationFailed,
)
from yiwang.core.text import as_int, reject_markup
from yiwang.core.workflow import Rule, Step, Workflow, rule
from yiwang.notifications.services import notification_send
from yiwang.organizations.models import Department, Role, ServiceHall
from yiwang.organizations.selectors import staff_over, staff_scope
from yiwang.workdays import selectors as workdays

from .models import (
    Answer,
    Comment,
    Finding,
    FindingKind,
    FindingOutcome,
    Kind,
    Mission,
    MissionChannel,
    MissionStatus,
    Moderation,
    OverdueNotice,
    Proposal,
    RectificationItem,
    RectificationStatus,
    ResultRating,
    SensitiveWord,
    Status,
    Support,
    Target,
)

ANSWER_LIMIT_DAYS = 10  # working days for the department's first public answer to a proposal
TITLE_MAX, BODY_MAX, COMMENT_MAX, REASON_MAX = 100, 5000, 1000, 500
PROPOSALS_PER_DAY = 5  # per person, rolling 24 hours
COMMENTS_PER_HOUR = 20  # per person, rolling hour
# Words that hold a post for a moderator (not a verdict: a moderator publishes or rejects it) are
# the active rows of SensitiveWord (admin-editable), kept in the shared cache for WORDS_CACHE_SECONDS.
WORDS_CACHE_KEY = "participation:sensitive-words:v1"
WORDS_CACHE_SECONDS = 600
LEVELS = {"1": "非常满意", "2": "满意", "3": "基本满意", "4": "不满意", "5": "非常不满意"}


def today() -> date:
    return timezone.localdate()


# --- text and moderation ------------------------------------------------------------------------
def _text(*, field: str, value: str | None, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(fields={field: ["必填"]})
    if len(value) > limit:
        raise ValidationFailed(fields={field: [f"内容过长（最多{limit}个字）"]})
    reject_markup(field=field, value=value)
    return value


def sensitive_words() -> tuple[str, ...]:
    """The active sensitive words, from the shared cache (every process sees an edit at once:
    saving or deleting a word in the admin drops the cached list after commit)."""
    words = cache.get(WORDS_CACHE_KEY)
    if words is None:
        words = tuple(
            SensitiveWord.objects.filter(active=True).order_by("word").values_list("word", flat=True)
        )
        cache.set(WORDS_CACHE_KEY, words, WORDS_CACHE_SECONDS)
    return tuple(words)


def sensitive_words_changed() -> None:
    """Drop the cached list now and again after the surrounding transaction commits."""
    cache.delete(WORDS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(WORDS_CACHE_KEY))


@transaction.atomic
def sensitive_word_set(*, word: str, active: bool = True, note: str = "") -> SensitiveWord:
    """Add or change a word of the list (used by the admin and the demo)."""
    word = (word or "").strip()
    if not word or len(word) > 50:
        raise ValidationFailed(fields={"word": ["敏感词应为1至50个字"]})
    row, _ = SensitiveWord.objects.update_or_create(
        word=word, defaults={"active": active, "note": note[:200]}
    )
    sensitive_words_changed()
    return row


def sensitive_hits(*texts: str) -> list[str]:
    joined = "\n".join(texts)
    return [w for w in sensitive_words() if w in joined]


def is_moderator(user: User | None, *, region_path: str) -> bool:
    """Supervisors of the region (or above) and platform admins moderate posts and comments."""
    if user is None or not getattr(user, "is_authenticated", False) or user.kind != AccountKind.STAFF:
        return False
    scope = staff_scope(user)
    paths = scope.region_paths.get(Role.SUPERVISOR, []) + scope.region_paths.get(Role.PLATFORM_ADMIN, [])
    return any(region_path.startswith(p) for p in paths)


def is_responsible(user: User | None, proposal: Proposal) -> bool:
    """A department admin of the proposal's department, within its region, answers for it."""
    if user is None or not getattr(user, "is_authenticated", False) or user.kind != AccountKind.STAFF:
        return False
    path = proposal.region.path
    return any(
        role == Role.DEPT_ADMIN and dept_id == proposal.department_id and path.startswith(p)
        for role, dept_id, p in staff_scope(user).department_roles
    )


def _citizen(actor: User, what: str) -> None:
    if actor.kind == AccountKind.STAFF:
        raise PermissionDenied(f"工作人员不能以群众身份{what}", code="forbidden")


# --- proposals, experiences, drafts -----------------------------------------------------------------
def _target(
    *,
    target: str,
    item_code: str | None,
    hall_id: int | str | None,
    department: Department | int | str | None,
) -> tuple:
    if target not in Target.values:
        raise ValidationFailed(fields={"target": ["对象应为 " + "、".join(Target.values)]})
    item = hall = None
    dept = department
    if item_code:
        item = Item.objects.select_related("department").filter(code=str(item_code).strip()).first()
        if item is None:
            raise ValidationFailed(fields={"item": ["服务事项不存在"]})
        dept = item.department
    if hall_id not in (None, ""):
        hall = ServiceHall.objects.filter(pk=as_int(hall_id, 0)).first()
        if hall is None:
            raise ValidationFailed(fields={"hall": ["服务大厅不存在"]})
    if target == Target.ITEM and item is None:
        raise ValidationFailed(fields={"item": ["请选择服务事项"]})
    if target == Target.HALL and hall is None:
        raise ValidationFailed(fields={"hall": ["请选择服务大厅"]})
    if not isinstance(dept, Department):
        ref = str(dept or "").strip()
        qs = (
            Department.objects.filter(pk=as_int(ref))
            if as_int(ref) is not None
            else Department.objects.filter(uscc=ref)
        )
        dept = qs.select_related("region").first() if ref else None
        if dept is None:
            raise ValidationFailed(fields={"department": ["请选择责任部门"]})
    name = ""
    if item is not None:
        from yiwang.catalog.selectors import item_version_current

        try:
            name = item_version_current(code=item.code).name
        except DomainError:  # an item without a version in force keeps its code
            name = item.code
    elif hall is not None:
        name = hall.name
    return item, hall, dept, name


def _create(
    *, actor: User, kind: str, status: str, title: str, body: str, target: str, item, hall, dept, name
):
    now = timezone.now()
    on = timezone.localdate(now)
    held = bool(sensitive_hits(title, body)) and kind != Kind.DRAFT
    p = Proposal.objects.create(
        kind=kind,
        target=target,
        item=item,
        hall=hall,
        target_name=name[:200],
        department=dept,
        region_id=dept.region_id,
        title=title,
        body=body,
        author=actor,
        status=status,
        moderation=Moderation.HELD if held else Moderation.PUBLISHED,
        submitted_at=now,
        submitted_on=on,
        answer_due=workdays.add_workdays(on, ANSWER_LIMIT_DAYS).date if kind == Kind.PROPOSAL else None,
    )
    prefix = {Kind.PROPOSAL: "JY", Kind.DRAFT: "CA", Kind.EXPERIENCE: "TY"}[kind]
    p.number = f"{prefix}{on:%Y%m%d}{p.pk:06d}"
    Proposal.objects.filter(pk=p.pk).update(number=p.number)
    return p


@transaction.atomic
def proposal_submit(
    *,
    actor: User,
    kind: str,
    title: str,
    body: str,
    target: str = Target.ITEM,
    item_code: str | None = None,
    hall_id: int | str | None = None,
    department: Department | int | str | None = None,
) -> Proposal:
    """群众提 (kind `proposal`) or 群众谈 (kind `experience`) by a citizen or business. A post with a
    sensitive word is held for a moderator; at most PROPOSALS_PER_DAY posts per person a day."""
    _citizen(actor, "发布")
    if kind not in (Kind.PROPOSAL, Kind.EXPERIENCE):
        raise ValidationFailed(fields={"kind": ["类型应为 proposal（建议）或 experience（办事体验）"]})
    title = _text(field="title", value=title, limit=TITLE_MAX)
    body = _text(field="body", value=body, limit=BODY_MAX)
    item, hall, dept, name = _target(
        target=target, item_code=item_code, hall_id=hall_id, department=department
    )
    since = timezone.now() - timedelta(days=1)
    if Proposal.objects.filter(author=actor, submitted_at__gte=since).count() >= PROPOSALS_PER_DAY:
        raise Throttled(f"每人每天最多发布{PROPOSALS_PER_DAY}条，请明天再试", code="rate_limited")
    status = Status.SUBMITTED if kind == Kind.PROPOSAL else Status.PUBLISHED
    return _create(
        actor=actor, kind=kind, status=status, title=title, body=body, target=target,
        item=item, hall=hall, dept=dept, name=name,
    )  # fmt: skip


@transaction.atomic
def draft_publish(
    *,
    actor: User,
    department: Department | int | str | None,
    title: str,
    body: str,
    target: str = Target.PROCESS,
    item_code: str | None = None,
    hall_id: int | str | None = None,
) -> Proposal:
    """A department publishes a draft change of a service process for public discussion (群众议)."""
    title = _text(field="title", value=title, limit=TITLE_MAX)
    body = _text(field="body", value=body, limit=BODY_MAX)
    item, hall, dept, name = _target(
        target=target, item_code=item_code, hall_id=hall_id, department=department
    )
    probe = Proposal(department=dept, region=dept.region)
    if not is_responsible(actor, probe):
        raise PermissionDenied("只有该部门的管理员可以发布流程调整草案", code="forbidden")
    return _create(
        actor=actor, kind=Kind.DRAFT, status=Status.UNDER_REVIEW, title=title, body=body, target=target,
        item=item, hall=hall, dept=dept, name=name,
    )  # fmt: skip


# --- discussion ---------------------------------------------------------------------------------------
def _open_for_discussion(proposal: Proposal) -> None:
    if proposal.moderation != Moderation.PUBLISHED:
        raise InvalidTransition("该内容尚未公开，暂不能参与讨论", code="not_published")


@transaction.atomic
def comment_add(*, actor: User, proposal: Proposal, body: str) -> Comment:
    """A comment in the public discussion; held for a moderator when it hits the word filter."""
    _open_for_discussion(proposal)
    body = _text(field="body", value=body, limit=COMMENT_MAX)
    now = timezone.now()
    if (
        Comment.objects.filter(author=actor, created_at__gte=now - timedelta(hours=1)).count()
        >= COMMENTS_PER_HOUR
    ):
        raise Throttled(f"每人每小时最多评论{COMMENTS_PER_HOUR}条，请稍后再试", code="rate_limited")
    held = bool(sensitive_hits(body))
    c = Comment.objects.create(
        proposal=proposal,
        author=actor,
        body=body,
        moderation=Moderation.HELD if held else Moderation.PUBLISHED,
        created_at=now,
    )
    if not held:
        Proposal.objects.filter(pk=proposal.pk).update(comment_count=F("comment_count") + 1)
    return c


@transaction.atomic
def support_add(*, actor: User, proposal: Proposal) -> Support:
    """One support per person (a second is a 409, nothing changes)."""
    _citizen(actor, "支持")
    _open_for_discussion(proposal)
    if proposal.kind == Kind.EXPERIENCE:
        raise InvalidTransition("办事体验不设支持", code="not_supportable")
    if proposal.status in (Status.DECLINED, Status.DONE):
        raise InvalidTransition(f"该建议{proposal.get_status_display()}，不再征集支持", code="closed")
    if proposal.author_id == actor.pk:
        raise Conflict("不能支持自己的建议", code="own_proposal")
    try:
        with transaction.atomic():
            s = Support.objects.create(proposal=proposal, user=actor, created_at=timezone.now())
    except IntegrityError as exc:
        raise Conflict("您已支持过该建议，每人只能支持一次", code="already_supported") from exc
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
    return s


# --- the department's answers ------------------------------------------------------------------------
OPEN = {Status.SUBMITTED, Status.UNDER_REVIEW, Status.ACCEPTED, Status.IN_PROGRESS}
RESPONSIBLE = "responsible"  # the department the proposal is assigned to
ANSWER_RULES: dict[str, Rule] = {
    "reply": rule(OPEN | {Status.PUBLISHED}, None, {RESPONSIBLE}, "答复"),
    "review": rule({Status.SUBMITTED}, Status.UNDER_REVIEW, {RESPONSIBLE}, "受理研究"),
    "accept": rule({Status.SUBMITTED, Status.UNDER_REVIEW}, Status.ACCEPTED, {RESPONSIBLE}, "采纳"),
    "decline": rule({Status.SUBMITTED, Status.UNDER_REVIEW}, Status.DECLINED, {RESPONSIBLE}, "不予采纳"),
    "start": rule({Status.ACCEPTED}, Status.IN_PROGRESS, {RESPONSIBLE}, "开始实施"),
    "complete": rule({Status.ACCEPTED, Status.IN_PROGRESS}, Status.DONE, {RESPONSIBLE}, "实施完成"),
}


def _record_answer(proposal: Proposal, step: Step) -> Answer:
    return Answer.objects.create(
        proposal=proposal,
        action=step.action,
        from_status=step.frm,
        to_status=step.to,
        body=step.note,
        department_id=proposal.department_id,
        actor=step.actor,
        at=timezone.now(),
        on=step.on,
    )


PROPOSALS: Workflow[Proposal] = Workflow(
    model=Proposal,
    rules=ANSWER_RULES,
    record=_record_answer,
    noun="建议",
    state_message="当前状态为“{state}”，不能{label}",
)


def answer_actions(*, actor: User | None, proposal: Proposal) -> list[tuple[str, str]]:
    """(action, label) the actor may take now (for pages)."""
    if not is_responsible(actor, proposal) or proposal.moderation != Moderation.PUBLISHED:
        return []
    return [(a, r.label) for a, r in ANSWER_RULES.items() if proposal.status in r.sources]


@transaction.atomic
def proposal_answer(
    *,
    actor: User,
    proposal: Proposal,
    action: str,
    body: str,
    version: int | None = None,
    on: date | None = None,
) -> Answer:
    """A public answer of the responsible department, possibly moving the proposal on:
    submitted → under_review → accepted / declined (reason required) → in_progress → done."""
    if action not in ANSWER_RULES:
        raise ValidationFailed(fields={"action": ["操作应为 " + "、".join(ANSWER_RULES)]})
    found = ANSWER_RULES[action]
    if not is_responsible(actor, proposal):
        raise PermissionDenied("只有责任部门可以答复该建议", code="forbidden")
    if proposal.moderation != Moderation.PUBLISHED:
        raise InvalidTransition("该内容尚未公开，暂不能答复", code="not_published")
    PROPOSALS.ensure_version(proposal, version)
    PROPOSALS.ensure_source(proposal, found)
    field = "reason" if action == "decline" else "body"
    body = _text(field=field, value=body, limit=BODY_MAX)
    on = on or today()
    _, answer = PROPOSALS.transition_recorded(
        proposal,
        action=action,
        to=found.target or proposal.status,
        actor=actor,
        role=RESPONSIBLE,
        note=body,
        on=on,
        update={"answered_on": proposal.answered_on or on},
    )
    notification_send(  # the proposer hears of every answer, once
        event_kind="participation.answered",
        recipient=proposal.author,
        context={
            "number": proposal.number,
            "proposal": proposal.title,
            "department": proposal.department.name,
            "action": found.label,
            "answer": body,
        },
        key=f"proposal:{proposal.number}:answer:{answer.pk}",
        link=f"/participation/{proposal.number}/",
    )
    return answer


# --- 群众评 --------------------------------------------------------------------------------------------
@transaction.atomic
def result_rate(*, actor: User, proposal: Proposal, level: str, comment: str = "") -> ResultRating:
    """The proposer or a supporter rates the implemented change, once."""
    _citizen(actor, "评价")
    if str(level) not in LEVELS:
        raise ValidationFailed(fields={"level": ["评价等级应为 1 至 5"]})
    comment = _text(field="comment", value=comment, limit=REASON_MAX, required=False)
    if proposal.status != Status.DONE:
        raise InvalidTransition("改进实施完成后才能评价效果", code="not_done")
    if proposal.author_id != actor.pk and not Support.objects.filter(proposal=proposal, user=actor).exists():
        raise PermissionDenied("只有建议人和支持者可以评价实施效果", code="forbidden")
    try:
        with transaction.atomic():
            return ResultRating.objects.create(
                proposal=proposal, user=actor, level=str(level), comment=comment, created_at=timezone.now()
            )
    except IntegrityError as exc:
        raise Conflict("您已评价过实施效果", code="already_rated") from exc


# --- moderation ---------------------------------------------------------------------------------------
def _moderation_args(action: str, reason: str) -> tuple[str, str]:
    if action not in ("publish", "reject"):
        raise ValidationFailed(fields={"action": ["操作应为 publish（公开）或 reject（不予公开）"]})
    reason = _text(field="reason", value=reason, limit=REASON_MAX)
    return (Moderation.PUBLISHED if action == "publish" else Moderation.REJECTED), reason


@transaction.atomic
def proposal_moderate(*, actor: User, proposal: Proposal, action: str, reason: str) -> Proposal:
    """A moderator publishes or rejects a held post, giving the reason (shown to the author)."""
    if not is_moderator(actor, region_path=proposal.region.path):
        raise PermissionDenied("只有审核人员可以审核", code="forbidden")
    to, reason = _moderation_args(action, reason)
    if proposal.moderation != Moderation.HELD:
        raise InvalidTransition("该内容不在待审核状态", code="not_held")
    n = Proposal.objects.filter(pk=proposal.pk, moderation=Moderation.HELD).update(
        moderation=to, moderation_reason=reason, moderated_by=actor, version=F("version") + 1
    )
    if n != 1:
        raise StaleVersion("该内容已被他人审核")
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def comment_moderate(*, actor: User, comment: Comment, action: str, reason: str) -> Comment:
    if not is_moderator(actor, region_path=comment.proposal.region.path):
        raise PermissionDenied("只有审核人员可以审核", code="forbidden")
    to, reason = _moderation_args(action, reason)
    if (
        Comment.objects.filter(pk=comment.pk, moderation=Moderation.HELD).update(
            moderation=to, moderation_reason=reason, moderated_by=actor
        )
        != 1
    ):
        raise InvalidTransition("该评论不在待审核状态", code="not_held")
    if to == Moderation.PUBLISHED:
        Proposal.objects.filter(pk=comment.proposal_id).update(comment_count=F("comment_count") + 1)
    comment.refresh_from_db()
    return comment


def not_found() -> NotFound:
    return NotFound("内容不存在或未公开", code="not_found")


# --- overdue department answers ------------------------------------------------------------------
def answer_recipients(proposal: Proposal) -> list[User]:
    """Who hears of an overdue answer: the department admins of the proposal's department and the
    supervisors of its region (and of the regions above it)."""
    path = proposal.region.path
    admins = staff_over(region_path=path, role=Role.DEPT_ADMIN, department_id=proposal.department_id)
    return list((admins | staff_over(region_path=path, role=Role.SUPERVISOR)).order_by("pk"))


def proposals_notify_overdue(*, on: date | None = None) -> int:
    """Proposals still without a first answer after their deadline: one OverdueNotice per
    proposal and deadline (unique constraint), sent after commit. Safe to run any number of times
    and from several workers. The messages are written in the same transaction as the notice and
    sent after commit by the notification service."""
    on = on or today()
    due = (
        Proposal.objects.filter(
            kind=Kind.PROPOSAL,
            moderation=Moderation.PUBLISHED,
            status__in=OPEN,
            answered_on__isnull=True,
            answer_due__lt=on,
        )
        .exclude(overdue_notices__deadline=F("answer_due"))
        .values_list("pk", "answer_due")
    )
    count = 0
    for pk, deadline in list(due[:1000]):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    notice = OverdueNotice.objects.create(
                        proposal_id=pk, deadline=deadline, sent_at=timezone.now()
                    )
            except IntegrityError:  # another sweep claimed it
                continue
            notice.recipients = _overdue_notify(notice)
            notice.save(update_fields=["recipients"])
        count += 1
    return count


def _overdue_notify(notice: OverdueNotice) -> int:
    """The department's admins and the region's supervisors, once per proposal and deadline."""
    p = Proposal.objects.select_related("region", "department").get(pk=notice.proposal_id)
    context = {
        "number": p.number,
        "proposal": p.title,
        "deadline": notice.deadline,
        "department": p.department.name,
    }
    recipients = answer_recipients(p)
    for user in recipients:
        notification_send(
            event_kind="participation.answer_overdue",
            recipient=user,
            context=context,
            key=f"proposal:{p.number}:overdue:{notice.deadline.isoformat()}",
            link=f"/workbench/participation/{p.number}/",
        )
    return len(recipients)


@transaction.atomic
def proposal_overdue_send(*, notice_id: int) -> int:
    """Target of `tasks.proposal_overdue_notify`, queued by releases before the notification
    service: hands the messages to it under the same event keys."""
    notice = OverdueNotice.objects.filter(pk=notice_id).first()
    if notice is None:
        return 0
    sent = _overdue_notify(notice)
    OverdueNotice.objects.filter(pk=notice.pk).update(recipients=sent)
    return sent


# --- 办事体验 missions ----------------------------------------------------------------------------
RECTIFY_DEFAULT_DAYS = 10  # working days for a rectification item when no deadline is given


def mission_can_record(*, actor: User, mission: Mission, manager: bool | None = None) -> bool:
    """Findings are recorded while the mission is open, by its staff member or a manager."""
    if manager is None:
        manager = is_mission_manager(
            actor, department_id=mission.department_id, region_path=mission.region.path
        )
    return mission.status == MissionStatus.OPEN and (manager or mission.staff_id == actor.pk)


def is_mission_manager(user: User | None, *, department_id: int, region_path: str) -> bool:
    """Department admins of the department (within region) and supervisors of the region plan
    missions and turn findings into proposals or rectification items."""
    if user is None or not getattr(user, "is_authenticated", False) or user.kind != AccountKind.STAFF:
        return False
    scope = staff_scope(user)
    if any(
        role == Role.DEPT_ADMIN and dept_id == department_id and region_path.startswith(p)
        for role, dept_id, p in scope.department_roles
    ):
        return True
    return any(region_path.startswith(p) for p in scope.region_paths.get(Role.SUPERVISOR, []))


def _mission_manager_check(actor: User, mission) -> None:
    if not is_mission_manager(actor, department_id=mission.department_id, region_path=mission.region.path):
        raise PermissionDenied("只有该部门管理员或督查人员可以办理", code="forbidden")


def _mission_actor_check(actor: User, mission) -> None:
    if actor.pk != mission.staff_id:
        _mission_manager_check(actor, mission)


@transaction.atomic
def mission_create(
    *,
    actor: User,
    department: Department | int | str | None,
    title: str,
    task: str,
    channel: str,
    item_code: str | None = None,
    hall_id: int | str | None = None,
    staff: User | None = None,
) -> Mission:
    """Plan a 办事体验: `staff` (default: the actor) will do the service as a citizen would, through
    `channel`, and record findings."""
    if channel not in MissionChannel.values:
        raise ValidationFailed(fields={"channel": ["体验渠道应为 " + "、".join(MissionChannel.values)]})
    title = _text(field="title", value=title, limit=TITLE_MAX)
    task = _text(field="task", value=task, limit=BODY_MAX)
    target = Target.ITEM if item_code else (Target.HALL if hall_id not in (None, "") else Target.OTHER)
    item, hall, dept, name = _target(
        target=target, item_code=item_code, hall_id=hall_id, department=department
    )
    if not is_mission_manager(actor, department_id=dept.pk, region_path=dept.region.path):
        raise PermissionDenied("只有该部门管理员或督查人员可以安排办事体验", code="forbidden")
    staff = staff or actor
    if staff.kind != AccountKind.STAFF or not staff.is_active:
        raise ValidationFailed(fields={"staff": ["体验人应为在岗工作人员"]})
    now = timezone.now()
    m = Mission.objects.create(
        title=title, task=task, channel=channel, department=dept, region_id=dept.region_id, item=item,
        hall=hall, target_name=name[:200], staff=staff, created_by=actor, created_at=now,
    )  # fmt: skip
    m.number = f"BS{timezone.localdate(now):%Y%m%d}{m.pk:06d}"
    Mission.objects.filter(pk=m.pk).update(number=m.number)
    return m


@transaction.atomic
def mission_finding_add(*, actor: User, mission: Mission, kind: str, body: str, step: str = "") -> Finding:
    """Record what the staff member found at a step of the service (问题 / 建议 / 亮点)."""
    _mission_actor_check(actor, mission)
    if mission.status != MissionStatus.OPEN:
        raise InvalidTransition("该办事体验已完成，不能再记录", code="mission_done")
    if kind not in FindingKind.values:
        raise ValidationFailed(fields={"kind": ["类型应为 problem、suggestion 或 good"]})
    body = _text(field="body", value=body, limit=BODY_MAX)
    step = _text(field="step", value=step, limit=100, required=False)
    seq = (mission.findings.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    try:
        with transaction.atomic():
            return Finding.objects.create(
                mission=mission, seq=seq, step=step, kind=kind, body=body, created_by=actor,
                created_at=timezone.now(),
            )  # fmt: skip
    except IntegrityError as exc:
        raise StaleVersion("同时有他人记录，请刷新后重试") from exc


@transaction.atomic
def mission_finish(*, actor: User, mission: Mission, summary: str, version: int | None = None) -> Mission:
    _mission_actor_check(actor, mission)
    summary = _text(field="summary", value=summary, limit=BODY_MAX)
    if mission.status != MissionStatus.OPEN:
        raise InvalidTransition("该办事体验已完成", code="mission_done")
    if version is not None and version != mission.version:
        raise StaleVersion("该办事体验已被他人更新，请刷新后重试")
    n = Mission.objects.filter(pk=mission.pk, version=mission.version, status=MissionStatus.OPEN).update(
        status=MissionStatus.DONE, summary=summary, finished_on=today(), version=F("version") + 1
    )
    if n != 1:
        raise StaleVersion("该办事体验已被他人更新，请刷新后重试")
    mission.refresh_from_db()
    return mission


def _finding_claim(finding: Finding, outcome: str, **link) -> None:
    n = Finding.objects.filter(pk=finding.pk, outcome=FindingOutcome.PENDING).update(outcome=outcome, **link)
    if n != 1:
        raise Conflict("该发现已处理", code="finding_handled")
    finding.outcome = outcome
    for k, v in link.items():
        setattr(finding, k, v)


def _finding_check(actor: User, finding: Finding) -> Mission:
    mission = finding.mission
    _mission_manager_check(actor, mission)
    if finding.outcome != FindingOutcome.PENDING:
        raise Conflict(f"该发现{finding.get_outcome_display()}", code="finding_handled")
    if finding.kind == FindingKind.GOOD:
        raise InvalidTransition("亮点无需转办", code="finding_is_good")
    return mission


@transaction.atomic
def finding_to_proposal(*, actor: User, finding: Finding) -> Proposal:
    """A finding becomes a public improvement proposal to the mission's department (群众提 from a
    staff member's experience), answered like any other on the working-day clock."""
    mission = _finding_check(actor, finding)
    title = f"办事体验发现：{finding.step or mission.target_name or mission.title}"[:TITLE_MAX]
    body = f"{finding.body}\n（来源：办事体验 {mission.number}，{mission.get_channel_display()}）"[:BODY_MAX]
    target = (mission.item and Target.ITEM) or (Target.HALL if mission.hall_id else Target.PROCESS)
    p = _create(
        actor=actor, kind=Kind.PROPOSAL, status=Status.SUBMITTED, title=title, body=body, target=target,
        item=mission.item, hall=mission.hall, dept=mission.department, name=mission.target_name,
    )  # fmt: skip
    _finding_claim(finding, FindingOutcome.PROPOSAL, proposal=p)
    return p


@transaction.atomic
def finding_to_rectification(
    *, actor: User, finding: Finding, deadline: date | str | None = None, title: str = ""
) -> RectificationItem:
    """A finding becomes a rectification item of the mission's department, due `deadline` or
    RECTIFY_DEFAULT_DAYS working days from today."""
    mission = _finding_check(actor, finding)
    on = today()
    if deadline in (None, ""):
        due = workdays.add_workdays(on, RECTIFY_DEFAULT_DAYS).date
    else:
        try:
            due = deadline if isinstance(deadline, date) else date.fromisoformat(str(deadline))
        except ValueError:
            raise ValidationFailed(fields={"deadline": ["整改期限格式应为 YYYY-MM-DD"]}) from None
        if due < on:
            raise ValidationFailed(fields={"deadline": ["整改期限不能早于今天"]})
    title = (
        _text(field="title", value=title, limit=TITLE_MAX, required=False)
        or (f"{mission.target_name or mission.title}：{finding.step or '办事体验发现的问题'}"[:TITLE_MAX])
    )
    item = RectificationItem.objects.create(
        department_id=mission.department_id, region_id=mission.region_id, title=title,
        body=f"{finding.body}\n（来源：办事体验 {mission.number}）"[:BODY_MAX], due_date=due,
        created_by=actor, created_at=timezone.now(),
    )  # fmt: skip
    item.number = f"ZG{on:%Y%m%d}{item.pk:06d}"
    RectificationItem.objects.filter(pk=item.pk).update(number=item.number)
    _finding_claim(finding, FindingOutcome.RECTIFICATION, rectification=item)
    return item


@transaction.atomic
def rectification_complete(*, actor: User, item: RectificationItem, note: str) -> RectificationItem:
    if not is_mission_manager(actor, department_id=item.department_id, region_path=item.region.path):
        raise PermissionDenied("只有责任部门管理员或督查人员可以办理", code="forbidden")
    note = _text(field="note", value=note, limit=BODY_MAX)
    n = RectificationItem.objects.filter(
        pk=item.pk, version=item.version, status=RectificationStatus.OPEN
    ).update(
        status=RectificationStatus.DONE,
        done_on=today(),
        done_note=note,
        done_by=actor,
        version=F("version") + 1,
    )
    if n != 1:
        if item.status != RectificationStatus.OPEN:
            raise InvalidTransition("该整改事项已完成", code="already_done")
        raise StaleVersion("该整改事项已被他人更新，请刷新后重试")
    item.refresh_from_db()
    return item
