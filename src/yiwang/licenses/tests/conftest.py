from datetime import date

import pytest
from django.db import transaction

from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseParty, PartyRole
from yiwang.cases.tests.conftest import Api
from yiwang.catalog.models import ItemVersion
from yiwang.core.testing import build_world, good_form, good_materials
from yiwang.licenses.services import license_issue, license_types_load

MON = date(2026, 11, 2)


@pytest.fixture
def world(db):
    w = build_world()
    license_types_load()
    ItemVersion.objects.filter(item=w.item).update(
        results=[{"name": "食品经营许可证", "type": "10"}, {"name": "准予许可决定书", "type": "20"}]
    )
    return w


def run_case(world, *, user=None, decision="approve"):
    """Submit, accept, review, decide and complete a case; returns it completed."""
    case = cases.case_submit(
        actor=user or world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
        on=MON,
    )

    def act(action, actor, **kw):
        c = Case.objects.get(pk=case.pk)
        return cases.case_apply_action(case=c, actor=actor, action=action, on=MON, **kw)

    act("accept", world.clerk)
    act("review", world.reviewer, note="材料齐全")
    act(decision, world.approver, **({"reason": "不符合条件"} if decision == "deny" else {}))
    return act("complete", world.approver, delivery="electronic")


def issue_args(case):
    """What cases hands licences when it completes a case: the case, its applicant and its form
    with sensitive elements revealed (licences never read cases themselves)."""
    applicant = CaseParty.objects.filter(case=case, role=PartyRole.APPLICANT).first()
    return {"case": case, "holder": applicant, "form": cases.form_reveal(case.form or {})}


def issue_for(world, **kw):
    case = run_case(world, **kw)
    with transaction.atomic():
        return license_issue(**issue_args(Case.objects.get(pk=case.pk)))


@pytest.fixture
def api():
    return Api
