"""How bundles and bundle cases look in the API and on pages (one shape for both)."""

from __future__ import annotations

from django.utils import timezone

from yiwang.cases.presenters import case_summary
from yiwang.core.formats import local_time
from yiwang.workdays import selectors as workdays

from . import selectors
from .models import Bundle, BundleCase

ENDED_WITHOUT_RESULT = ("refused", "denied", "withdrawn")
IN_REVIEW = ("accepted", "reviewed", "approved")


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
    summaries = {c.pk: case_summary(c.case, today=today, cal=cal) for c in children}
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
        "next_steps": next_steps(children, summaries),
        "cases": [
            {
                **summaries[c.pk],
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


# --- what happens next, in plain words --------------------------------------------------------


def _day(iso: str | None) -> str:
    if not iso:
        return ""
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def _who(dept) -> str:
    """The handler as the applicant knows it; a company is said to be one (not a government body)."""
    from yiwang.organizations.models import DepartmentKind

    if dept.kind == DepartmentKind.ENTERPRISE:
        return f"{dept.name}（公共服务企业）"
    return dept.name


def _results_text(version) -> str:
    """The results in plain words; "自动存入我的证照" only for the licences this platform issues
    on completion (a licence another system issues, or a paper one, is just named)."""
    results = version.results or []
    issued = selectors.licence_names_issued(version) if any(r.get("type") == "10" for r in results) else set()
    out = []
    for r in results:
        name = r.get("name", "")
        out.append(f"{name}（电子证照，自动存入“我的证照”）" if name in issued else name)
    return "、".join(filter(None, out))


def next_steps(children: list, summaries: dict) -> list[dict]:
    """Per department case: who handles it, what it does, when, and what it waits for — in the
    words an applicant uses. The department's own notices stay on its case page."""
    names = {c.item_code: c.case.item_version.name for c in children}
    out = []
    for child in children:
        case, s = child.case, summaries[child.pk]
        who, version = _who(case.department), case.item_version
        deps = [names.get(d, d) for d in child.depends_on or []]
        results = _results_text(version)
        days = version.promised_limit_days or 0
        status = case.status
        if status == "draft" and case.waiting_for:
            when = (
                f"等“{'、'.join(deps)}”办好后，{who}会自动开始办理，您不用再提交申请或材料"
                + (f"；开始后 {days} 个工作日内办好" if days else "")
                + "。"
            )
            state = "waiting"
        elif status == "submitted":
            when = f"{who}已收到您的申请，正在核对材料" + (
                f"，承诺在{_day(s['due_date'])}前办好。"
                if s.get("due_date")
                else f"；受理后 {days} 个工作日内办好。"
                if days
                else "。"
            )
            state = "active"
        elif status in IN_REVIEW:
            when = f"{who}已受理，正在审查" + (
                f"，承诺在{_day(s['due_date'])}前办好。" if s.get("due_date") else "。"
            )
            state = "active"
        elif status == "supplement_requested":
            when = f"{who}需要您补充材料：请在本页“补齐补正告知”中一次提交，提交后{who}继续办理。"
            state = "action"
        elif status == "completed" and case.decision == "approve":
            when = "已办好" + (f"，结果：{results}" if results else "") + "；全部事项办好后统一送达。"
            state = "done"
        elif status == "withdrawn" and child.stopped_reason:
            when = f"这一项不再办理：{child.stopped_reason}。"
            state = "stopped"
        elif status in ("refused", "denied", "completed"):
            reason = selectors.last_reason(case)
            when = f"{who}没有办理这一项" + (f"，原因：{reason}" if reason else "") + "。"
            state = "stopped"
        elif status == "withdrawn":
            when = "您已撤回这一项。"
            state = "stopped"
        else:
            when = f"{who}正在办理。"
            state = "active"
        out.append(
            {
                "item": version.name,
                "case": case.number,
                "who": who,
                "company": case.department.kind == "enterprise",
                "what": f"办理“{version.name}”" + (f"，办好后您会得到：{results}" if results else ""),
                "when": when,
                "depends_on": deps,
                "state": state,
            }
        )
    return out
