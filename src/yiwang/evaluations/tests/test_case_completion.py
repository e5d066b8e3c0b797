"""A case's completion invites its applicant to rate it, after the commit (moved from cases'
ledger tests: cases sit below evaluations)."""

import pytest

from yiwang.cases import services
from yiwang.cases.models import Case
from yiwang.core.testing import good_form, good_materials


@pytest.mark.django_db(transaction=True)
def test_completion_invites_the_applicant_to_rate_after_commit(world):
    from yiwang.evaluations.models import Invitation

    case = services.case_submit(
        actor=world.citizen,
        item_code=world.item_immediate.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
    )
    for action, extra in (("accept", {}), ("approve", {}), ("complete", {"delivery": "electronic"})):
        case = services.case_apply_action(
            case=Case.objects.get(pk=case.pk), actor=world.clerk, action=action, **extra
        )
    assert Invitation.objects.filter(case=case).count() == 1
