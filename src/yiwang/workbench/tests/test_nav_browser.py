"""In Debian's chromium, keyboard only: from the workbench a platform administrator reaches the
department-system push page and 事项认领 through the staff navigation. axe on every page."""

from __future__ import annotations

import pytest

from yiwang.core.testing import login, tab_to


@pytest.mark.browser
def test_admin_reaches_pushes_and_claims_from_the_workbench(live_server, transactional_db, world, page, axe):
    base = live_server.url
    login(page, base, world.platform_admin.username)
    page.goto(f"{base}/workbench/")
    axe("nav-workbench-admin", portal=False)
    tab_to(page, "main a[href='/workbench/department-systems/pushes/']", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/workbench/department-systems/pushes/")
    assert "部门业务系统" in page.title() + page.content()
    axe("nav-pushes", portal=False)
    page.goto(f"{base}/workbench/")
    tab_to(page, "main a[href='/catalog/claims/']", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/catalog/claims/")
    assert "事项认领" in page.content()
    axe("nav-claims", portal=False)


@pytest.mark.browser
def test_department_admin_reaches_claims_from_the_workbench(live_server, transactional_db, world, page, axe):
    base = live_server.url
    login(page, base, world.dept_admin.username)
    page.goto(f"{base}/workbench/")
    assert page.locator("main a[href='/workbench/department-systems/pushes/']").count() == 0
    axe("nav-workbench-dept-admin", portal=False)
    tab_to(page, "main a[href='/catalog/claims/']", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/catalog/claims/")
    assert world.item.department.name in page.content()
    axe("nav-claims-dept-admin", portal=False)
