"""Projects and the data ledger endpoints of API.md: /api/v1/projects (申报, list, detail, stage
transitions, reviewers' opinions, the third party's scores) and /api/v1/data-ledger (systems,
resources, the DCAT-AP catalogue in Turtle, the Excel workbook)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from yiwang.accounts.auth import api_auth
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.pagination import paginate
from yiwang.exchange.models import DataResource

from . import exports, presenters, selectors, services
from .models import Change, Contract, Evaluator, InformationSystem, QualityIssue

router = Router(tags=["projects"], auth=api_auth)
ledger_router = Router(tags=["data-ledger"], auth=api_auth)


class BudgetIn(Schema):
    year: int
    amount: str | float | int
    source: str = Field(..., max_length=50)


class SystemIn(Schema):
    name: str = Field(..., max_length=200)
    functions: str = Field("", max_length=5000)
    mlps_level: int = 2
    replaces: str | None = None


class ResourceIn(Schema):
    code: str = Field(..., max_length=60)
    name: str = Field("", max_length=100)
    role: str = "creates"


class ProjectIn(Schema):
    name: str = Field(..., max_length=1000)
    purpose: str = Field(..., max_length=20000)
    budget: list[BudgetIn]
    systems: list[SystemIn] = []
    resources: list[ResourceIn] = []
    implementation_path: str = Field("", max_length=20000)
    functions: str = Field("", max_length=20000)
    schedule: str = Field("", max_length=20000)


class TransitionIn(Schema):
    action: str = Field(..., max_length=30)
    note: str = Field("", max_length=20000)
    version: int | None = None


class ReviewIn(Schema):
    kind: str = Field(..., max_length=20)
    passed: bool
    opinion: str = Field(..., max_length=20000)


class EvaluationIn(Schema):
    scores: dict[str, float]
    conclusion: str = Field(..., max_length=20000)
    version: int | None = None


def _staff(request) -> None:
    if request.auth.kind != "staff":
        raise PermissionDenied("仅供工作人员和受托评价机构使用")


@router.post("/projects", response={201: dict})
def project_create(request: HttpRequest, body: ProjectIn):
    _staff(request)
    p = services.project_file(
        actor=request.auth,
        name=body.name,
        purpose=body.purpose,
        budget=[b.dict() for b in body.budget],
        systems=[s.dict() for s in body.systems],
        resources=[r.dict() for r in body.resources],
        implementation_path=body.implementation_path,
        functions=body.functions,
        schedule=body.schedule,
    )
    return Status(201, presenters.project_out(p))


@router.get("/projects")
def project_index(request: HttpRequest, stage: str | None = None):
    _staff(request)
    qs = selectors.project_list(request.auth)
    if stage:
        qs = qs.filter(stage=stage)
    return paginate(request, qs, presenters.project_out)


@router.get("/projects/{code}")
def project_detail(request: HttpRequest, code: str):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    out = presenters.project_out(p, detail=True)
    out["actions"] = [a for a, _ in selectors.project_actions(request.auth, p)]
    return out


@router.post("/projects/{code}/transitions")
def project_transition(request: HttpRequest, code: str, body: TransitionIn):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    p, warnings = services.project_transition(
        actor=request.auth, project=p, action=body.action, note=body.note, version=body.version
    )
    return {**presenters.project_out(p), "warnings": warnings}


@router.post("/projects/{code}/reviews", response={201: dict})
def review_create(request: HttpRequest, code: str, body: ReviewIn):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    r = services.review_add(
        actor=request.auth, project=p, kind=body.kind, passed=body.passed, opinion=body.opinion
    )
    return Status(201, {"id": r.pk, "kind": r.kind, "passed": r.passed})


@router.post(
    "/projects/{code}/evaluation", response={201: dict}, url_name="project_evaluation_create"
)  # unique: evaluations has evaluation_create
def evaluation_create(request: HttpRequest, code: str, body: EvaluationIn):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    e = services.evaluation_submit(
        actor=request.auth, project=p, scores=body.scores, conclusion=body.conclusion, version=body.version
    )
    return Status(201, {"total": str(e.total), "stage": p.stage})


class ContractIn(Schema):
    name: str = Field(..., max_length=200)
    supplier: str = Field(..., max_length=200)
    year: int
    amount: str | float | int
    signed_on: date


class PaymentIn(Schema):
    amount: str | float | int
    paid_on: date


class ChangeIn(Schema):
    description: str = Field(..., max_length=20000)
    year: int | None = None
    budget_delta: str | float | int = 0


class DecisionIn(Schema):
    approve: bool
    reason: str = Field(..., max_length=20000)


class EvaluatorIn(Schema):
    evaluator: int


class RegistrationIn(Schema):
    resources: list[str] = []


class QualityIn(Schema):
    resource: str = Field(..., max_length=60)
    element: str = Field("", max_length=60)
    description: str = Field(..., max_length=20000)


class ReplyIn(Schema):
    reply: str = Field(..., max_length=20000)


@router.post("/projects/{code}/documents", response={201: dict})
def document_create(request: HttpRequest, code: str, kind: Form[str], file: File[UploadedFile]):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    d = services.document_upload(
        actor=request.auth, project=p, kind=kind, name=file.name or "", data=file.read()
    )
    return Status(201, {"id": d.pk, "kind": d.kind, "content_type": d.content_type, "sha256": d.sha256})


@router.get("/projects/{code}/documents/{document_id}")
def document_get(request: HttpRequest, code: str, document_id: int):
    """A project's document (its sniffed type, as an attachment) for whoever may see the project."""
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    d = p.documents.filter(pk=document_id).first()
    if d is None:
        raise NotFound("未找到该文件")
    response = HttpResponse(bytes(d.content), content_type=d.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(d.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class MilestoneIn(Schema):
    name: str = Field(..., max_length=100)
    due: date


class MilestoneDoneIn(Schema):
    done_on: date


class IndicatorIn(Schema):
    system: str = Field(..., max_length=30)
    month: str = Field(..., max_length=10, description="YYYY-MM")
    active_users: int = 0
    transactions: int = 0
    availability: str | float | int = 100
    cost: str | float | int = 0


@router.post("/projects/{code}/milestones", response={201: dict})
def milestone_create(request: HttpRequest, code: str, body: MilestoneIn):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    m = services.milestone_add(actor=request.auth, project=p, name=body.name, due=body.due)
    return Status(201, {"id": m.pk, "name": m.name, "due": m.due.isoformat(), "done_on": None})


@router.post("/projects/{code}/milestones/{milestone_id}/done")
def milestone_done(request: HttpRequest, code: str, milestone_id: int, body: MilestoneDoneIn):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    m = p.milestones.filter(pk=milestone_id).first()
    if m is None:
        raise NotFound("未找到该里程碑")
    m = services.milestone_done(actor=request.auth, milestone=m, done_on=body.done_on)
    return {"id": m.pk, "name": m.name, "due": m.due.isoformat(), "done_on": m.done_on.isoformat()}


@router.post("/projects/{code}/indicators", response={201: dict})
def indicator_create(request: HttpRequest, code: str, body: IndicatorIn):
    """运行效能监管: a system's monthly usage and cost (the system's department or the bureau)."""
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    system = p.systems.filter(code=body.system).first()
    if system is None:
        raise NotFound("未找到该系统")
    try:
        month = date.fromisoformat(body.month + "-01" if len(body.month) == 7 else body.month)
    except ValueError:
        raise ValidationFailed(fields={"month": ["月份格式应为 YYYY-MM"]}) from None
    row = services.indicator_record(
        actor=request.auth, system=system, month=month, active_users=body.active_users,
        transactions=body.transactions, availability=body.availability, cost=body.cost,
    )  # fmt: skip
    return Status(
        201,
        {
            "system": system.code,
            "month": row.month.strftime("%Y-%m"),
            "active_users": row.active_users,
            "transactions": row.transactions,
            "availability": str(row.availability),
            "cost": str(row.cost),
        },
    )


@router.post("/projects/{code}/contracts", response={201: dict})
def contract_create(request: HttpRequest, code: str, body: ContractIn):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    c = services.contract_add(actor=request.auth, project=p, **body.dict())
    return Status(201, {"id": c.pk, "amount": str(c.amount)})


@router.post("/projects/{code}/contracts/{contract_id}/payments", response={201: dict})
def payment_create(request: HttpRequest, code: str, contract_id: int, body: PaymentIn):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    contract = Contract.objects.filter(project=p, pk=contract_id).first()
    if contract is None:
        raise NotFound("未找到该合同")
    pay = services.payment_add(
        actor=request.auth, contract=contract, amount=body.amount, paid_on=body.paid_on
    )
    return Status(201, {"id": pay.pk, "amount": str(pay.amount)})


@router.post("/projects/{code}/changes", response={201: dict})
def change_create(request: HttpRequest, code: str, body: ChangeIn):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    c = services.change_request(actor=request.auth, project=p, **body.dict())
    return Status(201, {"id": c.pk, "status": c.status})


@router.post("/projects/{code}/changes/{change_id}/decision")
def change_decision(request: HttpRequest, code: str, change_id: int, body: DecisionIn):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    change = Change.objects.filter(project=p, pk=change_id).select_related("project").first()
    if change is None:
        raise NotFound("未找到该变更")
    c = services.change_decide(actor=request.auth, change=change, approve=body.approve, reason=body.reason)
    return {"id": c.pk, "status": c.status}


@router.post("/projects/{code}/evaluator")
def evaluator_set(request: HttpRequest, code: str, body: EvaluatorIn):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    ev = Evaluator.objects.filter(pk=body.evaluator).first()
    if ev is None:
        raise NotFound("未找到该评价机构")
    services.evaluator_assign(actor=request.auth, project=p, evaluator=ev)
    return {"code": p.code, "evaluator": ev.organisation}


@ledger_router.get("/budget")
def ledger_budget(request: HttpRequest):
    _staff(request)
    if not selectors.is_bureau(request.auth):
        raise PermissionDenied("只有政务服务和大数据管理局可以查看全市预算概览", code="not_bureau")
    rows = selectors.budget_rows()
    return {
        "years": [
            {
                "year": r.year,
                "approved": str(r.approved),
                "contracted": str(r.contracted),
                "paid": str(r.paid),
            }
            for r in rows
        ]
    }


@ledger_router.post("/systems/{code}/registration")
def system_registration(request: HttpRequest, code: str, body: RegistrationIn):
    _staff(request)
    system = InformationSystem.objects.filter(code=code).first()
    if system is None:
        raise NotFound("未找到该系统")
    s = services.system_register(actor=request.auth, system=system, resource_codes=body.resources)
    return {
        "code": s.code,
        "registered": s.registered,
        "resources": sorted(r.code for r in s.resources.all()),
    }


@ledger_router.post("/quality-issues", response={201: dict})
def quality_create(request: HttpRequest, body: QualityIn):
    _staff(request)
    resource = DataResource.objects.filter(code=body.resource).first()
    if resource is None:
        raise NotFound("未找到该数据资源")
    i = services.quality_raise(
        actor=request.auth, resource=resource, element=body.element, description=body.description
    )
    return Status(201, {"id": i.pk, "due": i.due.isoformat(), "status": i.status})


@ledger_router.post("/quality-issues/{issue_id}/close")
def quality_close(request: HttpRequest, issue_id: int, body: ReplyIn):
    issue = QualityIssue.objects.filter(pk=issue_id).select_related("resource").first()
    if issue is None or request.auth.kind != "staff":  # the data ledger is the staff's: 404 to others
        raise NotFound("未找到该问题")
    i = services.quality_close(actor=request.auth, issue=issue, reply=body.reply)
    return {"id": i.pk, "status": i.status, "closed_on": i.closed_on.isoformat()}


@ledger_router.get("/cdo-evaluation")
def cdo_evaluation(request: HttpRequest, year: int | None = None):
    _staff(request)
    from yiwang.organizations.models import Department, Role
    from yiwang.organizations.selectors import staff_scope

    ids = staff_scope(request.auth).departments_for(Role.CDO)
    year = year or services.today().year
    if not 2000 <= year <= 2100:
        raise ValidationFailed(fields={"year": ["年度有误"]})
    return {"items": [selectors.cdo_evaluation(d, year) for d in Department.objects.filter(pk__in=ids)]}


@ledger_router.get("/systems")
def ledger_systems(request: HttpRequest):
    _staff(request)
    return paginate(request, selectors.ledger_systems(), lambda s: s)


@ledger_router.get("/resources")
def ledger_resources(request: HttpRequest):
    _staff(request)
    return paginate(request, selectors.ledger_resources(), lambda r: r)


@ledger_router.get("/catalogue.ttl")
def ledger_catalogue(request: HttpRequest):
    _staff(request)
    return HttpResponse(
        exports.catalogue_turtle(today=services.today()), content_type="text/turtle; charset=utf-8"
    )


@ledger_router.get("/catalogue.xlsx")
def ledger_workbook(request: HttpRequest):
    _staff(request)
    response = HttpResponse(
        exports.ledger_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="data-ledger.xlsx"'
    return response
