"""Cases in the ledger: every event and notice gets an entry in the same transaction, receipts
verify once the sequencer has run, and `yiwang ledger verify` catches an edited case event."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from yiwang.cases import services
from yiwang.cases.models import Case, CaseEvent, Notice
from yiwang.core.errors import ValidationFailed
from yiwang.core.testing import good_form, good_materials, make_ric
from yiwang.ledger import services as ledger
from yiwang.ledger.models import PendingEntry


def _submit(world, **kw):
    return services.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
        **kw,
    )


def test_every_event_and_notice_has_its_entry(world):
    case = _submit(world)
    case = services.case_apply_action(case=Case.objects.get(pk=case.pk), actor=world.clerk, action="accept")
    events = list(case.events.order_by("seq"))
    notices = list(case.notices.all())
    assert all(e.ledger_entry for e in events) and all(n.ledger_entry for n in notices)
    kinds = list(PendingEntry.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["case.create", "case.submit", "notice.issued", "case.accept", "notice.issued"]


def test_entries_carry_no_personal_data(world):
    case = _submit(world)
    id_number = good_form()["applicant.id_number"]
    for entry in PendingEntry.objects.all():
        text = bytes(entry.entry).decode()
        assert id_number not in text and "张伟" not in text and case.number not in text
    # the subject is a per-case commitment: two cases of the same person are not linkable
    other = _submit(world)
    assert ledger.subject_commitment(
        salt=bytes.fromhex(case.ledger_salt), subject_id=case.number
    ) != ledger.subject_commitment(salt=bytes.fromhex(other.ledger_salt), subject_id=other.number)


def test_a_failed_change_writes_no_entry(world):
    before = PendingEntry.objects.count()
    with pytest.raises(ValidationFailed):
        _submit(world, parties={"agent": {"name": "x", "id_number": "123"}})
    assert PendingEntry.objects.count() == before


def test_receipts_verify_after_integration(world, api):
    case = _submit(world)
    c = api(world.citizen)
    r = c.get(f"/api/v1/cases/{case.number}/receipts").json()
    assert r["count"] == 3 and {x["status"] for x in r["items"]} == {"pending"}
    assert ledger.sequencer_run() >= 3
    r = c.get(f"/api/v1/cases/{case.number}/receipts").json()
    assert {x["status"] for x in r["items"]} == {"integrated"}
    for item in r["items"]:
        ok, code, _ = ledger.receipt_verify(receipt=item["receipt"])
        assert ok, code
    assert api(world.citizen2).get(f"/api/v1/cases/{case.number}/receipts").status_code == 404


def test_ledger_verify_catches_an_edited_case_event(world):
    case = _submit(world)
    ledger.sequencer_run()
    call_command("ledger", "verify")
    event = CaseEvent.objects.get(case=case, action="submit")
    with connection.cursor() as cur:
        cur.execute("UPDATE cases_caseevent SET note = %s WHERE id = %s", ["事后篡改", event.pk])
    with pytest.raises(CommandError, match=r"case\.submit"):  # exit status 1 from the command line
        call_command("ledger", "verify")


def test_window_filing_identity_is_not_in_the_ledger(world):
    walk_in = make_ric(serial=606)
    services.case_submit(
        actor=world.clerk,
        item_code=world.item.code,
        form=good_form(**{"applicant.id_number": walk_in}),
        channel="window",
        parties={"applicant": {"name": "钱七", "id_number": walk_in}},
    )
    assert not any(walk_in in bytes(e.entry).decode() for e in PendingEntry.objects.all())
    assert Notice.objects.exists()


def test_unmasked_views_are_witnessed(world):
    from yiwang.accounts.models import PersonalDataView
    from yiwang.cases import selectors

    case = services.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
    )
    case = services.case_apply_action(case=Case.objects.get(pk=case.pk), actor=world.clerk, action="accept")
    selectors.case_form(case=case, viewer=world.reviewer, reveal=True)
    views = PersonalDataView.objects.filter(viewer=world.reviewer)
    assert views.exists() and all(v.ledger_entry for v in views)
    assert PendingEntry.objects.filter(kind="pii.view").count() == views.count()
    ledger.sequencer_run()
    call_command("ledger", "verify")
