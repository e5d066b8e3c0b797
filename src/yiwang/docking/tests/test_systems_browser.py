"""In Debian's chromium, keyboard only: a platform administrator finds a push the department
system refused on the operator page and sends it again with a reason. axe on every page."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from yiwang.cases import services as cases
from yiwang.cases.models import Case
from yiwang.core.models import OutboxMessage, OutboxStatus
from yiwang.core.testing import login, tab_to
from yiwang.docking.services import systems


@pytest.mark.browser
def test_admin_retries_a_refused_push_with_the_keyboard(
    live_server, transactional_db, world, sim, dept_system, submit_case, page, axe
):
    sim.mode = "refuse"
    day = datetime.date(2026, 3, 2)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=True):
        case = submit_case(world, on=day)
        cases.case_apply_action(case=Case.objects.get(pk=case.pk), actor=world.clerk, action="accept", on=day)
    msg = OutboxMessage.objects.get(topic=systems.TOPIC, key=case.number)
    assert msg.status == OutboxStatus.DEAD
    base = live_server.url
    login(page, base, world.platform_admin.username)
    page.goto(f"{base}/workbench/department-systems/pushes/?state=failed")
    assert "本系统不办理该事项" in page.content()
    axe("docking-pushes-failed", portal=False)
    tab_to(page, f"#reason-{msg.pk}")
    page.keyboard.type("部门已补充事项配置")
    sim.mode = "ok"
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"推送 #{msg.pk} 已重新排队发送" in page.content()
    assert "没有待发送或失败的推送" in page.content()
    axe("docking-pushes-empty", portal=False)
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT
    # the staff case page says where the case is handled
    page.goto(f"{base}/workbench/cases/{case.number}/")
    assert "本件在食品经营许可审批系统中办理" in page.content()
    assert f"GA-{case.number}" in page.content()
    axe("docking-case-panel", portal=False)
    assert [r["case"]["number"] for r in sim.received] == [case.number]
