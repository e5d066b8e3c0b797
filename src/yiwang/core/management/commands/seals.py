"""`yiwang seals list|ca|rotate|revoke`: the electronic seals (core/seal.py) from the command line.

yiwang seals list                       # every seal certificate: organ, key version, CA, state
yiwang seals ca > yiwang-seal-ca.pem    # the platform CA certificate(s), PEM
yiwang seals rotate <USCC>|ca           # new key version; old PDFs stay valid
yiwang seals revoke <USCC>|ca --reason "密钥泄露"   # old PDFs stop verifying; new key version
"""

from django.core.management.base import BaseCommand, CommandError

from yiwang.core import keys, seal
from yiwang.core.models import SealCertificate


class Command(BaseCommand):
    help = "List, rotate or revoke electronic seal keys and certificates; print the platform seal CA."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="cmd", required=True)
        sub.add_parser("list")
        sub.add_parser("ca")
        rotate = sub.add_parser("rotate")
        rotate.add_argument("owner", help="an organ's 统一社会信用代码, or `ca`")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("owner", help="an organ's 统一社会信用代码, or `ca`")
        revoke.add_argument("--reason", required=True)

    def handle(self, *args, cmd, **opts):
        if cmd == "list":
            for c in SealCertificate.objects.order_by("purpose", "key_version", "id"):
                state = (
                    f"revoked {c.revoked_at:%Y-%m-%d}" if c.revoked_at else f"until {c.not_after:%Y-%m-%d}"
                )
                self.stdout.write(
                    f"{c.purpose:24} v{c.key_version:<3} CA v{c.ca_version:<3} {c.serial} {state} {c.subject}"
                )
            return
        if cmd == "ca":
            self.stdout.write(seal.ca_pem().decode(), ending="")
            return
        owner = opts["owner"]
        purpose = keys.SEAL_CA_PURPOSE if owner == "ca" else keys.seal_purpose(owner)
        if cmd == "rotate":
            km = keys.key_rotate(purpose=purpose)
            self.stdout.write(self.style.SUCCESS(f"{purpose} now at v{km.version}"))
            return
        n = seal.seal_revoke(uscc=None if owner == "ca" else owner, reason=opts["reason"])
        if n == 0:
            raise CommandError(f"no certificate of {purpose} to revoke")
        self.stdout.write(self.style.SUCCESS(f"revoked {n} certificate(s) of {purpose}; key rotated"))
