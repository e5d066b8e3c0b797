"""Knowledge endpoints of API.md: `GET|POST /api/v1/knowledge/ask` (public), the question form
(`POST /api/v1/knowledge/questions`), and for department staff their question queue and the
FAQ/policy workflow."""

from __future__ import annotations

import logging
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from yiwang.accounts.auth import api_auth
from yiwang.accounts.decorators import is_staff
from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.organizations.models import Department

from . import selectors, services
from .models import Article, Question

log = logging.getLogger("yiwang.knowledge")
router = Router(tags=["knowledge"], auth=api_auth)


def _anonymous(request: HttpRequest):
    return AnonymousUser()


read_auth = [*api_auth, _anonymous]


def _is_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and is_staff(user))


def _answer(request, q: str, limit: int) -> dict:
    out = selectors.ask(q, limit=limit, staff=_is_staff(request.auth))
    log.info("knowledge ask answers=%s fallback=%s", len(out["answers"]), out["fallback"] is not None)
    return out


@router.get("/ask", auth=read_auth)
def ask_get(request: HttpRequest, q: str = "", limit: int = 10):
    return _answer(request, selectors.validate_q(q), limit)


class AskIn(Schema):
    q: str = Field(..., max_length=services.TEXT_MAX)
    limit: int = 10


@router.post("/ask", auth=read_auth)
def ask_post(request: HttpRequest, payload: AskIn):
    return _answer(request, selectors.validate_long(payload.q), payload.limit)


class QuestionIn(Schema):
    q: str = Field(..., max_length=services.TEXT_MAX)
    subject: str = ""


def _question(q: Question) -> dict:
    return {
        "number": q.number,
        "text": q.text,
        "subject": q.subject,
        "department": q.department.name,
        "status": q.status,
        "answer": q.answer,
        "faq": q.article.code if q.article_id else None,
        "asked_at": q.asked_at.isoformat(),
    }


@router.post("/questions", auth=read_auth, response={201: dict})
def question_submit(request: HttpRequest, payload: QuestionIn):
    q = services.question_submit(text_=payload.q, subject=payload.subject, actor=request.auth)
    return Status(201, {"number": q.number, "status": q.status, "department": q.department.name})


@router.get("/questions")
def question_list(request: HttpRequest, status: str = "open"):
    return {"items": [_question(q) for q in selectors.questions_for(request.auth, status=status)]}


class AnswerIn(Schema):
    answer: str = Field(..., max_length=20000)
    faq_title: str = Field("", max_length=200)


@router.post("/questions/{number}/answer")
def question_answer(request: HttpRequest, number: str, payload: AnswerIn):
    q = selectors.questions_for(request.auth).filter(number=number).first()
    if q is None:
        raise NotFound("问题不存在或不属于您的部门")
    q = services.question_answer(
        actor=request.auth, question=q, answer=payload.answer, faq_title=payload.faq_title
    )
    return _question(q)


def _article(a: Article) -> dict:
    return {
        "code": a.code,
        "kind": a.kind,
        "title": a.title,
        "body": a.body,
        "subject": a.subject,
        "document_number": a.document_number,
        "internal_note": a.internal_note,
        "department": a.department.name,
        "valid_from": a.valid_from,
        "valid_until": a.valid_until,
        "review_on": a.review_on,
        "status": a.status,
        "version": a.version,
        "revision": a.revision,
    }


class ArticleIn(Schema):
    kind: str
    department: int
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=20000)
    subject: str = ""
    document_number: str = ""
    internal_note: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    review_on: date | None = None


@router.get("/articles")
def article_list(request: HttpRequest):
    return {"items": [_article(a) for a in selectors.articles_for(request.auth)]}


@router.post("/articles", response={201: dict})
def article_create(request: HttpRequest, payload: ArticleIn):
    dept = Department.objects.filter(pk=payload.department).first()
    if dept is None:
        raise PermissionDenied("只有该部门工作人员可以编写知识")
    data = payload.dict()
    data.pop("department")
    a = services.article_create(actor=request.auth, department=dept, **data)
    return Status(201, _article(a))


class ArticlePatch(Schema):
    version: int | None = None
    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=20000)
    subject: str | None = Field(None, max_length=80)
    document_number: str | None = Field(None, max_length=100)
    internal_note: str | None = Field(None, max_length=5000)
    valid_from: date | None = None
    valid_until: date | None = None
    review_on: date | None = None


@router.get("/articles/{code}")
def article_detail(request: HttpRequest, code: str):
    return _article(selectors.article_visible(request.auth, code))


@router.patch("/articles/{code}")
def article_patch(request: HttpRequest, code: str, payload: ArticlePatch):
    """Edit a draft (fields sent are changed; `version` guards against a concurrent edit: 409)."""
    a = selectors.article_visible(request.auth, code)
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version", None)
    a = services.article_update(actor=request.auth, article=a, version=version, **fields)
    return _article(a)


class TransitionIn(Schema):
    action: str
    note: str = Field("", max_length=2000)
    version: int | None = None


@router.post("/articles/{code}/transitions")
def article_transition(request: HttpRequest, code: str, payload: TransitionIn):
    a = selectors.article_visible(request.auth, code)
    a = services.article_transition(
        actor=request.auth, article=a, action=payload.action, note=payload.note, version=payload.version
    )
    return _article(a)


@router.get("/guidance/{kind}/{code}", auth=read_auth)
def guidance(request: HttpRequest, kind: str, code: str):
    return selectors.guidance(kind=kind, code=code)
