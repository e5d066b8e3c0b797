"""Accepted checks in the ledger: one `identity.verified` entry each, in the same transaction,
without the person; `yiwang ledger verify` re-derives them and catches an edited check."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from yiwang.identity import ledgering, services
from yiwang.identity.models import IdentityCheck, Outcome
from yiwang.ledger import services as ledger
from yiwang.ledger.models import PendingEntry

from .conftest import T0


def test_one_entry_per_accepted_check_without_the_person(world):
    issued = services.code_issue(user=world.citizen, now=T0)
    check = services.code_verify(code=issued.code, verifier=world.clerk, now=T0)
    services.code_verify(code=issued.code, verifier=world.clerk, now=T0)  # replayed: no entry
    entries = list(PendingEntry.objects.filter(kind__startswith="identity."))
    assert [e.kind for e in entries] == [ledgering.VERIFIED]
    entry = entries[0]
    assert check.ledger_entry == entry.pk
    assert entry.payload["verifier"] == world.clerk.pk and entry.payload["window"] == world.window.pk
    assert entry.payload["outcome"] == Outcome.VALID and "person" not in entry.payload
    assert set(entry.payload) == {
        "outcome",
        "verifier",
        "hall",
        "window",
        "at",
        "key_version",
        "code_issued_at",
    }
    text = bytes(entry.entry).decode()
    assert world.citizen.id_number not in text and "张伟" not in text and check.nonce not in text
    assert ledgering.commitment(check) in text


@pytest.mark.django_db(transaction=True)
def test_ledger_verify_rederives_and_catches_an_edited_check(world):
    for user in (world.citizen, world.citizen2):
        services.code_verify(code=services.code_issue(user=user).code, verifier=world.clerk)
    ledger.sequencer_run()
    call_command("ledger", "verify")
    check = IdentityCheck.objects.order_by("pk").first()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE identity_identitycheck SET window_id = %s WHERE id = %s",
            [world.window_other_hall.pk, check.pk],
        )
    with pytest.raises(CommandError, match=r"identity\.verified"):
        call_command("ledger", "verify")
