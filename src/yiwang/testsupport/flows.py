"""Flows across apps that lower apps' tests need as a precondition (they get them by fixture
name, never by import): a case of the test world taken to completion."""

from __future__ import annotations

from datetime import date

from yiwang.cases import services as cases
from yiwang.cases.models import Case
from yiwang.core.testing import good_form, good_materials
from yiwang.testsupport.world import World


def submit_case(world: World, *, user=None, item=None, on: date | None = None) -> Case:
    """`item` (world.item) submitted online by `user` (world.citizen): with world.item, a case of
    world.dept that world.clerk, world.reviewer and world.approver act on."""
    return cases.case_submit(
        actor=user or world.citizen,
        item_code=(item or world.item).code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
        on=on,
    )


def complete_case(world: World, *, user=None, decision: str = "approve", on: date | None = None) -> Case:
    """Submit world.item online, accept (clerk), review (reviewer), decide (approver: `approve`
    or `deny`) and complete with electronic delivery; returns the completed case."""
    case = submit_case(world, user=user, on=on)

    def act(action, actor, **kw):
        c = Case.objects.get(pk=case.pk)
        return cases.case_apply_action(case=c, actor=actor, action=action, on=on, **kw)

    act("accept", world.clerk)
    act("review", world.reviewer, note="材料齐全")
    act(decision, world.approver, **({"reason": "不符合条件"} if decision == "deny" else {}))
    return act("complete", world.approver, delivery="electronic")
