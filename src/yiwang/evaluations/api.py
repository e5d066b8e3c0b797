"""Evaluation endpoints of API.md: ratings, statistics, bad-review work orders (rectifications)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from yiwang.accounts.auth import api_auth
from yiwang.cases import selectors as case_selectors
from yiwang.catalog.models import Item
from yiwang.core.errors import ValidationFailed
from yiwang.core.idempotency import run_idempotent
from yiwang.core.pagination import paginate
from yiwang.core.text import as_int
from yiwang.organizations.models import Department
from yiwang.workdays import selectors as workdays

from . import presenters, selectors, services

router = Router(tags=["evaluations"], auth=api_auth)


class EvaluationIn(Schema):
    case: str
    stage: str
    level: str
    channel: str = "web"
    dimensions: dict[str, Any] = {}
    tags: list[str] = []
    comment: str = Field("", max_length=5000)
    anonymous: bool = False


class OrderActionIn(Schema):
    action: str
    note: str = Field("", max_length=5000)
    version: int | None = None
    unit: str | None = None
    disposal: str | None = None
    deadline: date | None = None
    result: str | None = None


@router.post("/evaluations", response={201: dict, 200: dict})
def evaluation_create(request: HttpRequest, body: EvaluationIn):
    def handler():
        case = case_selectors.case_for_actor(actor=request.auth, number=body.case)
        ev = services.evaluation_submit(
            case=case,
            actor=request.auth,
            stage=body.stage,
            level=body.level,
            channel=body.channel,
            dimensions=body.dimensions,
            tags=body.tags,
            comment=body.comment,
            anonymous=body.anonymous,
        )
        return 201, presenters.evaluation_out(ev)

    status, out = run_idempotent(
        owner=str(request.auth.pk),
        key=request.headers.get("Idempotency-Key"),
        scope="POST /evaluations",
        body=body.dict(),
        handler=handler,
    )
    return Status(status, out)


def _department(ref: str | None) -> Department | None:
    if not ref:
        return None
    qs = (
        Department.objects.filter(pk=as_int(ref))
        if as_int(ref) is not None
        else Department.objects.filter(uscc=ref)
    )
    dept = qs.first()
    if dept is None:
        raise ValidationFailed(fields={"department": ["部门不存在"]})
    return dept


def _day(request: HttpRequest, name: str) -> date | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(fields={name: ["日期格式应为 YYYY-MM-DD"]}) from None


@router.get("/evaluations", response=dict)
def evaluation_index(request: HttpRequest, department: str | None = None, channel: str | None = None):
    """多评合一: every rating of the caller's departments (or of `department`), whatever the
    channel, newest first; staff only. The rater is never shown here."""
    date_from, date_to = _day(request, "from"), _day(request, "to")
    allowed = selectors.stats_scope(user=request.auth, department=_department(department))
    qs = selectors.department_ratings(
        department_ids=allowed, channel=channel, date_from=date_from, date_to=date_to
    )
    return paginate(request, qs, presenters.evaluation_out)


@router.get("/evaluations/stats", response=dict)
def evaluation_stats(
    request: HttpRequest,
    department: str | None = None,
    hall: int | None = None,
    window: int | None = None,
    staff: int | None = None,
    item: str | None = None,
    group_by: str | None = None,
):
    date_from, date_to = _day(request, "from"), _day(request, "to")
    too_big = {
        k: ["编号超出范围"]
        for k, v in (("hall", hall), ("window", window), ("staff", staff))
        if v is not None and not 0 < v < 2**63
    }
    if too_big:
        raise ValidationFailed(fields=too_big)
    dept = _department(department)
    allowed = selectors.stats_scope(user=request.auth, department=dept)
    item_id = None
    if item:
        item_id = Item.objects.filter(code=item).values_list("pk", flat=True).first()
        if item_id is None:
            raise ValidationFailed(fields={"item": ["事项不存在"]})
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(fields={"from": ["开始日期不能晚于结束日期"]})
    f = selectors.StatsFilter(
        department_ids=allowed,
        hall_id=hall,
        window_id=window,
        staff_id=staff,
        item_id=item_id,
        date_from=date_from,
        date_to=date_to,
    )
    out = selectors.stats(f=f, group_by=group_by)
    out["from"] = date_from.isoformat() if date_from else None
    out["to"] = date_to.isoformat() if date_to else None
    return out


@router.get("/rectifications", response=dict)
def rectification_index(request: HttpRequest, status: str | None = None, warning: str | None = None):
    on = services.today()
    cal = workdays.calendar()
    qs = selectors.order_list(user=request.auth, status=status, warning=warning, on=on)
    return paginate(request, qs, lambda o: presenters.order_out(o, today=on, cal=cal))


@router.get("/rectifications/{order_id}", response=dict)
def rectification_get(request: HttpRequest, order_id: int):
    order = selectors.order_for_actor(actor=request.auth, pk=order_id)
    steps = order.steps.select_related("actor").order_by("seq")
    return presenters.order_out(order, today=services.today(), steps=list(steps))


@router.post("/rectifications/{order_id}/transitions", response=dict)
def rectification_transition(request: HttpRequest, order_id: int, body: OrderActionIn):
    order = selectors.order_for_actor(actor=request.auth, pk=order_id)
    order = services.order_apply_action(
        order=order,
        actor=request.auth,
        action=body.action,
        note=body.note,
        version=body.version,
        unit=body.unit,
        disposal=body.disposal,
        deadline=body.deadline,
        result=body.result,
    )
    steps = order.steps.select_related("actor").order_by("seq")
    return presenters.order_out(order, today=services.today(), steps=list(steps))
