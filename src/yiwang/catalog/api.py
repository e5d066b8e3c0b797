"""Catalogue API (API.md § Catalogue): public item list and service guides."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from yiwang.core.pagination import paginate

from . import selectors
from .models import (
    BusinessKind,
    CaseKind,
    CrossCityScope,
    ExerciseLevel,
    HandlingForm,
    ItemNodeKind,
    ItemType,
    ItemVersion,
    MaterialForm,
    MaterialSource,
    MaterialType,
    OnlineDepth,
    PowerSource,
    ResultType,
    ServiceObject,
    SpecialProcedureKind,
)
from .selectors import commitment_text

router = Router(tags=["事项目录"])

CASE_KINDS = {CaseKind.IMMEDIATE: "immediate", CaseKind.PROMISED: "promised", CaseKind.OTHER: "other"}


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return ""


def _coded(choices, values: list[str]) -> list[dict]:
    return [{"code": v, "label": _label(choices, v)} for v in values]


def item_summary(version: ItemVersion) -> dict:
    """An item in lists (version with item and item.department loaded)."""
    item = version.item
    return {
        "code": item.code,
        "basic_code": item.basic_code,
        "name": version.name,
        "version": version.version,
        "type": version.item_type,
        "type_label": _label(ItemType, version.item_type),
        "department": {"id": item.department_id, "name": item.department.name, "uscc": item.department.uscc},
        "node_kind": item.node_kind,
        "case_kind": CASE_KINDS.get(version.case_kind, ""),
        "case_kind_label": _label(CaseKind, version.case_kind),
        "statutory_limit_days": version.statutory_limit_days,
        "promised_limit_days": version.promised_limit_days,
        "exercise_levels": version.exercise_levels,
        "online_grade": version.online_grade,
        "visits_required": version.visits_required,
        "themes": version.themes,
    }


def item_guide_dict(version: ItemVersion) -> dict:
    """The full service guide (办事指南) of a version with materials and halls prefetched."""
    item = version.item
    data = item_summary(version)
    data.update(
        {
            "local_code": item.local_code,
            "parent_code": item.parent.code if item.parent_id else None,
            "business_kind": item.business_kind,
            "business_kind_label": _label(BusinessKind, item.business_kind) if item.business_kind else "",
            "node_kind_label": _label(ItemNodeKind, item.node_kind),
            "department": {
                "id": item.department_id,
                "name": item.department.name,
                "uscc": item.department.uscc,
                "region_code": item.department.region.code,
            },
            "valid_from": version.valid_from.isoformat() if version.valid_from else None,
            "valid_until": version.valid_until.isoformat() if version.valid_until else None,
            "service_objects": _coded(ServiceObject, version.service_objects),
            "exercise_levels": _coded(ExerciseLevel, version.exercise_levels),
            "power_source": version.power_source,
            "power_source_label": _label(PowerSource, version.power_source),
            "legal_basis": version.legal_basis,
            "conditions": version.conditions,
            "handling_forms": _coded(HandlingForm, version.handling_forms),
            "online_depth": _coded(OnlineDepth, version.online_depth),
            "locations": version.locations,
            "hours": version.hours,
            "consultation": version.consultation,
            "complaint": version.complaint,
            "fees": version.fees,
            "results": [{**r, "type_label": _label(ResultType, r.get("type", ""))} for r in version.results],
            "cross_city_scope": version.cross_city_scope,
            "cross_city_scope_label": _label(CrossCityScope, version.cross_city_scope),
            "tolerance_acceptance": version.tolerance_acceptance,
            "commitment_system": version.commitment_system,
            "tolerance_days": version.tolerance_days if version.tolerance_acceptance else None,
            "tolerance_lapse": version.tolerance_lapse if version.tolerance_acceptance else None,
            "commitment_text": commitment_text(version) if version.commitment_system else None,
            "commitment_replaces": version.commitment_replaces if version.commitment_system else [],
            "cooling_off_days": version.cooling_off_days,
            "confirm_days": version.confirm_days,
            "extension_days": version.extension_days,
            "acceptance_limit_days": version.acceptance_limit_days,
            "special_procedures": [
                {**p, "kind_label": _label(SpecialProcedureKind, p.get("kind", ""))}
                for p in version.special_procedures
            ],
            "form_schema": version.form_schema,
            "materials": [
                {
                    "code": m.code,
                    "name": m.name,
                    "material_type": m.material_type,
                    "material_type_label": _label(MaterialType, m.material_type),
                    "material_form": m.material_form,
                    "material_form_label": _label(MaterialForm, m.material_form),
                    "required": m.required,
                    "copies": m.copies,
                    "source": m.source,
                    "source_label": _label(MaterialSource, m.source),
                    "issuing_department": m.issuing_department,
                    "license_type_code": m.license_type_code,
                    "tolerable": m.tolerable,
                    "blank_form": m.blank_form,
                    "sample": m.sample,
                    "notes": m.notes,
                }
                for m in version.materials.all()
            ],
            "halls": [
                {"id": h.pk, "name": h.name, "address": h.address, "hours": h.hours, "phone": h.phone}
                for h in version.halls.all()
            ],
        }
    )
    return data


@router.get("/items", auth=None, summary="事项列表")
def items_list(
    request: HttpRequest,
    q: str | None = None,
    department: str | None = None,
    level: str | None = None,
    type: str | None = None,
    theme: str | None = None,
    page: int = 1,
    page_size: int = 50,
):
    qs = selectors.items_search(q=q, department=department, level=level, type=type, theme=theme)
    return paginate({"page": page, "page_size": page_size}, qs, item_summary)


@router.get("/items/{code}", auth=None, summary="办事指南")
def item_detail(request: HttpRequest, code: str):
    return item_guide_dict(selectors.item_guide(code=code))
