"""What projects write to the ledger: every stage decision (a Step), every reviewer's opinion,
every decided change and every data-quality issue raised. Payloads carry codes, department
USCCs, amounts and account ids, never personal data. `yiwang ledger verify` re-derives them
through the functions registered here."""

from __future__ import annotations

import hashlib

from yiwang.core.formats import local_time
from yiwang.ledger import rederive
from yiwang.ledger import services as ledger

from .models import Change, QualityIssue, Review, Step


def project_subject(code: str) -> str:
    return hashlib.sha256(f"projects.project:{code}".encode()).hexdigest()


def step_payload(s: Step) -> dict:
    return {
        "project": s.project.code,
        "department": s.project.department.uscc,
        "seq": s.seq,
        "action": s.action,
        "from": s.frm,
        "to": s.to,
        "actor": s.actor_id,
        "role": s.role,
        "note": s.note,
        "data": s.data,
        "at": local_time(s.at),
    }


def review_payload(r: Review) -> dict:
    return {
        "project": r.project.code,
        "review": r.pk,
        "kind": r.kind,
        "reviewer": r.reviewer_id,
        "passed": r.passed,
        "opinion": r.opinion,
        "at": local_time(r.at),
    }


def change_payload(c: Change) -> dict:
    return {
        "project": c.project.code,
        "change": c.pk,
        "status": c.status,
        "year": c.year,
        "budget_delta": str(c.budget_delta),
        "decided_by": c.decided_by_id,
        "reason": c.reason,
    }


def quality_payload(q: QualityIssue) -> dict:
    return {
        "issue": q.pk,
        "resource": q.resource.code,
        "consumer": q.consumer.uscc,
        "element": q.element,
        "due": q.due.isoformat(),
        "raised_on": q.raised_on.isoformat(),
    }


def _append(kind: str, subject: str, payload: dict, model, pk: int, at=None) -> int:
    entry = ledger.entry_append(kind=kind, subject=subject, payload=payload, actor_role="staff", at=at)
    model.objects.filter(pk=pk).update(ledger_entry=entry.pk)
    return entry.pk


def record_step(s: Step) -> None:
    s.ledger_entry = _append(
        f"projects.step.{s.action}", project_subject(s.project.code), step_payload(s), Step, s.pk, s.at
    )


def record_review(r: Review) -> None:
    r.ledger_entry = _append(
        "projects.review", project_subject(r.project.code), review_payload(r), Review, r.pk, r.at
    )


def record_change(c: Change) -> None:
    c.ledger_entry = _append(
        f"projects.change.{c.status}", project_subject(c.project.code), change_payload(c), Change, c.pk
    )


def record_quality(q: QualityIssue) -> None:
    subject = hashlib.sha256(f"projects.quality:{q.pk}".encode()).hexdigest()
    q.ledger_entry = _append("projects.quality", subject, quality_payload(q), QualityIssue, q.pk)


# --- re-derivation -------------------------------------------------------------------------------
def _rederive(model, payload, related):
    def fn(row) -> dict | None:
        found = model.objects.select_related(*related).filter(ledger_entry=row.pending_id).first()
        return payload(found) if found else None

    return fn


def register() -> None:
    rederive.register("projects.step.", _rederive(Step, step_payload, ("project__department",)))
    rederive.register("projects.review", _rederive(Review, review_payload, ("project",)))
    rederive.register("projects.change.", _rederive(Change, change_payload, ("project",)))
    rederive.register("projects.quality", _rederive(QualityIssue, quality_payload, ("resource", "consumer")))
