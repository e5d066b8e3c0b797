from django.core.management.base import BaseCommand

from yiwang.licenses.services import license_types_load


class Command(BaseCommand):
    help = "Load (create or update) the demo licence catalogue (证照目录)."

    def handle(self, *args, **options):
        count = license_types_load()
        self.stdout.write(f"{count} licence types loaded")
