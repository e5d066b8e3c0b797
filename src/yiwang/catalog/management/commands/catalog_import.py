import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.catalog.services import items_import, items_import_xlsx


class Command(BaseCommand):
    help = "Import service items from a JSON or .xlsx file (all or nothing; prints the validation report)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="file.json or file.xlsx in the import format")
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument("--draft", action="store_true", help="import as drafts instead of publishing")
        parser.add_argument(
            "--source", default=None, help="code-mapping system of local codes (default json/xlsx)"
        )

    def handle(self, *args, file, dry_run, draft, source, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        if path.suffix.lower() == ".xlsx":
            with path.open("rb") as f:
                report = items_import_xlsx(
                    fileobj=f, publish=not draft, source=source or "xlsx", dry_run=dry_run
                )
        else:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise CommandError(f"not valid JSON: {exc}") from exc
            report = items_import(data=data, publish=not draft, source=source or "json", dry_run=dry_run)
        self.stdout.write(report.as_text())
        if not report.ok:
            raise SystemExit(1)
