"""Reading 一圈通办 data for the API and the operator pages."""

from __future__ import annotations

from django.db.models import Exists, Q, QuerySet

from .models import OutboundCase, PaperDelivery, PaperStatus, Peer, PeerItem, PeerMessage, RemoteStatus


def peers() -> QuerySet[Peer]:
    return Peer.objects.order_by("code")


def peer_dict(peer: Peer) -> dict:
    from .services import peer_status

    status = peer_status(peer)
    return {
        "code": peer.code,
        "name": peer.name,
        "base_url": peer.base_url,
        "status": status,
        "status_label": {"unpaired": "未配对", "paired": "已配对", "unreachable": "无法连接"}[status],
        "items_fetched_at": peer.items_fetched_at.isoformat() if peer.items_fetched_at else None,
    }


def peer_items(peer: Peer) -> QuerySet[PeerItem]:
    return PeerItem.objects.filter(peer=peer).select_related("peer").order_by("code")


def peer_item_dict(item: PeerItem) -> dict:
    from .services import MODE_LABELS

    return {
        "peer": item.peer.code,
        "code": item.code,
        "name": item.name,
        "version": item.item_version,
        "scope": item.scope,
        "modes": item.modes,
        "modes_label": [MODE_LABELS.get(m, m) for m in item.modes],
        "local_intake": "remote_intake" in item.modes,
        "local_intake_label": "可在本地代收" if "remote_intake" in item.modes else "",
    }


def outbound_dict(oc: OutboundCase, *, events: bool = True) -> dict:
    out = {
        "number": oc.number,
        "peer": oc.peer.code,
        "peer_name": oc.peer.name,
        "item_code": oc.item_code,
        "item_name": oc.item_name,
        "item_version": oc.item_version,
        "remote_number": oc.remote_number or None,
        "status": oc.status,
        "status_label": RemoteStatus(oc.status).label,
        "paper": paper_dict(oc),
    }
    if events:
        from .peer_licenses import license_dict
        from .services import supplement_request_of

        out["supplement_open"] = supplement_request_of(oc) is not None
        out["licenses"] = [license_dict(lic) for lic in oc.licenses.order_by("pk")]
        out["events"] = [
            {
                "seq": e.seq,
                "action": e.action,
                "status": e.status,
                "status_label": RemoteStatus(e.status).label if e.status in RemoteStatus.values else e.status,
                "note": e.note,
                "at": e.at.isoformat(),
                **({"remedy": e.data["remedy"]} if e.data.get("remedy") else {}),
                **({"missing": e.data["missing"]} if e.data.get("missing") else {}),
            }
            for e in oc.events.order_by("seq")
        ]
    return out


def paper_dict(oc: OutboundCase) -> dict:
    """纸质结果 as the person chose it and where it stands; the address and the collector's name
    masked (personal data)."""
    from yiwang.core.masking import mask_address, mask_name

    by = oc.paper_handed_over_by
    return {
        "delivery": oc.paper_delivery,
        "delivery_label": PaperDelivery(oc.paper_delivery).label,
        "address": mask_address(oc.paper_address) if oc.paper_address else None,
        "status": oc.paper_status,
        "status_label": PaperStatus(oc.paper_status).label,
        "handed_over_at": oc.paper_handed_over_at.isoformat() if oc.paper_handed_over_at else None,
        "handed_over_by": (getattr(by, "display_name", "") or by.get_username()) if by else None,
        "collector": mask_name(oc.paper_collector) if oc.paper_collector else None,
    }


def outbound_dict_brief(oc: OutboundCase) -> dict:
    return {**outbound_dict(oc, events=False), "owner_name": _masked_owner(oc)}


def _masked_owner(oc: OutboundCase) -> str:
    from yiwang.core.masking import mask_name

    owner = oc.owner
    return mask_name(owner.display_name or "")


def paper_awaiting(*, user) -> QuerySet[OutboundCase]:
    """Paper results waiting at this city's windows (待领取) that `user` may see, oldest first."""
    return (
        outbound_visible(user=user)
        .filter(paper_status=PaperStatus.AWAITING_PICKUP)
        .select_related("peer", "owner", "paper_handed_over_by")
        .order_by("updated_at", "pk")
    )


def outbound_visible(*, user) -> QuerySet[OutboundCase]:
    """Who in this city sees a case received here for a peer (as cases scope their staff):
    - the person it is for and whoever filed it (a clerk at the window);
    - clerks of the hall that received it (a window or kiosk there);
    - received online (no hall): clerks of 综合窗口 (the windows that take any item) in the city
      region that received it — the person may bring a supplement to any of them;
    - supervisors within their region (read only); platform admins: all.
    No department of this city decides it (the competent city does): reviewers, approvers and
    department admins see none, and another hall's clerk none of that hall's cases."""
    from yiwang.accounts.models import AccountKind
    from yiwang.organizations.models import Role, Window, WindowKind
    from yiwang.organizations.selectors import region_lineage, region_q, staff_scope

    qs = OutboundCase.objects.all()
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    q = Q(owner=user) | Q(filed_by=user)
    if user.kind != AccountKind.STAFF:
        return qs.filter(q)
    scope = staff_scope(user)
    if Role.PLATFORM_ADMIN in scope.roles:
        return qs
    if scope.hall_ids:
        q |= Q(hall_id__in=scope.hall_ids)
        paths = {
            p
            for w in Window.objects.filter(
                pk__in=scope.window_ids, kind=WindowKind.COMPREHENSIVE
            ).select_related("hall__region")
            for p in region_lineage(w.hall.region.path)
        }
        if paths:
            q |= Q(hall__isnull=True, region__path__in=sorted(paths))
    if Role.SUPERVISOR in scope.roles:
        q |= region_q(scope.region_paths[Role.SUPERVISOR])
    return qs.filter(q)


JOINT_STATUS_LABELS = {
    "in_progress": "办理中",
    "completed": "全部办结",
    "attention": "部分事项未获办理",
    "withdrawn": "已撤回",
}
_NOT_GRANTED = {"denied", "refused", "rejected", "withdrawn"}
_OPEN_PART = {
    "local": {"submitted", "supplement_requested", "accepted", "reviewed"},  # cases.rules.OPEN_STATUSES
    "peer": {"forwarding", "submitted", "supplement_requested", "accepted", "reviewed"},
}


def joint_dict(joint) -> dict:
    """A 多地联办 case as the person sees it: one number, every part (this city's own case and
    each peer's) with its state, events and results (licences: this city's own; the peers',
    verified with their keys), and an overall state — completed when every part is."""
    from yiwang.cases.models import Status
    from yiwang.licenses.models import License

    from . import protocol

    case = joint.case
    local = {
        "city": protocol.own_code(),
        "city_name": protocol.own_name(),
        "role": "local",
        "item_code": case.item.code,
        "item_name": case.item_version.name,
        "number": case.number,
        "status": case.status,
        "status_label": Status(case.status).label if case.status in Status.values else case.status,
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "status": e.to_status,
                "status_label": Status(e.to_status).label if e.to_status in Status.values else e.to_status,
                "note": e.note,
                "at": e.at.isoformat(),
            }
            for e in case.events.order_by("seq")
            if e.action != "create"
        ],
        "licenses": [
            {
                "identifier": lic.identifier,
                "number": lic.number,
                "name": lic.type.name,
                "issuer_name": lic.issuer_name,
                "valid_from": lic.valid_from.isoformat(),
                "valid_until": lic.valid_until.isoformat() if lic.valid_until else None,
                "verified": True,  # issued here, signed with this city's own key
            }
            for lic in License.objects.filter(case=case).select_related("type").order_by("pk")
        ],
    }
    parts = [local]
    for oc in joint.parts.select_related("peer").order_by("pk"):
        part = outbound_dict(oc)
        parts.append(
            {
                "city": oc.peer.code,
                "city_name": oc.peer.name,
                "role": "peer",
                **{k: part[k] for k in ("item_code", "item_name", "number", "remote_number", "status")},
                "status_label": part["status_label"],
                "supplement_open": part["supplement_open"],
                "events": part["events"],
                "licenses": part["licenses"],
            }
        )
    states = [p["status"] for p in parts]
    if all(s == "completed" for s in states):
        overall = "completed"
    elif all(s == "withdrawn" for s in states):
        overall = "withdrawn"
    elif any(s in _NOT_GRANTED for s in states):
        overall = "attention"
    else:
        overall = "in_progress"
    return {
        "number": joint.number,
        "status": overall,
        "status_label": JOINT_STATUS_LABELS[overall],
        # a part not decided yet: the person may withdraw the whole case (its open parts)
        "withdrawable": any(p["status"] in _OPEN_PART[p["role"]] for p in parts),
        "channel": joint.channel,
        "created_at": joint.created_at.isoformat(),
        "parts": parts,
    }


def messages_search(*, q: str = "", peer: str = "", status: str = "") -> QuerySet[PeerMessage]:
    qs = PeerMessage.objects.all()
    if q:
        qs = qs.filter(Q(case_ref=q) | Q(idempotency_key=q))
    if peer:
        qs = qs.filter(peer_code=peer)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-pk")


def paired_peers() -> QuerySet[Peer]:
    return Peer.objects.filter(status="paired").order_by("code")


def cross_city_items(*, q: str = "", peer: str = "") -> QuerySet[PeerItem]:
    """The paired cities' cached cross-city items that can be received here (异地代收)."""
    qs = PeerItem.objects.select_related("peer").filter(peer__status="paired")
    if q:
        qs = qs.filter(name__icontains=q)
    if peer:
        qs = qs.filter(peer__code=peer)
    return qs.order_by("peer__code", "code")


def case_federation(case) -> dict | None:
    """What a staff case page shows of 一圈通办 (workbench): a case a peer received and forwarded
    here (the receiving city, its number, how the paper result goes — the address masked) and, for
    a 多地联办 part, the other parts with their cities and states (as the receiving city described
    them and reported since); or this city's own part of a joint case received here, with the
    peers' parts. None for an ordinary case."""
    from yiwang.cases.models import Case
    from yiwang.core.masking import mask_address

    from . import protocol
    from .models import InboundCase, JointCase

    # Most cases are neither: one statement says which (if any) before either row is read.
    inbound_exists, joint_exists = (
        Case.objects.filter(pk=case.pk)
        .annotate(
            i=Exists(InboundCase.objects.filter(case_id=case.pk)),
            j=Exists(JointCase.objects.filter(case_id=case.pk)),
        )
        .order_by()
        .values_list("i", "j")
        .first()
    ) or (False, False)
    if not (inbound_exists or joint_exists):
        return None
    inbound = (
        InboundCase.objects.select_related("peer").filter(case_id=case.pk).first() if inbound_exists else None
    )
    if inbound is not None:
        joint = inbound.joint or {}
        return {
            "role": "inbound",
            "peer_name": inbound.peer.name,
            "remote_number": inbound.remote_number,
            "received_at": str((inbound.receipt or {}).get("received_at", ""))[:16].replace("T", " "),
            "paper_label": PaperDelivery(inbound.paper_delivery).label,
            "paper_address": mask_address(inbound.paper_address) if inbound.paper_address else "",
            "joint_number": joint.get("number", ""),
            "parts": [
                {
                    "city_name": protocol.CITIES.get(p.get("city", ""), p.get("city", "")),
                    "item_name": p.get("item_name", ""),
                    "number": p.get("number", ""),
                    "status_label": p.get("status_label", "")
                    or ("本件" if p.get("number") == inbound.remote_number else "尚无报送"),
                    "this": p.get("number") == inbound.remote_number,
                }
                for p in joint.get("parts", [])
            ],
        }
    joint = JointCase.objects.filter(case_id=case.pk).first()
    if joint is None:
        return None
    return {
        "role": "joint_local",
        "joint_number": joint.number,
        "parts": [
            {
                "city_name": oc.peer.name,
                "item_name": oc.item_name,
                "number": oc.remote_number or oc.number,
                "status_label": RemoteStatus(oc.status).label,
                "this": False,
            }
            for oc in joint.parts.select_related("peer").order_by("pk")
        ],
    }
