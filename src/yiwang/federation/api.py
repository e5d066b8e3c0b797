"""一圈通办 endpoints (API.md §Federation, docs/federation.md). Public: the peers and their cached
item lists. Logged in: 异地代收 cases. Peer to peer: the signed item list and guide, and the signed
inbox."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from yiwang.accounts.auth import api_auth
from yiwang.core.idempotency import run_idempotent
from yiwang.core.pagination import paginate

from . import protocol, selectors, services

router = Router(tags=["federation"])


@router.get("/peers", auth=None)
def peer_list(request: HttpRequest):
    return paginate(request, selectors.peers(), selectors.peer_dict)


@router.get("/items", auth=None)
def peer_item_list(request: HttpRequest, peer: str = ""):
    found = services.peer_get(peer)
    return paginate(request, selectors.peer_items(found), selectors.peer_item_dict)


class MaterialIn(Schema):
    code: str = Field(max_length=100)
    name: str = Field("", max_length=200)
    content_base64: str


class FederatedCaseIn(Schema):
    peer: str = Field(max_length=12)
    item_code: str = Field(max_length=40)
    form: dict = Field(default_factory=dict)
    materials: list[MaterialIn] = Field(default_factory=list)
    channel: str = Field("online", max_length=20)
    parties: dict = Field(default_factory=dict)
    paper_delivery: str = Field("window", max_length=10)  # 纸质结果: window (窗口领取) or post (邮寄)
    paper_address: str = Field("", max_length=200)


def _submit_once(
    request: HttpRequest,
    *,
    scope: str,
    digest: dict,
    submit: Callable[[], str],
    answer: Callable[[str], dict],
) -> Status:
    """A submission run once per `Idempotency-Key` (core.idempotency): `submit()` files it and
    gives its number, `digest` is what a repeat with the same key must match (materials by code
    and size, not their content). The answer is `answer(number)` as it stands now — the forward
    was tried at commit (or is queued) — 201 the first time, the stored status on a repeat."""
    status, out = run_idempotent(
        owner=str(request.auth.pk),
        key=request.headers.get("Idempotency-Key"),
        scope=scope,
        body=digest,
        handler=lambda: (201, {"number": submit()}),
    )
    return Status(status, answer(out["number"]))


def _materials_digest(materials: list[dict]) -> list[tuple[str, int]]:
    return [(m["code"], len(m["content_base64"])) for m in materials]


@router.post("/cases", auth=api_auth, response={201: dict})
def federated_case_create(request: HttpRequest, body: FederatedCaseIn):
    payload = body.dict()
    return _submit_once(
        request,
        scope="POST /federation/cases",
        digest={**payload, "materials": _materials_digest(payload["materials"])},
        submit=lambda: (
            services.federated_case_submit(
                actor=request.auth,
                peer_code=body.peer,
                item_code=body.item_code,
                form=body.form,
                materials=[m.dict() for m in body.materials],
                channel=body.channel,
                parties=body.parties,
                paper_delivery=body.paper_delivery,
                paper_address=body.paper_address,
            ).number
        ),
        answer=lambda number: selectors.outbound_dict(
            services.outbound_case_get(number=number, user=request.auth), events=False
        ),
    )


@router.get("/cases/{number}", auth=api_auth)
def federated_case_get(request: HttpRequest, number: str):
    return selectors.outbound_dict(services.outbound_case_get(number=number, user=request.auth))


class SupplementIn(Schema):
    form: dict = Field(default_factory=dict)
    materials: list[MaterialIn] = Field(default_factory=list)
    channel: str = Field("online", max_length=20)


@router.post("/cases/{number}/supplement", auth=api_auth)
def federated_case_supplement(request: HttpRequest, number: str, body: SupplementIn):
    """补正 through this city: answers the competent city's supplement request (409 when none is
    open or it was answered already)."""
    oc = services.federated_case_supplement(
        actor=request.auth,
        number=number,
        form=body.form,
        materials=[m.dict() for m in body.materials],
        channel=body.channel,
    )
    return selectors.outbound_dict(oc)


class PaperHandoverIn(Schema):
    collector: str = Field(max_length=50)
    note: str = Field("", max_length=500)


@router.get("/paper-results", auth=api_auth)
def paper_result_list(request: HttpRequest):
    """纸质结果 waiting at this city's windows (待领取) for the cases the caller may see."""
    return paginate(request, selectors.paper_awaiting(user=request.auth), selectors.outbound_dict_brief)


@router.post("/cases/{number}/paper-handover", auth=api_auth)
def paper_result_hand_over(request: HttpRequest, number: str, body: PaperHandoverIn):
    """A clerk records the hand-over of the paper result at the window (409 when none waits)."""
    oc = services.paper_result_hand_over(
        actor=request.auth, number=number, collector=body.collector, note=body.note
    )
    return selectors.outbound_dict(oc)


class JointPartIn(Schema):
    city: str = Field(max_length=12)
    item_code: str = Field(max_length=40)
    form: dict = Field(default_factory=dict)
    materials: list[MaterialIn] = Field(default_factory=list)


class JointCaseIn(Schema):
    parts: list[JointPartIn] = Field(min_length=2, max_length=10)
    channel: str = Field("online", max_length=20)
    parties: dict = Field(default_factory=dict)
    paper_delivery: str = Field("window", max_length=10)
    paper_address: str = Field("", max_length=200)


@router.post("/joint-cases", auth=api_auth, response={201: dict})
def joint_case_create(request: HttpRequest, body: JointCaseIn):
    """多地联办: one application with this city's part and one or more paired cities' parts."""
    payload = body.dict()
    return _submit_once(
        request,
        scope="POST /federation/joint-cases",
        digest={
            **payload,
            "parts": [{**p, "materials": _materials_digest(p["materials"])} for p in payload["parts"]],
        },
        submit=lambda: (
            services.joint_case_submit(
                actor=request.auth,
                parts=[{**p.dict(), "materials": [m.dict() for m in p.materials]} for p in body.parts],
                channel=body.channel,
                parties=body.parties,
                paper_delivery=body.paper_delivery,
                paper_address=body.paper_address,
            ).number
        ),
        answer=lambda number: selectors.joint_dict(services.joint_case_get(number=number, user=request.auth)),
    )


@router.get("/joint-cases/{number}", auth=api_auth)
def joint_case_get(request: HttpRequest, number: str):
    return selectors.joint_dict(services.joint_case_get(number=number, user=request.auth))


class JointWithdrawIn(Schema):
    reason: str = Field("", max_length=500)


@router.post("/joint-cases/{number}/withdraw", auth=api_auth)
def joint_case_withdraw(request: HttpRequest, number: str, body: JointWithdrawIn):
    """The person withdraws the whole 多地联办 case: every open part, each by its own city's
    withdrawal (409 when no part is open any more)."""
    joint = services.joint_case_withdraw(actor=request.auth, number=number, reason=body.reason)
    return selectors.joint_dict(services.joint_case_get(number=joint.number, user=request.auth))


# --- peer to peer (signed) -----------------------------------------------------------------------
def _signed(status: int, data: dict) -> HttpResponse:
    body = protocol.dumps(data)
    response = HttpResponse(body, status=status, content_type="application/json")
    for k, v in protocol.sign_reply(status, body).items():
        if k.lower() != "content-type":
            response[k] = v
    return response


@router.get("/peer/items", auth=None)
def published_items(request: HttpRequest):
    return _signed(200, {"city": protocol.own_code(), "items": services.published_items()})


@router.get("/peer/items/{code}", auth=None)
def published_guide(request: HttpRequest, code: str):
    try:
        return _signed(200, services.published_guide(code))
    except services.DomainError as exc:
        return _signed(exc.status, exc.as_body())


@router.get("/peer/license-keys", auth=None)
def license_keys(request: HttpRequest):
    """This city's licence issuer and verification keys (JWK set), signed: a peer checks the
    licences of the cases it received for us with them."""
    from .peer_licenses import own_license_keys

    return _signed(200, {"city": protocol.own_code(), **own_license_keys()})


@router.post("/peer/inbox", auth=None)
def inbox(request: HttpRequest):
    status, answer = services.inbox_receive(
        method=request.method,
        url=request.build_absolute_uri(),
        headers=dict(request.headers.items()),
        body=request.body,
    )
    return _signed(status, answer)


@router.get("/peer/card", auth=None)
def card(request: HttpRequest):
    """This city's pairing card (code, address, public keys). A peer never trusts it on first use:
    its operator compares it with the card handed over out of band before `federation pair`."""
    return protocol.own_card()
