"""Training endpoints of API.md (Training): exams open to the caller, attempts, answers saved one
by one on the server's clock, submission; certifications."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from yiwang.accounts.auth import api_auth
from yiwang.core.errors import NotFound, PermissionDenied

from . import selectors, services
from .models import Exam

router = Router(tags=["training"], auth=api_auth)


def _staff(request: HttpRequest):
    user = request.auth
    if getattr(user, "kind", None) != "staff":
        raise PermissionDenied("仅供工作人员使用")
    return user


# An attempt is looked up by its candidate (`user=`): anyone else's, a citizen's included, does not
# exist for them (API.md: 404 for an object the caller may not see, never a 403 confirming it).


class AnswerIn(Schema):
    answer: Any = None


def _attempt_out(a) -> dict:
    return {
        "id": a.pk,
        "exam": a.exam_id,
        "number": a.number,
        "status": a.status,
        "ends_at": a.ends_at.isoformat(),
        "questions": [
            {
                "id": q["id"],
                "kind": q["kind"],
                "text": q["text"],
                "options": q["options"],
                "answer": q["answer"],
            }
            for q in selectors.paper_out(a)
        ],
    }


@router.get("/training/exams")
def exam_index(request: HttpRequest):
    user = _staff(request)
    return {
        "items": [
            {"id": e.pk, "title": e.title, "opens_at": e.opens_at.isoformat(), "closes_at": e.closes_at.isoformat(),
             "duration_minutes": e.duration_minutes, "max_attempts": e.max_attempts}
            for e in selectors.exams_open(user=user)
        ]
    }  # fmt: skip


@router.post("/training/exams/{exam_id}/attempts", response={201: dict})
def attempt_create(request: HttpRequest, exam_id: int):
    user = _staff(request)
    exam = Exam.objects.filter(pk=exam_id).first()
    if exam is None:
        raise NotFound("没有这场考试")
    return Status(201, _attempt_out(services.attempt_start(user=user, exam=exam)))


@router.get("/training/attempts/{attempt_id}")
def attempt_detail(request: HttpRequest, attempt_id: int):
    a = selectors.attempt_for(user=request.auth, attempt_id=attempt_id)
    if a is None:
        raise NotFound("没有这份答卷")
    out = _attempt_out(a)
    out["server_time"] = timezone.now().isoformat()
    return out


@router.put("/training/attempts/{attempt_id}/answers/{question_id}")
def answer_put(request: HttpRequest, attempt_id: int, question_id: int, body: AnswerIn):
    a = services.answer_save(
        attempt_id=attempt_id, user=request.auth, question_id=question_id, value=body.answer
    )
    return {"question": question_id, "answer": a.value, "saved_at": a.saved_at.isoformat()}


@router.post("/training/attempts/{attempt_id}/submit")
def attempt_submit(request: HttpRequest, attempt_id: int):
    a = services.attempt_submit(attempt_id=attempt_id, user=request.auth)
    return {
        "status": a.status,
        "score": float(a.score) if a.score is not None else None,
        "max_score": float(a.max_score),
        "passed": a.passed,
    }


@router.get("/training/certifications")
def certification_index(request: HttpRequest):
    user = _staff(request)
    today = timezone.localdate()
    return {
        "items": [
            {"id": c.pk, "holder": c.user.display_name or c.user.username, "kind": c.kind, "number": c.number,
             "level": c.level, "issuer": c.issuer, "valid_from": c.valid_from.isoformat(),
             "valid_until": c.valid_until.isoformat(), "status": c.status,
             "valid": c.status == "verified" and c.valid_from <= today <= c.valid_until}
            for c in selectors.certifications_visible(user)
        ]
    }  # fmt: skip
