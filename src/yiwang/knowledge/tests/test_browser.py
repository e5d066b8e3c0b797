"""In Debian's chromium: a citizen asks a question on /knowledge/, follows the guidance of the
answer (情形 chosen with the keyboard only) to the apply page. Every page passes axe-core.
Skipped without Debian's chromium (shared fixtures in yiwang.testsupport)."""

from __future__ import annotations

import pytest

from yiwang.core.testing import PASSWORD, login, tab_to
from yiwang.knowledge import services


@pytest.mark.browser
def test_citizen_asks_and_follows_guidance_to_apply(live_server, transactional_db, world, page, axe):
    world.item_immediate.parent = world.item
    world.item_immediate.save()
    services.index_sync()
    base = live_server.url
    login(page, base, "citizen")
    page.goto(f"{base}/knowledge/")
    axe("ask", portal=True)
    tab_to(page, "#q")
    page.keyboard.type("食品经营许可新办要带什么材料")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first = page.locator("ol.answers > li").first
    assert "申请材料" in first.inner_text() and "来源" in first.inner_text()
    axe("answers", portal=True)
    tab_to(page, f"a[href='/knowledge/guide/item/{world.item.code}/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    axe("guide", portal=True)
    radio = "#q-situation-0"
    tab_to(page, radio)
    page.keyboard.press("Space")
    assert page.is_checked(radio)
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/items/{world.item_immediate.code}/apply/")
    axe("apply", portal=True)


@pytest.mark.browser
def test_nothing_fits_offers_the_question_form(live_server, transactional_db, world, page, axe):
    services.index_sync()
    base = live_server.url
    page.goto(f"{base}/knowledge/?q=%F0%9F%98%80")
    assert "12345" in page.locator(".fallback").inner_text()
    axe("fallback", portal=True)
    with page.expect_navigation():
        page.click(".fallback a")
    page.fill("#q", "我的电话13800138000，想问卫生许可")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "留言已提交" in page.content()
    axe("question-done", portal=True)


@pytest.mark.browser
def test_window_staff_pages(live_server, transactional_db, world, page, axe):
    services.index_sync()
    services.question_submit(text_="卫生许可能加急吗？", subject=world.item2.code)
    base = live_server.url
    login(page, base, "reviewer2")
    page.goto(f"{base}/workbench/knowledge/?q=公共场所卫生许可在哪里办")
    assert "卫生许可能加急吗？" in page.content()
    axe("staff", portal=False)
    page.goto(f"{base}/workbench/knowledge/articles/")
    axe("articles", portal=False)
    tab_to(page, "#title")
    page.keyboard.type("卫生许可证可以加急吗？")
    tab_to(page, "#body")
    page.keyboard.type("可以，提交告知承诺书后当场办结。")
    tab_to(page, "main form:not(.inline-form) button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已保存草稿" in page.content()
    axe("articles-saved", portal=False)


@pytest.mark.browser
def test_kiosk_questions_and_answers_keyboard_only(live_server, transactional_db, world, page, axe):
    """A person at a self-service terminal: 智能问答 from the kiosk's home, a question typed, the
    cited answer, then its guidance — Tab and Enter only, every page axe clean."""
    from yiwang.halls import terminals

    terminals.terminal_register(
        code="smzj-01", name="市民之家自助终端 01", site_kind="hall", site_name="武汉市民之家",
        hall=world.hall, region=world.city, items=[world.item], account_username="kiosk",
        account_password=PASSWORD,
    )  # fmt: skip
    services.index_sync()
    base = live_server.url
    login(page, base, "kiosk")  # the device account pairs this browser, then is logged out
    page.goto(f"{base}/kiosk/")
    tab_to(page, "a[href='/kiosk/ask/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    axe("kiosk-ask", portal=False)
    tab_to(page, "#q")
    page.keyboard.type("食品经营许可新办要带什么材料")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first = page.locator("ol.k-answers > li").first
    assert "申请材料" in first.inner_text() and "来源" in first.inner_text()
    axe("kiosk-answers", portal=False)
    tab_to(page, f"a[href='/knowledge/guide/item/{world.item.code}/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/knowledge/guide/item/{world.item.code}/")
