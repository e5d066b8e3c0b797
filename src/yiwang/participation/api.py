"""共同缔造 endpoints of API.md: /api/v1/proposals with comments, supports, answers and result
ratings, and moderation. Anonymous callers read published posts and comments only."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from yiwang.accounts.auth import api_auth
from yiwang.core.idempotency import run_idempotent
from yiwang.core.pagination import paginate
from yiwang.workdays import selectors as workdays

from . import presenters, selectors, services

router = Router(tags=["participation"], auth=api_auth)


def _anonymous(request: HttpRequest):
    return AnonymousUser()


read_auth = [*api_auth, _anonymous]


class ProposalIn(Schema):
    kind: str = "proposal"
    title: str = Field(..., max_length=1000)
    body: str = Field(..., max_length=20000)
    target: str = "item"
    item: str | None = None
    hall: int | None = None
    department: str | None = None


class TextIn(Schema):
    body: str = Field("", max_length=20000)


class AnswerIn(Schema):
    action: str
    body: str = Field("", max_length=20000)
    version: int | None = None


class RatingIn(Schema):
    level: str
    comment: str = Field("", max_length=20000)


class ModerationIn(Schema):
    action: str
    reason: str = Field("", max_length=20000)


def _idempotent(request, scope: str, body: dict, handler):
    status, out = run_idempotent(
        owner=str(request.auth.pk),
        key=request.headers.get("Idempotency-Key"),
        scope=scope,
        body=body,
        handler=handler,
    )
    return Status(status, out)


@router.get("/proposals", auth=read_auth)
def proposal_index(
    request: HttpRequest,
    kind: str | None = None,
    status: str | None = None,
    department: int | None = None,
    item: str | None = None,
    moderation: str | None = None,
    q: str | None = None,
):
    qs = selectors.proposal_list(
        user=request.auth,
        kind=kind,
        status=status,
        department=department,
        item=item,
        moderation=moderation,
        q=q,
    )
    today, cal = services.today(), workdays.calendar()
    return paginate(request, qs, lambda p: presenters.proposal_out(p, today=today, cal=cal))


@router.post("/proposals", response={201: dict, 200: dict})
def proposal_create(request: HttpRequest, body: ProposalIn):
    def handler():
        p = services.proposal_submit(
            actor=request.auth,
            kind=body.kind,
            title=body.title,
            body=body.body,
            target=body.target,
            item_code=body.item,
            hall_id=body.hall,
            department=body.department,
        )
        return 201, presenters.proposal_out(p)

    return _idempotent(request, "POST /proposals", body.dict(), handler)


@router.post("/proposals/drafts", response={201: dict})
def draft_create(request: HttpRequest, body: ProposalIn):
    p = services.draft_publish(
        actor=request.auth,
        department=body.department,
        title=body.title,
        body=body.body,
        target=body.target,
        item_code=body.item,
        hall_id=body.hall,
    )
    return Status(201, presenters.proposal_out(p))


@router.get("/proposals/{number}", auth=read_auth)
def proposal_detail(request: HttpRequest, number: str):
    p = selectors.proposal_for(user=request.auth, number=number)
    out = presenters.proposal_out(p, today=services.today())
    out["answers"] = [presenters.answer_out(a) for a in p.answers.select_related("department")]
    out["results"] = presenters.result_summary(p)
    return out


@router.get("/proposals/{number}/comments", auth=read_auth)
def comment_index(request: HttpRequest, number: str):
    p = selectors.proposal_for(user=request.auth, number=number)
    return paginate(
        request, selectors.comments_visible(user=request.auth, proposal=p), presenters.comment_out
    )


@router.post("/proposals/{number}/comments", response={201: dict})
def comment_create(request: HttpRequest, number: str, body: TextIn):
    p = selectors.proposal_for(user=request.auth, number=number)
    return Status(
        201, presenters.comment_out(services.comment_add(actor=request.auth, proposal=p, body=body.body))
    )


@router.post("/proposals/{number}/supports", response={201: dict})
def support_create(request: HttpRequest, number: str):
    p = selectors.proposal_for(user=request.auth, number=number)
    services.support_add(actor=request.auth, proposal=p)
    p.refresh_from_db(fields=["support_count"])
    return Status(201, {"number": p.number, "supported": True, "support_count": p.support_count})


@router.get("/proposals/{number}/answers", auth=read_auth)
def answer_index(request: HttpRequest, number: str):
    p = selectors.proposal_for(user=request.auth, number=number)
    return paginate(request, p.answers.select_related("department"), presenters.answer_out)


@router.post("/proposals/{number}/answers", response={201: dict})
def answer_create(request: HttpRequest, number: str, body: AnswerIn):
    p = selectors.proposal_for(user=request.auth, number=number)
    a = services.proposal_answer(
        actor=request.auth, proposal=p, action=body.action, body=body.body, version=body.version
    )
    return Status(201, {**presenters.answer_out(a), "status": p.status, "version": p.version})


@router.get("/proposals/{number}/result-ratings", auth=read_auth)
def result_rating_summary(request: HttpRequest, number: str):
    return presenters.result_summary(selectors.proposal_for(user=request.auth, number=number))


@router.post("/proposals/{number}/result-ratings", response={201: dict})
def result_rating_create(request: HttpRequest, number: str, body: RatingIn):
    p = selectors.proposal_for(user=request.auth, number=number)
    r = services.result_rate(actor=request.auth, proposal=p, level=body.level, comment=body.comment)
    return Status(201, presenters.result_rating_out(r))


@router.post("/proposals/{number}/moderation")
def proposal_moderation(request: HttpRequest, number: str, body: ModerationIn):
    p = selectors.proposal_for(user=request.auth, number=number)
    p = services.proposal_moderate(actor=request.auth, proposal=p, action=body.action, reason=body.reason)
    return presenters.proposal_out(p)


@router.post("/proposal-comments/{comment_id}/moderation")
def comment_moderation(request: HttpRequest, comment_id: int, body: ModerationIn):
    c = selectors.comment_for_moderation(user=request.auth, comment_id=comment_id)
    return presenters.comment_out(
        services.comment_moderate(actor=request.auth, comment=c, action=body.action, reason=body.reason)
    )


# --- 办事体验 missions (staff) ----------------------------------------------------------------------
class MissionIn(Schema):
    department: str | None = None
    title: str = Field(..., max_length=1000)
    task: str = Field(..., max_length=20000)
    channel: str
    item: str | None = None
    hall: int | None = None
    staff: str | None = None  # username of the staff member doing it (default: the caller)


class FindingIn(Schema):
    kind: str
    body: str = Field(..., max_length=20000)
    step: str = Field("", max_length=1000)


class FinishIn(Schema):
    summary: str = Field("", max_length=20000)
    version: int | None = None


class RectifyIn(Schema):
    deadline: str | None = None
    title: str = Field("", max_length=1000)


class NoteIn(Schema):
    note: str = Field("", max_length=20000)


def _staff(username: str | None):
    if not username:
        return None
    from yiwang.accounts.models import User
    from yiwang.core.errors import ValidationFailed

    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationFailed(fields={"staff": ["体验人不存在"]})
    return user


@router.get("/missions")
def mission_index(request: HttpRequest):
    return paginate(request, selectors.missions_visible(user=request.auth), presenters.mission_out)


@router.post("/missions", response={201: dict, 200: dict})
def mission_create(request: HttpRequest, body: MissionIn):
    def handler():
        m = services.mission_create(
            actor=request.auth, department=body.department, title=body.title, task=body.task,
            channel=body.channel, item_code=body.item, hall_id=body.hall, staff=_staff(body.staff),
        )  # fmt: skip
        return 201, presenters.mission_out(m, findings=True)

    return _idempotent(request, "POST /missions", body.dict(), handler)


@router.get("/missions/{number}")
def mission_detail(request: HttpRequest, number: str):
    return presenters.mission_out(selectors.mission_for(user=request.auth, number=number), findings=True)


@router.post("/missions/{number}/findings", response={201: dict})
def finding_create(request: HttpRequest, number: str, body: FindingIn):
    m = selectors.mission_for(user=request.auth, number=number)
    f = services.mission_finding_add(
        actor=request.auth, mission=m, kind=body.kind, body=body.body, step=body.step
    )
    return Status(201, presenters.finding_out(f))


@router.post("/missions/{number}/finish")
def mission_finish(request: HttpRequest, number: str, body: FinishIn):
    m = selectors.mission_for(user=request.auth, number=number)
    m = services.mission_finish(actor=request.auth, mission=m, summary=body.summary, version=body.version)
    return presenters.mission_out(m, findings=True)


@router.post("/mission-findings/{finding_id}/proposal", response={201: dict})
def finding_proposal(request: HttpRequest, finding_id: int):
    f = selectors.finding_for(user=request.auth, finding_id=finding_id)
    p = services.finding_to_proposal(actor=request.auth, finding=f)
    return Status(201, presenters.proposal_out(p))


@router.post("/mission-findings/{finding_id}/rectification", response={201: dict})
def finding_rectification(request: HttpRequest, finding_id: int, body: RectifyIn):
    f = selectors.finding_for(user=request.auth, finding_id=finding_id)
    item = services.finding_to_rectification(
        actor=request.auth, finding=f, deadline=body.deadline, title=body.title
    )
    return Status(201, presenters.rectification_out(item))


@router.get(
    "/rectification-items", url_name="rectification_item_index"
)  # unique: evaluations has rectification_index
def rectification_index(request: HttpRequest, status: str | None = None):
    qs = selectors.rectifications_visible(user=request.auth, status=status)
    return paginate(request, qs, presenters.rectification_out)


@router.post("/rectification-items/{number}/complete")
def rectification_complete(request: HttpRequest, number: str, body: NoteIn):
    item = selectors.rectification_for(user=request.auth, number=number)
    return presenters.rectification_out(
        services.rectification_complete(actor=request.auth, item=item, note=body.note)
    )
