"""Who may do what in supervision (read only), and the rule tables of the workflows (core.workflow)."""

from __future__ import annotations

from yiwang.accounts.models import AccountKind, User
from yiwang.core.errors import PermissionDenied
from yiwang.core.workflow import Workflow, rule
from yiwang.organizations.models import Department, Role
from yiwang.organizations.selectors import staff_scope

from .models import Assessment, Bulletin, Task

SUP = "supervisor"
DEPT = "department"
SYSTEM = "system"

TASK_RULES = {
    "submit": rule(["assigned", "returned"], "submitted", [DEPT], "报送整改情况", required=("evidence",)),
    "close": rule(["submitted"], "closed", [SUP], "核验销号"),
    "return": rule(["submitted"], "returned", [SUP], "退回重新整改", note_required=True),
    "escalate": rule(["assigned", "returned", "submitted"], None, [SYSTEM], "超期督办"),
}
TASKS: Workflow[Task] = Workflow(model=Task, rules=TASK_RULES, noun="整改任务")

BULLETIN_RULES = {
    "review": rule(["draft"], "reviewed", [SUP], "审核"),
    "publish": rule(["reviewed"], "published", [SUP], "发布"),
    "return": rule(["reviewed"], "draft", [SUP], "退回修改", note_required=True),
}
BULLETINS: Workflow[Bulletin] = Workflow(model=Bulletin, rules=BULLETIN_RULES, noun="通报")

ASSESSMENT_RULES = {
    "publish": rule(["draft"], "published", [SUP], "公布"),
    "close": rule(["draft", "published"], "closed", [SUP], "定稿"),
}
ASSESSMENTS: Workflow[Assessment] = Workflow(model=Assessment, rules=ASSESSMENT_RULES, noun="考核")


def is_staff(user: User) -> bool:
    return getattr(user, "is_authenticated", False) and user.kind == AccountKind.STAFF


def supervisor_paths(user: User) -> list[str]:
    if not is_staff(user):
        return []
    scope = staff_scope(user)
    return scope.region_paths.get(Role.SUPERVISOR, []) + scope.region_paths.get(Role.PLATFORM_ADMIN, [])


def is_supervisor(user: User) -> bool:
    return bool(supervisor_paths(user))


def ensure_supervisor(user: User) -> None:
    if not is_supervisor(user):
        raise PermissionDenied("仅督查人员可以执行此操作")


def department_ids(user: User) -> set[int]:
    """Departments whose supervision pages a staff member sees: those they hold a role in."""
    if not is_staff(user):
        return set()
    return {d for _, d, _ in staff_scope(user).department_roles}


def may_view(user: User) -> bool:
    return is_supervisor(user) or bool(department_ids(user))


def task_roles(*, actor: User, task: Task) -> set[str]:
    roles: set[str] = set()
    if not is_staff(actor):
        return roles
    scope = staff_scope(actor)
    if any(
        d == task.department_id for r, d, _ in scope.department_roles if r in (Role.DEPT_ADMIN, Role.APPROVER)
    ):
        roles.add(DEPT)
    path = task.region.path
    if any(path.startswith(p) for p in supervisor_paths(actor)):
        roles.add(SUP)
    return roles


def may_see_task(*, actor: User, task: Task) -> bool:
    return is_supervisor(actor) or task.department_id in department_ids(actor)


def may_appeal(*, actor: User, department: Department) -> bool:
    scope = staff_scope(actor) if is_staff(actor) else None
    return bool(scope) and department.pk in scope.departments_for(Role.DEPT_ADMIN)
