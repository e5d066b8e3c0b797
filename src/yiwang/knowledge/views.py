"""Pages of 智能问答: the citizen's ask page, guidance (情形 questions → the apply page with the
situation chosen), the question form, and the window staff's search with internal notes and their
department's question queue. No JavaScript needed."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.accounts.decorators import staff_required
from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.core.masking import mask_personal_data

from . import selectors, services
from .models import Section

SECTION_LABELS = dict(Section.choices)
KIND_LABELS = {"item": "事项", "bundle": "一件事", "faq": "常见问题", "policy": "政策文件"}


def results(q: str, *, staff: bool) -> tuple[dict | None, list[str]]:
    """`ask` for a page: answers with their labels, or the validation message (also used by the
    kiosk's 智能问答, portal/kiosk.py)."""
    if not q:
        return None, []
    try:
        out = selectors.ask(selectors.validate_q(q), staff=staff)
    except ValidationFailed as exc:
        return None, [exc.message]
    for a in out["answers"]:
        a["section_label"] = SECTION_LABELS.get(a["source"]["section"], a["source"]["section"])
        a["kind_label"] = KIND_LABELS.get(a["kind"], a["kind"])
        a["guidable"] = a["kind"] in ("item", "bundle") and not a["external"]
    return out, []


@require_GET
def ask_page(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()
    out, errors = results(q, staff=False)
    return render(request, "knowledge/ask.html", {"q": q, "out": out, "errors": errors})


@require_GET
def guide_page(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    try:
        g = selectors.guidance(kind=kind, code=code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    errors: dict = {}
    chosen = {k[2:]: v for k, v in request.GET.items() if k.startswith("a.")}
    if request.GET.get("go"):
        try:
            return redirect(selectors.guidance_target(kind=kind, code=code, answers=chosen))
        except ValidationFailed as exc:
            errors = exc.fields or {}
    for q in g["questions"]:
        q["name"] = f"a.{q['id']}"
        q["errors"] = errors.get(f"answers.{q['id']}", [])
        for i, o in enumerate(q["options"]):
            o["html_id"] = f"q-{q['id']}-{i}"
            o["checked"] = chosen.get(q["id"]) == o["value"]
    return render(
        request,
        "knowledge/guide.html",
        {"g": g, "kind": kind, "errors": errors},
        status=422 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def question_page(request: HttpRequest) -> HttpResponse:
    q = (request.POST.get("q") if request.method == "POST" else request.GET.get("q")) or ""
    subject = (request.POST.get("subject") if request.method == "POST" else request.GET.get("subject")) or ""
    errors: dict = {}
    if request.method == "POST":
        try:
            question = services.question_submit(text_=q, subject=subject, actor=request.user)
        except ValidationFailed as exc:
            errors = exc.fields or {"q": [exc.message]}
        else:
            return render(request, "knowledge/question_done.html", {"question": question})
    return render(
        request,
        "knowledge/question.html",
        {"q": mask_personal_data(q), "subject": subject, "errors": errors},
        status=422 if errors else 200,
    )


@login_required
@require_GET
def my_questions(request: HttpRequest) -> HttpResponse:
    """The questions the person left while logged in, with the departments' answers."""
    return render(
        request, "knowledge/my_questions.html", {"questions": list(selectors.questions_of(request.user))}
    )


@staff_required
@require_GET
def staff_page(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()
    out, errors = results(q, staff=True)
    return render(
        request,
        "knowledge/staff.html",
        {
            "q": q,
            "out": out,
            "errors": errors,
            "questions": list(selectors.questions_for(request.user)[:50]),
            "reviews": selectors.reviews_due(request.user),
            "kind_labels": KIND_LABELS,
        },
    )


@staff_required
@require_POST
def staff_answer(request: HttpRequest, number: str) -> HttpResponse:
    question = selectors.questions_for(request.user).filter(number=number).first()
    if question is None:
        raise Http404("问题不存在或不属于您的部门")
    try:
        services.question_answer(actor=request.user, question=question, answer=request.POST.get("answer", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已答复 {number}，答复已作为常见问题提交审核")
    return redirect("knowledge:staff")


@staff_required
@require_http_methods(["GET", "POST"])
def articles_page(request: HttpRequest) -> HttpResponse:
    """FAQs and policies of the staff member's departments: write a draft, and move drafts through
    review and publishing (the buttons offered are the actions the workflow allows them)."""
    from yiwang.organizations.models import Department

    errors: dict = {}
    depts = list(Department.objects.filter(pk__in={d for _, d, _ in _scope(request.user)}).order_by("name"))
    if request.method == "POST":
        dept = next((d for d in depts if str(d.pk) == request.POST.get("department")), None)
        try:
            if dept is None:
                raise ValidationFailed(fields={"department": ["请选择部门"]})
            a = services.article_create(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                department=dept,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                subject=request.POST.get("subject", ""),
                document_number=request.POST.get("document_number", ""),
                internal_note=request.POST.get("internal_note", ""),
                **_dates(request.POST),
            )
        except DomainError as exc:
            errors = getattr(exc, "fields", None) or {"_": [exc.message]}
        else:
            messages.success(request, f"已保存草稿 {a.code}")
            return redirect("knowledge:articles")
    rows = []
    for a in selectors.articles_for(request.user).order_by("-updated_at")[:100]:
        roles = services.article_roles(request.user, a.department_id)
        actions = [
            (name, r.label)
            for name, r in services.ARTICLE_RULES.items()
            if a.status in r.sources and roles & r.roles
        ]
        rows.append({"a": a, "actions": actions})
    return render(
        request,
        "knowledge/articles.html",
        {"rows": rows, "departments": depts, "errors": errors, "post": request.POST},
        status=422 if errors else 200,
    )


DATE_FIELDS = {"valid_from": "生效日期", "valid_until": "失效日期", "review_on": "复核日期"}


def _dates(post) -> dict:
    """The validity and review dates of the form (YYYY-MM-DD, empty: none)."""
    out, errors = {}, {}
    for name in DATE_FIELDS:
        raw = (post.get(name) or "").strip()
        try:
            out[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = ["日期格式应为 YYYY-MM-DD"]
    if errors:
        raise ValidationFailed(fields=errors)
    return out


@staff_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit a draft FAQ or policy (a published one is edited after “修订”; its published text stays
    answerable until the new revision is published)."""
    try:
        a = selectors.article_visible(request.user, code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    errors: dict = {}
    post = request.POST if request.method == "POST" else None
    if post is not None:
        try:
            fields = {
                k: post.get(k, "") for k in ("title", "body", "subject", "document_number", "internal_note")
            }
            services.article_update(
                actor=request.user,
                article=a,
                version=int(post["version"]) if post.get("version", "").isdigit() else None,
                **fields,
                **_dates(post),
            )
        except DomainError as exc:
            errors = getattr(exc, "fields", None) or {"_": [exc.message]}
        else:
            messages.success(request, f"已保存 {a.code}")
            return redirect("knowledge:articles")
    editable = a.status == "draft" and services.EDITOR in services.article_roles(
        request.user, a.department_id
    )
    return render(
        request,
        "knowledge/article_edit.html",
        {"a": a, "post": post, "errors": errors, "editable": editable},
        status=422 if errors else 200,
    )


def _scope(user):
    from yiwang.organizations.selectors import staff_scope

    return staff_scope(user).department_roles


@staff_required
@require_POST
def article_action(request: HttpRequest, code: str) -> HttpResponse:
    try:
        a = selectors.article_visible(request.user, code)
        services.article_transition(
            actor=request.user,
            article=a,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
            version=int(request.POST["version"]) if request.POST.get("version", "").isdigit() else None,
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{code}：已{services.ARTICLE_RULES[request.POST['action']].label}")
    return redirect("knowledge:articles")
