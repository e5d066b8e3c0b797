"""`yiwang ledger verify`: audit the transparency log (exit status 1 on any divergence)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Ledger tools. `verify`: recompute the tree, check checkpoints, re-derive entries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Recompute and check the whole log")
        verify.add_argument("--no-rederive", action="store_true", help="Skip re-deriving from records")

    def handle(self, *args, action: str, **options):
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
