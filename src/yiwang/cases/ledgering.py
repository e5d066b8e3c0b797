"""What cases write to the ledger (全程留痕): every event and every notice, as pending entries in
the same transaction as the change. Entries name the case only by a salted commitment
(HMAC(case.ledger_salt, number)), never by anything personal. `yiwang ledger verify` re-derives
each payload from the live records through the functions registered here."""

from __future__ import annotations

from yiwang.core.formats import local_time
from yiwang.ledger import rederive
from yiwang.ledger import services as ledger

from .models import Case, CaseEvent, Notice


def commitment(case: Case) -> str:
    return ledger.subject_commitment(salt=bytes.fromhex(case.ledger_salt), subject_id=case.number)


def event_payload(event: CaseEvent, *, number: str) -> dict:
    return {
        "case": number,
        "seq": event.seq,
        "action": event.action,
        "from": event.from_status,
        "to": event.to_status,
        "actor": event.actor_id,
        "actor_role": event.actor_role,
        "at": local_time(event.at),
        "note": event.note,
        "data": event.data,
    }


def notice_payload(notice: Notice, *, number: str) -> dict:
    return {
        "case": number,
        "notice": notice.number,
        "kind": notice.kind,
        "issued_at": local_time(notice.issued_at),
        "data": notice.data,
    }


def record(case: Case, *, events: list[CaseEvent] = (), notices: list[Notice] = ()) -> None:
    """Append the entries of `events` and `notices` in one INSERT (a submission's create and submit
    events and its receipt) and remember each entry on its row (for receipts). The payloads name
    no row id, so the entries are best appended before the rows are inserted: an unsaved row is
    then written once, already naming its entry; a saved one is updated."""
    subject = commitment(case)
    rows = [*events, *notices]
    entries = ledger.entries_append(
        [
            {
                "kind": f"case.{event.action}",
                "subject": subject,
                "payload": event_payload(event, number=case.number),
                "actor_role": event.actor_role,
                "at": event.at,
            }
            for event in events
        ]
        + [
            {
                "kind": "notice.issued",
                "subject": subject,
                "payload": notice_payload(notice, number=case.number),
                "at": notice.issued_at,
            }
            for notice in notices
        ]
    )
    for row, entry in zip(rows, entries, strict=True):
        if row.pk is not None:
            type(row).objects.filter(pk=row.pk).update(ledger_entry=entry.pk)
        row.ledger_entry = entry.pk


def _rederive_event(row) -> dict | None:
    event = CaseEvent.objects.select_related("case").filter(ledger_entry=row.pending_id).first()
    return event_payload(event, number=event.case.number) if event else None


def _rederive_notice(row) -> dict | None:
    notice = Notice.objects.select_related("case").filter(ledger_entry=row.pending_id).first()
    return notice_payload(notice, number=notice.case.number) if notice else None


def register() -> None:
    rederive.register("case.", _rederive_event)
    rederive.register("notice.", _rederive_notice)
