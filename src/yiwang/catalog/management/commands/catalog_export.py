import json
from pathlib import Path

from django.core.management.base import BaseCommand

from yiwang.catalog.services import items_export, items_export_xlsx


class Command(BaseCommand):
    help = "Export every item's latest version as JSON or .xlsx (the import format)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="file.json or file.xlsx")

    def handle(self, *args, file, **options):
        path = Path(file)
        if path.suffix.lower() == ".xlsx":
            path.write_bytes(items_export_xlsx())
        else:
            rows = items_export()
            path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
        self.stdout.write(f"exported to {path}")
