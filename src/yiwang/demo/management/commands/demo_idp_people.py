"""`yiwang demo_idp_people --out FILE`: the demo people for the demo provincial OpenID Connect
provider (`python -m yiwang.provincial_idp --people FILE`), as `make demo` starts it."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from yiwang.demo.provincial_idp import idp_people


class Command(BaseCommand):
    help = "Write the demo people file of the demo provincial identity provider (演示用统一身份认证)."

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, out: Path, **options):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"people": idp_people()}, ensure_ascii=False, indent=2))
        out.chmod(0o600)
        self.stdout.write(f"演示用统一身份认证人员：{out}")
