"""Training pages in the workbench: my courses, exams and certificates; taking an exam (answers
saved as the candidate goes by static/training/exam.js through the API, and all of them again on
交卷, so the page works without script too); results and review; the marking queue, question
statistics, the bank's import/export, certificates and the 持证上岗 report, competition rankings."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.accounts.decorators import staff_required
from yiwang.core.errors import DomainError

from . import excel, gift, selectors, services
from .models import Answer, AttemptStatus, Certification, Competition, Course, Exam, Question


def _errors(exc: DomainError) -> list[str]:
    return [exc.message] + ["；".join(v) for v in exc.fields.values()]


def _forbidden(request):
    return render(request, "403.html", {"message": "仅培训管理人员可用。"}, status=403)


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    record = selectors.training_record(user)
    return render(
        request,
        "training/index.html",
        {
            "courses": selectors.courses_for(user),
            "exams": selectors.exams_open(user=user),
            "attempts": record["attempts"],
            "certifications": record["certifications"],
            "competitions": Competition.objects.all()[:5],
            "manager": selectors.may_manage(user),
            "rates": selectors.completion_rates() if selectors.may_manage(user) else [],
            "all_exams": Exam.objects.all()[:20] if selectors.may_manage(user) else [],
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    c = get_object_or_404(Course, pk=course_id)
    if request.method == "POST":
        services.course_complete(user=request.user, course=c)
        messages.success(request, f"已记录完成《{c.title}》")
        return redirect("training:course", course_id=c.pk)
    done = c.completions.filter(user=request.user).first()
    return render(request, "training/course.html", {"course": c, "done": done})


@staff_required
@require_POST
def exam_start(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = get_object_or_404(Exam, pk=exam_id)
    try:
        a = services.attempt_start(user=request.user, exam=exam)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("training:index")
    return redirect("training:attempt", attempt_id=a.pk)


def _posted_answers(request, paper: list[dict]) -> dict[int, object]:
    out = {}
    for q in paper:
        key = f"q{q['id']}"
        if q["kind"] == "multiple":
            out[q["id"]] = request.POST.getlist(key)
        elif key in request.POST:
            out[q["id"]] = request.POST.get(key)
    return out


@staff_required
@require_http_methods(["GET", "POST"])
def attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    a = selectors.attempt_for(user=request.user, attempt_id=attempt_id)
    if a is None:
        return render(request, "404.html", {"message": "没有这份答卷"}, status=404)
    if a.status != AttemptStatus.OPEN:
        return redirect("training:result", attempt_id=a.pk)
    paper = selectors.paper_out(a)
    if request.method == "POST":
        errors = []
        for qid, value in _posted_answers(request, paper).items():
            try:
                services.answer_save(attempt_id=a.pk, user=request.user, question_id=qid, value=value)
            except DomainError as exc:
                if exc.code in ("exam_over", "attempt_closed"):
                    break
                errors.append(exc.message)
        if "submit" in request.POST or timezone.now() >= a.ends_at:
            services.attempt_submit(attempt_id=a.pk, user=request.user)
            return redirect("training:result", attempt_id=a.pk)
        messages.success(request, "答案已保存")
        return redirect("training:attempt", attempt_id=a.pk)
    for q in paper:
        q["chosen"] = q["answer"] if isinstance(q["answer"], list) else [q["answer"]]
    return render(
        request,
        "training/attempt.html",
        {"attempt": a, "paper": paper, "ends_at": a.ends_at, "ends_iso": a.ends_at.isoformat(),
         "seconds_left": max(0, int((a.ends_at - timezone.now()).total_seconds()))},
    )  # fmt: skip


@staff_required
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    a = selectors.attempt_for(user=request.user, attempt_id=attempt_id)
    if a is None:
        return render(request, "404.html", {"message": "没有这份答卷"}, status=404)
    review = a.status == AttemptStatus.DONE
    left = a.exam.max_attempts - a.exam.attempts.filter(user=request.user).count()
    return render(
        request,
        "training/result.html",
        {
            "attempt": a,
            "paper": selectors.paper_out(a, with_answers=review) if review else [],
            "retakes_left": left,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def marking(request: HttpRequest) -> HttpResponse:
    if not selectors.may_manage(request.user):
        return _forbidden(request)
    if request.method == "POST":
        answer = get_object_or_404(Answer, pk=request.POST.get("answer"))
        try:
            services.answer_mark(marker=request.user, answer=answer, score=request.POST.get("score") or "0")
            messages.success(request, "已评分")
        except (DomainError, ArithmeticError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", "分数无效"))
        return redirect("training:marking")
    return render(request, "training/marking.html", {"queue": selectors.marking_queue()})


@staff_required
@require_http_methods(["GET", "POST"])
def statistics(request: HttpRequest, exam_id: int) -> HttpResponse:
    if not selectors.may_manage(request.user):
        return _forbidden(request)
    exam = get_object_or_404(Exam, pk=exam_id)
    if request.method == "POST":
        services.exam_statistics(exam=exam)
        return redirect("training:statistics", exam_id=exam.pk)
    stats = exam.stats.select_related("question").order_by("facility")
    return render(request, "training/statistics.html", {"exam": exam, "stats": stats})


@staff_required
@require_http_methods(["GET", "POST"])
def bank(request: HttpRequest) -> HttpResponse:
    if not selectors.may_manage(request.user):
        return _forbidden(request)
    errors: list[str] = []
    if request.method == "POST" and request.FILES.get("file"):
        f = request.FILES["file"]
        try:
            rows = (
                excel.excel_read(f.read())
                if f.name.endswith(".xlsx")
                else gift.gift_parse(f.read().decode("utf-8"))
            )
            done = services.questions_import(rows=rows)
            messages.success(request, f"已导入 {len(done)} 道题")
            return redirect("training:bank")
        except (DomainError, ValueError, UnicodeDecodeError) as exc:
            errors = _errors(exc) if isinstance(exc, DomainError) else [str(exc) or "文件无法读取"]
    qs = Question.objects.all()
    return render(
        request,
        "training/bank.html",
        {"count": qs.count(), "review": qs.filter(needs_review=True)[:50], "errors": errors},
    )


@staff_required
def bank_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if not selectors.may_manage(request.user):
        return _forbidden(request)
    qs = Question.objects.filter(active=True)
    if fmt == "gift":
        resp = HttpResponse(gift.gift_write(qs), content_type="text/plain; charset=utf-8")
    elif fmt == "xlsx":
        resp = HttpResponse(
            excel.excel_write(qs),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        return render(request, "404.html", {"message": "不支持的格式"}, status=404)
    resp["Content-Disposition"] = f'attachment; filename="question-bank.{fmt}"'
    return resp


@staff_required
@require_http_methods(["GET", "POST"])
def certifications(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("check"):
                cert = get_object_or_404(Certification, pk=request.POST["check"])
                services.certification_check(
                    actor=request.user, certification=cert, approve=request.POST.get("approve") == "1",
                    note=request.POST.get("note", ""),
                )  # fmt: skip
                messages.success(request, "已核验")
            else:
                services.certification_upload(
                    user=request.user, number=request.POST.get("number", "").strip(),
                    issuer=request.POST.get("issuer", "").strip(), level=request.POST.get("level", "").strip(),
                    kind=request.POST.get("kind", "行政办事员").strip() or "行政办事员",
                    valid_from=_date(request.POST.get("valid_from")), valid_until=_date(request.POST.get("valid_until")),
                    file=request.FILES.get("file"),
                )  # fmt: skip
                messages.success(request, "证书已上传，待大厅管理人员核验")
            return redirect("training:certifications")
        except DomainError as exc:
            errors = _errors(exc)
        except ValueError:
            errors = ["请按 年-月-日 填写有效期"]
    today = timezone.localdate()
    manager = selectors.may_manage(request.user)
    return render(
        request,
        "training/certifications.html",
        {
            "certs": selectors.certifications_visible(request.user),
            "today": today,
            "errors": errors,
            "report": selectors.uncertified_by_hall(on=today) if manager else [],
            "manager": manager,
        },
    )


def _date(value):
    return date.fromisoformat(value or "")


@staff_required
def competition(request: HttpRequest, competition_id: int) -> HttpResponse:
    comp = get_object_or_404(Competition, pk=competition_id)
    rounds = [
        {"round": r, "individual": selectors.round_ranking(r), "teams": selectors.team_ranking(r)}
        for r in comp.rounds.all().order_by("pk")
    ]
    return render(request, "training/competition.html", {"competition": comp, "rounds": rounds})
