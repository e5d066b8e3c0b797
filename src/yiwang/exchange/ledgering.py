"""What the exchange writes to the ledger (全程留痕): every query (allowed or refused), agreement
requests, decisions and revocations, consent decisions and withdrawals. Entries name a query or a consent only by
a salted commitment (HMAC(record salt, record uid/id)), never the person; payloads carry codes,
department USCCs and element codes, never personal values. `yiwang ledger verify` re-derives each
payload from the live records through the functions registered here."""

from __future__ import annotations

import hashlib

from yiwang.core.formats import local_time
from yiwang.ledger import rederive
from yiwang.ledger import services as ledger

from .models import AccessRecord, Agreement, Consent


def query_subject(record: AccessRecord) -> str:
    return ledger.subject_commitment(salt=bytes.fromhex(record.ledger_salt), subject_id=str(record.uid))


def query_payload(record: AccessRecord) -> dict:
    return {
        "record": str(record.uid),
        "at": local_time(record.at),
        "consumer": record.consumer.uscc if record.consumer_id else "",
        "actor": record.actor_id,
        "actor_role": record.actor_role,
        "system": record.system_id,
        "resource": record.resource_code,
        "purpose": record.purpose,
        "case": record.case_number,
        "elements": record.elements_requested,
        "returned": record.elements_returned,
        "outcome": record.outcome,
        "reason": record.reason,
        "agreement": record.agreement_id,
        "consent_basis": record.consent_basis,
    }


def record_query(record: AccessRecord) -> None:
    """Append the record's entry and name it on the record. Called before the record is written
    (services._record inserts it once, with its entry id); a saved record is updated."""
    entry = ledger.entry_append(
        kind="exchange.query",
        subject=query_subject(record),
        payload=query_payload(record),
        actor_role=record.actor_role,
        at=record.at,
    )
    record.ledger_entry = entry.pk
    if record.pk is not None:
        AccessRecord.objects.filter(pk=record.pk).update(ledger_entry=entry.pk)


def agreement_subject(agreement: Agreement) -> str:
    return hashlib.sha256(f"exchange.agreement:{agreement.pk}".encode()).hexdigest()


def agreement_request_payload(a: Agreement) -> dict:
    return {
        "agreement": a.pk,
        "resource": a.resource.code,
        "consumer": a.consumer.uscc,
        "elements": a.requested_elements,
        "purposes": a.purposes,
        "legal_basis": a.legal_basis,
        "valid_from": a.valid_from.isoformat(),
        "valid_until": a.requested_until.isoformat(),
        "requested_by": a.requested_by_id,
        "at": local_time(a.requested_at),
    }


def agreement_decision_payload(a: Agreement) -> dict:
    # a revoked agreement had been approved: its decision entry still says so
    return {
        "agreement": a.pk,
        "status": "approved" if a.status == "revoked" else a.status,
        "elements": a.elements,
        "valid_until": a.valid_until.isoformat() if a.valid_until else None,
        "decided_by": a.decided_by_id,
        "automatic": a.automatic,
        "reason": a.decision_reason,
        "at": local_time(a.decided_at),
    }


def record_agreement(a: Agreement, *, decision: bool) -> None:
    kind = f"exchange.agreement.{a.status}" if decision else "exchange.agreement.requested"
    payload = agreement_decision_payload(a) if decision else agreement_request_payload(a)
    entry = ledger.entry_append(
        kind=kind,
        subject=agreement_subject(a),
        payload=payload,
        actor_role="system" if a.automatic else "staff",
        at=a.decided_at if decision else a.requested_at,
    )
    field = "decision_entry" if decision else "request_entry"
    Agreement.objects.filter(pk=a.pk).update(**{field: entry.pk})
    setattr(a, field, entry.pk)


def agreement_revoke_payload(a: Agreement) -> dict:
    return {
        "agreement": a.pk,
        "status": "revoked",
        "side": a.revoked_side,
        "revoked_by": a.revoked_by_id,
        "reason": a.revoke_reason,
        "at": local_time(a.revoked_at),
    }


def record_agreement_revocation(a: Agreement) -> None:
    entry = ledger.entry_append(
        kind="exchange.agreement.revoked",
        subject=agreement_subject(a),
        payload=agreement_revoke_payload(a),
        actor_role="staff",
        at=a.revoked_at,
    )
    Agreement.objects.filter(pk=a.pk).update(revoke_entry=entry.pk)
    a.revoke_entry = entry.pk


def consent_subject(c: Consent) -> str:
    return ledger.subject_commitment(salt=bytes.fromhex(c.ledger_salt), subject_id=f"consent:{c.pk}")


def consent_decision_payload(c: Consent) -> dict:
    return {
        "consent": c.pk,
        "decision": "granted" if c.status in ("granted", "withdrawn") else c.status,
        "resource": c.resource.code,
        "consumer": c.consumer.uscc,
        "purpose": c.purpose,
        "elements": c.elements,
        "at": local_time(c.decided_at),
    }


def consent_withdraw_payload(c: Consent) -> dict:
    return {"consent": c.pk, "decision": "withdrawn", "at": local_time(c.withdrawn_at)}


def record_consent(c: Consent, *, withdrawal: bool) -> None:
    payload = consent_withdraw_payload(c) if withdrawal else consent_decision_payload(c)
    entry = ledger.entry_append(
        kind=f"exchange.consent.{payload['decision']}",
        subject=consent_subject(c),
        payload=payload,
        actor_role="citizen",
        at=c.withdrawn_at if withdrawal else c.decided_at,
    )
    field = "withdraw_entry" if withdrawal else "decision_entry"
    Consent.objects.filter(pk=c.pk).update(**{field: entry.pk})
    setattr(c, field, entry.pk)


# --- re-derivation -------------------------------------------------------------------------------
def _rederive_query(row) -> dict | None:
    rec = AccessRecord.objects.select_related("consumer").filter(ledger_entry=row.pending_id).first()
    return query_payload(rec) if rec else None


def _rederive_agreement(row) -> dict | None:
    qs = Agreement.objects.select_related("resource", "consumer")
    a = qs.filter(request_entry=row.pending_id).first()
    if a is not None:
        return agreement_request_payload(a)
    a = qs.filter(decision_entry=row.pending_id).first()
    if a is not None:
        return agreement_decision_payload(a)
    a = qs.filter(revoke_entry=row.pending_id).first()
    return agreement_revoke_payload(a) if a else None


def _rederive_consent(row) -> dict | None:
    qs = Consent.objects.select_related("resource", "consumer")
    c = qs.filter(decision_entry=row.pending_id).first()
    if c is not None:
        return consent_decision_payload(c)
    c = qs.filter(withdraw_entry=row.pending_id).first()
    return consent_withdraw_payload(c) if c else None


def register() -> None:
    rederive.register("exchange.query", _rederive_query)
    rederive.register("exchange.agreement.", _rederive_agreement)
    rederive.register("exchange.consent.", _rederive_consent)
