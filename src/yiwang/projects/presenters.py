"""JSON shapes of projects for the API and the pages."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from .models import DocumentKind, Project, ResourceRole, ReviewKind, Stage
from .rules import RULES
from .selectors import budget_rows

STAGES = dict(Stage.choices)


def _label(choices, value: str) -> str:
    return dict(choices).get(value, value)


def project_out(p: Project, *, detail: bool = False) -> dict:
    out = {
        "code": p.code,
        "name": p.name,
        "department": p.department.name,
        "stage": p.stage,
        "stage_label": p.get_stage_display(),
        "stage_due": p.stage_due.isoformat() if p.stage_due else None,
        "version": p.version,
        "duplicates": p.duplicates,
    }
    if detail:
        out.update(
            {
                "purpose": p.purpose,
                "implementation_path": p.implementation_path,
                "functions": p.functions,
                "budget": [
                    {"year": b.year, "amount": str(b.amount), "source": b.source} for b in p.budget.all()
                ],
                "budget_status": [
                    {
                        "year": r.year,
                        "approved": str(r.approved),
                        "contracted": str(r.contracted),
                        "paid": str(r.paid),
                    }
                    for r in budget_rows(p)
                ],
                "systems": [
                    {
                        "code": s.code,
                        "name": s.name,
                        "status": s.status,
                        "registered": s.registered,
                        "mlps_level": s.mlps_level,
                    }
                    for s in p.systems.all()
                ],
                "resources": [
                    {
                        "code": r.code,
                        "name": r.name,
                        "role": r.role,
                        "role_label": _label(ResourceRole.choices, r.role),
                    }
                    for r in p.resources.all()
                ],
                "reviews": [
                    {
                        "kind": r.kind,
                        "kind_label": _label(ReviewKind.choices, r.kind),
                        "passed": r.passed,
                        "opinion": r.opinion,
                        "reviewer": str(r.reviewer),
                        "at": r.at.isoformat(),
                    }
                    for r in p.reviews.select_related("reviewer")
                ],
                "milestones": [
                    {
                        "id": m.pk,
                        "name": m.name,
                        "due": m.due.isoformat(),
                        "done_on": m.done_on.isoformat() if m.done_on else None,
                    }
                    for m in p.milestones.all()
                ],
                "post_evaluation": _post_evaluation(p),
                "indicators": [
                    {
                        "system": i.system.code,
                        "system_name": i.system.name,
                        "month": i.month.strftime("%Y-%m"),
                        "active_users": i.active_users,
                        "transactions": i.transactions,
                        "availability": str(i.availability),
                        "cost": str(i.cost),
                    }
                    for s in p.systems.prefetch_related("indicators")
                    for i in s.indicators.all()
                ],
                "steps": [
                    {
                        "seq": s.seq,
                        "action": s.action,
                        "action_label": RULES[s.action].label if s.action in RULES else "申报",
                        "from": s.frm,
                        "to": s.to,
                        "from_label": STAGES.get(s.frm, ""),
                        "to_label": STAGES.get(s.to, s.to),
                        "note": s.note,
                        "at": s.at.isoformat(),
                    }
                    for s in p.steps.all()
                ],
                "documents": [
                    {
                        "id": d.pk,
                        "kind": d.kind,
                        "kind_label": _label(DocumentKind.choices, d.kind),
                        "name": d.name,
                        "stage": d.stage,
                        "stage_label": STAGES.get(d.stage, d.stage),
                        "sha256": d.sha256,
                        "size": d.size,
                        "url": f"/workbench/projects/{p.code}/documents/{d.pk}/",
                    }
                    for d in p.documents.defer("content")
                ],
            }
        )
    return out


def _post_evaluation(p: Project) -> dict | None:
    try:
        ev = p.post_evaluation
    except ObjectDoesNotExist:
        return None
    # in the scheme's order (PostgreSQL's jsonb does not keep the order the scores were stored in)
    scores = [
        {"code": c["code"], "name": c["name"], "score": ev.scores[c["code"]], "points": c["points"]}
        for c in ev.scheme.criteria
        if c["code"] in ev.scores
    ]
    return {
        "evaluator": ev.evaluator.organisation,
        "scheme": ev.scheme.name,
        "scores": scores,
        "total": str(ev.total),
        "conclusion": ev.conclusion,
        "at": ev.at.isoformat(),
    }
