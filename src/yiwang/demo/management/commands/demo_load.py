"""`yiwang demo_load`: load the Wuhan-like demo data set (idempotent) and print the demo logins."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ValidationFailed
from yiwang.demo import services
from yiwang.demo.bundles import WATER_STAFF
from yiwang.demo.licenses import MALL_NAME, MALL_USERNAME
from yiwang.demo.projects import PROJECTS_USERS
from yiwang.demo.services import DEMO_USERS, PASSWORD_ENV, DemoLoadError


class Command(BaseCommand):
    help = "Load the demo data set (regions, departments, halls, items, demo users); safe to run again."

    def handle(self, *args, **options):
        password = os.environ.get(PASSWORD_ENV) or None
        try:
            result = services.demo_load(password=password)
        except DemoLoadError as exc:
            raise CommandError(f"演示数据加载失败：\n{exc}") from exc
        except ValidationFailed as exc:
            raise CommandError("；".join(m for msgs in exc.fields.values() for m in msgs)) from exc

        report = result.items_report
        self.stdout.write(f"行政区划：新增 {result.regions_created} 个")
        if report is not None:
            self.stdout.write(
                f"事项：新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}，发布 {report.published}"
            )
        bundles = result.parts.get("bundles", {}).get("bundles", {})
        if bundles:
            self.stdout.write(f"一件事：已发布 {len(bundles)} 个（{'、'.join(bundles)}）")
        live = result.parts.get("halls_live", {})
        if live.get("display_path"):
            self.stdout.write(f"大厅叫号显示屏（武汉市民之家）：{live['display_path']}")
            self.stdout.write(
                f"自助终端：{live['terminals']} 台；用 kiosk 账号登录后打开 /kiosk/ 进入自助模式"
            )
        self.stdout.write("")
        self.stdout.write("演示账号（用户名 · 姓名/名称 · 说明）：")
        width = max(len(u.username) for u in DEMO_USERS)
        for u in DEMO_USERS:
            self.stdout.write(f"  {u.username.ljust(width)}  {u.name} · {u.description}")
        self.stdout.write(
            f"  {MALL_USERNAME.ljust(width)}  {MALL_NAME} · 法人（商场运营方，已授权 business 使用其证照：免提交）"
        )
        username, name, description = WATER_STAFF
        self.stdout.write(f"  {username.ljust(width)}  {name} · {description}")
        for username, name, description in PROJECTS_USERS:
            self.stdout.write(f"  {username.ljust(width)}  {name} · {description}")
        self.stdout.write("")
        if result.password_from_env:
            self.stdout.write(f"演示账号密码为环境变量 {PASSWORD_ENV} 的值（已为全部演示账号设置）。")
        elif result.password:
            self.stdout.write(
                self.style.WARNING(f"演示账号密码（仅显示这一次，请妥善保存）：{result.password}")
            )
            if result.users_created and len(result.users_created) < len(DEMO_USERS):
                self.stdout.write(
                    f"  适用于本次新建的账号：{'、'.join(result.users_created)}；其余账号密码不变。"
                )
        else:
            self.stdout.write(
                f"演示账号密码已在首次初始化时打印。如需重置：{PASSWORD_ENV}=新密码 yiwang demo_load"
            )
