"""Evaluation writes: ratings through every channel, invitations and the one reminder, the SMS
token, the window rating device, and the bad-review work order (Wuhan's 《政务服务差评处置工作指南》).

Every write is one transaction. A work order changes only through `ORDERS` (core.workflow): a conditional
UPDATE on `version` (two people acting at once: exactly one wins, the other gets 409
stale_version) followed by one immutable WorkOrderStep with actor and note."""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.cases.models import Case, CaseEvent
from yiwang.cases.models import Status as CaseStatus
from yiwang.core import keys
from yiwang.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from yiwang.core.text import as_int, reject_markup
from yiwang.core.workflow import Rule, Step, Workflow, rule
from yiwang.notifications.services import notification_send
from yiwang.organizations.models import Department, Region, Role, Window
from yiwang.organizations.selectors import staff_over, staff_scope
from yiwang.workdays import selectors as workdays

from . import hooks, ledgering
from .models import (
    BAD_LEVELS,
    BAD_TAGS,
    CHANNEL_CLASS,
    CHANNEL_DIMENSIONS,
    DIMENSIONS,
    Channel,
    Disposal,
    Evaluation,
    HandlingLimit,
    Invitation,
    Level,
    OrderStatus,
    RatingDevice,
    RevisitResult,
    Stage,
    WindowServing,
    WorkOrder,
    WorkOrderStep,
)

log = logging.getLogger("yiwang.evaluations")

DEFAULT_LIMIT_DAYS = 5
REMIND_AFTER = timedelta(days=3)  # calendar days
COMMENT_MAX = 500
NOTE_MAX = 2000
TOKEN_KIND = "evaluation-sms-token"  # noqa: S105 - a hash domain tag, not a secret


def today() -> date:
    return timezone.localdate()


# --- text -------------------------------------------------------------------------------------------
def _clean_text(*, field: str, value: str | None, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationFailed(fields={field: [f"内容过长（最多{limit}个字）"]})
    reject_markup(field=field, value=value)
    return value


# --- ratings ----------------------------------------------------------------------------------------
def stage_reached(*, case: Case, stage: str) -> bool:
    if stage == Stage.ACCEPT:
        return case.accepted_on is not None and case.status not in {CaseStatus.DRAFT, CaseStatus.REFUSED}
    if stage == Stage.COMPLETE:
        return case.status == CaseStatus.COMPLETED
    return False


def _served_by(*, case: Case, stage: str) -> User | None:
    """The staff member who served the applicant at this stage: who accepted, who completed."""
    action = "accept" if stage == Stage.ACCEPT else "complete"
    event = (
        CaseEvent.objects.filter(case=case, action=action, actor__kind=AccountKind.STAFF)
        .select_related("actor")
        .order_by("-seq")
        .first()
    )
    return event.actor if event else None


def _is_applicant(user: User | None, case: Case) -> bool:
    if user is None or user.kind == AccountKind.STAFF:
        return False
    return user.pk in (case.owner_id, case.filed_by_id)


def _validated(*, channel: str, stage: str, level: str, dimensions, tags, comment) -> dict:
    fields: dict[str, list[str]] = {}
    if channel not in Channel.values:
        fields["channel"] = ["评价渠道应为 " + "、".join(Channel.values)]
    if stage not in Stage.values:
        fields["stage"] = ["评价环节应为 accept 或 complete"]
    if level not in Level.values:
        fields["level"] = ["评价等级应为 1 至 5"]
    kind = CHANNEL_DIMENSIONS.get(channel)
    dims: dict[str, str] = {}
    if not isinstance(dimensions, dict):
        fields["dimensions"] = ["应为对象"]
    elif kind:
        for key, value in dimensions.items():
            if key not in DIMENSIONS[kind]:
                fields.setdefault(f"dimensions.{key}", []).append("该渠道没有此评价维度")
            elif str(value) not in Level.values:
                fields.setdefault(f"dimensions.{key}", []).append("评价等级应为 1 至 5")
            else:
                dims[key] = str(value)
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        fields["tags"] = ["应为差评选项代码的列表"]
        tags = []
    else:
        unknown = [t for t in tags if t not in BAD_TAGS]
        if unknown:
            fields["tags"] = ["未知的差评选项：" + "、".join(unknown[:5])]
        elif tags and level not in BAD_LEVELS:
            fields["tags"] = ["差评选项仅在“不满意”或“非常不满意”时选择"]
    if fields:
        raise ValidationFailed(fields=fields)
    comment = _clean_text(field="comment", value=comment, limit=COMMENT_MAX)
    return {"dimension_kind": kind, "dimensions": dims, "tags": list(dict.fromkeys(tags)), "comment": comment}


def _create(
    *,
    case: Case,
    stage: str,
    level: str,
    channel: str,
    rater: User | None,
    dimensions: dict | None = None,
    tags: list | None = None,
    comment: str = "",
    anonymous: bool = False,
    entered_by: User | None = None,
    ticket: str = "",
    at: datetime | None = None,
) -> Evaluation:
    clean = _validated(
        channel=channel,
        stage=stage,
        level=level,
        dimensions=dimensions or {},
        tags=tags or [],
        comment=comment,
    )
    if not stage_reached(case=case, stage=stage):
        label = "受理" if stage == Stage.ACCEPT else "办结"
        raise InvalidTransition(f"办件尚未{label}，不能评价该环节", code="stage_not_reached")
    if Evaluation.objects.filter(case=case, stage=stage).exists():
        raise Conflict("该环节已评价，评价提交后不能修改", code="already_rated")
    at = at or timezone.now()
    staff = _served_by(case=case, stage=stage)
    try:
        with transaction.atomic():
            ev = Evaluation.objects.create(
                case=case,
                stage=stage,
                level=level,
                channel=channel,
                channel_class=CHANNEL_CLASS[channel],
                anonymous=bool(anonymous),
                rater=rater,
                entered_by=entered_by,
                department_id=case.department_id,
                region_id=case.region_id,
                hall_id=case.hall_id,
                window_id=case.window_id,
                staff=staff,
                item_id=case.item_id,
                ticket=ticket,
                rated_at=at,
                rated_on=timezone.localdate(at),
                **clean,
            )
    except IntegrityError as exc:  # a concurrent rating of the same stage committed first
        raise Conflict("该环节已评价，评价提交后不能修改", code="already_rated") from exc
    ledgering.record_rating(ev)
    if ev.is_bad:
        _order_open(evaluation=ev, on=ev.rated_on)
    hooks.recorded(evaluation=ev)  # 数据上报 (docking), in this transaction
    return ev


@transaction.atomic
def evaluation_submit(
    *,
    case: Case,
    actor: User,
    stage: str,
    level: str,
    channel: str,
    dimensions: dict | None = None,
    tags: list | None = None,
    comment: str = "",
    anonymous: bool = False,
) -> Evaluation:
    """A rating given through the API or the web page: by the applicant themselves (web, mobile,
    kiosk), or entered by a supervisor from a 12345 hotline call (channel `hotline`)."""
    if channel == Channel.HOTLINE:
        scope = staff_scope(actor)
        paths = scope.region_paths.get(Role.SUPERVISOR, [])
        if actor.kind != AccountKind.STAFF or not any(case.region.path.startswith(p) for p in paths):
            raise PermissionDenied("12345热线评价仅可由督查人员代为录入", code="forbidden")
        return _create(
            case=case,
            stage=stage,
            level=level,
            channel=channel,
            rater=case.owner,
            entered_by=actor,
            dimensions=dimensions,
            tags=tags,
            comment=comment,
            anonymous=anonymous,
        )
    if channel in (Channel.DEVICE, Channel.SMS):
        raise ValidationFailed(fields={"channel": ["窗口评价器和短信评价请使用对应页面"]})
    if not _is_applicant(actor, case):
        raise PermissionDenied("只有申请人本人可以评价该办件", code="forbidden")
    return _create(
        case=case,
        stage=stage,
        level=level,
        channel=channel,
        rater=actor,
        dimensions=dimensions,
        tags=tags,
        comment=comment,
        anonymous=anonymous,
    )


# --- invitations, reminder and the SMS token ---------------------------------------------------------
def _token_sig(invitation_id: int, nonce: str) -> str:
    return keys.lookup_hash(f"{invitation_id}.{nonce}", kind=TOKEN_KIND)[:40]


def invitation_token(invitation: Invitation) -> str:
    """`<id>.<nonce>.<HMAC>`; the HMAC is the key service's keyed hash, so a token cannot be forged."""
    return f"{invitation.pk}.{invitation.token_nonce}.{_token_sig(invitation.pk, invitation.token_nonce)}"


def invitation_by_token(token: str) -> Invitation:
    """The invitation a token names; a forged, malformed or used token is a 404 (nothing leaks)."""
    try:
        raw_id, nonce, sig = token.split(".")
        pk = int(raw_id)
    except (ValueError, AttributeError):
        raise NotFound("评价链接无效", code="invalid_token") from None
    if not hmac.compare_digest(sig.encode(), _token_sig(pk, nonce).encode()):
        raise NotFound("评价链接无效", code="invalid_token")
    inv = Invitation.objects.select_related("case", "case__region").filter(pk=pk, token_nonce=nonce).first()
    if inv is None:
        raise NotFound("评价链接无效", code="invalid_token")
    if inv.token_used_at is not None:
        raise NotFound("评价链接已使用", code="token_used")
    return inv


def _invitation_notify(invitation: Invitation, *, reminder: bool) -> None:
    """In the caller's transaction: the invitation (or its one reminder) to the applicant, through
    the notification service (inbox plus the channels chosen; once per invitation and stage)."""
    case = invitation.case
    stage = "reminder" if reminder else "invitation"
    notification_send(
        event_kind=f"evaluation.{stage}",
        recipient=case.owner,
        context={"number": case.number},
        key=f"evaluation-invitation:{invitation.pk}:{stage}",
        link=f"/rate/sms/{invitation_token(invitation)}/",
    )


@transaction.atomic
def evaluation_invite(*, case: Case) -> Invitation | None:
    """Invite the applicant of a completed case to rate it. Idempotent: a second call returns the
    same invitation and sends nothing. Returns None (and logs) for a case not completed."""
    if case.status != CaseStatus.COMPLETED:
        log.info("evaluation invite skipped: case %s is %s", case.pk, case.status)
        return None
    now = timezone.now()
    inv, created = Invitation.objects.get_or_create(
        case=case,
        defaults={"created_at": now, "remind_after": now + REMIND_AFTER, "token_nonce": secrets.token_hex(8)},
    )
    if created:
        _invitation_notify(inv, reminder=False)
    return inv


@transaction.atomic
def invitation_send(*, invitation_id: int, reminder: bool) -> bool:
    """Target of `tasks.invitation_send`, queued by releases before the notification service:
    hands the message to it under the same event key (nothing is sent twice)."""
    inv = Invitation.objects.select_related("case", "case__owner").filter(pk=invitation_id).first()
    if inv is None:
        return False
    _invitation_notify(inv, reminder=reminder)
    return True


def invitations_remind(*, now: datetime | None = None) -> int:
    """Exactly one reminder per invitation still unrated 3 calendar days after it was sent. Safe to
    run any number of times and from several workers: each row is claimed by a conditional UPDATE
    and the reminder is handed to the notification service in the same transaction."""
    now = now or timezone.now()
    due = Invitation.objects.filter(reminded_at__isnull=True, remind_after__lte=now).exclude(
        case__evaluations__stage=Stage.COMPLETE
    )
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            if Invitation.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now) != 1:
                continue
            _invitation_notify(
                Invitation.objects.select_related("case", "case__owner").get(pk=pk), reminder=True
            )
        sent += 1
    return sent


@transaction.atomic
def evaluation_submit_sms(
    *,
    token: str,
    level: str,
    dimensions: dict | None = None,
    tags: list[str] | None = None,
    comment: str = "",
    anonymous: bool = False,
) -> Evaluation:
    """A rating through the SMS link: the token is checked and spent in the same transaction."""
    inv = invitation_by_token(token)
    ev = _create(
        case=inv.case,
        stage=Stage.COMPLETE,
        level=level,
        channel=Channel.SMS,
        rater=inv.case.owner,
        dimensions=dimensions,
        tags=tags,
        comment=comment,
        anonymous=anonymous,
    )
    if (
        Invitation.objects.filter(pk=inv.pk, token_used_at__isnull=True).update(token_used_at=timezone.now())
        != 1
    ):
        raise NotFound("评价链接已使用", code="token_used")
    return ev


# --- the window rating device -------------------------------------------------------------------------
@transaction.atomic
def device_register(*, window: Window, name: str = "", active: bool = True) -> tuple[RatingDevice, str]:
    """A new rating device for a window; returns it with its secret (shown once, stored hashed)."""
    secret = secrets.token_urlsafe(24)
    device = RatingDevice.objects.create(
        window=window,
        name=name[:100],
        active=active,
        token_hash=keys.lookup_hash(secret, kind="rating-device"),
    )
    return device, secret


@transaction.atomic
def device_rotate(*, device: RatingDevice) -> str:
    """A new secret for a device (a lost or leaked tablet URL); the old URL stops working."""
    secret = secrets.token_urlsafe(24)
    device.token_hash = keys.lookup_hash(secret, kind="rating-device")
    RatingDevice.objects.filter(pk=device.pk).update(token_hash=device.token_hash)
    return secret


def device_for_token(token: str) -> RatingDevice:
    device = (
        RatingDevice.objects.select_related("window", "window__hall")
        .filter(token_hash=keys.lookup_hash(token or "", kind="rating-device"), active=True)
        .first()
    )
    if device is None:
        raise NotFound("评价器未登记或已停用", code="unknown_device")
    return device


def window_serving_set(
    *, actor: User, window: Window, case: Case | None, ticket: str = "", stage: str = ""
) -> WindowServing:
    """The clerk (or the queue system acting for them) says which ticket and case the window is
    serving now; the window's rating device shows it. `case=None` clears the window."""
    if window.pk not in staff_scope(actor).window_ids:
        raise PermissionDenied("只能设置本人所在窗口", code="forbidden")
    ticket = _clean_text(field="ticket", value=ticket, limit=20)
    if case is not None:
        stage = stage or (Stage.COMPLETE if case.status == CaseStatus.COMPLETED else Stage.ACCEPT)
        if stage not in Stage.values:
            raise ValidationFailed(fields={"stage": ["评价环节应为 accept 或 complete"]})
    values = {"case": case, "ticket": ticket, "stage": stage if case else "", "staff": actor}
    # checked above, written below: on a window's call this is two statements, no savepoint. The
    # row is locked, then written: two setters of one window queue up, and each moves the version
    # the device's rating is checked against.
    with transaction.atomic(savepoint=False):
        serving = WindowServing.objects.select_for_update().filter(window=window).first()
        if serving is None:  # the window's first: get_or_create settles two first setters at once
            serving, created = WindowServing.objects.get_or_create(window=window, defaults=values)
            if created:
                return serving
            serving = WindowServing.objects.select_for_update().get(pk=serving.pk)
        for name, value in values.items():
            setattr(serving, name, value)
        serving.version += 1
        serving.save(update_fields=[*values, "version", "updated_at"])
    return serving


@transaction.atomic
def evaluation_submit_device(
    *,
    device: RatingDevice,
    serving_version: int,
    level: str,
    dimensions: dict | None = None,
    tags: list[str] | None = None,
    comment: str = "",
) -> Evaluation:
    """A rating on the window's tablet. It rates the case and ticket the window was serving when the
    page was shown (`serving_version`); if the window has moved on since, nothing is recorded."""
    serving = (
        WindowServing.objects.select_related("case", "case__region").filter(window=device.window).first()
    )
    if serving is None or serving.case is None:
        raise InvalidTransition("窗口当前没有正在办理的业务", code="nothing_served")
    if serving.version != serving_version:
        raise StaleVersion("窗口已开始办理下一位，请重新评价")
    ev = _create(
        case=serving.case,
        stage=serving.stage,
        level=level,
        channel=Channel.DEVICE,
        rater=serving.case.owner,
        dimensions=dimensions,
        tags=tags,
        comment=comment,
        ticket=serving.ticket,
    )
    # the device is bound to one visit: clear it so the next person cannot rate this case again
    WindowServing.objects.filter(pk=serving.pk, version=serving_version).update(
        case=None, ticket="", stage="", version=F("version") + 1
    )
    return ev


# --- bad-review work orders ----------------------------------------------------------------------------
def handling_limit(region: Region) -> int:
    """Working days for a bad review in `region`: its own setting or the nearest above, else 5."""
    codes = [c for c in region.path.strip("/").split("/") if c]
    rows = dict(
        HandlingLimit.objects.filter(region__code__in=codes).values_list("region__code", "limit_days")
    )
    for code in reversed(codes):
        if code in rows:
            return rows[code]
    return DEFAULT_LIMIT_DAYS


def _order_open(*, evaluation: Evaluation, on: date) -> WorkOrder:
    region = evaluation.case.region
    limit = handling_limit(region)
    order = WorkOrder.objects.create(
        evaluation=evaluation,
        number=f"CP{on:%Y%m%d}{evaluation.pk:08d}",
        department_id=evaluation.department_id,
        region=region,
        received_on=on,
        limit_days=limit,
        due_date=workdays.add_workdays(on, limit).date,
    )
    step = WorkOrderStep.objects.create(
        order=order,
        seq=1,
        action="receive",
        to_status=OrderStatus.RECEIVED,
        actor=None,
        actor_role="system",
        at=timezone.now(),
        on=on,
        note="差评自动受理",
        data={"level": evaluation.level, "due_date": order.due_date.isoformat(), "limit_days": limit},
    )
    ledgering.record_step(step, order=order)
    return order


DEPT, UNIT, SUP, APP = "department", "unit", Role.SUPERVISOR, "applicant"
S = OrderStatus


def _r(sources, roles, label, note_required=False) -> Rule:
    # the target state is decided by the action's handler in order_apply_action
    return rule(sources, None, roles, label, note_required=note_required)


ORDER_RULES: dict[str, Rule] = {
    "verify": _r({S.RECEIVED}, {DEPT, SUP}, "调查核实", True),
    "appeal": _r({S.VERIFIED}, {DEPT}, "申诉", True),
    "appeal_accept": _r({S.APPEALING}, {SUP}, "申诉成立", True),
    "appeal_reject": _r({S.APPEALING}, {SUP}, "申诉不成立", True),
    "assign": _r({S.VERIFIED}, {DEPT, SUP}, "差评分办"),
    "dispose": _r({S.ASSIGNED}, {UNIT, SUP}, "分类处置", True),
    "rectify": _r({S.RECTIFYING}, {UNIT, SUP}, "整改完成", True),
    "revisit": _r({S.DISPOSED}, {UNIT, SUP, APP}, "回访"),
    "close": _r({S.REVISITED, S.DISPOSED, S.SUPERVISING}, {UNIT, SUP}, "办结"),
}
ACTION_LABELS = {
    "receive": "差评受理",
    "escalate": "超期督办",
    **{k: r.label for k, r in ORDER_RULES.items()},
}
OPEN_ORDER = {s for s in OrderStatus.values if s not in (S.VOID, S.CLOSED)}


def order_roles(*, actor: User, order: WorkOrder) -> set[str]:
    roles: set[str] = set()
    if actor.kind != AccountKind.STAFF:
        if actor.pk == order.evaluation.rater_id:
            roles.add(APP)
        return roles
    scope = staff_scope(actor)
    unit_id = order.unit_id or order.department_id
    region_path = order.region.path
    for role, dept_id, path in scope.department_roles:
        if role != Role.DEPT_ADMIN or not region_path.startswith(path):
            continue
        if dept_id == order.department_id:
            roles.add(DEPT)
        if dept_id == unit_id:
            roles.add(UNIT)
    if any(region_path.startswith(p) for p in scope.region_paths.get(Role.SUPERVISOR, [])):
        roles.add(SUP)
    return roles


def _record_step(order: WorkOrder, step: Step) -> WorkOrderStep:
    row = WorkOrderStep.objects.create(
        order=order,
        seq=step.seq,
        action=step.action,
        from_status=step.frm,
        to_status=step.to,
        actor=step.actor,
        actor_role=step.role,
        at=timezone.now(),
        on=step.on,
        note=step.note,
        data=step.data,
    )
    ledgering.record_step(row, order=order)
    return row


ORDERS: Workflow[WorkOrder] = Workflow(model=WorkOrder, rules=ORDER_RULES, record=_record_step, noun="工单")


def order_action_check(
    *, actor: User, order: WorkOrder, action: str, version: int | None = None
) -> tuple[Rule, str]:
    """May `actor` take `action` now? 403 for the role, 409 for the state or version."""
    rule, roles = ORDERS.check(
        obj=order, action=action, roles=order_roles(actor=actor, order=order), version=version
    )
    if action == "appeal" and order.appeal_used:
        raise InvalidTransition("每条差评只能申诉一次")
    if action == "close":
        if order.status == S.SUPERVISING and SUP not in roles:
            raise PermissionDenied("督办中的工单由督查人员办结", code="forbidden")
        if order.status == S.DISPOSED and not order.evaluation.anonymous:
            raise InvalidTransition("实名差评须先回访再办结")
    for preferred in (
        (SUP, UNIT, DEPT, APP) if action in {"appeal_accept", "appeal_reject"} else (APP, UNIT, DEPT, SUP)
    ):
        if preferred in roles:
            return rule, preferred
    raise AssertionError  # pragma: no cover


def _order_move(
    *,
    order: WorkOrder,
    action: str,
    to: str,
    actor: User | None,
    role: str,
    note: str,
    on: date,
    data: dict | None = None,
    update: dict | None = None,
) -> WorkOrder:
    return ORDERS.transition(
        order, action=action, to=to, actor=actor, role=role, note=note, on=on, data=data, update=update
    )


def _department(ref) -> Department:
    dept = None
    if isinstance(ref, Department):
        return ref
    text = str(ref or "").strip()
    if as_int(text) is not None:
        dept = Department.objects.filter(pk=as_int(text)).first()
    elif text:
        dept = Department.objects.filter(uscc=text).first()
    if dept is None:
        raise ValidationFailed(fields={"unit": ["责任单位不存在"]})
    return dept


@transaction.atomic
def order_apply_action(
    *,
    order: WorkOrder,
    actor: User,
    action: str,
    note: str = "",
    version: int | None = None,
    on: date | None = None,
    unit: Department | str | None = None,
    disposal: str | None = None,
    deadline: date | str | None = None,
    result: str | None = None,
) -> WorkOrder:
    """One step of the bad-review procedure (see ORDER_RULES and docs/evaluations.md)."""
    on = on or today()
    rule, role = order_action_check(actor=actor, order=order, action=action, version=version)
    note = _clean_text(field="note", value=note, limit=NOTE_MAX)
    if rule.note_required and not note:
        raise ValidationFailed(fields={"note": ["必填"]})
    go = {"order": order, "action": action, "actor": actor, "role": role, "note": note, "on": on}
    if action == "verify":
        return _order_move(to=S.VERIFIED, **go)
    if action == "appeal":
        return _order_move(to=S.APPEALING, update={"appeal_used": True}, **go)
    if action == "appeal_accept":
        Evaluation.objects.filter(pk=order.evaluation_id).update(excluded=True, excluded_reason=note)
        return _order_move(to=S.VOID, update={"closed_on": on}, **go)
    if action == "appeal_reject":
        return _order_move(to=S.VERIFIED, **go)
    if action == "assign":
        target = _department(unit) if unit else order.department
        if not Department.objects.valid_on(on).filter(pk=target.pk).exists():
            raise ValidationFailed(fields={"unit": ["责任单位已停用"]})
        return _order_move(to=S.ASSIGNED, update={"unit_id": target.pk}, data={"unit": target.name}, **go)
    if action == "dispose":
        if disposal not in Disposal.values:
            raise ValidationFailed(fields={"disposal": ["处置方式应为 fixed、rectify 或 explain"]})
        if disposal == Disposal.RECTIFY:
            try:
                day = deadline if isinstance(deadline, date) else date.fromisoformat(str(deadline or ""))
            except ValueError:
                raise ValidationFailed(
                    fields={"deadline": ["限期整改须填写整改期限（YYYY-MM-DD）"]}
                ) from None
            if day < on:
                raise ValidationFailed(fields={"deadline": ["整改期限不能早于今天"]})
            return _order_move(
                to=S.RECTIFYING,
                update={"disposal": disposal, "rectify_deadline": day},
                data={"disposal": disposal, "deadline": day.isoformat()},
                **go,
            )
        return _order_move(
            to=S.DISPOSED, update={"disposal": disposal, "handled_on": on}, data={"disposal": disposal}, **go
        )
    if action == "rectify":
        return _order_move(to=S.DISPOSED, update={"handled_on": on}, **go)
    if action == "revisit":
        if result not in RevisitResult.values:
            raise ValidationFailed(fields={"result": ["回访结果应为 satisfied、basically 或 unsatisfied"]})
        update = {"revisit_result": result, "revisited_on": on}
        data = {"result": result}
        if result != RevisitResult.UNSATISFIED:
            return _order_move(to=S.REVISITED, update=update, data=data, **go)
        if order.reopen_count == 0:  # reopen once: handled again by the unit
            update.update(reopen_count=1, handled_on=None, disposal="", rectify_deadline=None)
            return _order_move(to=S.ASSIGNED, update=update, data={**data, "reopened": True}, **go)
        update["escalated_at"] = order.escalated_at or timezone.now()
        order = _order_move(to=S.SUPERVISING, update=update, data={**data, "to_supervisor": True}, **go)
        _notify_supervisors(order, reason="回访仍不满意")
        return order
    if action == "close":
        return _order_move(to=S.CLOSED, update={"closed_on": on}, **go)
    raise AssertionError(action)  # pragma: no cover


def _notify_supervisors(order: WorkOrder, *, reason: str) -> int:
    """In the escalation's transaction: the region's supervisors and the responsible unit's admins
    are told through the notification service, once per escalation step (the key names it)."""
    context = {"number": order.number, "reason": reason, "due_date": order.due_date}
    link = f"/workbench/evaluations/orders/{order.pk}/"
    key = f"work-order:{order.number}:step:{order.version}"
    sent = 0
    for user in supervisors_for(order):
        notification_send(
            event_kind="evaluation.escalation", recipient=user, context=context, key=key, link=link
        )
        sent += 1
    for user in unit_admins_for(order):  # the unit handling it hears that it has gone to supervision
        notification_send(
            event_kind="evaluation.escalation_unit",
            recipient=user,
            context=context,
            key=f"{key}:unit",
            link=link,
        )
        sent += 1
    return sent


def supervisors_for(order: WorkOrder) -> list[User]:
    return list(staff_over(region_path=order.region.path, role=Role.SUPERVISOR))


def orders_escalate_overdue(*, on: date | None = None) -> int:
    """Overdue open orders (红灯) go to the supervisors once: a conditional UPDATE claims each order,
    so repeated or concurrent sweeps escalate it exactly once."""
    on = on or today()
    ids = list(
        WorkOrder.objects.filter(
            status__in=OPEN_ORDER, due_date__lt=on, escalated_at__isnull=True
        ).values_list("pk", flat=True)[:1000]
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            order = WorkOrder.objects.select_related("region").get(pk=pk)
            if order.escalated_at is not None:
                continue
            try:
                ORDERS.transition(
                    order,
                    action="escalate",
                    to=order.status,
                    actor=None,
                    role="system",
                    on=on,
                    note=f"超过办结期限（{order.due_date:%Y-%m-%d}），提交督查督办",
                    data={"due_date": order.due_date.isoformat()},
                    update={"escalated_at": timezone.now()},
                )
            except StaleVersion:  # someone acted on it meanwhile: the next sweep looks again
                continue
            _notify_supervisors(order, reason="超期未办结")
            count += 1
    return count


@transaction.atomic
def order_escalation_notify(*, order_id: int, reason: str) -> int:
    """Target of `tasks.order_escalation_notify`, queued by releases before the notification
    service: hands the messages to it."""
    order = WorkOrder.objects.select_related("region").filter(pk=order_id).first()
    if order is None:
        return 0
    return _notify_supervisors(order, reason=reason)


def unit_admins_for(order: WorkOrder) -> list[User]:
    """Department admins of the responsible unit (the rated department until assigned)."""
    return list(
        staff_over(
            region_path=order.region.path,
            role=Role.DEPT_ADMIN,
            department_id=order.unit_id or order.department_id,
        ).order_by("pk")
    )


__all__ = [
    "evaluation_invite",
    "evaluation_submit",
    "evaluation_submit_device",
    "evaluation_submit_sms",
    "invitations_remind",
    "order_apply_action",
    "orders_escalate_overdue",
    "window_serving_set",
]
