"""Agreement revocation: the provider's CDO or the consuming department ends an approved agreement
with a reason; the next query is refused (`agreement_revoked`); the revocation is ledgered and
re-derived like the request and the decision; page and API."""

import pytest
from django.test import Client

from yiwang.core.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from yiwang.exchange import services
from yiwang.exchange.models import AccessRecord, Agreement, AgreementStatus
from yiwang.ledger.models import PendingEntry


def run(ex, **kw):
    args = {
        "resource_code": "ga.population",
        "subject": {"id_number": ex.ric},
        "purpose": "case_handling",
        "case_number": ex.case,
        "elements": ["name"],
    }
    args.update(kw)
    return services.query_run(caller=ex.staff_caller(), **args)


def test_provider_cdo_revokes_and_the_next_query_is_refused_and_ledgered(ex):
    a = ex.agree(ex.population)
    assert run(ex).ok
    a = services.agreement_revoke(actor=ex.cdo, agreement=a, version=a.version, reason="使用部门超范围使用")
    assert a.status == AgreementStatus.REVOKED and a.revoked_side == "provider"
    assert a.revoked_by_id == ex.cdo.pk and a.revoke_reason == "使用部门超范围使用"
    entry = PendingEntry.objects.get(pk=a.revoke_entry)
    assert entry.kind == "exchange.agreement.revoked"
    assert entry.payload["reason"] == "使用部门超范围使用" and entry.payload["side"] == "provider"
    r = run(ex)
    assert not r.ok and r.status == 403 and r.reason == "agreement_revoked"
    assert "已终止" in r.message and "超范围" in r.message and r.data == {}
    rec = AccessRecord.objects.get(pk=r.record.pk)
    assert rec.outcome == "refused" and rec.reason == "agreement_revoked" and rec.ledger_entry
    # prefill goes through the same gateway
    res = services.prefill_lookup(
        consumer=ex.w.dept,
        actor=ex.w.reviewer,
        subject={"id_number": ex.ric},
        bases={"name"},
        purpose="case_handling",
    )
    assert "name" not in res.values and ("ga.population", "agreement_revoked") in {
        f[:2] for f in res.failures
    }


def test_consumer_revokes_its_own_agreement_and_a_new_one_works_again(ex):
    a = ex.agree(ex.population)
    a = services.agreement_revoke(
        actor=ex.w.dept_admin, agreement=a, version=a.version, reason="业务已调整，不再需要"
    )
    assert a.revoked_side == "consumer"
    assert run(ex).reason == "agreement_revoked"
    ex.agree(ex.population)  # a fresh request, approved again
    assert run(ex).ok


def test_revocation_rules(ex):
    a = ex.agree(ex.population)
    with pytest.raises(PermissionDenied):  # the CDO of another department
        services.agreement_revoke(actor=ex.mz_cdo, agreement=a, version=a.version, reason="x")
    with pytest.raises(ValidationFailed) as exc:
        services.agreement_revoke(actor=ex.cdo, agreement=a, version=a.version, reason="  ")
    assert "reason" in exc.value.fields
    with pytest.raises(StaleVersion):
        services.agreement_revoke(actor=ex.cdo, agreement=a, version=a.version - 1, reason="过期版本")
    assert Agreement.objects.get(pk=a.pk).status == AgreementStatus.APPROVED
    services.agreement_revoke(actor=ex.cdo, agreement=a, version=a.version, reason="理由")
    with pytest.raises(Conflict):
        services.agreement_revoke(
            actor=ex.cdo, agreement=Agreement.objects.get(pk=a.pk), version=a.version + 1, reason="再次"
        )
    pending = ex.agree(ex.population, decide=False)
    with pytest.raises(Conflict):
        services.agreement_revoke(actor=ex.cdo, agreement=pending, version=pending.version, reason="未批准")


def test_ledger_verify_rederives_revocation_and_the_earlier_approval(ex):
    from yiwang.ledger.audit import ledger_verify
    from yiwang.ledger.services import sequencer_run

    a = ex.agree(ex.population)
    services.agreement_revoke(actor=ex.cdo, agreement=a, version=a.version, reason="依据已废止")
    run(ex)
    sequencer_run()
    report = ledger_verify()
    assert report.ok, report.problems
    Agreement.objects.filter(pk=a.pk).update(revoke_reason="改过的理由")
    assert not ledger_verify().ok


def test_revocation_page(ex):
    a = ex.agree(ex.population)
    cdo = Client()
    cdo.force_login(ex.cdo)
    html = cdo.get(f"/exchange/agreements/{a.pk}/").content.decode()
    assert 'for="revoke_reason"' in html and 'value="revoke"' in html
    resp = cdo.post(
        f"/exchange/agreements/{a.pk}/", {"action": "revoke", "version": a.version, "revoke_reason": ""}
    )
    assert resp.status_code == 422 and "请说明终止理由" in resp.content.decode()
    assert Agreement.objects.get(pk=a.pk).status == AgreementStatus.APPROVED
    resp = cdo.post(
        f"/exchange/agreements/{a.pk}/",
        {"action": "revoke", "version": a.version, "revoke_reason": "数据被超范围使用"},
    )
    assert resp.status_code == 302
    html = cdo.get(f"/exchange/agreements/{a.pk}/").content.decode()
    assert "已终止" in html and "数据被超范围使用" in html and 'value="revoke"' not in html
    # a staff member of an unrelated department sees no such agreement
    other = Client()
    other.force_login(ex.mz_cdo)
    assert (
        other.post(
            f"/exchange/agreements/{a.pk}/", {"action": "revoke", "version": 9, "revoke_reason": "x"}
        ).status_code
        == 404
    )


def test_revocation_api(ex, api):
    a = ex.agree(ex.population)
    url = f"/api/v1/exchange/agreements/{a.pk}/revocation"
    resp = api(ex.w.dept_admin).post(url, {"version": a.version, "reason": ""})
    assert resp.status_code == 422 and resp.json()["fields"]["reason"]
    resp = api(ex.w.dept_admin).post(url, {"version": a.version - 1, "reason": "不再需要"})
    assert resp.status_code == 409
    resp = api(ex.w.dept_admin).post(url, {"version": a.version, "reason": "不再需要"})
    body = resp.json()
    assert resp.status_code == 200 and body["status"] == "revoked" and body["status_label"] == "已终止"
    assert body["revoked_side"] == "consumer" and body["revoke_reason"] == "不再需要" and body["revoked_at"]
    assert api(ex.cdo).post(url, {"version": body["version"], "reason": "再次"}).status_code == 409
    assert api(ex.w.citizen).post(url, {"version": 1, "reason": "x"}).status_code == 403
    resp = api(ex.w.reviewer).post(
        "/api/v1/exchange/queries",
        {
            "resource": "ga.population",
            "subject": {"id_number": ex.ric},
            "purpose": "case_handling",
            "case": ex.case,
            "elements": ["name"],
        },
    )
    assert resp.status_code == 403 and resp.json()["code"] == "agreement_revoked"
