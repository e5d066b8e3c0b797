"""In chromium: 勾选即办 with the keyboard (checkboxes select only the departments concerned) and
the bundle case page saying in plain words what happens next and who does it. axe-clean (no
serious or critical violation); shared fixtures in yiwang.testsupport."""

from __future__ import annotations

import re

import pytest

from yiwang.bundles import services
from yiwang.cases.models import Case
from yiwang.core.testing import PASSWORD, tab_to

from .conftest import MON, act, finish, newborn_form, pdf


def login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


@pytest.mark.browser
def test_ticking_what_changed_with_the_keyboard(live_server, transactional_db, world, change, page, axe):
    base = live_server.url
    login(page, base, world.company.username)
    page.goto(f"{base}/bundles/company-change/start/")
    assert "可多选" in page.inner_text("main")
    axe("checkbox-questionnaire", portal=True)
    tab_to(page, "#q-changed-name")
    page.keyboard.press("Space")
    tab_to(page, "#q-changed-address")
    page.keyboard.press("Space")
    assert page.is_checked("#q-changed-name") and page.is_checked("#q-changed-address")
    assert not page.is_checked("#q-changed-scope")
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    main = page.inner_text("main")
    assert "将同时办理以下 4 个事项" in main  # 变更登记, 印章, 银行, 食品经营许可（变更）
    page.goto(f"{base}/bundles/company-change/apply/?a.changed=scope")
    assert "将同时办理以下 1 个事项" in page.inner_text("main")
    page.goto(f"{base}/bundles/company-change/start/")
    with page.expect_navigation():
        page.click("main button[type=submit]")  # nothing ticked
    assert "请至少选择一项" in page.inner_text(".error-summary")
    axe("checkbox-questionnaire-error", portal=True)


@pytest.mark.browser
def test_the_case_page_says_what_happens_next(live_server, transactional_db, world, newborn_card, page, axe):
    n = newborn_card
    bcase = services.bundle_case_submit(
        actor=world.citizen,
        bundle_code="newborn",
        answers={"insured": "yes"},
        form=newborn_form(world),
        channel="online",
        materials=[pdf("delivery_record"), pdf("id_card")],
        on=MON,
    )
    base = live_server.url
    login(page, base, "citizen")
    page.goto(f"{base}/my/bundles/{bcase.number}/")
    section = page.locator("section[aria-labelledby=h-next]")
    text = section.inner_text()
    assert "接下来会发生什么" in text
    assert "谁来办" in text and "做什么" in text and "什么时候" in text and "先要等" in text
    assert "等“出生登记（户口）”办好后" in text and "您不用再提交申请或材料" in text
    assert "办好后您会得到：社会保障卡（电子证照，自动存入“我的证照”）" in text
    assert section.locator("li.next-step").count() == 3
    axe("next-steps", portal=True)

    kids = {c.item_code: c.case_id for c in bcase.children.all()}
    finish(Case.objects.get(pk=kids[n.birth.code]), world, reviewer=world.reviewer2, approver=world.approver2)
    services.bundle_case_advance(bundle_case_id=bcase.pk)
    act(Case.objects.get(pk=kids[n.hukou.code]), "accept", world.clerk)
    page.goto(f"{base}/my/bundles/{bcase.number}/")
    text = page.locator("section[aria-labelledby=h-next]").inner_text()
    assert re.search(r"已受理，正在审查，承诺在\d{4}年\d{1,2}月\d{1,2}日前办好", text)
    assert "已办好，结果：出生医学证明（电子证照" in text
    axe("next-steps-progress", portal=True)
