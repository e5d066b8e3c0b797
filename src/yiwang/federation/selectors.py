"""Reading 一圈通办 data for the API and the operator pages."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import OutboundCase, Peer, PeerItem, PeerMessage, RemoteStatus


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
