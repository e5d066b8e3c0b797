"""The citizen's pages of 一圈通办 (docs/federation.md, "Pages"): find another city's cross-city
items (可在本地代收), apply for one here, follow the case the other city handles and answer its
supplement request (补正) — each page parses, calls one service, renders. The form and material
fields come from the peer's published guide through `catalog.formspec`, the same page fields as an
item of this city."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.accounts.decorators import applicant_required
from yiwang.catalog import formspec
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.idempotency import run_idempotent
from yiwang.halls.devices import terminal_for

from . import selectors, services
from .models import JointCase, OutboundCase, PeerItem


@dataclass
class _GuideMaterial:
    code: str
    name: str
    required: bool
    tolerable: bool
    material_form: str
    notes: str = ""


@dataclass
class _Materials:
    rows: list[_GuideMaterial] = field(default_factory=list)

    def all(self) -> list[_GuideMaterial]:
        return self.rows


@dataclass
class GuideVersion:
    """A peer's published guide seen as an item version by `catalog.formspec` (form schema and
    materials only: every rule is checked by the services against the same guide)."""

    form_schema: dict
    materials: _Materials
    tolerance_acceptance: bool
    name: str

    @classmethod
    def of(cls, item: PeerItem) -> GuideVersion:
        guide = item.guide or {}
        return cls(
            form_schema=guide.get("form_schema") or {},
            materials=_Materials(
                [
                    _GuideMaterial(
                        code=str(m.get("code", "")),
                        name=str(m.get("name", "")),
                        required=bool(m.get("required")),
                        tolerable=bool(m.get("tolerable")),
                        material_form=str(m.get("material_form", "")),
                        notes=str(m.get("notes") or ""),
                    )
                    for m in guide.get("materials", [])
                    if isinstance(m, dict)
                ]
            ),
            tolerance_acceptance=bool(guide.get("tolerance_acceptance")),
            name=item.name,
        )


@require_GET
def items(request: HttpRequest) -> HttpResponse:
    """通办事项: the paired cities' published items (cached lists), searchable by name."""
    q = (request.GET.get("q") or "").strip()[:50]
    peer = (request.GET.get("peer") or "").strip()[:12]
    rows = selectors.cross_city_items(q=q, peer=peer)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "federation/items.html",
        {"page": page, "q": q, "peer": peer, "peers": selectors.paired_peers()},
    )


def _peer_item(peer: str, code: str) -> PeerItem:
    item = PeerItem.objects.select_related("peer").filter(peer__code=peer, code=code).first()
    if item is None or "remote_intake" not in item.modes:
        raise Http404("未找到该通办事项")
    return item


@applicant_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, peer: str, code: str) -> HttpResponse:
    item = _peer_item(peer, code)
    try:  # the peer's current guide (signed; the cached one while the peer is down)
        item = services.peer_guide(peer=item.peer, code=code)
    except DomainError as exc:
        if not item.guide:
            return render(
                request, "federation/unavailable.html", {"item": item, "error": exc.message}, status=503
            )
    version = GuideVersion.of(item)
    anchors = {"paper_delivery": "f-paper-window", "paper_address": "f-paper-address"}
    if request.method != "POST":
        ctx = formspec.apply_context(
            version=version, values={}, errors={}, token=uuid.uuid4().hex, extra_anchors=anchors
        )
        return render(request, "federation/apply.html", {**ctx, "item": item, "paper": {}})
    token = (request.POST.get("idempotency_token") or "")[:64] or uuid.uuid4().hex
    form = formspec.form_from_post(version=version, data=request.POST)
    materials = formspec.materials_from_files(version=version, files=request.FILES)
    paper = {
        "delivery": (request.POST.get("paper_delivery") or "window")[:10],
        "address": (request.POST.get("paper_address") or "")[:200],
    }

    # a self-service terminal of a hall (the person logged in there by 电子身份码): channel kiosk
    terminal = terminal_for(request)
    channel = "kiosk" if terminal is not None else "online"

    def handler():
        oc = services.federated_case_submit(
            actor=request.user,
            peer_code=item.peer.code,
            item_code=item.code,
            form=form,
            materials=materials,
            channel=channel,
            hall=terminal.hall if terminal is not None else None,
            paper_delivery=paper["delivery"],
            paper_address=paper["address"],
        )
        return 201, {"number": oc.number}

    try:
        _, out = run_idempotent(
            owner=str(request.user.pk),
            key=token,
            scope="page:federation-apply",
            body={"peer": item.peer.code, "item": item.code, "form": form, "paper": paper},
            handler=handler,
        )
    except ValidationFailed as exc:
        errors = exc.fields or {"_": [exc.message]}
        ctx = formspec.apply_context(
            version=version,
            values=form,
            errors=errors,
            token=token,
            files_lost=bool(materials),
            extra_anchors=anchors,
        )
        return render(request, "federation/apply.html", {**ctx, "item": item, "paper": paper}, status=422)
    except DomainError as exc:
        ctx = formspec.apply_context(version=version, values=form, errors={}, token=token, error=exc.message)
        return render(
            request, "federation/apply.html", {**ctx, "item": item, "paper": paper}, status=exc.status
        )
    messages.success(request, f"申请已在本市代收，正在转交{item.peer.name}办理")
    return redirect("federation:case", number=out["number"])


@applicant_required
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    rows = OutboundCase.objects.select_related("peer").filter(owner=request.user).order_by("-pk")
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    joints = JointCase.objects.select_related("case").filter(owner=request.user).order_by("-pk")[:20]
    return render(
        request,
        "federation/my_cases.html",
        {
            "page": page,
            "rows": [selectors.outbound_dict(o, events=False) for o in page],
            "joints": [selectors.joint_dict(j) for j in joints],
        },
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def joint_case(request: HttpRequest, number: str) -> HttpResponse:
    """多地联办: one number, every part with its city and state (as each city reported it), the
    results, and withdrawing the whole case while a part is open."""
    try:
        joint = services.joint_case_get(number=number, user=request.user)
    except DomainError as exc:
        raise Http404("未找到该联办件") from exc
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = "请勾选确认撤回全部办理部分"
        else:
            try:
                services.joint_case_withdraw(
                    actor=request.user, number=joint.number, reason=request.POST.get("reason") or ""
                )
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, "已撤回联办申请：本市部分已撤回，外市部分的撤回已转交办理城市")
                return redirect("federation:joint_case", number=joint.number)
    d = selectors.joint_dict(services.joint_case_get(number=joint.number, user=request.user))
    return render(
        request,
        "federation/joint_case.html",
        {"d": d, "error": error, "is_owner": request.user.pk == joint.owner_id},
        status=422 if error else 200,
    )


def _case_context(
    oc: OutboundCase, *, errors: dict | None = None, error: str = "", files_lost: bool = False
) -> dict:
    request = services.supplement_request_of(oc)
    ctx: dict = {"d": selectors.outbound_dict(oc), "request": request, "error": error}
    if request is not None:
        cached = PeerItem.objects.filter(peer=oc.peer, code=oc.item_code).first()
        if cached is not None and cached.guide:
            version = GuideVersion.of(cached)
            ctx.update(
                formspec.apply_context(
                    version=version, values={}, errors=errors or {}, token="", files_lost=files_lost
                )
            )
    return ctx


@applicant_required
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, number: str) -> HttpResponse:
    """The case received here for another city: its progress as the other city reported it,
    remedies of a refusal or denial, and the supplement form while one is requested."""
    try:
        oc = services.outbound_case_get(number=number, user=request.user)
    except DomainError as exc:
        raise Http404("未找到该办件") from exc
    if request.method != "POST":
        return render(request, "federation/case.html", _case_context(oc))
    cached = PeerItem.objects.filter(peer=oc.peer, code=oc.item_code).first()
    version = GuideVersion.of(cached) if cached is not None else None
    materials = formspec.materials_from_files(version=version, files=request.FILES) if version else []
    try:
        services.federated_case_supplement(actor=request.user, number=oc.number, form={}, materials=materials)
    except ValidationFailed as exc:
        ctx = _case_context(oc, errors=exc.fields or {"_": [exc.message]}, files_lost=bool(materials))
        return render(request, "federation/case.html", ctx, status=422)
    except DomainError as exc:
        return render(
            request, "federation/case.html", _case_context(oc, error=exc.message), status=exc.status
        )
    messages.success(request, f"补正材料已提交，由本市转交{oc.peer.name}")
    return redirect("federation:case", number=oc.number)
