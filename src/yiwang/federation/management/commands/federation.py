"""`yiwang federation …`: this city's pairing card, pairing with a peer from its card (handed over
out of band — never trusted on first use), registering the metropolitan circle's cities, fetching
peers' item lists and delivering due peer messages now.

    yiwang federation card                      # print this city's card (JSON) for the other operator
    yiwang federation pair --card card.json     # pair with the peer the card describes
    yiwang federation pair CODE --base-url URL --key-id ID --public-key B64 [--ledger-key B64]
    yiwang federation register-metro            # the other cities of the circle, unpaired
    yiwang federation fetch-items [CODE]        # fetch and cache paired peers' item lists
    yiwang federation deliver                   # send what the outbox has due (normally the worker)
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import DomainError

from ... import protocol, services
from ...models import Peer, PeerStatus


class Command(BaseCommand):
    help = "一圈通办：配对通办城市、获取事项清单、发送跨市消息"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        sub.add_parser("card")
        pair = sub.add_parser("pair")
        pair.add_argument("code", nargs="?")
        pair.add_argument("--card")
        pair.add_argument("--base-url")
        pair.add_argument("--key-id")
        pair.add_argument("--public-key")
        pair.add_argument("--ledger-key", default="")
        unpair = sub.add_parser("unpair")
        unpair.add_argument("code")
        sub.add_parser("register-metro")
        fetch = sub.add_parser("fetch-items")
        fetch.add_argument("code", nargs="?")
        sub.add_parser("deliver")
        sub.add_parser("peers")

    def handle(self, *args, sub, **opts):
        try:
            getattr(self, "do_" + sub.replace("-", "_"))(**opts)
        except DomainError as exc:
            detail = "；".join(m for ms in (exc.fields or {}).values() for m in ms)
            raise CommandError(f"{exc.message} {detail}".strip()) from exc

    def do_card(self, **_):
        self.stdout.write(json.dumps(protocol.own_card(), ensure_ascii=False, indent=2))

    def do_pair(self, *, code, card, base_url, key_id, public_key, ledger_key, **_):
        ledger = {}
        if card:
            data = json.loads(Path(card).read_text())
            code, base_url, key_id = data["code"], data["base_url"], data["key_id"]
            public_key, ledger_key = data["public_key"], data.get("ledger_key", "")
            ledger = {k: data.get(k, "") for k in ("ledger_origin", "ledger_verifier", "witness_key")}
        if not (code and base_url and key_id and public_key):
            raise CommandError("须给出 --card，或城市代码与 --base-url、--key-id、--public-key")
        peer = services.peer_pair(
            code=code,
            base_url=base_url,
            key_id=key_id,
            public_key=public_key,
            ledger_key=ledger_key,
            **ledger,
        )
        self.stdout.write(f"已与{peer}配对（密钥 {peer.key_id}）")

    def do_unpair(self, *, code, **_):
        self.stdout.write(f"已解除与{services.peer_unpair(code=code)}的配对")

    def do_register_metro(self, **_):
        self.stdout.write(f"通办城市：新增 {services.peers_register_metro()} 个（未配对）")

    def do_fetch_items(self, *, code, **_):
        peers = [services.peer_get(code)] if code else Peer.objects.filter(status=PeerStatus.PAIRED)
        for peer in peers:
            try:
                n = services.peer_items_fetch(peer=peer)
            except DomainError as exc:
                self.stdout.write(f"{peer}：{exc.message}")
            else:
                self.stdout.write(f"{peer}：{n} 个通办事项")

    def do_deliver(self, **_):
        self.stdout.write(json.dumps(services.deliver_due(), ensure_ascii=False))

    def do_peers(self, **_):
        for peer in Peer.objects.order_by("code"):
            self.stdout.write(f"{peer.code} {peer.name} {services.peer_status(peer)} {peer.base_url}")
