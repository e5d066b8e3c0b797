from datetime import date, timedelta

import pytest

from yiwang.exchange import services
from yiwang.exchange.models import AccessRecord, Agreement, Consent
from yiwang.ledger.models import PendingEntry


def run(ex, caller=None, **kw):
    args = {
        "resource_code": "ga.population",
        "subject": {"id_number": ex.ric},
        "purpose": "case_handling",
        "case_number": ex.case,
        "elements": ["name", "household_address"],
    }
    args.update(kw)
    return services.query_run(caller=caller or ex.staff_caller(), **args)


def test_allowed_query_returns_agreed_elements_and_is_logged_and_ledgered(ex):
    ex.agree(ex.population, elements=["name", "household_address"])
    r = run(ex, case_number=ex.case)
    assert r.ok, r.message
    assert r.data == {"name": "张伟", "household_address": "武汉市江岸区沿江大道1号"}
    rec = AccessRecord.objects.get()
    assert rec.outcome == "allowed" and rec.elements_returned == ["household_address", "name"]
    assert rec.case_number == ex.case and rec.consumer == ex.w.dept
    entry = PendingEntry.objects.get(pk=rec.ledger_entry)
    assert entry.kind == "exchange.query"
    text = (
        str(entry.payload) + entry.entry.tobytes().decode()
        if hasattr(entry.entry, "tobytes")
        else str(entry.payload)
    )
    assert ex.ric not in text and "张伟" not in text and "沿江大道" not in text


def test_element_outside_agreement_is_never_returned(ex):
    ex.agree(ex.population, elements=["name"])
    r = run(ex, elements=["name", "household_address", "id_number"])
    assert r.ok
    assert set(r.data) == {"name"}
    assert r.withheld == ["id_number", "household_address"]
    r2 = run(ex, elements=["household_address"])
    assert not r2.ok and r2.reason == "elements_not_agreed" and r2.status == 403
    assert r2.data == {}


def test_no_agreement_and_expired_agreement_are_refused_and_logged(ex):
    r = run(ex)
    assert r.reason == "no_agreement" and r.status == 403 and "共享协议" in r.message
    a = ex.agree(ex.population)
    Agreement.objects.filter(pk=a.pk).update(valid_until=date.today() - timedelta(days=1))
    r = run(ex)
    assert r.reason == "agreement_expired" and "过期" in r.message
    recs = AccessRecord.objects.order_by("pk")
    assert [x.reason for x in recs] == ["no_agreement", "agreement_expired"]
    kinds = set(
        PendingEntry.objects.filter(pk__in=[x.ledger_entry for x in recs]).values_list("kind", flat=True)
    )
    assert kinds == {"exchange.query"}


def test_purpose_outside_agreement_is_refused(ex):
    ex.agree(ex.population, purposes=["prefill"])
    r = run(ex, purpose="supervision")
    assert r.reason == "purpose_not_agreed" and r.status == 403


def test_unknown_resource_element_purpose_subject_give_chinese_errors(ex):
    ex.agree(ex.population)
    r = run(ex, resource_code="nope")
    assert (r.reason, r.status) == ("unknown_resource", 404) and "未找到数据资源" in r.message
    r = run(ex, purpose="curiosity")
    assert (r.reason, r.status) == ("unknown_purpose", 422) and "未知的用途" in r.message
    r = run(ex, elements=["name", "salary"])
    assert (r.reason, r.status) == ("unknown_element", 422) and "salary" in r.message
    r = run(ex, subject={"id_number": "420102199001011230"})
    assert (r.reason, r.status) == ("invalid_subject", 422) and "公民身份号码" in r.message
    r = run(ex, subject={"uscc": ex.w.company.uscc})
    assert r.reason == "invalid_subject"
    from yiwang.accounts.tests.factories import CitizenFactory

    stranger = CitizenFactory()  # a party to a case of ours, not in the population register
    stranger_case = ex.submit_case(ex.w, user=stranger).number
    r = run(ex, subject={"id_number": stranger.id_number}, case_number=stranger_case)
    assert (r.reason, r.status) == ("subject_not_found", 404) and "未查询到" in r.message
    assert AccessRecord.objects.count() == 6
    assert AccessRecord.objects.filter(ledger_entry__isnull=True).count() == 0


def test_not_shared_resource_cannot_be_requested_or_queried(ex):
    from yiwang.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        ex.agree(ex.secret)
    r = run(ex, resource_code="ga.secret", elements=["flag"])
    assert r.reason == "not_shared"


def test_consent_required_then_granted_then_withdrawn_between_two_queries(ex):
    ex.agree(ex.marriage, consumer=ex.w.dept)
    q = dict(resource_code="mz.marriage", elements=["marital_status"])
    r = run(ex, **q)
    assert r.reason == "consent_required" and r.consent is not None
    consent = Consent.objects.get()
    assert consent.status == "pending" and consent.subject_user == ex.w.citizen
    assert run(ex, **q).reason == "consent_pending"
    services.consent_decide(user=ex.w.citizen, consent_id=consent.pk, action="grant")
    r = run(ex, **q)
    assert r.ok and r.data == {"marital_status": "已婚"}
    assert AccessRecord.objects.order_by("-pk").first().consent_basis == "consent"
    services.consent_decide(user=ex.w.citizen, consent_id=consent.pk, action="withdraw")
    r = run(ex, **q)
    assert not r.ok and r.reason == "consent_withdrawn" and r.data == {}
    # a fresh request is pending for the citizen to decide again
    assert Consent.objects.filter(status="pending").count() == 1
    kinds = list(
        PendingEntry.objects.filter(kind__startswith="exchange.consent").values_list("kind", flat=True)
    )
    assert sorted(kinds) == ["exchange.consent.granted", "exchange.consent.withdrawn"]


def test_another_citizen_cannot_decide_my_consent(ex):
    from yiwang.core.errors import NotFound

    ex.agree(ex.marriage)
    run(ex, resource_code="mz.marriage", elements=["marital_status"])
    c = Consent.objects.get()
    with pytest.raises(NotFound):
        services.consent_decide(user=ex.w.citizen2, consent_id=c.pk, action="grant")


def test_refused_consent_blocks(ex):
    ex.agree(ex.marriage)
    q = dict(resource_code="mz.marriage", elements=["marital_status"])
    run(ex, **q)
    services.consent_decide(user=ex.w.citizen, consent_id=Consent.objects.get().pk, action="refuse")
    assert run(ex, **q).reason == "consent_refused"


def test_own_data_needs_no_agreement(ex):
    from yiwang.organizations.services import staff_create

    officer = staff_create(
        username="ga_rev",
        password="pass-1234-word",
        name="户政",
        roles=[{"role": "reviewer", "department": ex.ga, "region": ex.w.city}],
    )
    r = run(ex, caller=services.caller_for_staff(user=officer), elements=["name", "id_number"])
    assert r.ok and r.data["id_number"] == ex.ric


def test_register_values_are_encrypted_at_rest(ex):
    from yiwang.exchange.models import RegisterRecord

    row = RegisterRecord.objects.get(resource=ex.population)
    raw = str(row.values) + row.subject_hash
    assert ex.ric not in raw and "沿江大道" not in raw
    assert row.values["name"] == "张伟"  # not sensitive


def test_citizen_cannot_query_and_unconditional_agreement_is_automatic(ex):
    from yiwang.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.caller_for_staff(user=ex.w.citizen)
    a = ex.agree(ex.enterprise, consumer=ex.w.dept2, decide=False)
    assert a.status == "approved" and a.automatic
    kinds = list(
        PendingEntry.objects.filter(kind__startswith="exchange.agreement").values_list("kind", flat=True)
    )
    assert "exchange.agreement.approved" in kinds


def test_prefill_lookup(ex):
    ex.agree(ex.population, elements=["name", "household_address", "gender"])
    ex.agree(ex.marriage)
    res = services.prefill_lookup(
        consumer=ex.w.dept,
        actor=ex.w.citizen,
        subject={"id_number": ex.ric},
        bases={"name", "household_address", "id_number"},
        purpose="prefill",
        case_number="B-1",
        subject_is_actor=True,
    )
    assert res.values["name"].value == "张伟"
    assert res.values["name"].resource_code == "ga.population"
    assert res.values["name"].department_name == "武汉市公安局" and res.values["name"].authoritative
    assert res.values["household_address"].value == "武汉市江岸区沿江大道1号"
    assert "id_number" not in res.values  # not in the agreement
    rec = AccessRecord.objects.get()
    assert rec.actor == ex.w.citizen and rec.actor_role == "service" and rec.case_number == "B-1"
    assert rec.elements_requested == ["name", "id_number", "household_address"]
    # an organisation subject, without any agreement: a failure, not an exception
    res = services.prefill_lookup(
        consumer=ex.w.dept2,
        actor=ex.w.company,
        subject={"uscc": ex.w.company.uscc},
        bases={"name", "registered_address"},
        purpose="prefill",
    )
    assert res.values == {} and res.failures[0][:2] == ("scjg.enterprise", "no_agreement")


def test_prefill_subject_is_actor_counts_as_consent(ex):
    ex.agree(ex.marriage)
    from yiwang.exchange.models import ResourceElement

    ResourceElement.objects.filter(resource=ex.marriage, code="marital_status").update(base="relationship")
    res = services.prefill_lookup(
        consumer=ex.w.dept,
        actor=ex.w.citizen,
        subject={"id_number": ex.ric},
        bases={"relationship"},
        purpose="prefill",
        subject_is_actor=True,
    )
    assert res.values["relationship"].value == "已婚"
    assert AccessRecord.objects.get().consent_basis == "subject_is_actor"
    res = services.prefill_lookup(
        consumer=ex.w.dept,
        actor=ex.w.clerk,
        subject={"id_number": ex.ric},
        bases={"relationship"},
        purpose="prefill",
    )
    assert res.values == {} and res.failures[0][1] == "consent_required"


def test_ledger_verify_rederives_exchange_entries(ex):
    from yiwang.ledger.audit import ledger_verify
    from yiwang.ledger.services import sequencer_run

    ex.agree(ex.marriage)
    run(ex, resource_code="mz.marriage", elements=["marital_status"])
    c = Consent.objects.get()
    services.consent_decide(user=ex.w.citizen, consent_id=c.pk, action="grant")
    run(ex, resource_code="mz.marriage", elements=["marital_status"])
    services.consent_decide(user=ex.w.citizen, consent_id=c.pk, action="withdraw")
    sequencer_run()
    report = ledger_verify()
    assert report.ok, report.problems
    assert report.rederived >= 6
    # a changed record no longer matches its entry
    AccessRecord.objects.filter(outcome="allowed").update(purpose="supervision")
    assert not ledger_verify().ok


def test_a_query_is_bound_to_a_case_its_caller_handles_with_the_subject_a_party(ex, api):
    """Issue 22, defect 1: no case, another department's case, a case the subject is not a party
    to, or prefill by staff — refused, recorded as refused, and no case number of such a query
    reaches the subject's access record."""
    ex.agree(ex.population)
    r = run(ex, case_number="")
    assert (r.reason, r.status) == ("case_required", 422) and r.fields == {"case": ["请填写办件编号"]}
    r = run(ex, case_number="NO-SUCH-CASE")
    assert (r.reason, r.status) == ("case_not_found", 403)
    other_department = ex.submit_case(ex.w, item=ex.w.item2).number
    r = run(ex, case_number=other_department)
    assert (r.reason, r.status) == ("case_not_actionable", 403) and "不由您或本部门办理" in r.message
    someone_else = ex.submit_case(ex.w, user=ex.w.citizen2).number
    r = run(ex, case_number=someone_else)
    assert (r.reason, r.status) == ("subject_not_party", 403)
    r = run(ex, purpose="prefill")
    assert (r.reason, r.status) == ("purpose_not_for_caller", 403)
    refused = AccessRecord.objects.order_by("pk")
    assert [x.outcome for x in refused] == ["invalid", "refused", "refused", "refused", "refused"]
    assert set(refused.values_list("case_number", flat=True)) == {""}
    assert all(x.ledger_entry for x in refused)
    assert not any(x.data for x in [r])
    # the citizen's access record names no case of another department
    mine = api(ex.w.citizen).get("/api/v1/exchange/access-records").json()["items"]
    assert len(mine) == 5 and {m["case"] for m in mine} == {""}
    # bound to the citizen's case that the reviewer handles: answered
    r = run(ex)
    assert r.ok and AccessRecord.objects.get(pk=r.record.pk).case_number == ex.case
