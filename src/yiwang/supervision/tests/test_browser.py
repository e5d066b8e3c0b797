"""In Debian's chromium: the supervisor opens the dashboard (charts drawn by the vendored ECharts
under the strict CSP, tables beside them), goes from the department ranking to a department, on
to its overdue cases, and issues a rectification task with the keyboard; every page passes axe."""

import pytest

from yiwang.core.testing import login, tab_to
from yiwang.supervision import services
from yiwang.supervision.models import Task

from .conftest import build_dataset


@pytest.mark.browser
def test_supervisor_drills_down_and_issues_a_task(live_server, transactional_db, world, page, axe):
    ds = build_dataset(world)
    services.assessment_run(period="2026-Q3", level="department")
    services.assessment_run(period="2026-Q3", level="district")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = live_server.url
    login(page, base, "supervisor")
    page.goto(f"{base}/supervision/")
    page.locator("#rank-department-h").wait_for()
    assert page.locator("[data-chart] canvas").count() >= 3  # trend and two rankings
    axe("supervision-dashboard", portal=False)
    # ranking → department (the table's link, by keyboard)
    link = f"#rank-department a[href*='{world.dept2.uscc}']"
    tab_to(page, link, limit=200)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == world.dept2.name
    axe("supervision-department", portal=False)
    # department → its overdue cases
    with page.expect_navigation():
        page.click("#overdue-link")
    c5 = ds.cases["C5"]
    assert c5.number in page.locator("main table").inner_text()
    axe("supervision-overdue", portal=False)
    page.fill(f"#days-{c5.pk}", "3")
    tab_to(page, f"#issue-{c5.pk}", limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    task = Task.objects.get(case=c5)
    assert page.url.endswith(f"/supervision/tasks/{task.pk}/")
    assert page.locator("#task-status").inner_text() == "整改中" and task.limit_days == 3
    axe("supervision-task", portal=False)
    assert not [e for e in errors if "Content Security Policy" in e or "echarts" in e.lower()], errors
