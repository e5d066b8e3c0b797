"""`yiwang province_catch_up`: queue what was never pushed to the provincial platform (licences
issued and case events or ratings recorded before it was configured, or whose follower task was
lost); the outbox then sends them."""

from django.core.management.base import BaseCommand

from yiwang.docking.services import reporting, sharing


class Command(BaseCommand):
    help = "Queue unreported licences, case events and ratings for the provincial platform"

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=2000)

    def handle(self, *args, limit: int, **options):
        licences = sharing.licenses_share_catch_up(limit=limit)
        counts = reporting.reports_catch_up(limit=limit)
        self.stdout.write(f"licences={licences} case_events={counts['cases']} ratings={counts['ratings']}")
