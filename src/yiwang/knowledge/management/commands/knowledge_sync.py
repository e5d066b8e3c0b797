from django.core.management.base import BaseCommand

from yiwang.knowledge.services import index_sync


class Command(BaseCommand):
    help = "Bring the knowledge points in step with items, one things, FAQs and policies; rebuild the shared index if anything changed."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="rebuild the index even if nothing changed")

    def handle(self, *args, force, **options):
        out = index_sync(force=force)
        self.stdout.write(
            f"points: {out['added']} sources added or updated, {out['removed']} removed; "
            + (f"index version {out['version']}" if "version" in out else "index unchanged")
        )
