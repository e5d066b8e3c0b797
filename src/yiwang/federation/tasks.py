"""Background jobs of 一圈通办."""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger("yiwang.federation")


@shared_task
def items_fetch() -> dict:
    """Every six hours (beat): refresh each paired peer's cross-city item list. A peer that does
    not answer keeps its cached list and shows as unreachable until it answers again."""
    from yiwang.core.errors import DomainError

    from . import services
    from .models import Peer, PeerStatus

    out: dict[str, object] = {}
    for peer in Peer.objects.filter(status=PeerStatus.PAIRED).order_by("code"):
        try:
            out[peer.code] = services.peer_items_fetch(peer=peer)
        except DomainError as exc:
            log.info("federation: items of %s not fetched: %s", peer.code, exc.code)
            out[peer.code] = exc.code
    return out
