"""In Debian's chromium through Playwright: a department files a project (申报) with the keyboard,
the bureau reads the duplicate warning, gives an opinion and approves it (立项); every page passes
axe-core (no serious or critical violation)."""

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
    page.fill("#p-functions", "食品经营许可 受理 审批 发证")
    page.fill("#p-amount", "800000")
    page.fill("#p-system", "食品经营许可审批平台")
    page.fill("#p-resources", "scjg.food_license_v2")
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
    page.select_option("#r-kind", "feasibility")
    page.fill("#r-opinion", "技术路线可行")
    with page.expect_navigation():
        page.click("form:has(#r-opinion) button[type=submit]")
    assert "审查意见已提交" in page.content()
    page.check("#action-approve")
    page.fill("#t-note", "同意立项，须复用已有审批系统的数据")
    with page.expect_navigation():
        page.click("form:has(#t-note) button[type=submit]")
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
    page.fill("input[name=reply]", "已更新地址")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "整改说明已提交" in page.content()
