"""Project reads: who may act on a project (roles), what a page offers, the duplicate detector,
the acceptance preconditions, the budget (approved vs contracted vs paid), the data asset ledger
(数据一本账: project → system → resources → agreements → queries) and the CDO's yearly
evaluation of a department's data work."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import jieba
from django.db.models import Count, Q, QuerySet, Sum

from yiwang.exchange.models import AccessRecord, Agreement, AgreementStatus, DataResource, SharingType
from yiwang.organizations.models import Department, Role, StaffRole
from yiwang.organizations.selectors import staff_scope

from . import rules
from .models import (
    Budget,
    Bureau,
    Change,
    ChangeStatus,
    Contract,
    DataListEntry,
    Document,
    DocumentKind,
    Evaluator,
    InformationSystem,
    Payment,
    Project,
    QualityIssue,
    QualityStatus,
    ResourceRole,
    Review,
    ReviewKind,
    Stage,
)

DEPT_ROLES = (Role.REVIEWER, Role.APPROVER, Role.DEPT_ADMIN, Role.CDO)
BUREAU_ROLES = (Role.REVIEWER, Role.APPROVER, Role.DEPT_ADMIN)


def bureau_department() -> Department | None:
    b = Bureau.objects.select_related("department").first()
    return b.department if b else None


def bureau_staff() -> QuerySet:
    from yiwang.accounts.models import User

    b = Bureau.objects.values_list("department_id", flat=True).first()
    ids = StaffRole.objects.filter(department_id=b, role__in=BUREAU_ROLES).values_list("user_id")
    return User.objects.filter(pk__in=ids)


def departments_of(user) -> set[int]:
    return staff_scope(user).departments_for(*DEPT_ROLES)


def is_bureau(user) -> bool:
    b = Bureau.objects.values_list("department_id", flat=True).first()
    return b is not None and b in staff_scope(user).departments_for(*BUREAU_ROLES)


def evaluator_of(user) -> Evaluator | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Evaluator.objects.filter(user=user).first()


def roles_for(user, project: Project) -> set[str]:
    """The workflow roles `user` holds on `project`. The bureau never acts on a project of its
    own department (a department never approves its own project)."""
    roles: set[str] = set()
    own = departments_of(user)
    if project.department_id in own:
        roles.add(rules.OWNER)
    if is_bureau(user) and project.department_id not in own:
        roles.add(rules.BUREAU)
    ev = evaluator_of(user)
    if ev is not None and project.evaluator_id == ev.pk:
        roles.add(rules.EVALUATOR)
    return roles


def project_list(user) -> QuerySet[Project]:
    qs = Project.objects.select_related("department")
    if is_bureau(user) or staff_scope(user).has(Role.SUPERVISOR, Role.PLATFORM_ADMIN):
        return qs
    ev = evaluator_of(user)
    q = Q(department_id__in=departments_of(user))
    if ev is not None:
        q |= Q(evaluator=ev)
    return qs.filter(q)


def project_visible(user, project: Project) -> bool:
    return project_list(user).filter(pk=project.pk).exists()


def project_actions(user, project: Project) -> list[tuple[str, str]]:
    """(action, label) the user may take now."""
    roles = roles_for(user, project)
    return [
        (name, r.label) for name, r in rules.RULES.items() if project.stage in r.sources and roles & r.roles
    ]


# --- duplicate detection -----------------------------------------------------------------------
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_GENERIC = {"系统", "平台", "建设", "项目", "信息", "管理", "武汉", "武汉市", "一期", "二期", "工程"}


def _bigrams(text: str) -> set[str]:
    s = _PUNCT.sub("", text)
    for word in ("建设项目", "项目", "建设", "工程", "一期", "二期", "武汉市"):
        s = s.replace(word, "")
    return {s[i : i + 2] for i in range(len(s) - 1)} or ({s} if s else set())


def _words(text: str) -> set[str]:
    return {w for w in jieba.lcut(_PUNCT.sub(" ", text)) if w.strip() and w not in _GENERIC and len(w) > 1}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def name_similarity(a: str, b: str) -> float:
    """The larger of the character-bigram and the jieba-word Jaccard of two names."""
    return max(jaccard(_bigrams(a), _bigrams(b)), jaccard(_words(a), _words(b)))


def duplicates_find(
    *,
    name: str,
    functions: str,
    resource_codes: set[str],
    system_names: list[str],
    exclude: int | None = None,
) -> list[dict]:
    """Existing systems and other projects this filing may duplicate, each with its reasons
    (similar name, shared data resources, overlapping functions) and a score."""
    found: list[dict] = []
    fn_words = _words(functions)
    names = [name, *system_names]
    systems = InformationSystem.objects.select_related("department", "project").prefetch_related("resources")
    if exclude is not None:
        systems = systems.exclude(project_id=exclude)
    for s in systems:
        reasons, score = [], 0.0
        sim = max(name_similarity(n, s.name) for n in names)
        if sim >= rules.NAME_SIMILAR:
            reasons.append(f"名称相似（{sim:.0%}）：{s.name}")
            score = max(score, sim)
        shared = resource_codes & {r.code for r in s.resources.all()}
        if shared:
            reasons.append("产生或使用相同数据资源：" + "、".join(sorted(shared)))
            score = max(score, 0.5 + 0.1 * len(shared))
        fsim = jaccard(fn_words, _words(s.functions))
        if fsim >= rules.FUNCTIONS_SIMILAR:
            reasons.append(f"功能重叠（{fsim:.0%}）")
            score = max(score, fsim)
        if reasons and (sim >= rules.NAME_SIMILAR or fsim >= rules.FUNCTIONS_SIMILAR or len(shared) > 1):
            found.append(
                {
                    "kind": "system",
                    "code": s.code,
                    "name": s.name,
                    "department": s.department.name,
                    "score": round(min(score, 1.0), 2),
                    "reasons": reasons,
                }
            )
    projects = Project.objects.exclude(stage=Stage.REJECTED).select_related("department")
    if exclude is not None:
        projects = projects.exclude(pk=exclude)
    for p in projects:
        sim = name_similarity(name, p.name)
        fsim = jaccard(fn_words, _words(p.functions))
        reasons = []
        if sim >= rules.NAME_SIMILAR:
            reasons.append(f"名称相似（{sim:.0%}）：{p.name}")
        if fsim >= rules.FUNCTIONS_SIMILAR:
            reasons.append(f"功能重叠（{fsim:.0%}）")
        if reasons:
            found.append(
                {
                    "kind": "project",
                    "code": p.code,
                    "name": p.name,
                    "department": p.department.name,
                    "score": round(max(sim, fsim), 2),
                    "reasons": reasons,
                }
            )
    return sorted(found, key=lambda d: -d["score"])


# --- preconditions ----------------------------------------------------------------------------
def resource_problems(project: Project) -> list[str]:
    """Promised resources (产生) missing from the catalogue or not shared."""
    problems = []
    codes = [p.code for p in project.resources.filter(role=ResourceRole.CREATES)]
    have = {r.code: r for r in DataResource.objects.filter(code__in=codes)}
    for code in codes:
        r = have.get(code)
        if r is None or not r.active:
            problems.append(f"承诺的数据资源 {code} 尚未编目")
        elif r.sharing_type == SharingType.NONE:
            problems.append(f"承诺的数据资源 {code} 未按承诺共享")
    return problems


def confirm_problems(project: Project) -> list[str]:
    """What stands between a project and the bureau's confirmation (the prerequisite of 验收)."""
    problems = [f"系统“{s.name}”尚未在数据一本账登记" for s in project.systems.all() if not s.registered]
    problems += resource_problems(project)
    problems += document_problems(project, "confirm")
    return problems


def document_problems(project: Project, action: str) -> list[str]:
    kinds = set(Document.objects.filter(project=project).values_list("kind", flat=True))
    return [
        f"尚未上传{DocumentKind(k).label}" for k in rules.ACTION_DOCUMENTS.get(action, ()) if k not in kinds
    ]


def missing_reviews(project: Project) -> list[str]:
    have = set(Review.objects.filter(project=project).values_list("kind", flat=True))
    return [ReviewKind(k).label for k in rules.REQUIRED_REVIEWS if k not in have]


# --- budget -------------------------------------------------------------------------------------
@dataclass
class BudgetRow:
    year: int
    approved: Decimal
    contracted: Decimal
    paid: Decimal


def _sums(qs, key: str) -> dict:
    cent = Decimal("0.01")
    return {r["year"]: (r["s"] or Decimal(0)).quantize(cent) for r in qs.values("year").annotate(s=Sum(key))}


def budget_rows(project: Project | None = None) -> list[BudgetRow]:
    """Approved (budget plus approved changes) vs contracted vs paid by year, for one project or
    (None) the whole city; only projects past 立项 count as approved."""
    budgets = Budget.objects.all()
    changes = Change.objects.filter(status=ChangeStatus.APPROVED, year__isnull=False)
    contracts = Contract.objects.all()
    payments = Payment.objects.all()
    if project is not None:
        budgets = budgets.filter(project=project)
        changes = changes.filter(project=project)
        contracts = contracts.filter(project=project)
        payments = payments.filter(contract__project=project)
    else:
        budgets = budgets.exclude(project__stage__in=[Stage.FILED, Stage.REJECTED])
    a, d = _sums(budgets, "amount"), _sums(changes, "budget_delta")
    c, p = _sums(contracts, "amount"), _sums(payments, "amount")
    zero = Decimal("0.00")
    return [
        BudgetRow(y, a.get(y, zero) + d.get(y, zero), c.get(y, zero), p.get(y, zero))
        for y in sorted(set(a) | set(c) | set(p))
    ]


# --- the data asset ledger ------------------------------------------------------------------------
def ledger_systems() -> list[dict]:
    out = []
    qs = InformationSystem.objects.select_related("department", "project").prefetch_related("resources")
    for s in qs:
        out.append(
            {
                "code": s.code,
                "name": s.name,
                "department": s.department.name,
                "project": s.project.code if s.project_id else None,
                "status": s.status,
                "status_label": s.get_status_display(),
                "mlps_level": s.mlps_level,
                "registered": s.registered,
                "resources": [r.code for r in s.resources.all()],
            }
        )
    return out


def ledger_resources(*, since: date | None = None) -> list[dict]:
    """Every catalogued resource with its core metadata, the systems holding it, its approved
    agreements and how often it was queried (allowed queries in the exchange's access records)."""
    queries = dict(
        AccessRecord.objects.filter(outcome="allowed", **({"at__date__gte": since} if since else {}))
        .values_list("resource_id")
        .annotate(n=Count("pk"))
    )
    agreements: dict[int, list[str]] = {}
    for rid, consumer in Agreement.objects.filter(status=AgreementStatus.APPROVED).values_list(
        "resource_id", "consumer__name"
    ):
        agreements.setdefault(rid, []).append(consumer)
    systems: dict[int, list[tuple[str, str]]] = {}
    for s in InformationSystem.objects.prefetch_related("resources").select_related("project"):
        for r in s.resources.all():
            systems.setdefault(r.pk, []).append((s.code, s.project.code if s.project_id else ""))
    out = []
    for r in DataResource.objects.select_related("department").filter(active=True):
        out.append(
            {
                "code": r.code,
                "identifier": r.identifier or r.code,
                "name": r.name,
                "summary": r.description,
                "provider": r.department.name,
                "provider_uscc": r.department.uscc,
                "classification": r.classification,
                "metadata_updated": (r.metadata_updated or r.created_at.date()).isoformat(),
                "sharing_type": r.sharing_type,
                "open_type": r.open_type,
                "update_frequency": r.update_frequency,
                "systems": [s for s, _ in systems.get(r.pk, [])],
                "projects": sorted({p for _, p in systems.get(r.pk, []) if p}),
                "agreements": len(agreements.get(r.pk, [])),
                "consumers": sorted(set(agreements.get(r.pk, []))),
                "queries": queries.get(r.pk, 0),
            }
        )
    return out


# --- the CDO ------------------------------------------------------------------------------------
def cdos_of(department_id: int) -> QuerySet:
    from yiwang.accounts.models import User

    ids = StaffRole.objects.filter(role=Role.CDO, department_id=department_id).values_list("user_id")
    return User.objects.filter(pk__in=ids)


def is_cdo(user, department_id: int) -> bool:
    return department_id in staff_scope(user).departments_for(Role.CDO)


def cdo_evaluation(department: Department, year: int) -> dict:
    """The yearly evaluation of a department's data work, computed from the records: resources
    catalogued and shared, responsibility list fulfilled, quality issues closed on time, queries
    served. Score out of 100."""
    resources = DataResource.objects.filter(department=department, active=True)
    catalogued = resources.count()
    shared = resources.exclude(sharing_type=SharingType.NONE).count()
    duties = DataListEntry.objects.filter(department=department, kind="responsibility")
    duty_total = duties.count()
    duty_done = duties.filter(fulfilled_on__year__lte=year, fulfilled_on__isnull=False).count()
    issues = QualityIssue.objects.filter(resource__department=department, raised_on__year=year)
    issue_total = issues.count()
    on_time = sum(
        1 for i in issues if i.status == QualityStatus.CLOSED and i.closed_on and i.closed_on <= i.due
    )
    served = AccessRecord.objects.filter(
        resource__department=department, at__year=year, outcome="allowed"
    ).count()
    share_rate = shared / catalogued if catalogued else 0.0
    duty_rate = duty_done / duty_total if duty_total else 1.0
    issue_rate = on_time / issue_total if issue_total else 1.0
    score = round(30 * min(catalogued, 5) / 5 + 30 * share_rate + 20 * duty_rate + 20 * issue_rate, 1)
    return {
        "department": department.name,
        "year": year,
        "resources_catalogued": catalogued,
        "resources_shared": shared,
        "responsibilities": duty_total,
        "responsibilities_fulfilled": duty_done,
        "quality_issues": issue_total,
        "quality_closed_on_time": on_time,
        "queries_served": served,
        "score": score,
    }
