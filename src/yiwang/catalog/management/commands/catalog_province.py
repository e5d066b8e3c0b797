from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.catalog import claims, province


class Command(BaseCommand):
    help = (
        "事项认领: import an export file of the provincial item library (JSON or .xlsx, all or nothing), "
        "or poll its API for changes since the stored cursor. Every run leaves a ProvinceSync record."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import file.json or file.xlsx")
        imp.add_argument("file")
        imp.add_argument("--source", default=None, help="source name (default YIWANG_ITEM_LIBRARY_SOURCE)")
        poll = sub.add_parser("sync", help="poll the API (YIWANG_ITEM_LIBRARY_URL, or --url)")
        poll.add_argument("--url", default=None)
        poll.add_argument("--source", default=None)

    def handle(self, *args, action, source=None, **options):
        if action == "import":
            path = Path(options["file"])
            if not path.exists():
                raise CommandError(f"no such file: {path}")
            kind = "xlsx" if path.suffix.lower() == ".xlsx" else "json"
            sync = claims.standard_file_import(data=path.read_bytes(), kind=kind, system=source)
        else:
            if not (options.get("url") or province.base_url()):
                raise CommandError("YIWANG_ITEM_LIBRARY_URL is not set (or give --url)")
            sync = claims.province_sync(url=options.get("url"), system=source)
        self.stdout.write(
            f"{sync.get_status_display()}：收到 {sync.received}，新增 {sync.created}，变更 {sync.changed}，"
            f"未变 {sync.unchanged}，过期 {sync.stale}，待确认变更 {sync.changes_raised}"
            + (
                f"；游标 {sync.cursor_before or '（起点）'} → {sync.cursor_after}"
                if sync.via == "api"
                else ""
            )
        )
        if sync.error_code:
            self.stdout.write(f"{sync.error_code}：{sync.detail}")
        if sync.status == "failed":
            raise SystemExit(1)
