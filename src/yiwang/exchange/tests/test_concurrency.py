"""Two people acting on one sharing agreement at the same moment: exactly one wins, the other
gets 409 stale_version, and only the winner's step is recorded (one ledger entry) — on SQLite and
PostgreSQL, with real threads and real transactions (the `core.workflow` conditional UPDATE)."""

import threading

import pytest
from django.db import close_old_connections

from yiwang.core.errors import DomainError
from yiwang.core.testing import build_world
from yiwang.exchange import services
from yiwang.exchange.models import Agreement, AgreementStatus
from yiwang.exchange.tests.conftest import Ex
from yiwang.ledger.models import PendingEntry


def race(*calls) -> list[str]:
    """Run the calls in threads released together; each outcome is "ok" or the error code."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_exactly_one_wins():
    ex = Ex(build_world())
    a = ex.agree(ex.population, decide=False)
    version = a.version
    # both read the same version before either writes
    mine, theirs = Agreement.objects.get(pk=a.pk), Agreement.objects.get(pk=a.pk)
    outcomes = race(
        lambda: services.agreement_decide(actor=ex.cdo, agreement=mine, action="approve", version=version),
        lambda: services.agreement_decide(
            actor=ex.cdo, agreement=theirs, action="refuse", version=version, reason="不符合条件"
        ),
    )
    assert outcomes == ["ok", "stale_version"]
    a.refresh_from_db()
    assert a.version == version + 1 and a.status in (AgreementStatus.APPROVED, AgreementStatus.REFUSED)
    decisions = PendingEntry.objects.filter(
        kind__in=["exchange.agreement.approved", "exchange.agreement.refused"]
    )
    assert [e.pk for e in decisions] == [a.decision_entry]


@pytest.mark.django_db(transaction=True)
def test_provider_and_consumer_revoking_at_once_exactly_one_wins():
    ex = Ex(build_world())
    a = ex.agree(ex.population)
    version = a.version
    mine, theirs = Agreement.objects.get(pk=a.pk), Agreement.objects.get(pk=a.pk)
    outcomes = race(
        lambda: services.agreement_revoke(actor=ex.cdo, agreement=mine, version=version, reason="超范围使用"),
        lambda: services.agreement_revoke(
            actor=ex.w.dept_admin, agreement=theirs, version=version, reason="不再需要"
        ),
    )
    assert outcomes == ["ok", "stale_version"]
    a.refresh_from_db()
    assert a.status == AgreementStatus.REVOKED and a.version == version + 1
    assert PendingEntry.objects.filter(kind="exchange.agreement.revoked").count() == 1
