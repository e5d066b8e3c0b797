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
from .models import FindingKind, Kind, MissionChannel, MissionStatus, Status, Support, Target
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
        what = request.POST.get("do")
        try:
            if what == "comment":
                c = services.comment_add(actor=request.user, proposal=p, body=request.POST.get("body", ""))
                messages.success(
                    request, "评论已提交，待审核后公开。" if c.moderation == "held" else "评论已发表。"
                )
            elif what == "support":
                services.support_add(actor=request.user, proposal=p)
                messages.success(request, "感谢您的支持。")
            elif what == "rate":
                services.result_rate(
                    actor=request.user,
                    proposal=p,
                    level=request.POST.get("level", ""),
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, "感谢您对实施效果的评价。")
            else:
                raise NotFound("未知的操作")
        except DomainError as exc:
            errors = _errors(exc)
        else:
            return redirect("participation:detail", number=p.number)
    user = request.user if request.user.is_authenticated else None
    supported = bool(user) and Support.objects.filter(proposal=p, user=user).exists()
    can_rate = (
        p.status == Status.DONE
        and user is not None
        and user.kind != "staff"
        and (p.author_id == user.pk or supported)
        and not p.result_ratings.filter(user=user).exists()
    )
    ctx = {
        "p": p,
        "out": presenters.proposal_out(p, today=services.today()),
        "comments": [
            presenters.comment_out(c) for c in selectors.comments_visible(user=request.user, proposal=p)
        ],
        "answers": [presenters.answer_out(a) for a in p.answers.select_related("department")],
        "results": presenters.result_summary(p),
        "supported": supported,
        "can_support": p.kind != Kind.EXPERIENCE and p.status not in (Status.DECLINED, Status.DONE),
        "can_rate": can_rate,
        "levels": LEVELS.items(),
        "errors": errors,
        "is_responsible": services.is_responsible(user, p),
    }
    return render(request, "participation/detail.html", ctx, status=422 if errors else 200)


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
            if request.POST.get("do") == "moderate":
                services.proposal_moderate(
                    actor=request.user, proposal=p, action=request.POST.get("action", ""),
                    reason=request.POST.get("reason", ""),
                )  # fmt: skip
            elif request.POST.get("do") == "moderate_comment":
                c = selectors.comment_for_moderation(
                    user=request.user, comment_id=int(request.POST.get("comment") or 0)
                )
                services.comment_moderate(
                    actor=request.user, comment=c, action=request.POST.get("action", ""),
                    reason=request.POST.get("reason", ""),
                )  # fmt: skip
            else:
                services.proposal_answer(
                    actor=request.user,
                    proposal=p,
                    action=request.POST.get("action", ""),
                    body=request.POST.get("body", ""),
                    version=int(request.POST.get("version") or 0) or None,
                )
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
    managed = [
        d
        for d in Department.objects.select_related("region").order_by("name")[:300]
        if services.is_mission_manager(request.user, department_id=d.pk, region_path=d.region.path)
    ]
    ctx = {
        "missions": selectors.missions_visible(user=request.user)[:100],
        "rectifications": selectors.rectifications_visible(user=request.user, status="open")[:100],
        "departments": managed,
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
        p, what = request.POST, request.POST.get("do")
        try:
            if what == "finding":
                services.mission_finding_add(
                    actor=request.user, mission=m, kind=p.get("kind", ""), body=p.get("body", ""),
                    step=p.get("step", ""),
                )  # fmt: skip
                messages.success(request, "已记录。")
            elif what == "finish":
                services.mission_finish(
                    actor=request.user,
                    mission=m,
                    summary=p.get("summary", ""),
                    version=as_int(p.get("version")),
                )
                messages.success(request, "办事体验已完成。")
            elif what in ("to_proposal", "to_rectification"):
                f = selectors.finding_for(user=request.user, finding_id=as_int(p.get("finding"), 0) or 0)
                if f.mission_id != m.pk:
                    raise NotFound("体验发现不存在")
                if what == "to_proposal":
                    new = services.finding_to_proposal(actor=request.user, finding=f)
                    messages.success(request, f"已转为改进建议 {new.number}，由责任部门公开答复。")
                else:
                    item = services.finding_to_rectification(
                        actor=request.user, finding=f, deadline=p.get("deadline") or None
                    )
                    messages.success(
                        request, f"已转为整改事项 {item.number}，整改期限 {item.due_date:%Y-%m-%d}。"
                    )
            elif what == "rectified":
                item = selectors.rectification_for(user=request.user, number=p.get("item", ""))
                services.rectification_complete(actor=request.user, item=item, note=p.get("note", ""))
                messages.success(request, "整改事项已完成。")
            else:
                raise NotFound("未知的操作")
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
        "can_record": m.status == MissionStatus.OPEN and (manager or m.staff_id == request.user.pk),
        "manager": manager,
        "errors": errors,
    }
    return render(request, "participation/mission.html", ctx, status=422 if errors else 200)
