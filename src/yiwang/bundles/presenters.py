"""How bundles and bundle cases look in the API and on pages (one shape for both)."""

from __future__ import annotations

from django.utils import timezone

from yiwang.cases.presenters import case_summary
from yiwang.core.formats import local_time
from yiwang.workdays import selectors as workdays

from . import selectors
from .models import Bundle, BundleCase

ENDED_WITHOUT_RESULT = ("refused", "denied", "withdrawn")


def bundle_summary(bundle: Bundle) -> dict:
    return {
        "code": bundle.code,
        "name": bundle.name,
        "audience": bundle.audience,
        "audience_label": bundle.get_audience_display(),
        "lead_department": bundle.lead_department.name,
        "promised_days": bundle.promised_days,
        "version": bundle.version,
    }


def bundle_detail(bundle: Bundle) -> dict:
    comps = selectors.components(bundle)
    names = {c.item.code: c.item_version.name for c in comps if c.item_version}
    return {
        **bundle_summary(bundle),
        "summary": bundle.summary,
        "questionnaire": bundle.questionnaire,
        "items": [
            {
                "code": c.item.code,
                "name": names.get(c.item.code, c.item.code),
                "department": c.item.department.name,
                "when": c.when,
                "depends_on": [names.get(d, d) for d in c.depends_on or []],
                "promised_days": c.item_version.promised_limit_days if c.item_version else None,
                "required": c.required,
            }
            for c in comps
        ],
        "form_schema": bundle.merged_schema,
        "materials": [{k: v for k, v in m.items() if k != "x-items"} for m in bundle.merged_materials],
        "outdated_items": selectors.bundle_outdated(bundle),
    }


def bundle_case_detail(bcase: BundleCase) -> dict:
    children = selectors.bundle_children(bcase)
    today, cal = timezone.localdate(), workdays.calendar()
    return {
        "number": bcase.number,
        "bundle_code": bcase.bundle.code,
        "bundle_name": bcase.bundle.name,
        "status": bcase.status,
        "status_label": bcase.get_status_display(),
        "version": bcase.version,
        "received_on": bcase.received_on.isoformat(),
        "due_date": bcase.due_date.isoformat(),
        "due_date_provisional": bcase.due_date_provisional,
        "savings": bcase.savings,
        "cases": [
            {
                **case_summary(c.case, today=today, cal=cal),
                "waiting_for": c.case.waiting_for,
                "reason": c.stopped_reason
                or (selectors.last_reason(c.case) if c.case.status in ENDED_WITHOUT_RESULT else ""),
            }
            for c in children
        ],
        "messages": [
            {"kind": m.kind, "kind_label": m.get_kind_display(), "at": local_time(m.at), "data": m.data}
            for m in bcase.messages.all()
        ],
        "outcome": bcase.outcome or None,
        "delivered_at": local_time(bcase.delivered_at) if bcase.delivered_at else None,
    }


def savings_view(s: dict) -> dict:
    """What the applicant was spared (减材料、减填写、减跑动), summed for the pages."""
    return {
        **s,
        "less_fields": s.get("fields_saved", 0) + s.get("fields_prefilled", 0),
        "less_materials": s.get("materials_saved", 0) + s.get("materials_waived", 0),
        "less_visits": s.get("visits_avoided", 0),
    }
