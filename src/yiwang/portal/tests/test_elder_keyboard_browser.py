"""长辈版 with the keyboard only, on a 390 px phone screen at 200% text: log in, find the item
from the elder home, read its guide, fill the application and submit it — no pointer, no
sideways scrolling on any page, the focus always visible, and on every page the elder
presentation: body text ≥ 18 px, line height ≥ 1.3, buttons and fields ≥ 48 px, nothing moving."""

from __future__ import annotations

import re

import pytest

from yiwang.cases.models import Case, Status
from yiwang.core.testing import MINIMAL_PDF, MINIMAL_PNG, MOBILE, PASSWORD, tab_to


def big_text(page) -> None:
    """200% text (the reader's browser setting), checked for sideways scrolling."""
    assert "pref-elder" in (page.get_attribute("html", "class") or "")
    body = "parseFloat(getComputedStyle(document.body).fontSize)"
    assert page.evaluate(body) >= 18  # 长辈版: at least 18 px body text
    assert page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)") >= 1.3 * page.evaluate(
        body
    )
    # big buttons: every visible button and field of the page at least 48 px high
    heights = page.evaluate(
        "[...document.querySelectorAll('main button, main .button, main select, main textarea,"
        " main input:not([type=hidden]):not([type=checkbox]):not([type=radio])')]"
        ".filter(e => e.offsetParent).map(e => [e.id || e.textContent.trim() || e.name, e.getBoundingClientRect().height])"
    )
    assert all(h >= 48 for _, h in heights), [x for x in heights if x[1] < 48]
    # no animations or transitions anywhere on the page
    moving = page.evaluate(
        "[...document.querySelectorAll('*')].filter(e => { const s = getComputedStyle(e);"
        " return s.animationName !== 'none' || parseFloat(s.transitionDuration) > 0; }).length"
    )
    assert moving == 0
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    width, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= client, f"{page.url}: sideways scrolling at 200% text: {width} > {client}"
    assert page.evaluate(body) >= 32


def press_enter_and_wait(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")
    big_text(page)


@pytest.mark.browser
def test_keyboard_only_application_in_elder_mode_at_200_percent_on_a_phone(
    live_server, world, browser, tmp_path
):
    pdf, png = tmp_path / "身份证.pdf", tmp_path / "平面图.png"
    pdf.write_bytes(MINIMAL_PDF)
    png.write_bytes(MINIMAL_PNG)
    base = live_server.url
    context = browser.new_context(viewport=MOBILE, locale="zh-CN")
    page = context.new_page()

    # 长辈版 is switched on from the page's own switch, with the keyboard
    page.goto(f"{base}/login/")
    tab_to(page, "button.elder-switch")
    press_enter_and_wait(page)
    assert page.get_attribute("button.elder-switch", "aria-pressed") == "true"

    tab_to(page, "#username", limit=60)
    page.keyboard.type("citizen")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    press_enter_and_wait(page)

    # the elder home: search for the item
    page.goto(f"{base}/")
    big_text(page)
    assert "长辈常办的服务" in page.inner_text("main")
    tab_to(page, "#q", limit=60)
    page.keyboard.type("食品经营许可（新办）")
    press_enter_and_wait(page)
    tab_to(page, "main .results a", limit=80)
    press_enter_and_wait(page)
    assert re.search(rf"/items/{world.item.code}/$", page.url)
    tab_to(page, "main a.button", limit=80)
    press_enter_and_wait(page)
    assert page.url.endswith("/apply/")

    # the form, field by field with Tab; the files are chosen from the focused file inputs
    assert page.evaluate("document.querySelectorAll('main input, main button').length") > 3  # not vacuous
    tab_to(page, "#f-premises-address", limit=80)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.type("武汉市江岸区沿江大道100号")
    tab_to(page, "#f-premises-area")
    page.keyboard.type("80")
    tab_to(page, "#m-id_card")
    page.set_input_files("#m-id_card", str(pdf))
    tab_to(page, "#m-site_plan")
    page.set_input_files("#m-site_plan", str(png))
    tab_to(page, "main button[value=submit]", limit=60)
    press_enter_and_wait(page)
    assert re.search(r"/my/cases/\d+/$", page.url)
    assert page.inner_text("#case-status") == "已提交"
    assert Case.objects.filter(owner=world.citizen, status=Status.SUBMITTED).count() == 1
    context.close()
