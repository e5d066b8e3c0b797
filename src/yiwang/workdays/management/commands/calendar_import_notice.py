"""`yiwang calendar_import_notice <file.json>`: enter a State Council holiday notice from JSON.
The format is described in yiwang/workdays/data/README.md."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import ValidationFailed
from yiwang.workdays.services import calendar_notice_enter


def _date(value: object, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CommandError(f"{where}：日期格式应为 YYYY-MM-DD（{value!r}）") from exc


def parse_notice(data: object) -> dict:
    """Turn the JSON document into keyword arguments of `calendar_notice_enter`."""
    if not isinstance(data, dict):
        raise CommandError("文件内容应为 JSON 对象")
    missing = [k for k in ("year", "title", "days") if k not in data]
    if missing:
        raise CommandError(f"缺少字段：{', '.join(missing)}")
    if not isinstance(data["year"], int) or isinstance(data["year"], bool):
        raise CommandError("year 应为整数")
    if not isinstance(data["days"], list):
        raise CommandError("days 应为列表")
    days = []
    for i, item in enumerate(data["days"]):
        where = f"days[{i}]"
        if not isinstance(item, dict) or "date" not in item or "workday" not in item:
            raise CommandError(f"{where} 应为含 date、workday 的对象")
        if not isinstance(item["workday"], bool):
            raise CommandError(f"{where}.workday 应为 true 或 false")
        days.append((_date(item["date"], where), item["workday"], str(item.get("name") or "")))
    published = data.get("published_on")
    return {
        "year": data["year"],
        "title": str(data["title"]),
        "document_number": str(data.get("document_number") or ""),
        "published_on": _date(published, "published_on") if published else None,
        "days": days,
    }


class Command(BaseCommand):
    help = (
        "Enter a State Council holiday notice (放假安排通知) from a JSON file; replaces that year's notice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="JSON: {year, title, document_number, published_on, days: [{date, workday, name}]}"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"不是合法的 JSON（第 {exc.lineno} 行）") from exc
        kwargs = parse_notice(data)
        try:
            notice = calendar_notice_enter(**kwargs)
        except ValidationFailed as exc:
            details = "；".join(f"{k}: {'，'.join(v)}" for k, v in exc.fields.items())
            raise CommandError(f"{exc.message}：{details}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已录入 {notice.year} 年放假安排通知（{len(kwargs['days'])} 天），"
                f"重新计算办结期限的办件 {notice.recomputed_cases} 件"
            )
        )
