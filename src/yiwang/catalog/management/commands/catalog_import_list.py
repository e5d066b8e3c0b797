from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.catalog.services import item_list_import


class Command(BaseCommand):
    help = (
        "Import a provincial item list (CSV: department, main_item, item_name, implementation_code, "
        "item_type_code) as draft items; all or nothing, prints the validation report."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "csv", help="the item list, e.g. ../shared/data/items-sichuan-guang-an-district.csv"
        )
        parser.add_argument("--region-code", required=True, help="division code of the list's region")
        parser.add_argument(
            "--create-departments",
            action="store_true",
            help="create departments missing in the region, with the USCC found in their implementation codes",
        )
        parser.add_argument(
            "--department-uscc",
            action="append",
            default=[],
            metavar="NAME=USCC",
            help="USCC of a department to create (when its codes carry none); repeatable",
        )
        parser.add_argument(
            "--source", default="sichuan", help="code-mapping system of the list's type codes"
        )
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")

    def handle(
        self, *args, csv, region_code, create_departments, department_uscc, source, dry_run, **options
    ):
        path = Path(csv)
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        overrides = {}
        for entry in department_uscc:
            name, sep, code = entry.partition("=")
            if not sep:
                raise CommandError(f"--department-uscc expects NAME=USCC, got {entry!r}")
            overrides[name.strip()] = code.strip()
        with path.open(encoding="utf-8-sig", newline="") as f:
            report = item_list_import(
                fileobj=f,
                region_code=region_code,
                create_departments=create_departments,
                department_usccs=overrides,
                dry_run=dry_run,
                source=source,
            )
        self.stdout.write(report.as_text())
        if not report.ok:
            raise SystemExit(1)
