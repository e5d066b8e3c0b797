"""Who may do what to a case, and when (DESIGN.md §4.4): the rule table of the case workflow,
the roles an actor holds on a case, and the checks every action passes — role and scope (403),
version (409 stale_version), state and the lifecycle's own rules (409 invalid_transition).

Only reads: pages ask `allowed_actions` to show what is possible now, services ask
`action_check` before they write (cases.services.actions). The writing side of the workflow
(conditional UPDATE on `version`, the immutable CaseEvent and its ledger entry) lives in
cases.services.transitions; selectors import this module, never services.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

from yiwang.accounts.models import AccountKind, User
from yiwang.core.errors import DomainError, InvalidTransition, PermissionDenied
from yiwang.core.workflow import Rule, Workflow, rule
from yiwang.organizations.models import Role
from yiwang.organizations.selectors import clerk_window_for_item, staff_scope
from yiwang.workdays import selectors as workdays
from yiwang.workdays.selectors import WorkCalendar

from . import clock
from .clock import SUPPLEMENT_NOTICE_DAYS, today
from .models import Case, CoolingOff, NoticeKind, Status, StopKind, ToleratedMaterial, Verification

__all__ = [
    "ACTION_LABELS",
    "APPLICANT",
    "OPEN_STATUSES",
    "RULES",
    "RUNNING",
    "STALE_MESSAGE",
    "Rule",
    "Standing",
    "acting_roles",
    "action_check",
    "allowed_actions",
    "is_applicant",
    "today",
    "workflow",
]

APPLICANT = "applicant"
OPEN_STATUSES = {Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED, Status.ACCEPTED, Status.REVIEWED}
RUNNING = {Status.ACCEPTED, Status.REVIEWED}
DECIDED = {Status.APPROVED, Status.COMPLETED}  # an approval stands (事后核查 may revoke it)
STALE_MESSAGE = "该办件已被他人处理，请刷新后重试"

ACTION_LABELS = {
    "create": "创建",
    "save_draft": "暂存",
    "submit": "提交申请",
    "accept": "受理",
    "refuse": "不予受理",
    "request_supplement": "补齐补正告知",
    "supplement": "补正材料",
    "review": "审核通过",
    "return": "退回",
    "approve": "准予许可",
    "deny": "不予许可",
    "complete": "办结",
    "transfer": "转办",
    "extend": "延长办理期限",
    "request_extension": "申请延长办理期限",
    "approve_extension": "批准延长办理期限",
    "reject_extension": "不批准延长办理期限",
    "start_special_procedure": "启动特别程序",
    "end_special_procedure": "结束特别程序",
    "suspend": "挂起",
    "resume": "恢复办理",
    "withdraw": "撤回申请",
    "add_material": "上传材料",
    "deemed_accepted": "视为受理",
    "moved": "机构调整移交",
    "release": "前置事项办结，自动提交",
    "stop": "终止办理",
    "tolerance_receive": "容缺材料已补交",
    "tolerance_lapse": "容缺材料逾期处理",
    "tolerance_reminded": "容缺材料补交提醒",
    "verify_confirm": "事后核查属实",
    "verify_false": "承诺不实，撤销许可",
    "confirm_divorce": "当事人确认离婚",
    "cooling_off_withdraw": "撤回离婚登记申请",
    "cooling_off_lapsed": "期满未确认，视为撤回",
}


def _rule(
    action: str,
    sources: set[str],
    target: str | None,
    roles: set[str],
    notice: str | None = None,
    required: tuple[str, ...] = (),
) -> Rule:
    # target None: the status stays (clock actions) or the handler decides it (return)
    return rule(sources, target, roles, ACTION_LABELS[action], notice=notice, required=required)


S = Status
# The order is the order pages show the actions in.
RULES: dict[str, Rule] = {
    "submit": _rule("submit", {S.DRAFT}, S.SUBMITTED, {APPLICANT}, NoticeKind.RECEIPT),
    "accept": _rule("accept", {S.SUBMITTED}, S.ACCEPTED, {Role.CLERK}, NoticeKind.ACCEPTANCE),
    "refuse": _rule("refuse", {S.SUBMITTED}, S.REFUSED, {Role.CLERK}, NoticeKind.REFUSAL, ("reason",)),
    "request_supplement": _rule(
        "request_supplement",
        {S.SUBMITTED},
        S.SUPPLEMENT_REQUESTED,
        {Role.CLERK},
        NoticeKind.SUPPLEMENT,
        ("missing",),
    ),
    "supplement": _rule("supplement", {S.SUPPLEMENT_REQUESTED}, S.SUBMITTED, {APPLICANT}),
    "review": _rule("review", {S.ACCEPTED}, S.REVIEWED, {Role.REVIEWER}),
    "return": _rule(
        "return", {S.ACCEPTED, S.REVIEWED}, None, {Role.REVIEWER, Role.APPROVER}, None, ("reason",)
    ),
    "approve": _rule(
        "approve", {S.REVIEWED, S.ACCEPTED}, S.APPROVED, {Role.APPROVER, Role.CLERK}, NoticeKind.APPROVAL
    ),
    "deny": _rule(
        "deny",
        {S.REVIEWED, S.ACCEPTED},
        S.DENIED,
        {Role.APPROVER, Role.CLERK},
        NoticeKind.DENIAL,
        ("reason",),
    ),
    "complete": _rule(
        "complete",
        {S.APPROVED, S.DENIED},
        S.COMPLETED,
        {Role.APPROVER, Role.CLERK},
        NoticeKind.COMPLETION,
        ("delivery",),
    ),
    "transfer": _rule(
        "transfer",
        {S.ACCEPTED, S.REVIEWED},
        S.ACCEPTED,
        {Role.REVIEWER, Role.DEPT_ADMIN},
        None,
        ("department", "reason"),
    ),
    # §42: the reviewer asks, the head approves (two recorded steps); `extend` is both at once,
    # for one approver
    "request_extension": _rule("request_extension", RUNNING, None, {Role.REVIEWER}, None, ("reason",)),
    "approve_extension": _rule("approve_extension", RUNNING, None, {Role.APPROVER}, NoticeKind.EXTENSION),
    # the head may decline the request (recorded, with the reason); the limits stay and the
    # reviewer may ask again
    "reject_extension": _rule("reject_extension", RUNNING, None, {Role.APPROVER}, None, ("reason",)),
    "extend": _rule("extend", RUNNING, None, {Role.APPROVER}, NoticeKind.EXTENSION, ("reason",)),
    # §45: the kind must be one the item declares with its legal basis (cases.procedures)
    "start_special_procedure": _rule(
        "start_special_procedure",
        RUNNING,
        None,
        {Role.REVIEWER, Role.APPROVER},
        NoticeKind.SPECIAL_PROCEDURE,
        ("kind",),
    ),
    "end_special_procedure": _rule("end_special_procedure", RUNNING, None, {Role.REVIEWER, Role.APPROVER}),
    "suspend": _rule("suspend", RUNNING, None, {Role.REVIEWER, Role.APPROVER}, None, ("reason",)),
    "resume": _rule("resume", RUNNING, None, {Role.REVIEWER, Role.APPROVER}),
    "withdraw": _rule("withdraw", OPEN_STATUSES, S.WITHDRAWN, {APPLICANT}),
    # 容缺受理 (cases/services/procedures.py): the tolerated material handed in; its deadline
    # passed → the item's rule (suspend the decision, or refuse)
    "tolerance_receive": _rule(
        "tolerance_receive", RUNNING, None, {Role.CLERK, Role.REVIEWER}, None, ("material",)
    ),
    "tolerance_lapse": _rule(
        "tolerance_lapse", RUNNING, None, {Role.REVIEWER, Role.APPROVER}, NoticeKind.TOLERANCE_LAPSED
    ),
    # 告知承诺制: the department's 事后核查 of a decision made on the commitment
    "verify_confirm": _rule(
        "verify_confirm", DECIDED, None, {Role.REVIEWER, Role.APPROVER}, NoticeKind.VERIFICATION
    ),
    "verify_false": _rule(
        "verify_false", DECIDED, S.REVOKED, {Role.APPROVER}, NoticeKind.REVOCATION, ("finding",)
    ),
    # 离婚冷静期 (《民法典》§1077): both parties confirm in person at the registry, or either withdraws
    "confirm_divorce": _rule("confirm_divorce", RUNNING, None, {Role.CLERK}, None, ("party",)),
    "cooling_off_withdraw": _rule(
        "cooling_off_withdraw", RUNNING, S.WITHDRAWN, {Role.CLERK}, NoticeKind.COOLING_OFF_ENDED, ("party",)
    ),
}

# The checks of the case workflow (core.workflow); cases.services.transitions writes through the
# same workflow with its `record` function.
workflow: Workflow[Case] = Workflow(model=Case, rules=RULES, noun="办件", stale_message=STALE_MESSAGE)


# --- who is acting ---------------------------------------------------------------------------------
def is_applicant(*, actor: User, case: Case) -> bool:
    if actor.pk == case.owner_id:
        return True
    return actor.pk == case.filed_by_id and actor.kind != AccountKind.STAFF


def acting_roles(*, actor: User, case: Case) -> set[str]:
    """The roles `actor` holds *on this case* (scope applied)."""
    roles: set[str] = set()
    if is_applicant(actor=actor, case=case):
        roles.add(APPLICANT)
    if actor.kind != AccountKind.STAFF or case.status == Status.DRAFT:
        return roles  # a draft is the applicant's own until submitted
    scope = staff_scope(actor)
    halls = None if case.hall_id is None else {case.hall_id}
    if Role.CLERK in scope.roles and clerk_window_for_item(user=actor, item=case.item, hall_ids=halls):
        roles.add(Role.CLERK)
    region_path = case.region.path
    for role, dept_id, path in scope.department_roles:
        if dept_id == case.department_id and region_path.startswith(path):
            roles.add(role)
    return roles


class Standing:
    """What the checks of one actor on one case read, each worked out once and only when a check
    needs it: the actor's roles on the case, the kinds of clock stops still open, the calendar.
    A page asking about every action pays for one check, not one per action."""

    def __init__(
        self,
        *,
        actor: User,
        case: Case,
        roles: set[str] | None = None,
        cal: WorkCalendar | None = None,
    ) -> None:
        self.actor, self.case = actor, case
        if roles is not None:
            self.roles = set(roles)
        if cal is not None:
            self.cal = cal

    @cached_property
    def roles(self) -> set[str]:
        return acting_roles(actor=self.actor, case=self.case)

    @cached_property
    def open_stops(self) -> set[str]:
        # through `case.stops.all()`: a page that prefetched the stops for the clock reads them once
        return {s.kind for s in self.case.stops.all() if s.ended_on is None}

    @cached_property
    def cal(self) -> WorkCalendar:
        return workdays.calendar()

    @cached_property
    def outstanding(self) -> list[ToleratedMaterial]:
        """容缺 materials not yet handed in (read once per page, only on a case that has any)."""
        if self.case.tolerance != "open":
            return []
        return [t for t in self.case.tolerated.all() if t.received_on is None]

    @cached_property
    def verification(self) -> Verification | None:
        return Verification.objects.filter(case=self.case).first()

    @cached_property
    def cooling_off(self) -> CoolingOff | None:
        return CoolingOff.objects.filter(case=self.case).first()


def _check_role(*, action: str, found: Rule, roles: set[str], case: Case) -> str:
    """The role the actor acts in (403 if none of theirs may take the action)."""
    allowed = set(found.roles)
    if action in {"approve", "deny", "complete"} and not case.item_version.is_immediate:
        allowed.discard(Role.CLERK)  # a clerk decides only 即办件, on the spot
    granted = roles & allowed
    if not granted:
        raise PermissionDenied("您没有办理此操作的权限", code="forbidden")
    for preferred in (APPLICANT, Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPT_ADMIN):
        if preferred in granted:
            return preferred
    return sorted(granted)[0]


def action_check(
    *,
    actor: User,
    case: Case,
    action: str,
    on: date | None = None,
    version: int | None = None,
    standing: Standing | None = None,
) -> tuple[Rule, str]:
    """May `actor` take `action` on `case` now? Role and scope (403), version (409 stale), state
    and the rules of the lifecycle (409 invalid). Returns the rule and the role acted in; changes
    nothing. Pass one `standing` when checking many actions of the same actor and case."""
    found = workflow.rule(action)
    standing = standing or Standing(actor=actor, case=case)
    roles = standing.roles
    role = _check_role(action=action, found=found, roles=roles, case=case)
    workflow.ensure_version(case, version)
    workflow.ensure_source(case, found)
    on = on or today()
    if action in PROCEDURE_ACTIONS:
        _procedure_check(action=action, case=case, on=on, standing=standing)
    stopped = "办件计时暂停中（特别程序或挂起），请先结束"
    if action in {"approve", "deny"}:
        if case.status == Status.ACCEPTED and not case.item_version.is_immediate:
            raise InvalidTransition("承诺件须先经审核再作决定")
        if case.clock_stopped:
            raise InvalidTransition(stopped + "后再作决定")
    elif action == "return":
        if case.clock_stopped:
            raise InvalidTransition(stopped + "后再退回")
        if case.status == Status.REVIEWED:
            if Role.APPROVER not in roles:
                raise PermissionDenied("审核后的办件只能由审批人退回", code="forbidden")
            role = Role.APPROVER
    elif action in {"start_special_procedure", "suspend"} and case.clock_stopped:
        raise InvalidTransition("办件计时已暂停")
    elif action in {"end_special_procedure", "resume"}:
        kind = StopKind.SPECIAL_PROCEDURE if action == "end_special_procedure" else StopKind.SUSPENSION
        if kind not in standing.open_stops:
            raise InvalidTransition(
                "没有进行中的特别程序" if kind == StopKind.SPECIAL_PROCEDURE else "办件未挂起"
            )
    elif action == "submit" and case.waiting_for:
        raise InvalidTransition(f"本事项{case.waiting_for}，届时由系统自动提交")
    elif action in EXTENSION_ACTIONS:
        _extension_check(case=case, action=action, on=on)
    elif action == "request_supplement":
        if case.supplement_requested_on:
            raise InvalidTransition("补齐补正应一次性告知，本件已告知过")
        deadline = clock.supplement_deadline(case.received_on, cal=standing.cal)
        if on > deadline:
            raise InvalidTransition(
                f"已超过收件后{SUPPLEMENT_NOTICE_DAYS}个工作日的补正告知期限（{deadline:%Y-%m-%d}），"
                "依法视为自收件之日起受理，请直接受理"
            )
    elif action == "refuse" and clock.deemed_acceptance(case, today=on, cal=standing.cal):
        raise InvalidTransition(
            f"收件后{SUPPLEMENT_NOTICE_DAYS}个工作日内未作处理，依法视为自收件之日起受理，不能再不予受理"
        )
    return found, role


# --- 容缺受理, 告知承诺制, 离婚冷静期 ------------------------------------------------------------------
PROCEDURE_ACTIONS = {
    "approve",
    "tolerance_receive",
    "tolerance_lapse",
    "verify_confirm",
    "verify_false",
    "confirm_divorce",
    "cooling_off_withdraw",
}


def _procedure_check(*, action: str, case: Case, on: date, standing: Standing) -> None:
    """The rules of the three procedures (409 invalid_transition; nothing changes):

    - a decision to approve waits for every 容缺 material (and, on a 冷静期 item, for both
      parties' confirmations);
    - a tolerated material is received once; the lapse rule applies only after a deadline passed;
    - 事后核查 happens once, on a decision made on a commitment;
    - 冷静期: withdrawal until the end of the 冷静期, confirmation in the 30 days after it."""
    if action == "approve":
        if standing.outstanding:
            names = "、".join(t.material_name for t in standing.outstanding)
            raise InvalidTransition(f"容缺材料（{names}）尚未补交，不能作出准予决定")
        cooling = standing.cooling_off
        if cooling is not None and not (cooling.applicant_confirmed_on and cooling.other_confirmed_on):
            raise InvalidTransition("双方当事人须在冷静期届满后亲自到场确认离婚，方可发给离婚证")
    elif action == "tolerance_receive" and not standing.outstanding:
        raise InvalidTransition("本件没有待补交的容缺材料")
    elif action == "tolerance_lapse":
        late = [t for t in standing.outstanding if t.due_on < on and t.lapsed_on is None]
        if not late:
            raise InvalidTransition("容缺材料补交期限未届满或已处理，不能作逾期处理")
    elif action in {"verify_confirm", "verify_false"}:
        found = standing.verification
        if found is None:
            raise InvalidTransition("本件不是按告知承诺制作出的决定，无需事后核查")
        if found.status != "pending":
            raise InvalidTransition("本件的事后核查已完成")
    elif action in {"confirm_divorce", "cooling_off_withdraw"}:
        cooling = standing.cooling_off
        if cooling is None or cooling.ended_on:
            raise InvalidTransition("本件不在离婚冷静期程序中")
        if action == "cooling_off_withdraw" and on > cooling.withdraw_until:
            raise InvalidTransition(
                f"冷静期已于{cooling.withdraw_until:%Y-%m-%d}届满，不能再撤回；双方未在期限内确认的，视为撤回"
            )
        if action == "confirm_divorce":
            if on <= cooling.withdraw_until:
                raise InvalidTransition(
                    f"冷静期{cooling.withdraw_until:%Y-%m-%d}届满后，双方方可到场确认离婚"
                )
            if on > cooling.confirm_until:
                raise InvalidTransition(f"确认期限已于{cooling.confirm_until:%Y-%m-%d}届满，申请视为撤回")


EXTENSION_ACTIONS = {"extend", "request_extension", "approve_extension", "reject_extension"}


def _extension_check(*, case: Case, action: str, on: date) -> None:
    """行政许可法 §42: once, by the item's own extension rule (none for 即办件 or where the law
    allows none), before the statutory limit has run out; an approval needs a request."""
    version = case.item_version
    if action == "reject_extension":
        if not case.extension_requested_on or case.extension_days:
            raise InvalidTransition("没有待批准的延长办理期限申请")
        return
    if case.extension_days:
        raise InvalidTransition(f"办理期限只能延长一次，本件已延长{case.extension_days}个工作日")
    if version.is_immediate:
        raise InvalidTransition("即办件不得延长办理期限")
    if not version.extension_days:
        raise InvalidTransition("本事项依法不得延长办理期限")
    if action == "request_extension" and case.extension_requested_on:
        raise InvalidTransition("已申请延长办理期限，等待负责人批准")
    if action == "approve_extension" and not case.extension_requested_on:
        raise InvalidTransition("没有待批准的延长办理期限申请")
    if case.statutory_due_date and not case.clock_stopped and on > case.statutory_due_date:
        raise InvalidTransition(f"法定办理期限已于{case.statutory_due_date:%Y-%m-%d}届满，不能再延长")


def allowed_actions(
    *, actor: User, case: Case, roles: set[str] | None = None, cal: WorkCalendar | None = None
) -> list[str]:
    """Actions `actor` may take on `case` now, for pages that show only what is possible: the
    same checks the services make (`action_check`), with the actor's roles on the case (pass them
    if already known), the open clock stops and the calendar (pass the page's snapshot) worked out
    once for all actions."""
    standing = Standing(actor=actor, case=case, roles=roles, cal=cal)
    out = []
    for action in RULES:
        try:
            action_check(actor=actor, case=case, action=action, standing=standing)
        except DomainError:
            continue
        out.append(action)
    return out
