"""`yiwang ledger verify`: audit the transparency log (exit status 1 on any divergence).
`yiwang ledger witness-peer ORIGIN KEY`: witness another log (C2SP tlog-witness)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Ledger tools. `verify`: recompute the tree, check checkpoints, re-derive entries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Recompute and check the whole log")
        verify.add_argument("--no-rederive", action="store_true", help="Skip re-deriving from records")
        peer = sub.add_parser(
            "witness-peer", help="Witness another log: its origin and signed-note verifier key"
        )
        peer.add_argument("origin")
        peer.add_argument("verifier_key")

    def handle(self, *args, action: str, **options):
        if action == "witness-peer":
            from yiwang.ledger.services import witness_peer_add

            try:
                peer = witness_peer_add(origin=options["origin"], verifier_key=options["verifier_key"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"witnessing {peer.origin} from size {peer.size}")
            return
        from yiwang.ledger.audit import ledger_verify

        started = time.monotonic()
        report = ledger_verify(rederive_records=not options.get("no_rederive"))
        took = time.monotonic() - started
        self.stdout.write(
            f"entries {report.entries}, nodes {report.nodes}, checkpoints {report.checkpoints}, "
            f"cosignatures {report.cosignatures}, re-derived {report.rederived}, {took:.1f}s"
        )
        if not report.ok:
            for line in report.problems:
                self.stderr.write(line)
            raise CommandError(f"first divergence: {report.problems[0]}", returncode=1)
        self.stdout.write("ledger OK")
