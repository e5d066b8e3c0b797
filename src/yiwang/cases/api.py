"""Case endpoints of API.md: submit, list, detail, transitions, materials, notices; and the public
notice endpoints (`public_router`): verify an uploaded sealed PDF, the seal CA certificate."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from yiwang.accounts.auth import api_auth
from yiwang.core import revisions, seal
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.idempotency import run_idempotent
from yiwang.core.pagination import paginate
from yiwang.workdays import selectors as workdays

from . import notices, presenters, selectors, services
from .materials import check_size
from .models import Case

router = Router(tags=["cases"], auth=api_auth)
public_router = Router(tags=["notices"])


class MaterialIn(Schema):
    code: str
    name: str = ""
    content_base64: str


class CaseIn(Schema):
    item_code: str
    form: dict[str, Any] = {}
    channel: str = "online"
    parties: dict[str, dict[str, Any]] = {}
    materials: list[MaterialIn] = []
    draft: bool = False
    route: str = "ordinary"
    commitment_accepted: bool = False
    electronic_delivery: bool = False
    license_refs: dict[str, str] = {}


class TransitionIn(Schema):
    action: str
    note: str = ""
    version: int | None = None
    reason: str | None = None
    missing: list[str] | str | None = None
    delivery: str | None = None
    department: str | None = None
    kind: str | None = None
    basis: str | None = None
    expected_days: int | None = None
    competent_agency: str | None = None
    form: dict[str, Any] | None = None
    materials: list[MaterialIn] | None = None
    tolerated: list[str] | str | None = None
    material: str | None = None
    finding: str | None = None
    party: str | None = None


class DraftIn(Schema):
    form: dict[str, Any]
    version: int | None = None


def _detail(request: HttpRequest, case: Case, *, written: dict | None = None) -> dict:
    """The contract's case body, from a case the caller may see (fetched by a selector or just
    written by a service for this caller). `written`: the events and parties the service has
    just inserted (a new submission), not read back."""
    if written is not None:
        events, parties = sorted(written["events"], key=lambda e: e.seq), list(written["parties"])
    else:
        events, parties = selectors.case_events(case), selectors.case_parties(case)
    return presenters.case_detail(
        case,
        today=services.today(),
        events=events,
        parties=parties,
        masked_form=selectors.case_form(case=case, viewer=request.auth),
    )


@router.post("/cases", response={201: dict, 200: dict})
def case_create(request: HttpRequest, body: CaseIn):
    payload = body.dict()
    key = request.headers.get("Idempotency-Key")

    def handler():
        # one read of the catalogue's and the calendar's revisions for the check and the answer
        with revisions.tokens_read_once(*services.SUBMISSION_REVISIONS):
            case = services.case_submit(
                # with a key, inside run_idempotent's transaction, which a refusal rolls back whole
                savepoint=not key,
                actor=request.auth,
                item_code=body.item_code,
                form=body.form,
                channel=body.channel,
                parties=body.parties,
                materials=[m.dict() for m in body.materials],
                draft=body.draft,
                route=body.route,
                commitment_accepted=body.commitment_accepted,
                electronic_delivery=body.electronic_delivery,
                license_refs=body.license_refs or None,
            )
            return 201, _detail(request, case, written=getattr(case, "written_rows", None))

    status, out = run_idempotent(
        owner=str(request.auth.pk),
        key=key,
        scope="POST /cases",
        body=payload,
        handler=handler,
    )
    return Status(status, out)


@router.get("/cases", response=dict)
def case_index(request: HttpRequest, status: str | None = None, queue: bool = True, after: str | None = None):
    # read in index order with an exact count; `after` (an earlier answer's `next_after`) seeks
    # instead of an OFFSET (docs/api.md; docs/benchmarks.md, "The case paths at 10 million cases").
    # `status`/`queue`/`after` are declared for the OpenAPI (clients, the fuzzing check); paginate
    # reads `page`, `page_size` and `after` from the request itself, as every list does.
    rows = selectors.case_listing(user=request.auth, status=status, queue=queue)
    today, cal = services.today(), workdays.calendar()
    return paginate(request, rows, lambda c: presenters.case_summary(c, today=today, cal=cal))


@router.get("/cases/{number}", response=dict)
def case_get(request: HttpRequest, number: str):
    case = selectors.case_for_actor(actor=request.auth, number=number)
    return _detail(request, case)


@router.get("/cases/{number}/form", response=dict)
def case_form(request: HttpRequest, number: str, reveal: bool = False):
    case = selectors.case_for_actor(actor=request.auth, number=number)
    return {
        "number": case.number,
        "form": selectors.case_form(case=case, viewer=request.auth, reveal=reveal),
        "masked": not reveal,
    }


@router.put("/cases/{number}/draft", response=dict)
def case_draft_update(request: HttpRequest, number: str, body: DraftIn):
    case = selectors.case_for_actor(actor=request.auth, number=number)
    case = services.case_update_draft(case=case, actor=request.auth, form=body.form, version=body.version)
    return _detail(request, case)


@router.post("/cases/{number}/transitions", response=dict)
def case_transition(request: HttpRequest, number: str, body: TransitionIn):
    case = selectors.case_for_actor(actor=request.auth, number=number)
    fields = body.dict(exclude={"action", "note", "version"}, exclude_none=True)
    if "materials" in fields:
        fields["materials"] = [m.dict() for m in body.materials or []]
    case = services.case_apply_action(
        case=case, actor=request.auth, action=body.action, note=body.note, version=body.version, **fields
    )
    return _detail(request, case)


@router.post("/cases/{number}/materials", response={201: dict})
def case_material_upload(request: HttpRequest, number: str, code: Form[str], file: File[UploadedFile]):
    """With an `Idempotency-Key` the same upload sent again (a retry, or the proxy's resend when a
    server died mid-request) stores the file once and gives the first answer."""
    case = selectors.case_for_actor(actor=request.auth, number=number)
    check_size(field=f"materials.{code}", size=file.size or 0)  # before reading it into memory
    data = file.read()

    def handler():
        row = services.case_material_add(
            case=case, actor=request.auth, code=code, name=file.name or code, data=data
        )
        return 201, {
            "code": row.material_code,
            "name": row.original_name,
            "content_type": row.content_type,
            "size": row.size,
            "sha256": row.sha256,
        }

    status, out = run_idempotent(
        owner=str(request.auth.pk),
        key=request.headers.get("Idempotency-Key"),
        scope=f"POST /cases/{case.number}/materials",
        body={"code": code, "name": file.name or "", "sha256": hashlib.sha256(data).hexdigest()},
        handler=handler,
    )
    return Status(status, out)


@router.get("/cases/{number}/notices", response=dict)
def case_notices(request: HttpRequest, number: str):
    case = selectors.case_for_actor(actor=request.auth, number=number)
    return paginate(
        request,
        case.notices.order_by("issued_at", "id"),
        lambda n: {
            "number": n.number,
            "kind": n.kind,
            "kind_label": n.get_kind_display(),
            "issued_at": presenters.local_time(n.issued_at),
            "html": f"/api/v1/cases/{case.number}/notices/{n.number}.html",
            "pdf": f"/api/v1/cases/{case.number}/notices/{n.number}.pdf",
            "sealed": bool(n.pdf),
            "delivery": {
                "electronic": n.electronic,
                "available_at": presenters.local_time(n.sealed_at),
                "first_opened_at": presenters.local_time(n.first_opened_at),
            },
        },
    )


@router.get("/cases/{number}/receipts", response=dict)
def case_receipts(request: HttpRequest, number: str):
    """Ledger receipts of the case's events and notices: index, inclusion proof and the signed
    checkpoint once the sequencer has integrated them (`pending` until then)."""
    case = selectors.case_for_actor(actor=request.auth, number=number)
    return paginate(request, selectors.case_ledger_records(case), selectors.receipt_out)


@router.get("/cases/{number}/notices/{notice_number}.{fmt}")
def case_notice_render(request: HttpRequest, number: str, notice_number: str, fmt: str):
    case = selectors.case_for_actor(actor=request.auth, number=number)
    notice = notices.notice_for_case(case=case, number=notice_number)
    if fmt not in ("pdf", "html"):
        raise NotFound("文书格式不存在")
    services.notice_opened(notice=notice, viewer=request.auth)
    if fmt == "pdf":
        resp = HttpResponse(services.notice_pdf(notice=notice), content_type="application/pdf")
        resp["Content-Disposition"] = f'inline; filename="{notice.number}.pdf"'
        resp["Cache-Control"] = "private, no-store"
        return resp
    return HttpResponse(notices.render_html(notice), content_type="text/html; charset=utf-8")


@public_router.post("/notices/verify", response=dict)
def notice_verify(request: HttpRequest, file: File[UploadedFile]):
    """Public: who sealed an uploaded notice or licence PDF, when, for which case, and whether it
    was altered (API.md). 422 for a file that is not a PDF."""
    if (file.size or 0) > notices.VERIFY_MAX_BYTES:
        raise ValidationFailed("文件过大，不是本平台出具的文书", fields={"file": ["文件不得超过 20 MB"]})
    try:
        return notices.verify_upload(file.read())
    except seal.NotAPdf as exc:
        raise ValidationFailed(
            "上传的文件不是 PDF 文件，请上传本平台出具的文书或证照打印件（PDF）",
            fields={"file": ["不是 PDF 文件"]},
        ) from exc


@public_router.get("/notices/seal-ca.pem")
def seal_ca_pem(request: HttpRequest):
    """Public: the platform seal CA certificate(s), PEM (every version still trusted)."""
    resp = HttpResponse(seal.ca_pem(), content_type="application/x-pem-file")
    resp["Content-Disposition"] = 'inline; filename="yiwang-seal-ca.pem"'
    return resp


@public_router.get("/notices/seal-ca.cer")
def seal_ca_der(request: HttpRequest):
    """Public: the current platform seal CA certificate, DER (for importing into a PDF reader)."""
    from cryptography.hazmat.primitives import serialization

    der = seal.ca_certificate().public_bytes(serialization.Encoding.DER)
    resp = HttpResponse(der, content_type="application/pkix-cert")
    resp["Content-Disposition"] = 'attachment; filename="yiwang-seal-ca.cer"'
    return resp
