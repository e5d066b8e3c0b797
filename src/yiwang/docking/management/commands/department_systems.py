"""`yiwang department_systems …`: register a department's business system (its push address and
the public key it signs callbacks with, handed over out of band), list the systems, and print the
platform's own public keys for the department to verify pushes with.

    yiwang department_systems register CODE --name NAME --department USCC --endpoint URL \\
        --key-id ID --public-key B64 (--items CODE,CODE | --all-items) [--timeout 10]
    yiwang department_systems list
    yiwang department_systems platform-keys       # JSON: give it to the department
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from yiwang.catalog.models import Item
from yiwang.core.errors import DomainError
from yiwang.exchange import httpsig
from yiwang.organizations.models import Department

from ...models import DepartmentSystem
from ...services import systems


class Command(BaseCommand):
    help = "部门业务系统对接：登记部门系统、查看登记、输出平台签名公钥"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        reg = sub.add_parser("register")
        reg.add_argument("code")
        reg.add_argument("--name", required=True)
        reg.add_argument("--department", required=True, help="部门的统一社会信用代码")
        reg.add_argument("--endpoint", required=True)
        reg.add_argument("--key-id", required=True)
        reg.add_argument("--public-key", required=True)
        reg.add_argument("--items", default="", help="事项实施编码，逗号分隔")
        reg.add_argument("--all-items", action="store_true")
        reg.add_argument("--timeout", type=float, default=10.0)
        sub.add_parser("list")
        sub.add_parser("platform-keys")

    def handle(self, *args, sub, **opts):
        try:
            getattr(self, "do_" + sub.replace("-", "_"))(**opts)
        except DomainError as exc:
            detail = "；".join(m for ms in (exc.fields or {}).values() for m in ms)
            raise CommandError(f"{exc.message} {detail}".strip()) from exc

    def do_register(
        self, *, code, name, department, endpoint, key_id, public_key, items, all_items, timeout, **_
    ):
        dept = Department.objects.filter(uscc=department).first()
        if dept is None:
            raise CommandError(f"未找到统一社会信用代码为 {department} 的部门")
        codes = [c.strip() for c in items.split(",") if c.strip()]
        found = list(Item.objects.filter(code__in=codes))
        missing = set(codes) - {i.code for i in found}
        if missing:
            raise CommandError(f"未找到事项：{'、'.join(sorted(missing))}")
        if not found and not all_items:
            raise CommandError("请用 --items 指定事项，或用 --all-items 表示本部门全部事项")
        system = systems.department_system_register(
            code=code,
            name=name,
            department=dept,
            endpoint=endpoint,
            key_id=key_id,
            public_key=public_key,
            items=found,
            all_items=all_items,
            timeout_seconds=timeout,
        )
        self.stdout.write(f"已登记 {system}，回调地址 {systems.CALLBACK_PATH.format(code=system.code)}")

    def do_list(self, **_):
        for s in DepartmentSystem.objects.select_related("department").prefetch_related("items"):
            items = "本部门全部事项" if s.all_items else "、".join(i.code for i in s.items.all())
            state = "启用" if s.active else "停用"
            self.stdout.write(f"{s.code}\t{s.name}\t{s.department.name}\t{s.endpoint}\t{state}\t{items}")

    def do_platform_keys(self, **_):
        self.stdout.write(json.dumps({"keys": httpsig.own_public_keys()}, ensure_ascii=False, indent=2))
