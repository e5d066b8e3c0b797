"""In Debian's chromium through Playwright: the 共同缔造 pages — the list of proposals and of
experiences, a proposal submitted with the keyboard only, its discussion, the rating of an
implemented change (keyboard only), and the department's workbench and answer page. Every page
passes axe-core (no serious or critical violation) and fits 390px at 200% text.

Skipped without Debian's chromium (shared fixtures in yiwang.testsupport)."""

from __future__ import annotations

import re

import pytest

from yiwang.core.testing import login, logout, tab_to
from yiwang.participation import services
from yiwang.participation.models import Comment, Proposal, ResultRating


def _done_proposal(world) -> Proposal:
    p = services.proposal_submit(
        actor=world.citizen, kind="proposal", title="自助终端增加社保查询", body="希望大厅自助终端能查社保。",
        item_code=world.item.code,
    )  # fmt: skip
    services.support_add(actor=world.citizen2, proposal=p)
    for action in ("accept", "complete"):
        services.proposal_answer(actor=world.dept_admin, proposal=p, action=action, body="已在全部终端上线。")
        p = Proposal.objects.get(pk=p.pk)
    return p


@pytest.mark.browser
def test_participation_pages_in_the_browser(live_server, transactional_db, world, page, axe):
    done = _done_proposal(world)
    services.proposal_submit(
        actor=world.citizen2, kind="experience", title="一次办成开餐馆", body="材料一次告知，半天办完。",
        item_code=world.item.code,
    )  # fmt: skip
    base = live_server.url

    check = axe
    page.goto(f"{base}/participation/")
    check("list-anonymous", portal=True)

    # 1. A citizen proposes with the keyboard only.
    login(page, base, "citizen")
    page.goto(f"{base}/participation/new/")
    check("propose", portal=True)
    tab_to(page, "#item")
    page.keyboard.type(world.item.code)
    tab_to(page, "#title")
    page.keyboard.type("周六增加食品许可窗口")
    tab_to(page, "#body")
    page.keyboard.type("上班族工作日没空，希望周六上午开放窗口。")
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    mine = Proposal.objects.get(title="周六增加食品许可窗口")
    assert mine.moderation == "published" and mine.department == world.dept
    assert page.url.endswith(f"/participation/{mine.number}/")
    check("detail-new", portal=True)

    # 2. 群众谈 list and 群众议: a comment on someone else's post.
    page.goto(f"{base}/participation/?kind=experience")
    assert "一次办成开餐馆" in page.text_content("main")
    check("experiences", portal=True)
    page.click("main a:has-text('一次办成开餐馆')")
    page.wait_for_url(re.compile(r"/participation/TY"))
    check("experience-detail", portal=True)
    page.fill("#comment-body", "同感，指南写得很清楚。")
    with page.expect_navigation():
        page.click("main button:has-text('发表')")
    assert Comment.objects.filter(body="同感，指南写得很清楚。").exists()
    check("discussion", portal=True)
    logout(page)

    # 3. A supporter rates the implemented change with the keyboard only.
    login(page, base, "citizen2")
    page.goto(f"{base}/participation/{done.number}/")
    check("done-detail", portal=True)
    tab_to(page, "#level-1")
    page.keyboard.press("Space")
    tab_to(page, "#rate-comment")
    page.keyboard.type("查询很方便")
    tab_to(page, "#rate-submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    r = ResultRating.objects.get(proposal=done)
    assert (r.user_id, r.level, r.comment) == (world.citizen2.pk, "1", "查询很方便")
    check("done-rated", portal=True)
    logout(page)

    # 4. The department's queue and answer page.
    login(page, base, "dept_admin")
    page.goto(f"{base}/workbench/participation/")
    check("workbench", portal=True)
    page.goto(f"{base}/workbench/participation/{mine.number}/")
    check("answer", portal=True)

    # 5. 办事体验: plan a mission, record a finding, turn it into a rectification item.
    page.goto(f"{base}/workbench/participation/missions/")
    check("missions", portal=True)
    page.fill("#item", world.item.code)
    page.fill("#title", "窗口办理体验")
    page.fill("#task", "以群众身份到窗口办理一次")
    with page.expect_navigation():
        page.click("main button:has-text('安排')")
    check("mission", portal=True)
    page.fill("#step", "取号")
    page.fill("#body", "取号机没有语音提示")
    with page.expect_navigation():
        page.click("main button:has-text('记录')")
    with page.expect_navigation():
        page.click("main button:has-text('转为整改事项')")
    assert "已转为整改事项" in page.text_content("main")
    check("mission-rectification", portal=True)
