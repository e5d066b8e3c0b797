"""一圈通办 services (docs/federation.md): peers and pairing, the published cross-city item list,
异地代收代办 (a case received here for a peer, and a peer's case filed here), the signed inbox
and the outbox senders, and the cases follower that reports status changes back."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import logging
import uuid

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.cases import services as cases
from yiwang.cases.clock import today
from yiwang.cases.materials import check_upload
from yiwang.cases.models import Case, CaseEvent, Channel, Status
from yiwang.cases.wording import remedy_for
from yiwang.catalog import forms as catalog_forms
from yiwang.catalog import selectors as catalog
from yiwang.core import outbox
from yiwang.core.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from yiwang.exchange import httpsig
from yiwang.ledger import services as ledger_services
from yiwang.ledger.models import Witness as LedgerWitness
from yiwang.notifications.services import notification_send

from . import ledgering, peer_licenses, protocol, selectors
from .models import (
    Direction,
    InboundCase,
    JointCase,
    MessageStatus,
    OutboundCase,
    OutboundEvent,
    PaperDelivery,
    PaperStatus,
    Peer,
    PeerItem,
    PeerMessage,
    PeerStatus,
    RemoteStatus,
)

log = logging.getLogger("yiwang.federation")

TOPIC_FORWARD = "federation.case_forward"
TOPIC_STATUS = "federation.case_status"
TOPIC_NOTICE = "federation.license_use"  # 用证记录 to the issuing city
CROSS_CITY_SCOPES = ("都市圈", "省内", "跨省", "全国")
MODES = ["remote_intake"]  # 异地代收代办
MODE_LABELS = {"remote_intake": "异地代收代办", "full_online": "全程网办"}


class Refused(DomainError):
    """A peer message refused; `code` is the reason in the log."""

    status = 422


class PeerUnavailable(DomainError):
    status = 503


# --- peers ----------------------------------------------------------------------------------------
def peer_get(code: str) -> Peer:
    peer = Peer.objects.filter(code=str(code or "")).first()
    if peer is None:
        raise ValidationFailed("未知的通办城市", code="unknown_peer", fields={"peer": ["未知的通办城市"]})
    return peer


def peer_status(peer: Peer) -> str:
    if peer.status == PeerStatus.PAIRED and peer.unreachable_since:
        return PeerStatus.UNREACHABLE
    return peer.status


@transaction.atomic
def peer_register(*, code: str, name: str = "", base_url: str = "") -> Peer:
    """Register (or update the address of) a peer city, unpaired until keys are exchanged."""
    if code == protocol.own_code():
        raise ValidationFailed(fields={"code": ["不能把本市登记为通办城市"]})
    peer, created = Peer.objects.get_or_create(
        code=code, defaults={"name": name or protocol.CITIES.get(code, code), "base_url": base_url}
    )
    if not created and base_url and peer.base_url != base_url:
        peer.base_url = base_url
        peer.save(update_fields=["base_url"])
    return peer


def _b64key(value: str, field: str) -> bytes:
    try:
        raw = base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(fields={field: ["公钥应为 base64"]}) from exc
    if len(raw) != 32:
        raise ValidationFailed(fields={field: ["Ed25519 公钥应为 32 字节"]})
    return raw


@transaction.atomic
def peer_pair(
    *,
    code: str,
    base_url: str,
    key_id: str,
    public_key: str,
    ledger_key: str = "",
    name: str = "",
    ledger_origin: str = "",
    ledger_verifier: str = "",
    witness_key: str = "",
) -> Peer:
    """Pair with a peer from the card its operator handed over out of band (`yiwang federation
    card` there). The key id must name the peer's own division code. With the card's ledger
    fields the two cities witness each other's ledger: we witness the peer's log
    (`ledger.services.witness_peer_add`) and send our checkpoints to the peer as a witness (a
    `ledger.Witness` row)."""
    if not key_id.startswith(f"{code}:"):
        raise ValidationFailed(fields={"key_id": [f"密钥标识应以“{code}:”开头"]})
    peer = peer_register(code=code, name=name, base_url=base_url)
    peer.base_url = base_url.rstrip("/")
    peer.key_id = key_id
    peer.public_key = _b64key(public_key, "public_key")
    peer.ledger_key = _b64key(ledger_key, "ledger_key") if ledger_key else b""
    peer.status = PeerStatus.PAIRED
    peer.paired_at = timezone.now()
    peer.unreachable_since = None
    peer.version += 1
    peer.save()
    if ledger_origin and ledger_verifier:
        _witness_their_log(origin=ledger_origin, verifier=ledger_verifier)
    if witness_key:
        _they_witness_us(peer=peer, witness_key=witness_key)
    log.info("federation: paired with peer %s (%s)", code, key_id)
    return peer


def _witness_their_log(*, origin: str, verifier: str) -> None:
    if origin == ledger_services.origin():
        raise ValidationFailed(
            fields={
                "ledger_origin": ["对方台账的来源标识与本市相同：每个城市须设置不同的 YIWANG_LEDGER_ORIGIN"]
            }
        )
    try:
        ledger_services.witness_peer_add(origin=origin, verifier_key=verifier)
    except ValueError as exc:
        raise ValidationFailed(fields={"ledger_verifier": [str(exc)]}) from exc


def _they_witness_us(*, peer: Peer, witness_key: str) -> None:
    name = witness_key.split("+", 1)[0]
    if not name or name == ledger_services.witness_name():
        raise ValidationFailed(
            fields={
                "witness_key": ["对方见证名称与本市相同：每个城市须设置不同的 YIWANG_LEDGER_WITNESS_NAME"]
            }
        )
    LedgerWitness.objects.update_or_create(
        name=name,
        defaults={
            "url": peer.base_url + "/api/v1/ledger/witness/add-checkpoint",
            "verifier_key": witness_key,
            "active": True,
        },
    )


@transaction.atomic
def peer_unpair(*, code: str) -> Peer:
    peer = peer_get(code)
    peer.status = PeerStatus.UNPAIRED
    peer.key_id = ""
    peer.public_key = b""
    peer.version += 1
    peer.save()
    return peer


def peers_register_metro() -> int:
    """`make demo`: the other cities of the Wuhan metropolitan circle, unpaired."""
    created = 0
    for code, name in protocol.CITIES.items():
        if code != protocol.own_code() and not Peer.objects.filter(code=code).exists():
            peer_register(code=code, name=name)
            created += 1
    return created


def _reachable(peer: Peer, ok: bool) -> None:
    if ok and peer.unreachable_since:
        Peer.objects.filter(pk=peer.pk).update(unreachable_since=None)
    elif not ok and not peer.unreachable_since:
        Peer.objects.filter(pk=peer.pk).update(unreachable_since=timezone.now())


# --- the published cross-city item list -------------------------------------------------------
def published_items() -> list[dict]:
    """This city's 通办事项: current items of its own departments (region within the city's
    division code) whose 通办范围 reaches other cities."""
    out: dict[str, dict] = {}
    own = catalog.items_search().filter(
        cross_city_scope__in=CROSS_CITY_SCOPES,
        item__department__region__code__startswith=protocol.own_code()[:4],
    )
    for v in own:
        if v.item.code in out and out[v.item.code]["version"] >= v.version:
            continue
        out[v.item.code] = {
            "code": v.item.code,
            "name": v.name,
            "version": v.version,
            "scope": v.cross_city_scope,
            "modes": MODES,
            "department": v.item.department.name,
        }
    return [out[k] for k in sorted(out)]


def published_guide(code: str) -> dict:
    """The service guide of one published cross-city item (what a receiving city checks against)."""
    from yiwang.catalog.api import item_guide_dict

    version = catalog.item_guide(code=code)
    region = version.item.department.region.code if version.item.department.region_id else ""
    if version.cross_city_scope not in CROSS_CITY_SCOPES or not region.startswith(protocol.own_code()[:4]):
        raise NotFound("该事项不在通办清单中", code="item_not_found")
    data = item_guide_dict(version)
    data["version"] = version.version
    data["modes"] = MODES
    return data


def _verify_reply(peer: Peer, reply: protocol.Reply) -> None:
    """A peer's answer must carry its signature, by its paired key (raises httpsig.SignatureError)."""
    httpsig.verify_response(
        status=reply.status,
        headers=reply.headers.items(),
        body=reply.body,
        public=lambda kid: protocol.public_key_of(peer) if kid == peer.key_id else None,
    )


def _signed_get(peer: Peer, path: str) -> dict:
    if peer.status != PeerStatus.PAIRED:
        raise ValidationFailed("该城市尚未配对，不能获取其事项", code="peer_unpaired")
    try:
        _, reply = protocol.signed_request(method="GET", url=peer.base_url + path)
    except protocol.Unreachable as exc:
        _reachable(peer, False)
        raise PeerUnavailable("通办城市暂时无法连接，请稍后再试", code="peer_unreachable") from exc
    _reachable(peer, True)
    try:
        _verify_reply(peer, reply)
    except httpsig.SignatureError as exc:
        raise DomainError("通办城市的应答签名无效", code="signature_invalid") from exc
    if reply.status == 404:
        raise ValidationFailed(
            "对方城市未发布该通办事项",
            code="item_not_found",
            fields={"item_code": ["对方城市未发布该通办事项"]},
        )
    if reply.status != 200:
        raise PeerUnavailable(f"通办城市拒绝了请求（{reply.status}）", code="peer_refused")
    return reply.json()


def peer_items_fetch(*, peer: Peer) -> int:
    """Fetch and cache a peer's signed item list; returns how many items it lists."""
    data = _signed_get(peer, protocol.ITEMS_PATH)
    now = timezone.now()
    items = [i for i in data.get("items", []) if isinstance(i, dict) and i.get("code")]
    with transaction.atomic():
        PeerItem.objects.filter(peer=peer).exclude(code__in=[i["code"] for i in items]).delete()
        for i in items:
            PeerItem.objects.update_or_create(
                peer=peer,
                code=str(i["code"])[:40],
                defaults={
                    "name": str(i.get("name", ""))[:200],
                    "item_version": int(i.get("version") or 0),
                    "scope": str(i.get("scope", ""))[:20],
                    "modes": list(i.get("modes") or []),
                    "fetched_at": now,
                },
            )
        Peer.objects.filter(pk=peer.pk).update(items_fetched_at=now)
    return len(items)


def peer_guide(*, peer: Peer, code: str) -> PeerItem:
    """The peer's current guide of an item, fetched and cached (the version A checks against).
    A peer that does not answer: the guide cached at the last fetch (the peer checks the version
    again when the package arrives and refuses an outdated one)."""
    try:
        data = _signed_get(peer, f"{protocol.ITEMS_PATH}/{code}")
    except DomainError as exc:
        cached = PeerItem.objects.filter(peer=peer, code=code).exclude(guide={}).first()
        if exc.code == "peer_unreachable" and cached is not None:
            return cached
        raise
    item, _ = PeerItem.objects.update_or_create(
        peer=peer,
        code=code,
        defaults={
            "name": str(data.get("name", ""))[:200],
            "item_version": int(data.get("version") or 0),
            "scope": str(data.get("cross_city_scope", ""))[:20],
            "modes": list(data.get("modes") or []),
            "guide": data,
            "fetched_at": timezone.now(),
        },
    )
    return item


# --- 异地代收: a case received here for a peer ---------------------------------------------------
def _check_materials(*, guide: dict, materials: list[dict]) -> set[str]:
    """Each file: a material of the peer's guide, base64, a real file of an accepted type."""
    known = {m["code"]: m for m in guide.get("materials", [])}
    have = set()
    for i, m in enumerate(materials or []):
        code = str(m.get("code") or "")
        if code not in known:
            raise ValidationFailed(fields={f"materials.{code or i}": ["本事项不需要该材料"]})
        try:
            data = base64.b64decode(m.get("content_base64") or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationFailed(
                fields={f"materials.{i}.content_base64": ["文件内容须为base64编码"]}
            ) from exc
        check_upload(field=f"materials.{code}", name=str(m.get("name") or code), data=data)
        have.add(code)
    return have


def _check_against_guide(*, guide: dict, form: dict, materials: list[dict], channel: str) -> dict:
    clean = catalog_forms.schema_validate(schema=guide.get("form_schema") or {}, form=form or {})
    have = _check_materials(guide=guide, materials=materials)
    missing = [
        m
        for m in guide.get("materials", [])
        if m.get("required")
        and m.get("material_form") in ("2", "3")
        and m["code"] not in have
        and not (m.get("tolerable") and guide.get("tolerance_acceptance"))
    ]
    if missing:
        raise ValidationFailed(fields={f"materials.{m['code']}": [f"请上传{m['name']}"] for m in missing})
    return clean


def _wire_materials(materials: list[dict]) -> list[dict]:
    return [
        {"code": m["code"], "name": str(m.get("name") or m["code"]), "content_base64": m["content_base64"]}
        for m in materials or []
    ]


def _receipt(*, number: str, at: datetime.datetime, channel: str, materials: list[dict]) -> dict:
    """This city's receipt (收件回执) of what it received and forwards: a case, a joint case (its
    number) or a 补正."""
    return {
        "city": protocol.own_code(),
        "number": number,
        "received_at": at.isoformat(),
        "channel": channel,
        "materials": [str(m.get("name") or m.get("code")) for m in materials or []],
    }


def _party_of(owner: User) -> dict:
    if owner.kind == AccountKind.LEGAL:
        return {"name": str(owner), "uscc": owner.uscc}
    return {"name": str(owner), "id_number": owner.id_number, "phone": owner.phone}


def _check_channel(*, actor: User, channel: str) -> None:
    if channel not in (Channel.WINDOW, Channel.ONLINE, Channel.KIOSK, Channel.MOBILE):
        raise ValidationFailed(fields={"channel": ["渠道取值应为 online、window、kiosk 或 mobile"]})
    if channel == Channel.WINDOW and actor.kind != AccountKind.STAFF:
        raise PermissionDenied("窗口代收须由大厅工作人员办理", code="forbidden")


def _paired_peer(code: str) -> Peer:
    """The peer a case is received for: it must be paired (422 `peer_unpaired`)."""
    peer = peer_get(code)
    if peer.status != PeerStatus.PAIRED:
        raise ValidationFailed(
            "该城市尚未配对，暂不能代收", code="peer_unpaired", fields={"peer": ["尚未配对"]}
        )
    return peer


def _intake_check(
    *, actor: User, channel: str, parties: dict | None, hall, paper_delivery: str, paper_address: str
):
    """What every intake here checks before anything is written, a single peer case's and a joint
    case's alike: the channel, the paper result's delivery, who applies (online: only in one's own
    name), and where the case is received. Returns (owner, paper choice, hall, region)."""
    _check_channel(actor=actor, channel=channel)
    paper = paper_choice(delivery=paper_delivery, address=paper_address)
    owner = cases.applicant_account(actor=actor, channel=channel, parties=parties or {})
    hall, region = _received_at(actor=actor, channel=channel, hall=hall)
    return owner, paper, hall, region


def _peer_part_check(*, peer: Peer, item_code: str, form: dict, materials: list[dict], channel: str):
    """A (paired) peer's part of an application, checked here before anything is written: the form
    and materials pass its published guide (fetched now; cached if it is down). Returns (the guide
    as a PeerItem, the cleaned form)."""
    cached = peer_guide(peer=peer, code=item_code)
    clean = _check_against_guide(guide=cached.guide, form=form, materials=materials, channel=channel)
    return cached, clean


def paper_choice(*, delivery: str = "", address: str = "") -> dict:
    """纸质结果: collected at this city's window (the default) or mailed to an address (required
    then: personal data, kept encrypted and shown masked)."""
    delivery = delivery or PaperDelivery.WINDOW
    if delivery not in PaperDelivery.values:
        raise ValidationFailed(
            fields={"paper_delivery": ["纸质结果领取方式应为 window（窗口领取）或 post（邮寄）"]}
        )
    address = " ".join((address or "").split())
    if delivery == PaperDelivery.POST:
        if not 6 <= len(address) <= 200:
            raise ValidationFailed(fields={"paper_address": ["请填写邮寄地址（6 至 200 字）"]})
        return {"delivery": delivery, "address": address}
    return {"delivery": delivery, "address": ""}


def _outbound_number() -> str:
    return f"TB{protocol.own_code()}{timezone.localdate():%Y%m%d}{uuid.uuid4().hex[:8].upper()}"


def _peer_part_put(
    *,
    number: str,
    peer: Peer,
    cached: PeerItem,
    clean: dict,
    materials: list[dict],
    owner: User,
    actor: User,
    channel: str,
    hall,
    region,
    joint: JointCase | None = None,
    joint_body: dict | None = None,
    paper: dict | None = None,
) -> OutboundCase:
    """Record the case for the peer and put its signed `case.forward` (caller's transaction)."""
    now = timezone.now()
    paper = paper or paper_choice()
    oc = OutboundCase.objects.create(
        number=number,
        peer=peer,
        item_code=cached.code,
        item_name=cached.name,
        item_version=cached.item_version,
        owner=owner,
        filed_by=actor,
        channel=channel,
        hall=hall,
        region=region,
        joint=joint,
        paper_delivery=paper["delivery"],
        paper_address=paper["address"],
    )
    identity = {
        "checked_by_city": protocol.own_code(),
        "method": {Channel.WINDOW: "hall_window_id_card", Channel.KIOSK: "kiosk_login"}.get(
            channel, "online_account"
        ),
        "trust_level": int(getattr(owner, "trust_level", 0) or 0),
        "checked_at": now.isoformat(),
    }
    receipt = _receipt(
        number=joint.number if joint is not None else number, at=now, channel=channel, materials=materials
    )
    body = {
        "number": number,
        "item_code": cached.code,
        "item_version": cached.item_version,
        "form": clean,
        "materials": _wire_materials(materials),
        "applicant": _party_of(owner),
        "identity": identity,
        "receipt": receipt,
    }
    # 纸质结果: how the person gets the paper result — at this city's window (the competent city
    # sends it here) or mailed by the competent city to the address
    body["paper_result"] = {
        "delivery": paper["delivery"],
        "collect_city": protocol.own_code(),
        "collect_hall": hall.name if hall is not None else "",
        **({"address": paper["address"]} if paper["delivery"] == PaperDelivery.POST else {}),
    }
    if joint_body:
        body["joint"] = joint_body
    message_put(
        peer=peer, topic=TOPIC_FORWARD, kind="case.forward", key=number, ident=f"fwd:{number}", body=body
    )
    return oc


def federated_case_submit(
    *,
    actor: User,
    peer_code: str,
    item_code: str,
    form: dict,
    materials: list[dict],
    channel: str,
    parties: dict | None = None,
    hall=None,
    paper_delivery: str = "",
    paper_address: str = "",
) -> OutboundCase:
    """City A receives an application for peer B's item: checks identity, the form and materials
    against B's published item version (fetched now), and forwards the signed package through the
    outbox. Returns the local record (its `remote_number` once B has answered). `paper_delivery`:
    how the paper result reaches the person (window of this city, or post to `paper_address`)."""
    peer = _paired_peer(peer_code)
    owner, paper, hall, region = _intake_check(
        actor=actor,
        channel=channel,
        parties=parties,
        hall=hall,
        paper_delivery=paper_delivery,
        paper_address=paper_address,
    )
    cached, clean = _peer_part_check(
        peer=peer, item_code=item_code, form=form, materials=materials, channel=channel
    )
    with transaction.atomic():
        return _peer_part_put(
            number=_outbound_number(),
            peer=peer,
            cached=cached,
            clean=clean,
            materials=materials,
            owner=owner,
            actor=actor,
            channel=channel,
            hall=hall,
            region=region,
            paper=paper,
        )


# --- 多地联办: one intake, parts in several cities ----------------------------------------------
def _prefixed(exc: ValidationFailed, prefix: str) -> ValidationFailed:
    fields = {f"{prefix}.{k}": v for k, v in (exc.fields or {}).items()} or {prefix: [str(exc.message)]}
    return ValidationFailed(str(exc.message), code=exc.code, fields=fields)


def joint_case_submit(
    *,
    actor: User,
    parts: list[dict],
    channel: str,
    parties: dict | None = None,
    hall=None,
    paper_delivery: str = "",
    paper_address: str = "",
):
    """多地联办: one application, received here, with a part for this city and a part for each of
    one or more paired peers (`parts`: [{"city", "item_code", "form", "materials"}]). Every part is
    checked first — the peers' against their published guides, this city's by its own filing —
    then, in one transaction: this city's part filed in its own queue (an ordinary case: its
    clerks accept it, its departments decide it), each peer's part recorded and its signed
    `case.forward` put in the outbox, carrying the joint case's description (its number and every
    part), and the JointCase that ties them. Each city decides its own part on its own clock;
    the peers report back as for any forwarded case, and the person follows one number."""
    own = protocol.own_code()
    parts = [p if isinstance(p, dict) else {} for p in parts or []]
    local = [i for i, p in enumerate(parts) if str(p.get("city", "")) == own]
    remote = [i for i, p in enumerate(parts) if str(p.get("city", "")) != own]
    if len(local) != 1 or not remote:
        raise ValidationFailed(
            "多地联办须包含本市办理的一项和至少一个外市办理的事项",
            fields={"parts": ["须包含本市办理的一项和至少一个外市办理的事项"]},
        )
    cities = [str(parts[i].get("city", "")) for i in remote]
    if len(set(cities)) != len(cities):
        raise ValidationFailed(fields={"parts": ["每个城市只能有一个办理部分"]})
    # the applicant's account: case_submit below finds the same one for this city's part
    _, paper, hall, region = _intake_check(
        actor=actor,
        channel=channel,
        parties=parties,
        hall=hall,
        paper_delivery=paper_delivery,
        paper_address=paper_address,
    )
    checked = {}
    for i in remote:
        part = parts[i]
        try:
            peer = _paired_peer(str(part.get("city", "")))
            checked[i] = (
                peer,
                *_peer_part_check(
                    peer=peer,
                    item_code=str(part.get("item_code", "")),
                    form=part.get("form") or {},
                    materials=part.get("materials") or [],
                    channel=channel,
                ),
            )
        except ValidationFailed as exc:
            raise _prefixed(exc, f"parts.{i}") from exc
    mine = parts[local[0]]
    with transaction.atomic():
        try:
            case = cases.case_submit(
                actor=actor,
                item_code=str(mine.get("item_code", "")),
                form=mine.get("form") or {},
                channel=channel,
                parties=parties or {},
                materials=mine.get("materials") or [],
                on=today(),
            )
        except ValidationFailed as exc:
            raise _prefixed(exc, f"parts.{local[0]}") from exc
        joint = JointCase.objects.create(
            number=f"LB{own}{timezone.localdate():%Y%m%d}{uuid.uuid4().hex[:8].upper()}",
            owner=case.owner,
            filed_by=actor,
            channel=channel,
            case=case,
        )
        numbers = {i: _outbound_number() for i in remote}
        described = [
            {
                "city": own,
                "item_code": case.item.code,
                "item_name": case.item_version.name,
                "number": case.number,
            }
        ] + [
            {
                "city": checked[i][0].code,
                "item_code": checked[i][1].code,
                "item_name": checked[i][1].name,
                "number": numbers[i],
            }
            for i in remote
        ]
        for i in remote:
            peer, cached, clean = checked[i]
            _peer_part_put(
                number=numbers[i],
                peer=peer,
                cached=cached,
                clean=clean,
                materials=parts[i].get("materials") or [],
                owner=case.owner,
                actor=actor,
                channel=channel,
                hall=hall,
                region=region,
                joint=joint,
                joint_body={"number": joint.number, "city": own, "parts": described},
                paper=paper,
            )
    return joint


def joint_case_get(*, number: str, user: User):
    """A 多地联办 case, for the person, whoever filed it, and staff who may see one of its parts
    (this city's case by the cases' rules, a peer's part by `outbound_visible`); else 404."""
    from yiwang.cases.selectors import cases_visible

    joint = JointCase.objects.select_related("case").filter(number=number).first()
    if joint is None or not (
        user.pk in (joint.owner_id, joint.filed_by_id)
        or cases_visible(user=user).filter(pk=joint.case_id).exists()
        or selectors.outbound_visible(user=user).filter(joint=joint).exists()
    ):
        raise NotFound("未找到该联办件")
    return joint


# parts that may still be withdrawn (not decided): A's own by the cases' rules, a peer's as A knows it
_PEER_OPEN = {
    RemoteStatus.FORWARDING,
    RemoteStatus.SUBMITTED,
    RemoteStatus.SUPPLEMENT_REQUESTED,
    RemoteStatus.ACCEPTED,
    RemoteStatus.REVIEWED,
}


def joint_case_withdraw(*, actor: User, number: str, reason: str = "") -> JointCase:
    """The person withdraws a whole 多地联办 case at once, before the decisions: this city's part by
    its own `withdraw` transition (the cases' workflow: the applicant, while open), and each
    peer's open part by a signed `case.withdraw` message (in order after its forward and any
    supplement: same topic and key) that the peer applies as its own `withdraw` transition and
    reports back (`withdrawn`). Parts already decided stay as they are; nothing open → 409."""
    from yiwang.cases.rules import OPEN_STATUSES

    joint = joint_case_get(number=number, user=actor)
    if actor.pk != joint.owner_id:
        raise PermissionDenied("只有申请人本人可以撤回联办申请")
    reason = " ".join((reason or "").split())[:500] or "申请人撤回联办申请"
    with transaction.atomic():
        case = Case.objects.get(pk=joint.case_id)
        peers_open = [
            oc for oc in joint.parts.select_related("peer").order_by("pk") if oc.status in _PEER_OPEN
        ]
        if case.status not in OPEN_STATUSES and not peers_open:
            raise InvalidTransition("联办件各部分均已办结或撤回，不能撤回")
        if case.status in OPEN_STATUSES:
            cases.case_apply_action(
                case=case,
                actor=case.owner,
                action="withdraw",
                note=f"撤回多地联办申请（联办编号 {joint.number}）：{reason}",
                version=case.version,
                on=today(),
            )
        for oc in peers_open:
            message_put(
                peer=oc.peer,
                topic=TOPIC_FORWARD,
                kind="case.withdraw",
                key=oc.number,
                ident=f"wd:{oc.number}",
                body={"number": oc.number, "remote_number": oc.remote_number, "joint": joint.number,
                      "reason": reason},
            )  # fmt: skip
    return joint


def message_put(*, peer: Peer, topic: str, kind: str, key: str, ident: str, body: dict) -> None:
    """Write one peer message in the caller's transaction (the outbox sends it after commit)."""
    idem = f"{protocol.own_code()}:{ident}"
    payload = {
        "kind": kind,
        "id": idem,
        "from": protocol.own_code(),
        "to": peer.code,
        "sent_at": timezone.now().isoformat(),
        "body": body,
    }
    message = outbox.outbox_put(
        topic=topic, key=key, payload=payload, idempotency_key=idem, destination=peer.code
    )
    if message.payload == payload:  # written now (a second put of the key returns the first message)
        ledgering.record_sent(message=message)


def _received_at(*, actor: User, channel: str, hall=None):
    """The hall and region a case is received at: a window's, the clerk's hall (their first
    window's); a kiosk's, the terminal's hall (given by the page); online, no hall and the
    city's own region."""
    from yiwang.organizations.models import Region, ServiceHall
    from yiwang.organizations.selectors import staff_scope

    if hall is None and channel == Channel.WINDOW and actor.kind == AccountKind.STAFF:
        hall_ids = staff_scope(actor).hall_ids
        hall = ServiceHall.objects.filter(pk__in=hall_ids).order_by("pk").first() if hall_ids else None
    if hall is not None:
        return hall, hall.region
    return None, Region.objects.filter(code=protocol.own_code()).first()


def _is_clerk(user: User) -> bool:
    from yiwang.organizations.selectors import staff_scope

    return user.kind == AccountKind.STAFF and bool(staff_scope(user).window_ids)


def outbound_case_get(*, number: str, user: User) -> OutboundCase:
    """A case received here for a peer, if `user` may see it (selectors.outbound_visible);
    anything else does not exist for them (404), as for local cases."""
    oc = selectors.outbound_visible(user=user).select_related("peer").filter(number=number).first()
    if oc is None:
        raise NotFound("未找到该代收件")
    return oc


@transaction.atomic
def paper_result_hand_over(*, actor: User, number: str, collector: str, note: str = "") -> OutboundCase:
    """纸质结果 collected at this city's window: a clerk who may see the case records who collected
    it (the person or their agent, as identified at the window) and when — once: a conditional
    UPDATE on `paper_status`, a second hand-over gets 409."""
    oc = outbound_case_get(number=number, user=actor)
    if not _is_clerk(actor):
        raise PermissionDenied("仅代收地窗口人员可登记纸质结果领取")
    collector = " ".join((collector or "").split())
    if not 1 <= len(collector) <= 50:
        raise ValidationFailed(fields={"collector": ["请填写领取人姓名（本人或代领人）"]})
    now = timezone.now()
    done = OutboundCase.objects.filter(pk=oc.pk, paper_status=PaperStatus.AWAITING_PICKUP).update(
        paper_status=PaperStatus.HANDED_OVER,
        paper_handed_over_at=now,
        paper_handed_over_by=actor,
        paper_collector=collector,
        updated_at=now,
    )
    if not done:
        raise Conflict("该件没有待领取的纸质结果", code="invalid_transition")
    oc.refresh_from_db()
    ledgering.record_paper_handover(oc=oc)
    notification_send(
        event_kind="federation.case_status",
        recipient=oc.owner,
        context={
            "number": oc.number,
            "item": oc.item_name,
            "peer": oc.peer.name,
            "note": (note or "")[:500],
            "status_label": "纸质结果已领取",
        },
        key=f"federation:{oc.number}:paper",
        link=reverse("federation:case", args=[oc.number]),
    )
    return oc


def supplement_request_of(oc: OutboundCase) -> OutboundEvent | None:
    """The competent city's open 补齐补正告知 of a forwarded case, or None (answered, or none)."""
    if oc.status != RemoteStatus.SUPPLEMENT_REQUESTED:
        return None
    event = oc.events.filter(action="request_supplement").order_by("-seq").first()
    return event if event is not None and event.seq > oc.supplement_seq else None


def federated_case_supplement(
    *, actor: User, number: str, form: dict, materials: list[dict], channel: str = Channel.ONLINE
) -> OutboundCase:
    """补正 through the receiving city: the person (online, or at a window of this city with hall
    staff) answers the competent city's supplement request; this city checks the answer against
    the peer's published guide (a partial form, known materials of accepted file types) and
    forwards it as one signed `case.supplement` message, once per request, in order after the
    forward (same outbox key). The peer applies it as the applicant's 补正 on its own case."""
    oc = outbound_case_get(number=number, user=actor)
    if channel == Channel.WINDOW and actor.kind != AccountKind.STAFF:
        raise PermissionDenied("窗口代收须由大厅工作人员办理", code="forbidden")
    if actor.pk not in (oc.owner_id, oc.filed_by_id) and not (
        channel == Channel.WINDOW and _is_clerk(actor)
    ):  # supervisors and platform admins read; only the person or a window answers
        raise PermissionDenied("只有申请人本人或大厅窗口可以提交补正材料", code="forbidden")
    request = supplement_request_of(oc)
    if request is None:
        raise InvalidTransition(
            "补正材料已转交，等待对方城市处理"
            if oc.status == RemoteStatus.SUPPLEMENT_REQUESTED
            else "对方城市没有要求补齐补正"
        )
    if not form and not materials:
        raise ValidationFailed("请填写需补正的内容或上传材料", fields={"materials": ["请上传需补正的材料"]})
    guide = peer_guide(peer=oc.peer, code=oc.item_code).guide
    clean = catalog_forms.schema_validate(
        schema=guide.get("form_schema") or {}, form=form or {}, partial=True
    )
    _check_materials(guide=guide, materials=materials)
    with transaction.atomic():
        claimed = OutboundCase.objects.filter(pk=oc.pk, supplement_seq__lt=request.seq).update(
            supplement_seq=request.seq, updated_at=timezone.now()
        )
        if not claimed:  # answered meanwhile (another window, a second click)
            raise InvalidTransition("补正材料已转交，等待对方城市处理")
        body = {
            "number": oc.number,
            "remote_number": oc.remote_number,
            "request_seq": request.seq,
            "form": clean,
            "materials": _wire_materials(materials),
            "receipt": _receipt(number=oc.number, at=timezone.now(), channel=channel, materials=materials),
        }
        message_put(
            peer=oc.peer,
            topic=TOPIC_FORWARD,
            kind="case.supplement",
            key=oc.number,
            # one message per answer (the claim above allows one per request; a refused answer
            # reopens the request, and the next answer is a new message)
            ident=f"supp:{oc.number}:{request.seq}:{uuid.uuid4().hex[:8]}",
            body=body,
        )
    oc.refresh_from_db()
    return oc


# --- sending (outbox senders) ----------------------------------------------------------------
def send_peer_message(message: outbox.OutboxEnvelope) -> None:
    peer = Peer.objects.filter(code=message.destination).first()
    if peer is None or peer.status != PeerStatus.PAIRED:
        raise outbox.PermanentSendError("对方城市未配对")
    body = protocol.dumps(message.payload)
    url = peer.base_url + protocol.INBOX_PATH
    case_ref = str(message.payload.get("body", {}).get("number", ""))[:40]

    def log_out(status: str, reason_code: str = "", reason: str = "", headers=None, result=None):
        PeerMessage.objects.create(
            direction=Direction.OUT,
            peer_code=peer.code,
            kind=str(message.payload.get("kind", ""))[:40],
            idempotency_key=message.idempotency_key,
            case_ref=case_ref,
            status=status,
            reason_code=reason_code,
            reason=reason,
            url=url,
            headers=headers or {},
            body=body.decode(),
            result=result or {},
        )

    try:
        headers, reply = protocol.signed_request(
            method="POST", url=url, body=body, timeout=max(1.0, min(30.0, message.timeout))
        )
    except protocol.Unreachable as exc:
        _reachable(peer, False)
        log_out(MessageStatus.FAILED, "unreachable", "对方城市无法连接")
        raise outbox.RetryableSendError("对方城市无法连接") from exc
    _reachable(peer, True)
    answer = reply.json()
    if reply.status >= 500 or reply.status == 429:
        log_out(MessageStatus.FAILED, "peer_error", f"对方应答 {reply.status}", headers)
        raise outbox.RetryableSendError(f"对方应答 {reply.status}")
    if reply.status != 200:
        code = str(answer.get("code", "refused"))[:40]
        log_out(MessageStatus.FAILED, code, str(answer.get("message", ""))[:500], headers, answer)
        if message.payload.get("kind") == "case.supplement":  # the person may answer again
            seq = int(message.payload.get("body", {}).get("request_seq") or 0)
            OutboundCase.objects.filter(number=case_ref, supplement_seq=seq).update(supplement_seq=0)
        raise outbox.PermanentSendError(f"对方拒收：{code}")
    try:
        _verify_reply(peer, reply)
    except httpsig.SignatureError as exc:
        log_out(MessageStatus.FAILED, "signature_invalid", "对方应答签名无效", headers)
        raise outbox.RetryableSendError("对方应答签名无效") from exc
    log_out(MessageStatus.SENT, headers=headers, result=answer)
    if message.payload.get("kind") == "case.forward":
        remote = str((answer.get("result") or {}).get("number", ""))[:40]
        if remote:
            OutboundCase.objects.filter(number=case_ref, remote_number="").update(
                remote_number=remote, updated_at=timezone.now()
            )


# --- receiving: the signed inbox -------------------------------------------------------------
REASONS = {
    "signature_missing": "缺少签名",
    "signature_invalid": "签名或摘要校验失败（报文可能被篡改）",
    "unknown_key": "签名密钥未登记",
    "unpaired_key": "签名密钥所属城市尚未配对",
    "replayed": "该签名报文已被使用过（重放）",
    "nonce_missing": "签名缺少一次性随机数",
    "peer_mismatch": "报文的发送城市或接收城市与签名不符",
    "bad_message": "报文格式有误",
    "unknown_item_version": "事项指南版本与本市现行版本不符",
    "unknown_kind": "未知的消息类型",
    "unknown_case": "未找到对应的代收件",
    "not_awaiting_supplement": "该办件当前不在补齐补正阶段",
    "unknown_license": "本市没有向该城市代收的办件颁发过该证照",
}


def inbox_receive(*, method: str, url: str, headers: dict, body: bytes) -> tuple[int, dict]:
    """Verify, log and apply one peer message once. Returns (HTTP status, answer)."""
    raw = body.decode("utf-8", errors="replace")
    try:
        envelope = json.loads(body or b"{}")
        if not isinstance(envelope, dict):
            raise ValueError
    except ValueError:
        envelope = {}
    idem = str(envelope.get("id", ""))[:200]
    kind = str(envelope.get("kind", ""))[:40]
    inner = envelope.get("body") if isinstance(envelope.get("body"), dict) else {}
    case_ref = str(inner.get("number", ""))[:40]
    seen: dict[str, Peer] = {}

    def public(key_id: str):
        peer = Peer.objects.filter(key_id=key_id).first()
        if peer is None:
            return None
        seen["peer"] = peer
        return protocol.public_key_of(peer) if peer.status == PeerStatus.PAIRED else None

    def log_in(status: str, code: str = "", *, verification: str, result=None, peer_code: str = ""):
        return PeerMessage.objects.create(
            direction=Direction.IN,
            peer_code=peer_code or str(envelope.get("from", ""))[:12],
            kind=kind,
            idempotency_key=idem,
            case_ref=case_ref,
            status=status,
            reason_code=code,
            reason=REASONS.get(code, ""),
            method=method,
            url=url[:500],
            headers={k: v for k, v in headers.items() if k.lower() in _LOGGED_HEADERS},
            body=raw,
            verification=verification,
            result=result or {},
        )

    def refuse(code: str, status: int, verification: str) -> tuple[int, dict]:
        log_in(MessageStatus.REFUSED, code, verification=verification)
        log.info("federation: refused a message from %s: %s", envelope.get("from", "?"), code)
        return status, {"code": code, "message": REASONS.get(code, "报文被拒收"), "fields": {}}

    try:
        key_id = httpsig.verify_request(
            method=method, url=url, headers=headers.items(), body=body, public=public
        )
    except httpsig.SignatureError as exc:
        code = exc.code
        if code == "unknown_key" and "peer" in seen:
            code = "unpaired_key"
        if code == "signature_missing":
            code = "signature_invalid" if "signature-input" in {k.lower() for k in headers} else code
        return refuse(code, 401, f"验签失败：{code}")
    peer = seen["peer"]
    verification = (
        f"验签通过：RFC 9421 Ed25519，密钥 {key_id}（{peer.name}，已配对），Content-Digest 一致，nonce 未用过"
    )
    if envelope.get("from") != peer.code or envelope.get("to") != protocol.own_code():
        return refuse("peer_mismatch", 422, verification)
    if not idem or kind not in HANDLERS:
        return refuse("unknown_kind" if idem else "bad_message", 422, verification)
    first = _applied(idem)
    if first is not None:
        log_in(MessageStatus.DUPLICATE, verification=verification, result=first.result, peer_code=peer.code)
        return 200, {"status": "duplicate", "result": first.result}
    try:
        with transaction.atomic():
            result = HANDLERS[kind](peer=peer, body=inner)
            ledgering.record_received(envelope=envelope, body=body)
            log_in(MessageStatus.APPLIED, verification=verification, result=result, peer_code=peer.code)
    except IntegrityError:
        first = _applied(idem)
        if first is None:
            raise
        log_in(MessageStatus.DUPLICATE, verification=verification, result=first.result, peer_code=peer.code)
        return 200, {"status": "duplicate", "result": first.result}
    except DomainError as exc:
        msg = log_in(MessageStatus.REFUSED, exc.code, verification=verification, peer_code=peer.code)
        if not msg.reason:
            fields = "；".join(m for ms in (exc.fields or {}).values() for m in ms)
            PeerMessage.objects.filter(pk=msg.pk).update(reason=(str(exc.message) + " " + fields)[:1000])
        return 422, {"code": exc.code, "message": str(exc.message), "fields": exc.fields or {}}
    return 200, {"status": "applied", "result": result}


_LOGGED_HEADERS = {
    "signature",
    "signature-input",
    "content-digest",
    "content-type",
    "host",
    "idempotency-key",
}


def _applied(idem: str) -> PeerMessage | None:
    return PeerMessage.objects.filter(
        direction=Direction.IN, idempotency_key=idem, status=MessageStatus.APPLIED
    ).first()


def _apply_forward(*, peer: Peer, body: dict) -> dict:
    """City B files a peer's forwarded case in its own queue, on its own clock: an online filing in
    the applicant's name (the account found or opened from the identity A checked), with A's
    receipt and identity evidence kept on the InboundCase."""
    number = str(body.get("number", ""))[:40]
    if not number:
        raise Refused("报文缺少代收编号", code="bad_message")
    existing = InboundCase.objects.filter(peer=peer, remote_number=number).select_related("case").first()
    if existing is not None:
        return {"number": existing.case.number, "status": existing.case.status}
    code = str(body.get("item_code", ""))
    try:
        version = catalog.item_version_current(code=code)
    except DomainError as exc:
        raise Refused("事项不存在或未发布", code="unknown_item_version") from exc
    if version.cross_city_scope not in CROSS_CITY_SCOPES or body.get("item_version") != version.version:
        raise Refused(REASONS["unknown_item_version"], code="unknown_item_version")
    applicant = body.get("applicant") if isinstance(body.get("applicant"), dict) else {}
    owner = cases.applicant_account(actor=None, channel=Channel.WINDOW, parties={"applicant": applicant})
    case = cases.case_submit(
        actor=owner,
        item_code=code,
        form=body.get("form") or {},
        channel=Channel.ONLINE,
        materials=body.get("materials") or [],
        on=today(),
    )
    InboundCase.objects.create(
        peer=peer,
        remote_number=number,
        case=case,
        receipt=body.get("receipt") if isinstance(body.get("receipt"), dict) else {},
        identity=body.get("identity") if isinstance(body.get("identity"), dict) else {},
        joint=_joint_of(peer, body.get("joint")),
        **_paper_of(body.get("paper_result")),
    )
    return {"number": case.number, "status": case.status}


def _paper_of(paper) -> dict:
    """The person's choice for the paper result, as the receiving city sent it (window by default:
    a package from a city that sends none)."""
    if not isinstance(paper, dict) or paper.get("delivery") not in PaperDelivery.values:
        return {"paper_delivery": PaperDelivery.WINDOW, "paper_address": ""}
    if paper["delivery"] == PaperDelivery.POST:
        address = str(paper.get("address", ""))[:200]
        if not address:
            raise Refused(REASONS["bad_message"], code="bad_message")
        return {"paper_delivery": PaperDelivery.POST, "paper_address": address}
    return {"paper_delivery": PaperDelivery.WINDOW, "paper_address": ""}


def _joint_of(peer: Peer, joint) -> dict:
    """A 多地联办 part: the joint case as the receiving city described it (its number, every
    part's city, item and number), kept on the InboundCase; B's staff see the other cities' parts."""
    if not isinstance(joint, dict) or not joint.get("number"):
        return {}
    if str(joint.get("city", "")) != peer.code:
        raise Refused(REASONS["bad_message"], code="bad_message")
    parts = [p for p in joint.get("parts") or [] if isinstance(p, dict)][:10]
    return {
        "number": str(joint["number"])[:40],
        "city": peer.code,
        "parts": [
            {k: str(p.get(k, ""))[:200] for k in ("city", "item_code", "item_name", "number")} for p in parts
        ],
    }


def _apply_status(*, peer: Peer, body: dict) -> dict:
    """City A records a status change of its forwarded case, once and in order."""
    oc = OutboundCase.objects.filter(peer=peer, number=str(body.get("number", ""))).first()
    if oc is None:
        raise Refused(REASONS["unknown_case"], code="unknown_case")
    seq = int(body.get("seq") or 0)
    status = str(body.get("status", ""))
    try:
        with transaction.atomic():
            OutboundEvent.objects.create(
                case=oc,
                seq=seq,
                action=str(body.get("action", ""))[:40],
                status=status[:30],
                note=str(body.get("note", ""))[:2000],
                data={k: body[k] for k in ("remedy", "missing", "delivery", "paper_result") if body.get(k)},
                at=datetime.datetime.fromisoformat(str(body.get("at"))) if body.get("at") else timezone.now(),
            )
    except IntegrityError:
        return {"number": oc.number, "seq": seq, "already": True}
    update: dict = {"updated_at": timezone.now()}
    if not oc.remote_number and body.get("remote_number"):
        update["remote_number"] = str(body["remote_number"])[:40]
    if seq > oc.last_seq and status in RemoteStatus.values:
        update.update(status=status, last_seq=seq)
    paper = body.get("paper_result")
    if isinstance(paper, dict) and not oc.paper_status:  # the decision's paper result, once
        update["paper_status"] = (
            PaperStatus.MAILED if paper.get("delivery") == PaperDelivery.POST else PaperStatus.AWAITING_PICKUP
        )
    OutboundCase.objects.filter(pk=oc.pk).update(**update)
    if isinstance(body.get("licenses"), list):
        peer_licenses.licenses_record(oc=oc, items=body["licenses"])
    _tell_the_person(oc=oc, seq=seq, body=body)
    return {"number": oc.number, "seq": seq}


def _tell_the_person(*, oc: OutboundCase, seq: int, body: dict) -> None:
    """One message to the person per reported event (in the transaction that records it)."""
    from django.urls import reverse

    context = {
        "number": oc.number,
        "item": oc.item_name,
        "peer": oc.peer.name,
        "note": str(body.get("note", ""))[:500],
    }
    link = reverse("federation:case", args=[oc.number])
    if body.get("action") == "request_supplement":
        missing = body.get("missing")
        if isinstance(missing, dict):
            missing = missing.get("missing") or []
        missing = [missing] if isinstance(missing, str) else list(missing or [])
        kind, context["missing"] = (
            "federation.supplement_requested",
            [str(m)[:200] for m in missing] or ["见说明"],
        )
    else:
        label = str(body.get("status_label") or "") or str(body.get("status", ""))
        kind, context["status_label"] = "federation.case_status", label[:50]
    notification_send(
        event_kind=kind, recipient=oc.owner, context=context, key=f"federation:{oc.number}:{seq}", link=link
    )


def _inbound_of(*, peer: Peer, body: dict) -> InboundCase:
    """The case this city filed for `peer`'s forwarded case named in the message (refused if none)."""
    inbound = (
        InboundCase.objects.select_related("case", "case__owner")
        .filter(peer=peer, remote_number=str(body.get("number", ""))[:40])
        .first()
    )
    if inbound is None:
        raise Refused(REASONS["unknown_case"], code="unknown_case")
    return inbound


def _apply_supplement(*, peer: Peer, body: dict) -> dict:
    """City B applies the applicant's 补正 that city A received and forwarded: the case's own
    `supplement` action in the applicant's name (B's rules: only while a supplement is requested;
    the form merged and validated, the materials checked), noted as received through A."""
    inbound = _inbound_of(peer=peer, body=body)
    case = inbound.case
    if case.status != Status.SUPPLEMENT_REQUESTED:
        raise Refused(REASONS["not_awaiting_supplement"], code="not_awaiting_supplement")
    case = cases.case_apply_action(
        case=case,
        actor=case.owner,
        action="supplement",
        note=f"经{peer.name}代收转交（代收编号 {inbound.remote_number}）",
        version=case.version,
        on=today(),
        form=body.get("form") if isinstance(body.get("form"), dict) else {},
        materials=body.get("materials") if isinstance(body.get("materials"), list) else [],
    )
    return {"number": case.number, "status": case.status}


def _apply_withdraw(*, peer: Peer, body: dict) -> dict:
    """City B applies the applicant's withdrawal that city A received (a 多地联办 case withdrawn as
    a whole): the case's own `withdraw` transition in the applicant's name while it is open. A
    part decided meanwhile stays decided: answered with its state (`withdrawn`: false), not
    refused, so A's outbox holds nothing up; A sees the state from B's reports."""
    from yiwang.cases.rules import OPEN_STATUSES

    inbound = _inbound_of(peer=peer, body=body)
    case = inbound.case
    if case.status not in OPEN_STATUSES:
        return {"number": case.number, "status": case.status, "withdrawn": case.status == Status.WITHDRAWN}
    reason = str(body.get("reason", ""))[:500]
    joint = f"（联办编号 {body['joint']}）" if body.get("joint") else ""
    case = cases.case_apply_action(
        case=case,
        actor=case.owner,
        action="withdraw",
        note=f"经{peer.name}代收转交撤回{joint}：{reason}",
        version=case.version,
        on=today(),
    )
    return {"number": case.number, "status": case.status, "withdrawn": True}


def _apply_license_used(*, peer: Peer, body: dict) -> dict:
    """The issuing city records a use of its licence in a peer city (用证记录): a `LicenseUse` of
    its own licence — the holder sees it with the licence's other uses, the ledger has its
    `license.used` entry — for a licence it issued on a case that peer forwarded (only then can
    the peer hold its credential)."""
    from yiwang.licenses.models import License, UseChannel
    from yiwang.licenses.services.authorisations import license_use_record

    identifier = str(body.get("identifier", ""))[:120]
    lic = License.objects.filter(identifier=identifier).first() if identifier else None
    if lic is None or not InboundCase.objects.filter(peer=peer, case_id=lic.case_id).exists():
        raise Refused(REASONS["unknown_license"], code="unknown_license")
    number = str(body.get("number", ""))[:40]
    use = license_use_record(
        license=lic,
        user=None,
        user_label=f"{peer.name}（{peer.code}）办件 {number}",
        purpose=str(body.get("purpose") or "异地办事申请免提交")[:200],
        fields=[],
        case_number=number,
        channel=UseChannel.APPLICATION,
    )
    return {"identifier": lic.identifier, "use": use.pk}


def _apply_joint_status(*, peer: Peer, body: dict) -> dict:
    """A peer's own part of a 多地联办 case changed: recorded on our part's InboundCase (`joint`
    parts: `status`, `status_label`, `seq`, `at`), newest event wins, so our staff see it."""
    with transaction.atomic():
        inbound = (
            InboundCase.objects.select_for_update()
            .filter(peer=peer, remote_number=str(body.get("number", ""))[:40])
            .first()
        )
        if inbound is None or inbound.joint.get("number") != body.get("joint"):
            raise Refused(REASONS["unknown_case"], code="unknown_case")
        seq = int(body.get("seq") or 0)
        joint = dict(inbound.joint)
        parts = [dict(p) for p in joint.get("parts", [])]
        for part in parts:
            if part.get("city") == peer.code and part.get("number") == str(body.get("part", "")):
                if seq > int(part.get("seq") or 0):
                    part.update(
                        seq=seq,
                        status=str(body.get("status", ""))[:30],
                        status_label=str(body.get("status_label", ""))[:50],
                        at=str(body.get("at", ""))[:40],
                    )
                break
        else:
            raise Refused(REASONS["unknown_case"], code="unknown_case")
        joint["parts"] = parts
        InboundCase.objects.filter(pk=inbound.pk).update(joint=joint)
    return {"number": inbound.case.number, "seq": seq}


HANDLERS = {
    "case.forward": _apply_forward,
    "case.status": _apply_status,
    "case.supplement": _apply_supplement,
    "case.withdraw": _apply_withdraw,
    "license.used": _apply_license_used,
    "joint.status": _apply_joint_status,
}


# --- the cases follower (city B reports back) ------------------------------------------------
def federation_follow_case(*, case_id: int, action: str) -> None:
    """After a transition commits in this city: if the case came from a peer, put one status
    message per case event not yet reported (the idempotency key makes a second call harmless;
    the outbox keeps them in order per case)."""
    _joint_follow(case_id)
    inbound = InboundCase.objects.select_related("peer", "case").filter(case_id=case_id).first()
    if inbound is None:
        return
    case: Case = inbound.case
    events = list(CaseEvent.objects.filter(case_id=case_id).order_by("seq"))
    with transaction.atomic():
        for ev in events:
            if ev.action == "create":
                continue
            body = {
                "number": inbound.remote_number,
                "remote_number": case.number,
                "seq": ev.seq,
                "action": ev.action,
                "status": ev.to_status,
                "status_label": Status(ev.to_status).label if ev.to_status in Status.values else ev.to_status,
                "note": ev.note or "",
                "at": ev.at.isoformat(),
            }
            if ev.to_status in (Status.DENIED, Status.REFUSED):
                remedy = remedy_for(case)
                if remedy:
                    body["remedy"] = remedy
            if ev.action == "request_supplement" and isinstance(ev.data, dict):
                body["missing"] = ev.data.get("missing") or ev.data
            if ev.action == "complete":  # the licences of the result, with their signed credentials
                licenses = peer_licenses.case_licenses(case_id)
                if licenses:
                    body["licenses"] = licenses
                # 纸质结果 as the person chose in the receiving city: sent to its window for
                # collection, or mailed by this city (the address is not sent back)
                body["paper_result"] = {
                    "delivery": inbound.paper_delivery,
                    "label": PaperDelivery(inbound.paper_delivery).label,
                    "sent_at": ev.at.isoformat(),
                }
            message_put(
                peer=inbound.peer,
                topic=TOPIC_STATUS,
                kind="case.status",
                key=inbound.remote_number,
                ident=f"status:{case.number}:{ev.seq}",
                body=body,
            )


def _joint_follow(case_id: int) -> None:
    """多地联办: this city's part changed — tell each peer with a part (`joint.status`, one per
    event, after the forward of its part: same outbox key), so every city knows the others'
    progress. Idempotency key `joint:<case number>:<seq>:<peer part>`: a second call sends nothing."""
    joint = JointCase.objects.select_related("case").filter(case_id=case_id).first()
    if joint is None:
        return
    case = joint.case
    events = [ev for ev in CaseEvent.objects.filter(case_id=case_id).order_by("seq") if ev.action != "create"]
    with transaction.atomic():
        for oc in joint.parts.select_related("peer"):
            for ev in events:
                message_put(
                    peer=oc.peer,
                    topic=TOPIC_FORWARD,
                    kind="joint.status",
                    key=oc.number,
                    ident=f"joint:{case.number}:{ev.seq}:{oc.number}",
                    body={
                        "number": oc.number,  # the peer's part, as it knows it (our 代收编号)
                        "joint": joint.number,
                        "part": case.number,
                        "seq": ev.seq,
                        "status": ev.to_status,
                        "status_label": Status(ev.to_status).label
                        if ev.to_status in Status.values
                        else ev.to_status,
                        "at": ev.at.isoformat(),
                    },
                )


def deliver_due(*, limit: int = 500) -> dict:
    """Deliver what is due now in this process (the command; Celery's sweep does it in production)."""
    counts: dict[str, int] = {}
    queue = list(outbox.outbox_due(limit=limit))
    while queue:
        result = outbox.outbox_deliver(message_id=queue.pop(0))
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
        queue.extend(result.unblocked)  # the next message of the same key, in order
    return counts
