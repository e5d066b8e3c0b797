"""The gateway's hot path in statements: an allowed query reads the consumer department with the
resource, its elements and the consumer's agreements for it (one statement), the case it is bound
to and the register row (one statement each) and writes the ledger entry and
the record (one INSERT each, the record already naming its entry: no UPDATE), in one transaction.
Nothing is cached in the process: a change between two queries counts for the second."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.exchange import services
from yiwang.exchange.models import AccessRecord, Consent
from yiwang.ledger.models import PendingEntry


def _statements(ctx) -> list[str]:
    skip = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")
    return [
        q["sql"].split()[0].upper() for q in ctx.captured_queries if not q["sql"].upper().startswith(skip)
    ]


def _run(ex, caller=None, **kw):
    args = {
        "resource_code": "ga.population",
        "subject": {"id_number": ex.ric},
        "purpose": "case_handling",
        "case_number": ex.case,
        "elements": ["name", "household_address"],
    }
    args.update(kw)
    return services.query_run(caller=caller or ex.staff_caller(), **args)


def test_allowed_query_is_three_reads_and_two_inserts(ex):
    """Consumer with resource and agreements, the case with whether the subject is a party
    (binding, issue 22 defect 1; one statement), register. A staff member's caller carries only
    the department's id: its USCC, which the ledger entry names, comes with the first read."""
    ex.agree(ex.population, elements=["name", "household_address"])
    caller = ex.staff_caller()
    _run(ex, caller)  # warm
    with CaptureQueriesContext(connection) as ctx:
        r = _run(ex, caller, case_number=ex.case)
    assert r.ok and r.data == {"name": "张伟", "household_address": "武汉市江岸区沿江大道1号"}
    assert _statements(ctx) == ["SELECT"] * 3 + ["INSERT", "INSERT"]
    assert "organizations_department" in ctx.captured_queries[0]["sql"]
    rec = AccessRecord.objects.get(pk=r.record.pk)
    entry = PendingEntry.objects.get(pk=rec.ledger_entry)
    assert entry.payload["consumer"] == rec.consumer.uscc and rec.consumer.uscc
    assert rec.ledger_entry == r.record.ledger_entry
    assert PendingEntry.objects.get(pk=rec.ledger_entry).payload["record"] == str(rec.uid)
    assert rec.at == r.record.at and rec.case_number == ex.case and rec.agreement_id is not None


def test_consent_query_adds_one_read_and_changes_count_at_once(ex):
    ex.agree(ex.marriage)
    kw = {"resource_code": "mz.marriage", "elements": ["marital_status"]}
    assert _run(ex, **kw).reason == "consent_required"
    c = Consent.objects.get()
    services.consent_decide(user=ex.w.citizen, consent_id=c.pk, action="grant")
    caller = ex.staff_caller()
    with CaptureQueriesContext(connection) as ctx:
        assert _run(ex, caller, **kw).ok
    assert _statements(ctx) == ["SELECT"] * 4 + ["INSERT", "INSERT"]
    # a catalogue change between two queries: the element is gone for the very next one
    ex.marriage.elements.filter(code="marital_status").delete()
    r = _run(ex, **kw)
    assert r.reason == "unknown_element"


def test_unknown_resource_is_one_read_and_still_recorded(ex):
    caller = ex.staff_caller()
    with CaptureQueriesContext(connection) as ctx:
        r = _run(ex, caller, resource_code="no.such")
    assert r.reason == "unknown_resource" and r.status == 404
    assert _statements(ctx) == ["SELECT", "INSERT", "INSERT"]
    assert AccessRecord.objects.get(pk=r.record.pk).resource_id is None
