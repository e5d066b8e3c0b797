"""Projects and the data ledger endpoints of API.md: /api/v1/projects (申报, list, detail, stage
transitions, reviewers' opinions, the third party's scores) and /api/v1/data-ledger (systems,
resources, the DCAT-AP catalogue in Turtle, the Excel workbook)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from yiwang.accounts.auth import api_auth
from yiwang.core.errors import PermissionDenied
from yiwang.core.pagination import paginate

from . import exports, presenters, selectors, services

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


@router.post("/projects/{code}/evaluation", response={201: dict})
def evaluation_create(request: HttpRequest, code: str, body: EvaluationIn):
    _staff(request)
    p = services.project_get(user=request.auth, code=code)
    e = services.evaluation_submit(
        actor=request.auth, project=p, scores=body.scores, conclusion=body.conclusion, version=body.version
    )
    return Status(201, {"total": str(e.total), "stage": p.stage})


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
