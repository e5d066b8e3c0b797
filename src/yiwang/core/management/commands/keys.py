"""`yiwang keys list` / `yiwang keys rotate <purpose>`: the key service from the command line."""

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

    def handle(self, *args, cmd, **opts):
        if cmd == "list":
            for k in Key.objects.order_by("purpose", "version"):
                state = "active" if k.active else f"retired {k.retired_at:%Y-%m-%d}"
                self.stdout.write(f"{k.purpose:20} v{k.version:<3} {k.algorithm:12} {state}")
            return
        try:
            km = keys.key_rotate(purpose=opts["purpose"])
        except keys.KeyError_ as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{km.purpose} now at v{km.version}"))
