"""Two of the bureau's staff deciding one project at the same moment: exactly one wins, the other
gets 409 stale_version, and only the winner's step is recorded (one ledger entry) — real threads
and transactions on SQLite and PostgreSQL (the `core.workflow` conditional UPDATE)."""

import pytest

from yiwang.exchange.tests.test_concurrency import race
from yiwang.ledger.models import PendingEntry
from yiwang.organizations.services import staff_create
from yiwang.projects import services
from yiwang.projects.models import Project, Step

from .conftest import ON, file_project


@pytest.mark.django_db(transaction=True)
def test_approve_and_reject_at_once_exactly_one_wins(pw):
    other = staff_create(
        username="bureau2", password="pass-1234-word", name="局审查员乙",
        roles=[{"role": "reviewer", "department": pw.bureau_dept}],
    )  # fmt: skip
    p = file_project(pw)
    mine, theirs = Project.objects.get(pk=p.pk), Project.objects.get(pk=p.pk)
    outcomes = race(
        lambda: services.project_transition(
            actor=pw.bureau, project=mine, action="approve", note="同意", on=ON
        ),
        lambda: services.project_transition(actor=other, project=theirs, action="reject", note="重复", on=ON),
    )
    assert outcomes in (["ok", "stale_version"], ["invalid_transition", "ok"])
    p.refresh_from_db()
    assert p.version == 2 and p.stage in ("approved", "rejected")
    [step] = Step.objects.filter(project=p, seq=2)
    decided = PendingEntry.objects.filter(kind__in=["projects.step.approve", "projects.step.reject"])
    assert [e.pk for e in decided] == [step.ledger_entry]
