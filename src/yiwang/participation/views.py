"""共同缔造 pages: the public list, a post with its discussion (comment, support, 群众评), the
propose form, and the department's answer page in the workbench (with moderation for
supervisors). Thin views over services and selectors; every rule is checked there."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from yiwang.accounts.decorators import staff_required
from yiwang.catalog.models import Item
from yiwang.core.errors import DomainError, NotFound
from yiwang.core.text import as_int
from yiwang.organizations.models import Department, ServiceHall
from yiwang.workdays import selectors as workdays

from . import presenters, selectors, services
from .models import FindingKind, Kind, MissionChannel, Target
from .services import LEVELS


def _errors(exc: DomainError) -> list[str]:
    return [exc.message] + ["；".join(v) for v in exc.fields.values()]


def index(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or ""
    qs = selectors.proposal_list(user=request.user, kind=kind or None, q=request.GET.get("q") or None)
    return render(
        request,
        "participation/index.html",
        {
            "proposals": [presenters.proposal_out(p) for p in qs[:100]],
            "kind": kind,
            "kinds": Kind.choices,
            "q": request.GET.get("q", ""),
        },
    )


@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        p = selectors.proposal_for(user=request.user, number=number)
    except NotFound as exc:
        return render(request, "404.html", {"message": exc.message}, status=404)
    errors: list[str] = []
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        try:
            messages.success(request, _detail_post(request, p))
        except DomainError as exc:
            errors = _errors(exc)
        else:
            return redirect("participation:detail", number=p.number)
    user = request.user if request.user.is_authenticated else None
    can = selectors.proposal_viewer_rights(user=user, proposal=p)
    ctx = {
        "p": p,
        "out": presenters.proposal_out(p, today=services.today()),
        "comments": [
            presenters.comment_out(c) for c in selectors.comments_visible(user=request.user, proposal=p)
        ],
        "answers": [presenters.answer_out(a) for a in p.answers.select_related("department")],
        "results": presenters.result_summary(p),
        "supported": can["supported"],
        "can_support": can["support"],
        "can_rate": can["rate"],
        "levels": LEVELS.items(),
        "errors": errors,
        "is_responsible": services.is_responsible(user, p),
    }
    return render(request, "participation/detail.html", ctx, status=422 if errors else 200)


def _detail_post(request: HttpRequest, p) -> str:
    """A citizen's comment, support or 群众评 on a post; returns the message to show."""
    what = request.POST.get("do")
    if what == "comment":
        c = services.comment_add(actor=request.user, proposal=p, body=request.POST.get("body", ""))
        return "评论已提交，待审核后公开。" if c.moderation == "held" else "评论已发表。"
    if what == "support":
        services.support_add(actor=request.user, proposal=p)
        return "感谢您的支持。"
    if what == "rate":
        services.result_rate(
            actor=request.user,
            proposal=p,
            level=request.POST.get("level", ""),
            comment=request.POST.get("comment", ""),
        )
        return "感谢您对实施效果的评价。"
    raise NotFound("未知的操作")


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    values = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        try:
            p = services.proposal_submit(
                actor=request.user,
                kind=values.get("kind", Kind.PROPOSAL),
                title=values.get("title", ""),
                body=values.get("body", ""),
                target=values.get("target", Target.ITEM),
                item_code=values.get("item") or None,
                hall_id=values.get("hall") or None,
                department=values.get("department") or None,
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            if p.moderation == "held":
                messages.info(request, "内容已提交，经审核后公开。")
            else:
                messages.success(request, f"已发布，编号 {p.number}。")
            return redirect("participation:detail", number=p.number)
    ctx = {
        "errors": errors,
        "values": values,
        "kinds": [(Kind.PROPOSAL, Kind.PROPOSAL.label), (Kind.EXPERIENCE, Kind.EXPERIENCE.label)],
        "targets": Target.choices,
        "items": Item.objects.order_by("code").values_list("code", flat=True)[:500],
        "halls": ServiceHall.objects.order_by("name")[:200],
        "departments": Department.objects.order_by("name")[:300],
    }
    return render(request, "participation/propose.html", ctx, status=422 if errors else 200)


@staff_required
def workbench(request: HttpRequest) -> HttpResponse:
    today, cal = services.today(), workdays.calendar()
    rows = [
        (p, *selectors.answer_warning(p, today=today, cal=cal))
        for p in selectors.department_queue(user=request.user)[:200]
    ]
    held = selectors.proposal_list(user=request.user, moderation="held")
    is_moderator = bool(selectors.moderator_paths(request.user))
    ctx = {
        "rows": rows,
        "held": held[:100] if is_moderator else [],
        "held_comments": selectors.held_comments(user=request.user)[:100],
        "is_moderator": is_moderator,
    }
    return render(request, "participation/workbench.html", ctx)


@staff_required
@require_http_methods(["GET", "POST"])
def answer_page(request: HttpRequest, number: str) -> HttpResponse:
    try:
        p = selectors.proposal_for(user=request.user, number=number)
    except NotFound as exc:
        return render(request, "404.html", {"message": exc.message}, status=404)
    responsible = services.is_responsible(request.user, p)
    moderator = services.is_moderator(request.user, region_path=p.region.path)
    if not (responsible or moderator):
        return render(request, "403.html", {"message": "该建议不属于您负责的部门。"}, status=403)
    errors: list[str] = []
    if request.method == "POST":
        try:
            _answer_post(request, p)
        except DomainError as exc:
            errors = _errors(exc)
        except ValueError:
            errors = ["提交的内容有误"]
        else:
            messages.success(request, "已保存。")
            return redirect("participation:answer", number=p.number)
    ctx = {
        "p": p,
        "out": presenters.proposal_out(p, today=services.today()),
        "actions": services.answer_actions(actor=request.user, proposal=p),
        "answers": p.answers.select_related("department"),
        "comments": selectors.comments_visible(user=request.user, proposal=p),
        "moderator": moderator,
        "errors": errors,
    }
    return render(request, "participation/answer.html", ctx, status=422 if errors else 200)


def _answer_post(request: HttpRequest, p) -> None:
    """Moderation of the post or a comment, or the department's answer (raises DomainError)."""
    post = request.POST
    if post.get("do") == "moderate":
        services.proposal_moderate(
            actor=request.user, proposal=p, action=post.get("action", ""), reason=post.get("reason", "")
        )
    elif post.get("do") == "moderate_comment":
        c = selectors.comment_for_moderation(user=request.user, comment_id=int(post.get("comment") or 0))
        services.comment_moderate(
            actor=request.user, comment=c, action=post.get("action", ""), reason=post.get("reason", "")
        )
    else:
        services.proposal_answer(
            actor=request.user,
            proposal=p,
            action=post.get("action", ""),
            body=post.get("body", ""),
            version=int(post.get("version") or 0) or None,
        )


# --- 办事体验 missions ------------------------------------------------------------------------------
@staff_required
@require_http_methods(["GET", "POST"])
def missions_page(request: HttpRequest) -> HttpResponse:
    """My missions and those of the departments I manage; a form to plan a new one."""
    errors: list[str] = []
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            m = services.mission_create(
                actor=request.user, department=values.get("department") or None,
                title=values.get("title", ""), task=values.get("task", ""), channel=values.get("channel", ""),
                item_code=values.get("item") or None, hall_id=values.get("hall") or None,
            )  # fmt: skip
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, f"已安排办事体验 {m.number}。")
            return redirect("participation:mission", number=m.number)
    ctx = {
        "missions": selectors.missions_visible(user=request.user)[:100],
        "rectifications": selectors.rectifications_visible(user=request.user, status="open")[:100],
        "departments": selectors.departments_managed(user=request.user),
        "channels": MissionChannel.choices,
        "values": values,
        "errors": errors,
    }
    return render(request, "participation/missions.html", ctx, status=422 if errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def mission_page(request: HttpRequest, number: str) -> HttpResponse:
    try:
        m = selectors.mission_for(user=request.user, number=number)
    except NotFound as exc:
        return render(request, "404.html", {"message": exc.message}, status=404)
    errors: list[str] = []
    if request.method == "POST":
        try:
            if message := _mission_post(request, m):
                messages.success(request, message)
        except DomainError as exc:
            errors = _errors(exc)
        else:
            return redirect("participation:mission", number=m.number)
        m = selectors.mission_for(user=request.user, number=number)
    manager = services.is_mission_manager(
        request.user, department_id=m.department_id, region_path=m.region.path
    )
    ctx = {
        "m": m,
        "out": presenters.mission_out(m),
        "findings": m.findings.select_related("proposal", "rectification").order_by("seq"),
        "kinds": FindingKind.choices,
        "can_record": services.mission_can_record(actor=request.user, mission=m, manager=manager),
        "manager": manager,
        "errors": errors,
    }
    return render(request, "participation/mission.html", ctx, status=422 if errors else 200)


def _mission_post(request: HttpRequest, m) -> str:
    """One step on a 办事体验 mission; returns the message to show (raises DomainError)."""
    p, what = request.POST, request.POST.get("do")
    if what == "finding":
        services.mission_finding_add(
            actor=request.user, mission=m, kind=p.get("kind", ""), body=p.get("body", ""),
            step=p.get("step", ""),
        )  # fmt: skip
        return "已记录。"
    if what == "finish":
        services.mission_finish(
            actor=request.user, mission=m, summary=p.get("summary", ""), version=as_int(p.get("version"))
        )
        return "办事体验已完成。"
    if what in ("to_proposal", "to_rectification"):
        f = selectors.finding_of_mission(
            user=request.user, mission=m, finding_id=as_int(p.get("finding"), 0) or 0
        )
        if what == "to_proposal":
            new = services.finding_to_proposal(actor=request.user, finding=f)
            return f"已转为改进建议 {new.number}，由责任部门公开答复。"
        item = services.finding_to_rectification(
            actor=request.user, finding=f, deadline=p.get("deadline") or None
        )
        return f"已转为整改事项 {item.number}，整改期限 {item.due_date:%Y-%m-%d}。"
    if what == "rectified":
        item = selectors.rectification_for(user=request.user, number=p.get("item", ""))
        services.rectification_complete(actor=request.user, item=item, note=p.get("note", ""))
        return "整改事项已完成。"
    raise NotFound("未知的操作")
