"""One thing endpoints of API.md: bundles, preview, bundle cases and the combined resubmission."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from yiwang.accounts.auth import api_auth
from yiwang.core.pagination import paginate

from . import presenters, selectors, services

router = Router(tags=["bundles"])


class MaterialIn(Schema):
    code: str
    name: str = ""
    content_base64: str


class PreviewIn(Schema):
    answers: dict[str, Any] = {}
    form: dict[str, Any] = {}


class BundleCaseIn(Schema):
    bundle_code: str
    answers: dict[str, Any] = {}
    form: dict[str, Any] = {}
    channel: str = "online"
    materials: list[MaterialIn] = []
    license_refs: dict[str, str] = {}
    parties: dict[str, dict[str, Any]] = {}


class SupplementIn(Schema):
    form: dict[str, Any] = {}
    materials: list[MaterialIn] = []
    note: str = ""
    version: int | None = None


@router.get("/bundles", response=dict)
def bundle_index(request: HttpRequest, audience: str | None = None):
    return paginate(request, selectors.bundles_published(audience=audience), presenters.bundle_summary)


@router.get("/bundles/{code}", response=dict)
def bundle_get(request: HttpRequest, code: str):
    return presenters.bundle_detail(selectors.bundle_published(code=code))


@router.post("/bundles/{code}/preview", response=dict, auth=api_auth)
def bundle_preview(request: HttpRequest, code: str, body: PreviewIn):
    bundle = selectors.bundle_published(code=code)
    return selectors.bundle_preview(bundle=bundle, answers=body.answers, actor=request.auth, known=body.form)


@router.post("/bundle-cases", response={201: dict, 200: dict}, auth=api_auth)
def bundle_case_create(request: HttpRequest, body: BundleCaseIn):
    status, out = services.bundle_case_submit_once(
        key=request.headers.get("Idempotency-Key"),
        actor=request.auth,
        bundle_code=body.bundle_code,
        answers=body.answers,
        form=body.form,
        channel=body.channel,
        materials=[m.dict() for m in body.materials],
        license_refs=body.license_refs,
        parties=body.parties,
    )
    return Status(status, out)


@router.get("/bundle-cases", response=dict, auth=api_auth)
def bundle_case_index(request: HttpRequest):
    qs = selectors.bundle_cases_for_owner(user=request.auth)
    return paginate(
        request,
        qs,
        lambda b: {
            "number": b.number,
            "bundle_code": b.bundle.code,
            "bundle_name": b.bundle.name,
            "status": b.status,
            "status_label": b.get_status_display(),
            "due_date": b.due_date.isoformat(),
        },
    )


@router.get("/bundle-cases/{number}", response=dict, auth=api_auth)
def bundle_case_get(request: HttpRequest, number: str):
    return presenters.bundle_case_detail(selectors.bundle_case_for_actor(actor=request.auth, number=number))


@router.post("/bundle-cases/{number}/supplement", response=dict, auth=api_auth)
def bundle_case_supplement(request: HttpRequest, number: str, body: SupplementIn):
    bcase = selectors.bundle_case_for_actor(actor=request.auth, number=number)
    bcase = services.bundle_case_supplement(
        bundle_case=bcase,
        actor=request.auth,
        form=body.form,
        materials=[m.dict() for m in body.materials],
        note=body.note,
        version=body.version,
    )
    return presenters.bundle_case_detail(bcase)
