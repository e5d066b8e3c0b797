"""The data resource catalogue (数据资源目录): entries and their elements, bound to canonical
bases, and the rows of local registers (the demo resources' source tables)."""

from __future__ import annotations

from django.db import transaction

from yiwang.catalog import elements as canonical
from yiwang.core.errors import ValidationFailed
from yiwang.organizations.models import Department

from .. import adapters
from ..models import (
    AdapterKind,
    DataResource,
    ExternalSystem,
    RegisterRecord,
    ResourceElement,
    SharingType,
    SubjectKind,
)
from ..selectors import subject_hash_of


def known_bases() -> set[str]:
    """Canonical base ids an element may be bound to: person and organisation bases ("name",
    "household_address", "registered_address", ...) and thing elements ("property.certificate_no")."""
    out = set(canonical.PERSON_BASE) | set(canonical.ORG_BASE)
    for party, bases in canonical.THING_BASE.items():
        out |= {f"{party}.{b}" for b in bases}
    return out


def elements_check(
    *,
    resource: DataResource,
    elements: list[str],
    field_name: str = "elements",
    known: list[str] | None = None,
) -> list[str]:
    """The named elements of the resource, in catalogue order, each once; raises
    ValidationFailed (code unknown_element) naming the unknown ones."""
    if not elements:
        raise ValidationFailed(fields={field_name: ["请选择信息项"]})
    codes = known if known is not None else list(resource.elements.values_list("code", flat=True))
    unknown = [e for e in elements if e not in codes]
    if unknown:
        raise ValidationFailed(
            f"数据资源“{resource.name}”没有这些信息项：{'、'.join(unknown)}",
            code="unknown_element",
            fields={field_name: [f"未知的信息项：{e}" for e in unknown]},
        )
    order = {c: i for i, c in enumerate(codes)}
    return sorted(set(elements), key=lambda c: order[c])


@transaction.atomic
def resource_save(
    *,
    department: Department,
    code: str,
    name: str,
    subject_kind: str,
    sharing_type: str,
    source_system: str,
    legal_basis: str,
    elements: list[dict],
    update_frequency: str = "daily",
    consent_required: bool = False,
    sharing_condition: str = "",
    description: str = "",
    owner: str = "",
    adapter: str = AdapterKind.LOCAL,
    system: ExternalSystem | None = None,
) -> DataResource:
    """Create or update a catalogue entry and its elements (by code). Elements:
    {"code", "name", "base"?, "sensitive"?, "mask"?, "data_type"?, "authoritative"?}."""
    errors: dict[str, list[str]] = {}
    if sharing_type not in SharingType.values:
        errors["sharing_type"] = ["共享类型应为无条件共享、有条件共享或不予共享"]
    if subject_kind not in SubjectKind.values:
        errors["subject_kind"] = ["信息主体类型有误"]
    if not elements:
        errors["elements"] = ["至少需要一个信息项"]
    bases = known_bases()
    for e in elements:
        if e.get("base") and e["base"] not in bases:
            errors.setdefault("elements", []).append(
                f"信息项“{e['code']}”对应的标准数据元“{e['base']}”不存在"
            )
    if adapter == AdapterKind.HTTP and system is None:
        errors["system"] = ["部门系统接口方式须指定提供系统"]
    if errors:
        raise ValidationFailed(fields=errors)
    resource, _ = DataResource.objects.update_or_create(
        code=code,
        defaults={
            "department": department,
            "name": name,
            "subject_kind": subject_kind,
            "sharing_type": sharing_type,
            "sharing_condition": sharing_condition,
            "source_system": source_system,
            "legal_basis": legal_basis,
            "update_frequency": update_frequency,
            "consent_required": consent_required,
            "description": description,
            "owner": owner,
            "adapter": adapter,
            "system": system,
        },
    )
    for pos, e in enumerate(elements):
        ResourceElement.objects.update_or_create(
            resource=resource,
            code=e["code"],
            defaults={
                "name": e["name"],
                "base": e.get("base", ""),
                "sensitive": bool(e.get("sensitive", False)),
                "mask": e.get("mask", ""),
                "data_type": e.get("data_type", "string"),
                "authoritative": bool(e.get("authoritative", True)),
                "position": pos,
            },
        )
    return resource


@transaction.atomic
def register_put(*, resource: DataResource, subject: str, values: dict) -> RegisterRecord:
    """Write (or replace) a local register row: keyed by the subject's lookup hash, sensitive
    element values encrypted."""
    codes = {e.code: e for e in resource.elements.all()}
    unknown = set(values) - set(codes)
    if unknown:
        raise ValidationFailed(fields={"values": [f"未知的信息项：{', '.join(sorted(unknown))}"]})
    sensitive = {c for c, e in codes.items() if e.sensitive}
    row, _ = RegisterRecord.objects.update_or_create(
        resource=resource,
        subject_hash=subject_hash_of(kind=resource.subject_kind, value=subject),
        defaults={"values": adapters.register_encode(resource=resource, values=values, sensitive=sensitive)},
    )
    return row
