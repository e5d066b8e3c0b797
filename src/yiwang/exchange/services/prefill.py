"""Prefill (一件事 免填写): values for canonical bases about one subject, read through the query
gateway with the same checks and records as `POST /api/v1/exchange/queries`."""

from __future__ import annotations

from dataclasses import dataclass, field

from yiwang.accounts.models import User
from yiwang.organizations.models import Department

from ..models import DataResource, ResourceElement, SharingType, SubjectKind
from .gateway import Caller, query_run


@dataclass
class PrefillValue:
    value: object
    resource_code: str
    resource_name: str
    department_name: str
    authoritative: bool


@dataclass
class PrefillResult:
    values: dict[str, PrefillValue] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (resource code, reason, 中文)


def prefill_lookup(
    *,
    consumer: Department,
    actor: User,
    subject: dict,
    bases: set[str],
    purpose: str,
    case_number: str = "",
    subject_is_actor: bool = False,
) -> PrefillResult:
    """Values for canonical bases about one subject, read through the gateway: one query per
    resource that binds some wanted base (only those elements), with the same checks and records
    as `/queries`. Refusals, missing consent and provider failures land in `failures`; nothing is
    raised for them. When several resources give a base, an authoritative one wins."""
    out = PrefillResult()
    if "id_number" in subject:
        kind = SubjectKind.PERSON
    elif "uscc" in subject:
        kind = SubjectKind.ORG
    else:
        out.failures.append(("", "invalid_subject", "信息主体应为公民身份号码或统一社会信用代码"))
        return out
    wanted = set(bases)
    rows = (
        ResourceElement.objects.filter(base__in=wanted, resource__active=True, resource__subject_kind=kind)
        .exclude(resource__sharing_type=SharingType.NONE)
        .select_related("resource", "resource__department")
        .order_by("resource__code", "position")
    )
    by_resource: dict[int, list[ResourceElement]] = {}
    resources: dict[int, DataResource] = {}
    for el in rows:
        by_resource.setdefault(el.resource_id, []).append(el)
        resources[el.resource_id] = el.resource
    caller = Caller(department=consumer, role="service", actor=actor)
    for rid, els in by_resource.items():
        resource = resources[rid]
        r = query_run(
            caller=caller,
            resource_code=resource.code,
            subject=subject,
            purpose=purpose,
            elements=[e.code for e in els],
            case_number=case_number,
            subject_is_actor=subject_is_actor,
        )
        if not r.ok:
            out.failures.append((resource.code, r.reason, r.message))
            continue
        for el in els:
            if el.code not in r.data or r.data[el.code] in (None, ""):
                continue
            current = out.values.get(el.base)
            if current is not None and (current.authoritative or not el.authoritative):
                continue
            out.values[el.base] = PrefillValue(
                value=r.data[el.code],
                resource_code=resource.code,
                resource_name=resource.name,
                department_name=resource.department.name,
                authoritative=el.authoritative,
            )
    return out
