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
