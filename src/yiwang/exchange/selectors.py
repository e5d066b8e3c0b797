"""Exchange reads: who a staff member acts for (departments, CDO roles) and under which lookup
hash a citizen's data is kept; the catalogue (searchable, exportable as the city's data ledger
数据一本账), agreements a staff member may see and what they may do to one, a citizen's consents
and the records of who used their data."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from yiwang.accounts.models import AccountKind, User
from yiwang.core import keys
from yiwang.core.formats import local_time
from yiwang.organizations.models import Department, Role, Window
from yiwang.organizations.selectors import staff_scope

from .models import (
    PURPOSES,
    AccessRecord,
    Agreement,
    Consent,
    DataResource,
    ResourceElement,
    SharingType,
    SubjectKind,
)
from .rules import AGREEMENT_RULES, CONSUMER, PROVIDER, REASONS


# --- who the caller is --------------------------------------------------------------------------
def staff_department_ids(user: User | None) -> set[int]:
    """Departments a staff member works for: department roles, and the departments served by
    their windows."""
    if user is None or user.kind != AccountKind.STAFF:
        return set()
    scope = staff_scope(user)
    ids = {d for _, d, _ in scope.department_roles}
    if scope.window_ids:
        ids |= set(
            Window.departments.through.objects.filter(window_id__in=scope.window_ids).values_list(
                "department_id", flat=True
            )
        )
    return ids


def cdo_department_ids(user: User | None) -> set[int]:
    if user is None or user.kind != AccountKind.STAFF:
        return set()
    return staff_scope(user).departments_for(Role.CDO)


def subject_hash_of(*, kind: str, value: str) -> str:
    return keys.lookup_hash(value, kind="id_number" if kind == SubjectKind.PERSON else "uscc")


def user_subject_hash(user: User) -> str:
    """The lookup hash under which a citizen's or company's data and records are kept."""
    if user.kind == AccountKind.PERSON and user.id_number_hash:
        return user.id_number_hash
    if user.kind == AccountKind.LEGAL and user.uscc:
        return subject_hash_of(kind=SubjectKind.ORG, value=user.uscc)
    return ""


def resources_search(*, q: str = "", department: str = "", sharing: str = "") -> QuerySet[DataResource]:
    qs = (
        DataResource.objects.filter(active=True)
        .select_related("department")
        .prefetch_related(Prefetch("elements", queryset=ResourceElement.objects.order_by("position", "code")))
        .order_by("department__name", "code")
    )
    q = (q or "").strip()[:100]
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(code__icontains=q)
            | Q(description__icontains=q)
            | Q(department__name__icontains=q)
            | Q(elements__name__icontains=q)
        ).distinct()
    if department:
        qs = qs.filter(Q(department__uscc=department) | Q(department__name=department))
    if sharing:
        qs = qs.filter(sharing_type=sharing)
    return qs


def resource_get(code: str) -> DataResource | None:
    return resources_search().filter(code=code).first()


def resource_request_options(*, user: User, resource: DataResource) -> dict:
    """What a resource's page offers a staff member for a sharing request: the departments they
    may request for, the purposes, and whether they may request at all (不予共享 cannot be)."""
    departments = staff_departments(user)
    return {
        "departments": departments,
        "purposes": PURPOSES.items(),
        "can_request": resource.sharing_type != SharingType.NONE and departments.exists(),
    }


def resource_dict(r: DataResource) -> dict:
    return {
        "code": r.code,
        "name": r.name,
        "department": r.department.name,
        "department_uscc": r.department.uscc,
        "description": r.description,
        "subject_kind": r.subject_kind,
        "subject_kind_label": r.get_subject_kind_display(),
        "sharing_type": r.sharing_type,
        "sharing_type_label": r.get_sharing_type_display(),
        "sharing_condition": r.sharing_condition,
        "update_frequency": r.update_frequency,
        "update_frequency_label": r.get_update_frequency_display(),
        "source_system": r.source_system,
        "legal_basis": r.legal_basis,
        "consent_required": r.consent_required,
        "owner": r.owner,
        # GB/T 21063.3 core metadata (数据一本账; the ledger's join lives in projects)
        "classification": r.classification,
        "identifier": r.identifier or r.code,
        "metadata_updated": r.metadata_updated.isoformat() if r.metadata_updated else None,
        "open_type": r.open_type,
        "adapter": r.adapter,
        "elements": [
            {
                "code": e.code,
                "name": e.name,
                "base": e.base or None,
                "sensitive": e.sensitive,
                "authoritative": e.authoritative,
            }
            for e in r.elements.all()
        ],
    }


LEDGER_COLUMNS = [
    "资源代码",
    "资源名称",
    "提供部门",
    "部门统一社会信用代码",
    "信息主体",
    "共享类型",
    "共享条件",
    "更新周期",
    "来源系统",
    "法律依据",
    "须经本人授权",
    "责任处室/责任人",
    "信息项代码",
    "信息项名称",
    "对应标准数据元",
    "个人敏感信息",
]


def catalogue_xlsx(qs: QuerySet[DataResource]) -> bytes:
    """The catalogue as the city's data ledger (数据一本账): one row per data element."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "数据资源目录"
    ws.append(LEDGER_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in qs:
        head = [
            r.code,
            r.name,
            r.department.name,
            r.department.uscc,
            r.get_subject_kind_display(),
            r.get_sharing_type_display(),
            r.sharing_condition,
            r.get_update_frequency_display(),
            r.source_system,
            r.legal_basis,
            "是" if r.consent_required else "否",
            r.owner,
        ]
        for e in r.elements.all():
            ws.append([*head, e.code, e.name, e.base, "是" if e.sensitive else "否"])
    ws.freeze_panes = "A2"
    for col, width in zip(
        "ABCDEFGHIJKLMNOP", [22, 24, 26, 22, 10, 10, 24, 8, 20, 40, 8, 16, 22, 18, 20, 8], strict=True
    ):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- agreements ---------------------------------------------------------------------------------
def agreements_for_staff(*, user: User, role: str = "") -> QuerySet[Agreement]:
    """Agreements of the user's departments as consumer, and those awaiting (or decided by) the
    user's departments as provider (for CDOs)."""
    own = staff_department_ids(user)
    cdo = cdo_department_ids(user)
    qs = Agreement.objects.select_related("resource", "resource__department", "consumer", "decided_by")
    if role == "provider":
        return qs.filter(resource__department_id__in=cdo)
    if role == "consumer":
        return qs.filter(consumer_id__in=own)
    return qs.filter(Q(consumer_id__in=own) | Q(resource__department_id__in=cdo | own))


def agreement_for_staff(*, user: User, agreement_id: int) -> Agreement | None:
    return agreements_for_staff(user=user).filter(pk=agreement_id).first()


def agreement_roles(*, user: User, agreement: Agreement) -> set[str]:
    """The user's roles in `rules.AGREEMENT_RULES` for this agreement: provider (a CDO of the
    resource's department) and/or consumer (staff of the consuming department)."""
    roles = set()
    if agreement.resource.department_id in cdo_department_ids(user):
        roles.add(PROVIDER)
    if agreement.consumer_id in staff_department_ids(user):
        roles.add(CONSUMER)
    return roles


def agreement_actions(*, user: User, agreement: Agreement, roles: Iterable[str] | None = None) -> set[str]:
    """The actions of `rules.AGREEMENT_RULES` the user may take on the agreement now."""
    have = set(roles) if roles is not None else agreement_roles(user=user, agreement=agreement)
    return {
        action
        for action, found in AGREEMENT_RULES.items()
        if agreement.status in found.sources and have & found.roles
    }


def agreement_page(*, user: User, agreement: Agreement) -> dict:
    """An agreement's page: its elements by name, its purposes, and what the user may do to it."""
    names = {e.code: e.name for e in agreement.resource.elements.all()}
    actions = agreement_actions(user=user, agreement=agreement)
    return {
        "a": agreement,
        "requested": [(c, names.get(c, c)) for c in agreement.requested_elements],
        "granted": [names.get(c, c) for c in agreement.elements],
        "purposes": [PURPOSES.get(p, p) for p in agreement.purposes],
        "can_decide": "decide" in actions,
        "can_revoke": "revoke" in actions,
    }


def agreement_dict(a: Agreement) -> dict:
    return {
        "id": a.pk,
        "resource": a.resource.code,
        "resource_name": a.resource.name,
        "provider": a.resource.department.name,
        "consumer": a.consumer.name,
        "consumer_uscc": a.consumer.uscc,
        "status": a.status,
        "status_label": a.get_status_display(),
        "requested_elements": a.requested_elements,
        "elements": a.elements,
        "purposes": a.purposes,
        "purpose_labels": [PURPOSES.get(p, p) for p in a.purposes],
        "purpose_note": a.purpose_note,
        "legal_basis": a.legal_basis,
        "valid_from": a.valid_from.isoformat(),
        "requested_until": a.requested_until.isoformat(),
        "valid_until": a.valid_until.isoformat() if a.valid_until else None,
        "decision_reason": a.decision_reason,
        "automatic": a.automatic,
        "requested_at": local_time(a.requested_at),
        "decided_at": local_time(a.decided_at),
        "revoked_at": local_time(a.revoked_at),
        "revoked_side": a.revoked_side,
        "revoke_reason": a.revoke_reason,
        "version": a.version,
    }


def staff_departments(user: User | None) -> QuerySet[Department]:
    return Department.objects.filter(pk__in=staff_department_ids(user)).order_by("name")


# --- the citizen's side -------------------------------------------------------------------------
def consents_for_user(*, user: User) -> QuerySet[Consent]:
    h = user_subject_hash(user)
    return (
        Consent.objects.filter(subject_hash=h if h else "-")
        .select_related("resource", "resource__department", "consumer")
        .prefetch_related("resource__elements")
    )


def consent_dict(c: Consent) -> dict:
    names = {e.code: e.name for e in c.resource.elements.all()}
    return {
        "id": c.pk,
        "status": c.status,
        "status_label": c.get_status_display(),
        "consumer": c.consumer.name,
        "resource": c.resource.code,
        "resource_name": c.resource.name,
        "provider": c.resource.department.name,
        "purpose": c.purpose,
        "purpose_label": PURPOSES.get(c.purpose, c.purpose),
        "elements": [names.get(e, e) for e in c.elements],
        "case": c.case_number,
        "created_at": local_time(c.created_at),
        "decided_at": local_time(c.decided_at),
        "withdrawn_at": local_time(c.withdrawn_at),
    }


def access_records_for_user(*, user: User) -> QuerySet[AccessRecord]:
    """Who used my data, when, why (数据使用记录): records whose subject is the user."""
    h = user_subject_hash(user)
    return (
        AccessRecord.objects.filter(subject_hash=h if h else "-")
        .select_related("consumer", "resource", "resource__department")
        .prefetch_related("resource__elements")
        .order_by("-at", "-pk")
    )


def _element_names(resource: DataResource | None, codes: list[str]) -> list[str]:
    if resource is None:
        return list(codes)
    names = {e.code: e.name for e in resource.elements.all()}
    return [names.get(c, c) for c in codes]


def access_record_dict(r: AccessRecord) -> dict:
    return {
        "id": str(r.uid),
        "at": local_time(r.at),
        "consumer": r.consumer.name if r.consumer_id else "",
        "resource": r.resource_code,
        "resource_name": r.resource.name if r.resource_id else "",
        "provider": r.resource.department.name if r.resource_id else "",
        "purpose": r.purpose,
        "purpose_label": PURPOSES.get(r.purpose, r.purpose),
        "case": r.case_number,
        "elements": _element_names(r.resource, r.elements_requested),
        "returned": _element_names(r.resource, r.elements_returned),
        "outcome": r.outcome,
        "outcome_label": r.get_outcome_display(),
        "reason": r.reason,
        "reason_label": REASONS[r.reason][1] if r.reason in REASONS else r.reason,
        "consent_basis": r.consent_basis,
        "ledger_entry": r.ledger_entry,
    }


def access_records_for_department(*, user: User) -> QuerySet[AccessRecord]:
    ids = staff_department_ids(user)
    return (
        AccessRecord.objects.filter(Q(consumer_id__in=ids) | Q(resource__department_id__in=ids))
        .select_related("consumer", "resource", "resource__department")
        .order_by("-at", "-pk")
    )
