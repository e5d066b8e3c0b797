"""`yiwang licenses import FILE [--by USERNAME] [--dry-run]`: 归集 existing licence records from an
.xlsx or CSV file. Valid rows are issued, rejected rows go to the repair queue (staff correct
them on /workbench/licenses/repairs/); all in one transaction. --dry-run only checks and reports."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.errors import DomainError


class Command(BaseCommand):
    help = "Licence tasks: `import FILE` brings existing licence records in (归集) with a row report."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import licence records from .xlsx or .csv")
        imp.add_argument("file")
        imp.add_argument("--by", default="", help="staff username to record as the importer (scope applies)")
        imp.add_argument("--dry-run", action="store_true", help="check and report only; import nothing")

    def handle(self, *args, **options):
        if options["action"] == "import":
            self._import(options)

    def _import(self, options) -> None:
        from yiwang.accounts.models import User
        from yiwang.licenses import importing, services

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        content = path.read_bytes()
        actor = None
        if options["by"]:
            actor = User.objects.filter(username=options["by"]).first()
            if actor is None:
                raise CommandError(f"no user {options['by']!r}")
        if options["dry_run"]:
            try:
                _fmt, _h, rows = importing.read_table(content, path.name)
            except importing.FileError as exc:
                raise CommandError(str(exc)) from None
            results = importing.validate_rows(rows, actor=actor)
            for r in results:
                self._line(r.row, "ok" if r.ok else "rejected", [e.as_dict() for e in r.errors])
            ok = sum(1 for r in results if r.ok)
            self.stdout.write(
                f"dry run: {len(results)} rows, {ok} would be issued, {len(results) - ok} rejected"
            )
            return
        try:
            batch = services.license_import_file(content=content, filename=path.name, actor=actor)
        except DomainError as exc:
            detail = "; ".join(m for ms in (exc.fields or {}).values() for m in ms)
            raise CommandError(f"{exc.message}{'：' + detail if detail else ''}") from None
        for row in batch.report:
            self._line(row["row"], row["outcome"], row.get("errors", []), row.get("identifier", ""))
        self.stdout.write(
            f"batch {batch.pk}: {batch.total_rows} rows, {batch.issued_count} issued, "
            f"{batch.rejected_count} to repair"
        )

    def _line(self, row: int, outcome: str, errors: list[dict], identifier: str = "") -> None:
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        self.stdout.write(f"row {row}: {outcome} {identifier or text}".rstrip())
