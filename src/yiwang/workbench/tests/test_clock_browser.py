"""In Debian's chromium: the case pages of issue 12 pass axe — the clerk's refusal form with the
competent agency (a list of the organisations or typed), the reviewer's extension request and
special-procedure forms, and the citizen's refused case with its 救济途径."""

from __future__ import annotations

import pytest

from yiwang.cases import services
from yiwang.cases.models import Case
from yiwang.core.testing import good_form, good_materials, login, logout


def _submit(world):
    return services.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
        on=services.today(),
    )


@pytest.mark.browser
def test_refusal_extension_and_remedy_pages_pass_axe(live_server, transactional_db, world, page, axe):
    base = live_server.url
    refused = _submit(world)
    running = _submit(world)
    services.case_apply_action(case=running, actor=world.clerk, action="accept")
    login(page, base, "clerk")
    page.goto(f"{base}/workbench/cases/{refused.number}/")
    assert page.locator("#a-refuse-competent_agency").count() == 1
    axe("refuse-form", portal=False)
    page.fill("#a-refuse-reason", "不属于本机关职权范围")
    page.fill("#a-refuse-competent_agency", world.dept2.name)
    with page.expect_navigation():
        page.click('form[data-action="refuse"] button[type=submit]')
    assert Case.objects.get(pk=refused.pk).status == "refused"
    logout(page)
    login(page, base, "reviewer")
    page.goto(f"{base}/workbench/cases/{running.number}/")
    assert page.locator('form[data-action="request_extension"]').count() == 1
    assert page.locator("#a-start_special_procedure-expected_days").count() == 1
    axe("extension-and-procedure-forms", portal=False)
    page.fill("#a-request_extension-reason", "需组织现场核查")
    with page.expect_navigation():
        page.click('form[data-action="request_extension"] button[type=submit]')
    assert Case.objects.get(pk=running.pk).extension_requested_on is not None
    logout(page)
    login(page, base, "approver")
    page.goto(f"{base}/workbench/cases/{running.number}/")
    assert page.locator('form[data-action="approve_extension"]').count() == 1
    assert page.locator('form[data-action="reject_extension"]').count() == 1
    axe("extension-approve-or-decline", portal=False)
    logout(page)
    login(page, base, "citizen")
    page.goto(f"{base}/my/cases/{refused.number}/")
    content = page.content()
    assert "救济途径" in content and "武汉市人民政府" in content and "武汉市有管辖权的人民法院" in content
    axe("refused-case-remedy", portal=True)
