"""`yiwang keys list` / `yiwang keys rotate <purpose>`: the key service from the command line."""

import base64
import os

from django.core.management.base import BaseCommand, CommandError

from yiwang.core import keys
from yiwang.core.models import Key, KeyPurpose


class Command(BaseCommand):
    help = "List key versions or rotate a key (field encryption and signing keys; the lookup-hash key is stable)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="cmd", required=True)
        sub.add_parser("list")
        rotate = sub.add_parser("rotate")
        rotate.add_argument("purpose", choices=KeyPurpose.values)
        sub.add_parser(
            "rewrap",
            help="re-wrap all keys after changing YIWANG_MASTER_KEY; the old one in YIWANG_OLD_MASTER_KEY",
        )

    def handle(self, *args, cmd, **opts):
        if cmd == "list":
            for k in Key.objects.order_by("purpose", "version"):
                state = "active" if k.active else f"retired {k.retired_at:%Y-%m-%d}"
                self.stdout.write(f"{k.purpose:20} v{k.version:<3} {k.algorithm:12} {state}")
            return
        if cmd == "rewrap":
            old = os.environ.get("YIWANG_OLD_MASTER_KEY", "")
            if not old:
                raise CommandError("set YIWANG_OLD_MASTER_KEY to the previous master key (base64)")
            try:
                n = keys.keys_rewrap(old_master=base64.b64decode(old))
            except keys.KeyError_ as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(self.style.SUCCESS(f"re-wrapped {n} keys"))
            return
        try:
            km = keys.key_rotate(purpose=opts["purpose"])
        except keys.KeyError_ as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{km.purpose} now at v{km.version}"))
