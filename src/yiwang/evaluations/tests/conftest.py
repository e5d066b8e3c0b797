from datetime import date

import pytest

from yiwang.cases import services as cases
from yiwang.cases.models import Case
from yiwang.core.testing import good_form_for, good_materials

MON = date(2026, 11, 2)  # a Monday in a month without holidays


def case_for(world, *, user=None, until="complete", item=None, on=MON):
    """A case of the immediate item served at world.window by world.clerk, up to `until`."""
    user = user or world.citizen
    case = cases.case_submit(
        actor=user,
        item_code=(item or world.item_immediate).code,
        form=good_form_for(user),
        channel="online",
        materials=good_materials(),
        on=on,
    )
    steps = [("accept", {}), ("approve", {}), ("complete", {"delivery": "electronic"})]
    for action, kw in steps:
        case = cases.case_apply_action(
            case=Case.objects.get(pk=case.pk), actor=world.clerk, action=action, on=on, **kw
        )
        if action == until:
            break
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def completed(world):
    return case_for(world)
