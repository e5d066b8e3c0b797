from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.catalog.external_list import external_list_import


class Command(BaseCommand):
    help = (
        "Import another district's published item list (CSV: department, main_item, item_name, "
        "implementation_code, item_type_code) as external catalogue entries of 广安区 (codes and "
        "names exactly as listed, no limits, out of the city's indicators and rule checks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", help="e.g. src/yiwang/demo/data/items-sichuan-guang-an-district.csv")

    def handle(self, *args, csv, **options):
        path = Path(csv)
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        with path.open(encoding="utf-8-sig", newline="") as f:
            out = external_list_import(fileobj=f)
        self.stdout.write(
            f"rows {out.rows}: created {out.created}, renamed {out.renamed}, unchanged {out.unchanged}; "
            f"departments created {out.departments_created}"
        )
