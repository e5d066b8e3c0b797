from django.core.management.base import BaseCommand

from yiwang.catalog.services import elements_sync


class Command(BaseCommand):
    help = "Write the canonical data elements (catalog/elements.py) to the element registry."

    def handle(self, *args, **options):
        changed = elements_sync()
        self.stdout.write(f"element registry in step: {changed} created or changed")
