"""Two windows checking one code at the same moment: exactly one is accepted, the other is
`replayed` — on SQLite and PostgreSQL, with real threads and real transactions."""

import threading

import pytest
from django.db import close_old_connections

from yiwang.identity import services
from yiwang.identity.models import IdentityCheck, Outcome
from yiwang.ledger.models import PendingEntry


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rounds", [3])
def test_two_checks_at_once_exactly_one_wins(rounds, world):
    for _ in range(rounds):
        issued = services.code_issue(user=world.citizen)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []
        errors: list[BaseException] = []

        def run(verifier, code=issued.code, barrier=barrier, outcomes=outcomes, errors=errors):
            try:
                barrier.wait(timeout=10)
                outcomes.append(services.code_verify(code=code, verifier=verifier).outcome)
            except BaseException as exc:
                errors.append(exc)
            finally:
                close_old_connections()

        threads = [
            threading.Thread(target=run, args=(world.clerk,)),
            threading.Thread(target=run, args=(world.clerk_other_hall,)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not errors, errors
        assert sorted(outcomes) == [Outcome.REPLAYED, Outcome.VALID]
    assert IdentityCheck.objects.filter(outcome=Outcome.VALID).count() == rounds
    assert IdentityCheck.objects.filter(outcome=Outcome.REPLAYED).count() == rounds
    assert PendingEntry.objects.filter(kind="identity.verified").count() == rounds
