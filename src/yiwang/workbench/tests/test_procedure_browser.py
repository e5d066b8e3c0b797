"""In Debian's chromium, keyboard only: an approver opens the 事后核查 list, goes to a case decided
on a commitment, records that the commitment was false, and finds the 失信 record; a clerk's
acceptance form with the 容缺 checkboxes. axe on every page; 200% text at 390 px."""

from __future__ import annotations

import pytest

from yiwang.cases import services
from yiwang.cases.models import Case, Status
from yiwang.catalog.models import ItemVersion
from yiwang.core.testing import good_form, good_materials, login, tab_to
from yiwang.licenses.tests.factories import licensed


def _decided_on_commitment(world) -> Case:
    licensed(world)
    ItemVersion.objects.filter(item=world.item).update(
        commitment_system=True, commitment_replaces=["site_plan"]
    )
    case = services.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=[m for m in good_materials() if m["code"] == "id_card"],
        route="commitment",
        commitment_accepted=True,
    )
    for action, actor, kw in [
        ("accept", world.clerk, {}),
        ("review", world.reviewer, {}),
        ("approve", world.approver, {}),
        ("complete", world.approver, {"delivery": "electronic"}),
    ]:
        services.case_apply_action(case=Case.objects.get(pk=case.pk), actor=actor, action=action, **kw)
    return case


@pytest.mark.browser
def test_approver_revokes_a_false_commitment_with_the_keyboard(
    live_server, transactional_db, world, page, axe
):
    case = _decided_on_commitment(world)
    base = live_server.url
    login(page, base, "approver")
    page.goto(f"{base}/workbench/verifications/")
    assert case.number in page.content()
    axe("verifications", portal=True)
    tab_to(page, f"a[href='/workbench/cases/{case.number}/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "告知承诺" in page.content()
    axe("case-commitment", portal=True)
    tab_to(page, "#a-verify_false-finding", limit=120)
    page.keyboard.type("经营场所不存在")
    tab_to(page, "form[data-action=verify_false] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Case.objects.get(pk=case.pk).status == Status.REVOKED
    assert "已撤销许可" in page.content() and "申请人有告知承诺失信记录" in page.content()
    axe("case-revoked", portal=True)
    page.goto(f"{base}/workbench/dishonesty/")
    assert "经营场所不存在" in page.content() and "张伟" not in page.content()
    axe("dishonesty", portal=True)


@pytest.mark.browser
def test_clerk_accepts_with_a_tolerated_material_by_keyboard(live_server, transactional_db, world, page, axe):
    party = {"name": "张伟", "id_number": good_form()["applicant.id_number"], "phone": "13800138000"}
    case = services.case_submit(
        actor=world.clerk,
        item_code=world.item.code,
        form=good_form(),
        channel="window",
        materials=[],
        parties={"applicant": party},
    )
    base = live_server.url
    login(page, base, "clerk")
    page.goto(f"{base}/workbench/cases/{case.number}/")
    axe("case-accept-tolerated", portal=True)
    tab_to(page, "#a-accept-tolerated-1", limit=120)
    page.keyboard.press("Space")
    tab_to(page, "form[data-action=accept] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.ACCEPTED and case.tolerance == "open"
    assert "容缺受理材料" in page.content()
    axe("case-tolerated", portal=True)
