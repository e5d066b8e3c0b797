"""What identity checks write to the ledger (全程留痕): one `identity.verified` entry per accepted
code, in the same transaction as its check row. The subject is a salted commitment to the
check's one-time nonce (a random salt per check), and the payload names the verifier, the place
and the time, never the person: no id, no hash of one, nothing that links a person's checks.

`yiwang ledger verify` re-derives the payload from the live check (registered in
IdentityConfig.ready)."""

from __future__ import annotations

from yiwang.core.formats import local_time
from yiwang.ledger import rederive
from yiwang.ledger import services as ledger
from yiwang.ledger.models import PendingEntry

from .models import IdentityCheck

VERIFIED = "identity.verified"


def commitment(check: IdentityCheck) -> str:
    return ledger.subject_commitment(salt=bytes.fromhex(check.ledger_salt), subject_id=check.nonce or "")


def payload(check: IdentityCheck) -> dict:
    """What the entry attests; computed before the check row is written (hence no row id)."""
    return {
        "outcome": check.outcome,
        "verifier": check.verifier_id,
        "hall": check.hall_id,
        "window": check.window_id,
        "at": local_time(check.at),
        "key_version": check.key_version,
        "code_issued_at": local_time(check.code_issued_at),
    }


def record_check(check: IdentityCheck) -> PendingEntry:
    """Append the accepted check's entry and note it on the (not yet saved) check: the caller
    saves the check in the same transaction (or withdraws the entry if the check is not saved)."""
    entry = ledger.entry_append(
        kind=VERIFIED, subject=commitment(check), payload=payload(check), actor_role="staff", at=check.at
    )
    check.ledger_entry = entry.pk
    return entry


def unrecord_check(check: IdentityCheck, entry: PendingEntry) -> None:
    """The check was not saved after all (its nonce was taken: a replay): take its entry back."""
    ledger.entry_withdraw(entry)
    check.ledger_entry = None


def _rederive(row) -> dict | None:
    check = IdentityCheck.objects.filter(ledger_entry=row.pending_id).first()
    return payload(check) if check else None


def register() -> None:
    rederive.register("identity.", _rederive)
