"""JSON shapes of projects for the API and the pages."""

from __future__ import annotations

from .models import Project
from .selectors import budget_rows


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
                "resources": [{"code": r.code, "name": r.name, "role": r.role} for r in p.resources.all()],
                "reviews": [
                    {"kind": r.kind, "passed": r.passed, "opinion": r.opinion} for r in p.reviews.all()
                ],
                "steps": [
                    {
                        "seq": s.seq,
                        "action": s.action,
                        "from": s.frm,
                        "to": s.to,
                        "note": s.note,
                        "at": s.at.isoformat(),
                    }
                    for s in p.steps.all()
                ],
                "documents": [
                    {"id": d.pk, "kind": d.kind, "name": d.name, "stage": d.stage, "sha256": d.sha256}
                    for d in p.documents.all()
                ],
            }
        )
    return out
