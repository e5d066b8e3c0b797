"""The same-writes benchmark floors (core/benchfloor.py, bench/run.py, issue 22): each writes the
rows its real request writes — copied from a template the real path wrote — in one transaction.
Only that they write what they claim: speed is measured by `make bench`, never asserted here."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import include, path

from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, CaseParty, Notice
from yiwang.core import benchfloor
from yiwang.core.models import IdempotencyRecord
from yiwang.core.testing import good_form_for, good_materials, make_uscc
from yiwang.exchange import services as exchange
from yiwang.exchange.models import AccessRecord
from yiwang.identity import services as identity
from yiwang.identity.models import IdentityCheck
from yiwang.ledger.models import PendingEntry
from yiwang.organizations.models import Department
from yiwang.organizations.services import staff_create
from yiwang.testsupport.flows import population_resource

urlpatterns = [path("bench/floor/", include("yiwang.core.benchfloor"))]


@pytest.fixture(autouse=True)
def _fresh_templates():
    """The floors read their template rows once per process; each test has its own database."""
    benchfloor._TEMPLATES.clear()
    yield
    benchfloor._TEMPLATES.clear()


def _post(client, url: str, body: dict, **extra):
    return client.post(
        url, data=json.dumps(body, ensure_ascii=False), content_type="application/json", **extra
    )


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_submit_floor_writes_a_submissions_rows_and_files(client, world):
    user = world.citizen
    template = cases.case_submit(
        actor=user,
        item_code=world.item.code,
        form=good_form_for(user),
        channel="online",
        materials=good_materials(),
    )
    entries = PendingEntry.objects.count()
    body = {"item_code": world.item.code, "form": good_form_for(user), "materials": good_materials()}
    resp = _post(client, f"/bench/floor/submit?like={template.number}", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert resp.status_code == 201
    number = resp.json()["number"]
    assert number != template.number and number[:6] == template.number[:6]
    case = Case.objects.get(number=number)
    assert (case.owner_id, case.item_version_id, case.status) == (
        user.pk,
        template.item_version_id,
        "submitted",
    )
    assert case.form == template.form  # as wide as the real row
    assert CaseParty.objects.filter(case=case).count() == CaseParty.objects.filter(case=template).count() == 1
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    assert [e.action for e in events] == ["create", "submit"]
    assert all(e.ledger_entry for e in events)
    notice = Notice.objects.get(case=case)
    assert notice.number == f"{number}-01" and notice.ledger_entry
    assert notice.data == {"materials": ["身份证.pdf", "平面图.png"]}
    assert PendingEntry.objects.count() == entries + 3
    files = list(CaseMaterial.objects.filter(case=case).order_by("material_code"))
    assert [f.material_code for f in files] == ["id_card", "site_plan"]
    for f in files:
        stored = Path(settings.MEDIA_ROOT) / f.file.name
        assert stored.is_file() and stored.stat().st_size == f.size > 0
    record = IdempotencyRecord.objects.get(key="k-1")
    assert record.status_code == 201 and record.response["number"] == number


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_gateway_floor_reads_the_register_and_writes_the_record_and_entry(client, world):
    ga = Department.objects.create(name="武汉市公安局", uscc=make_uscc("ga"), region=world.city)
    cdo = staff_create(
        username="cdo-floor",
        password="floor-pass-1234",
        name="首席数据官",
        roles=[{"role": "cdo", "department": ga, "region": world.city}],
    )
    resource = population_resource(department=ga)
    user = world.citizen
    exchange.register_put(
        resource=resource,
        subject=user.id_number,
        values={"name": "张伟", "household_address": "武汉市江岸区1号"},
    )
    a = exchange.agreement_request(
        actor=world.reviewer,
        resource=resource,
        consumer=world.dept,
        elements=["name", "household_address"],
        purposes=["case_handling"],
        legal_basis="《行政许可法》",
        valid_until=date.today() + timedelta(days=30),
    )
    exchange.agreement_decide(actor=cdo, agreement=a, action="approve", version=a.version)
    case = cases.case_submit(
        actor=user,
        item_code=world.item.code,
        form=good_form_for(user),
        channel="online",
        materials=good_materials(),
    )
    real = exchange.query_run(
        caller=exchange.caller_for_staff(user=world.reviewer),
        resource_code=resource.code,
        subject={"id_number": user.id_number},
        purpose="case_handling",
        elements=["name", "household_address"],
        case_number=case.number,
    )
    assert real.ok, real.reason
    entries = PendingEntry.objects.count()
    body = {"resource": resource.code, "id_number": user.id_number, "elements": ["name", "household_address"]}
    resp = _post(client, f"/bench/floor/gateway?like={real.record.uid}", body)
    assert resp.status_code == 200
    assert resp.json()["data"] == {"name": "张伟", "household_address": "武汉市江岸区1号"}
    record = AccessRecord.objects.get(uid=resp.json()["record"])
    assert record.subject_hash == real.record.subject_hash and record.ledger_entry
    assert record.case_number == case.number and record.outcome == real.record.outcome
    assert PendingEntry.objects.count() == entries + 1
    other = {**body, "id_number": world.citizen2.id_number}
    assert _post(client, f"/bench/floor/gateway?like={real.record.uid}", other).status_code == 404


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_eid_floor_writes_a_check_with_a_fresh_nonce_and_its_entry(client, world):
    real = identity.code_verify(code=identity.code_issue(user=world.citizen).code, verifier=world.clerk)
    assert real.outcome == "valid"
    entries = PendingEntry.objects.count()
    ids = []
    for _ in range(2):
        resp = _post(client, f"/bench/floor/eid-check?like={real.pk}", {"code": "floor"})
        assert resp.status_code == 200 and resp.json()["valid"] is True
        ids.append(resp.json()["check"])
    checks = list(IdentityCheck.objects.filter(pk__in=ids))
    assert len({c.nonce for c in checks} | {real.nonce}) == 3  # each a fresh one-time nonce
    assert all(c.ledger_entry and c.verifier_id == world.clerk.pk and c.outcome == "valid" for c in checks)
    assert PendingEntry.objects.count() == entries + 2
