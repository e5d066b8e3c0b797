"""In Debian's chromium through Playwright: a department files a project (申报) and the bureau
reads the duplicate warning, gives an opinion and approves it (立项) — Tab, typing and Enter only;
every page passes axe-core (no serious or critical violation)."""

from __future__ import annotations

import pytest

from yiwang.core.testing import login, logout, tab_to
from yiwang.projects.models import Project, Step


@pytest.mark.browser
def test_a_project_from_filing_to_approval(live_server, transactional_db, pw, page, axe):
    base = live_server.url
    login(page, base, "dept_admin")
    page.goto(f"{base}/workbench/projects/")
    axe("projects-list", portal=False)
    page.goto(f"{base}/workbench/projects/new/")
    axe("projects-new", portal=False)
    tab_to(page, "#p-name")
    page.keyboard.type("食品经营许可审批系统升级")
    tab_to(page, "#p-purpose")
    page.keyboard.type("实现食品经营许可全程网办")
    for field, value in (
        ("#p-functions", "食品经营许可 受理 审批 发证"),
        ("#p-amount", "800000"),
        ("#p-system", "食品经营许可审批平台"),
        ("#p-resources", "scjg.food_license_v2"),
    ):
        tab_to(page, field)
        page.keyboard.type(value)
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    p = Project.objects.get(name="食品经营许可审批系统升级")
    assert p.stage == "filed" and page.url.endswith(f"/workbench/projects/{p.code}/")
    assert "疑似重复建设" in page.content()
    axe("projects-detail-owner", portal=False)
    logout(page)

    login(page, base, "bureau")
    page.goto(f"{base}/workbench/projects/{p.code}/")
    assert pw.existing.code in page.locator("#dup-h + ul").inner_text()
    axe("projects-detail-bureau", portal=False)
    assert page.locator("#r-kind").input_value() == "feasibility"  # the first kind, as offered
    tab_to(page, "#r-opinion")
    page.keyboard.type("技术路线可行")
    tab_to(page, "form:has(#r-opinion) button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "审查意见已提交" in page.content()
    assert page.is_checked("#action-approve")  # the first action the bureau may take
    tab_to(page, "#t-note")
    page.keyboard.type("同意立项，须复用已有审批系统的数据")
    tab_to(page, "form:has(#t-note) button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "尚缺以下审查意见" in page.content()
    axe("projects-approved", portal=False)
    p.refresh_from_db()
    assert p.stage == "approved" and page.locator("#stage").inner_text() == "已立项"
    assert Step.objects.get(project=p, action="approve").ledger_entry


@pytest.mark.browser
def test_building_ledger_and_cdo_pages_pass_axe(live_server, transactional_db, pw, page, axe):
    from datetime import date

    from yiwang.projects import services

    from .conftest import file_project

    p = file_project(pw)
    services.project_transition(
        actor=pw.bureau, project=p, action="approve", note="同意", on=date(2026, 3, 2)
    )
    services.project_transition(actor=pw.dept_admin, project=p, action="start", on=date(2026, 3, 2))
    services.quality_raise(
        actor=pw.reviewer2, resource=pw.res_license, description="地址过期", on=date(2026, 3, 2)
    )
    base = live_server.url
    login(page, base, "dept_admin")
    page.goto(f"{base}/workbench/projects/{p.code}/")
    assert page.locator("#c-name").is_visible() and page.locator(f"#reg-{p.systems.get().pk}").is_visible()
    axe("projects-building", portal=False)
    page.goto(f"{base}/workbench/data-ledger/")
    assert pw.existing.code in page.content()
    axe("data-ledger", portal=False)
    logout(page)
    login(page, base, "cdo")
    page.goto(f"{base}/workbench/data-ledger/cdo/")
    assert "地址过期" in page.content()
    axe("cdo", portal=False)
    tab_to(page, "input[name=reply]")
    page.keyboard.type("已更新地址")
    tab_to(page, "main form:has(input[name=reply]) button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "整改说明已提交" in page.content()


@pytest.mark.browser
def test_running_indicators_reported_by_keyboard_and_axe_clean(live_server, transactional_db, pw, page, axe):
    """An accepted, post-evaluated project: its page shows the third party's scores; the department
    reports a month of 运行效能 with the keyboard only."""
    from yiwang.projects import services

    from .test_services import _to_self_evaluated

    p = _to_self_evaluated(pw)
    services.evaluator_assign(actor=pw.bureau, project=p, evaluator=pw.evaluator)
    services.evaluation_submit(
        actor=pw.evaluator_user, project=p, scores={"goals": 35, "sharing": 25, "cost": 20}, conclusion="良好"
    )
    base = live_server.url
    login(page, base, "dept_admin")
    page.goto(f"{base}/workbench/projects/{p.code}/")
    assert "总分 80.00" in page.locator("#pe-h + table caption").inner_text()
    axe("projects-post-evaluated", portal=False)
    for field, value in (("#i-month", "2026-05"), ("#i-users", "1200"), ("#i-tx", "50000")):
        tab_to(page, field)
        page.keyboard.type(value)
    tab_to(page, "form:has(#i-month) button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "运行指标已填报" in page.content()
    assert "2026-05" in page.locator("#ind-h ~ table").inner_text()
    axe("projects-indicators", portal=False)
