"""API shapes of 共同缔造 (API.md conventions: English codes with Chinese labels, masked people)."""

from __future__ import annotations

from django.utils import timezone

from yiwang.core.formats import local_time

from .models import Answer, Comment, Finding, Kind, Mission, Proposal, RectificationItem, ResultRating, Status
from .selectors import answer_warning, author_label
from .services import LEVELS


def proposal_out(p: Proposal, *, today=None, cal=None) -> dict:
    out = {
        "number": p.number,
        "kind": p.kind,
        "kind_label": p.get_kind_display(),
        "target": p.target,
        "target_label": p.get_target_display(),
        "target_name": p.target_name,
        "item": p.item.code if p.item_id else None,
        "hall": p.hall_id,
        "department": {"id": p.department_id, "name": p.department.name},
        "title": p.title,
        "body": p.body,
        "author": p.department.name if p.kind == Kind.DRAFT else author_label(p),
        "status": p.status,
        "status_label": p.get_status_display(),
        "moderation": p.moderation,
        "moderation_label": p.get_moderation_display(),
        "moderation_reason": p.moderation_reason,
        "version": p.version,
        "submitted_at": local_time(p.submitted_at),
        "answer_due": p.answer_due.isoformat() if p.answer_due else None,
        "answered_on": p.answered_on.isoformat() if p.answered_on else None,
        "support_count": p.support_count,
        "comment_count": p.comment_count,
    }
    if today is not None:
        out["warning_level"], out["working_days_left"] = answer_warning(p, today=today, cal=cal)
    return out


def comment_out(c: Comment) -> dict:
    return {
        "id": c.pk,
        "author": author_label(c),
        "body": c.body,
        "moderation": c.moderation,
        "moderation_label": c.get_moderation_display(),
        "moderation_reason": c.moderation_reason,
        "created_at": local_time(c.created_at),
        "created_label": timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
    }


def answer_out(a: Answer) -> dict:
    return {
        "id": a.pk,
        "action": a.action,
        "from": a.from_status,
        "to": a.to_status,
        "to_label": Status(a.to_status).label if a.to_status in Status.values else a.to_status,
        "changed": a.from_status != a.to_status,
        "body": a.body,
        "department": a.department.name,
        "at": local_time(a.at),
        "at_label": timezone.localtime(a.at).strftime("%Y-%m-%d %H:%M"),
    }


def result_rating_out(r: ResultRating) -> dict:
    return {"id": r.pk, "level": r.level, "level_label": LEVELS[r.level], "comment": r.comment,
            "created_at": local_time(r.created_at)}  # fmt: skip


def result_summary(p: Proposal) -> dict:
    levels = list(p.result_ratings.values_list("level", flat=True))
    good = sum(1 for v in levels if v in ("1", "2", "3"))
    return {
        "count": len(levels),
        "by_level": {k: levels.count(k) for k in LEVELS},
        "satisfaction_rate": round(good / len(levels), 4) if levels else None,
    }


def finding_out(f: Finding) -> dict:
    return {
        "id": f.pk,
        "seq": f.seq,
        "step": f.step,
        "kind": f.kind,
        "kind_label": f.get_kind_display(),
        "body": f.body,
        "created_at": local_time(f.created_at),
        "outcome": f.outcome,
        "outcome_label": f.get_outcome_display(),
        "proposal": f.proposal.number if f.proposal_id else None,
        "rectification": f.rectification.number if f.rectification_id else None,
    }


def mission_out(m: Mission, *, findings: bool = False) -> dict:
    out = {
        "number": m.number,
        "title": m.title,
        "task": m.task,
        "channel": m.channel,
        "channel_label": m.get_channel_display(),
        "department": {"id": m.department_id, "name": m.department.name},
        "item": m.item.code if m.item_id else None,
        "hall": m.hall_id,
        "target_name": m.target_name,
        "staff": str(m.staff),
        "status": m.status,
        "status_label": m.get_status_display(),
        "version": m.version,
        "created_at": local_time(m.created_at),
        "summary": m.summary,
        "finished_on": m.finished_on.isoformat() if m.finished_on else None,
    }
    if findings:
        out["findings"] = [
            finding_out(f) for f in m.findings.select_related("proposal", "rectification").order_by("seq")
        ]
    return out


def rectification_out(r: RectificationItem) -> dict:
    return {
        "number": r.number,
        "title": r.title,
        "body": r.body,
        "department": {"id": r.department_id, "name": r.department.name},
        "due_date": r.due_date.isoformat(),
        "status": r.status,
        "status_label": r.get_status_display(),
        "version": r.version,
        "done_on": r.done_on.isoformat() if r.done_on else None,
        "done_note": r.done_note,
    }
