"""`yiwang succeed department <old USCC> <new USCC> --on YYYY-MM-DD --by <admin username>` and
`yiwang succeed region <old code> <new code> ...`: a department or region merged or renamed; its
open cases move to the successor, each with a recorded event."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from yiwang.accounts.models import User
from yiwang.core.errors import DomainError
from yiwang.organizations import services
from yiwang.organizations.models import Department, Region


class Command(BaseCommand):
    help = "Hand a department's or region's items, staff and open cases to its successor."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["department", "region"])
        parser.add_argument("old", help="USCC of the department / division code of the region")
        parser.add_argument("new")
        parser.add_argument("--on", required=True, help="first day of the successor, YYYY-MM-DD")
        parser.add_argument("--by", required=True, help="username of the platform admin doing it")

    def handle(self, *args, kind, old, new, on, by, **opts):
        try:
            day = date.fromisoformat(on)
            actor = User.objects.get(username=by)
            if kind == "department":
                moved = services.department_succeed(
                    department=Department.objects.get(uscc=old),
                    successor=Department.objects.get(uscc=new),
                    on=day,
                    actor=actor,
                )
            else:
                moved = services.region_succeed(
                    region=Region.objects.get(code=old),
                    successor=Region.objects.get(code=new),
                    on=day,
                    actor=actor,
                )
        except (
            ValueError,
            User.DoesNotExist,
            Department.DoesNotExist,
            Region.DoesNotExist,
            DomainError,
        ) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{moved} open cases moved to {new}"))
