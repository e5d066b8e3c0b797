"""Completing an approved case issues its licence in the completion's transaction
(cases.services._complete calls licenses.services.license_issue_all). Moved from licences' tests:
cases sit above licences."""

import pytest
from django.db import transaction

from yiwang.cases import services as cases
from yiwang.cases.models import Case, Status
from yiwang.core.testing import good_form, good_materials
from yiwang.licenses.models import License
from yiwang.licenses.tests.factories import MON, licensed


@pytest.fixture
def world(world):
    """The test world as licences' tests have it (licence types loaded)."""
    return licensed(world)


def _to_approved(world):
    case = cases.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
        on=MON,
    )
    for action, actor in [("accept", world.clerk), ("review", world.reviewer), ("approve", world.approver)]:
        kw = {"note": "材料齐全"} if action == "review" else {}
        case = cases.case_apply_action(
            case=Case.objects.get(pk=case.pk), actor=actor, action=action, on=MON, **kw
        )
    return Case.objects.get(pk=case.pk)


def test_completion_issues_in_the_same_transaction(world):
    case = _to_approved(world)
    case = cases.case_apply_action(
        case=case, actor=world.approver, action="complete", on=MON, delivery="electronic"
    )
    lic = License.objects.get(case=case)
    assert lic.holder_user == world.citizen and case.status == Status.COMPLETED


def test_a_failing_issuance_rolls_the_completion_back(world, monkeypatch):
    from yiwang.licenses import services

    def boom(lic):
        raise RuntimeError("signing unavailable")

    monkeypatch.setattr(services.issuance, "sign_credential", boom)
    case = _to_approved(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        cases.case_apply_action(
            case=case, actor=world.approver, action="complete", on=MON, delivery="electronic"
        )
    assert Case.objects.get(pk=case.pk).status == Status.APPROVED
    assert License.objects.count() == 0


def test_the_completion_notice_lists_the_licences_issued(world):
    from yiwang.cases.notices import render_html
    from yiwang.notifications.models import Notification

    case = cases.case_apply_action(
        case=_to_approved(world), actor=world.approver, action="complete", on=MON, delivery="electronic"
    )
    identifiers = list(License.objects.filter(case=case).values_list("identifier", flat=True))
    assert identifiers
    notice = case.notices.get(kind="completion")
    assert notice.data["licenses"] == identifiers
    html = render_html(notice)
    assert "本次核发证照：" in html and all(i in html for i in identifiers)
    message = Notification.objects.get(kind="case.completed", recipient=world.citizen)
    assert all(i in message.body for i in identifiers)
