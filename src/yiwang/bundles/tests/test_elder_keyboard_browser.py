"""新生儿出生一件事 in 长辈版 with the keyboard only, on a 390 px phone at 200 % text (issue 15):
log in, answer the questionnaire, fill the merged form and submit — no pointer, the focus always
visible, no sideways scrolling on any page."""

from __future__ import annotations

import re
from datetime import date

import pytest

from yiwang.bundles.models import BundleCase
from yiwang.core.testing import MINIMAL_PDF, MOBILE, PASSWORD, make_ric, tab_to, type_date


def elder_at_200_percent(page) -> None:
    assert "pref-elder" in (page.get_attribute("html", "class") or "")
    body = "parseFloat(getComputedStyle(document.body).fontSize)"
    assert page.evaluate(body) >= 18
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    width, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= client, f"{page.url}: sideways scrolling at 200% text: {width} > {client}"


def enter(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")
    elder_at_200_percent(page)


def focused_and_visible(page) -> None:
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"


@pytest.mark.browser
def test_newborn_in_elder_mode_with_the_keyboard_on_a_phone(
    live_server, transactional_db, world, newborn, browser, tmp_path
):
    pdf = tmp_path / "分娩记录.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    base = live_server.url
    context = browser.new_context(viewport=MOBILE, locale="zh-CN")
    host = base.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": "yw_elder", "value": "1", "domain": host, "path": "/"}])
    page = context.new_page()

    page.goto(f"{base}/login/")
    elder_at_200_percent(page)
    tab_to(page, "#username", limit=60)
    page.keyboard.type("citizen")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    enter(page)

    page.goto(f"{base}/bundles/newborn/")
    elder_at_200_percent(page)
    tab_to(page, "main a.button", limit=80)
    focused_and_visible(page)
    enter(page)
    assert page.url.endswith("/bundles/newborn/start/")

    # the questionnaire: Tab into each radio group and keep the first answer unless told
    tab_to(page, "#q-insured-yes", limit=80)
    page.keyboard.press("ArrowDown")
    assert page.is_checked("#q-insured-no")
    tab_to(page, "main button[type=submit]", limit=80)
    enter(page)
    assert "/bundles/newborn/apply/" in page.url

    # the merged form, field by field; files chosen from the focused file inputs
    for selector, text in [
        ("#f-mother-name", "张丽"),
        ("#f-mother-id_number", make_ric(serial=303, born=date(1994, 5, 6))),
        ("#f-child-name", "张小宝"),
    ]:
        tab_to(page, selector, limit=120)
        focused_and_visible(page)
        page.keyboard.type(text)
    # the date input is typed segment by segment, in the order this browser shows them
    tab_to(page, "#f-child-birth_date", limit=120)
    focused_and_visible(page)
    type_date(page, date(2026, 10, 30))
    assert page.input_value("#f-child-birth_date") == "2026-10-30"
    tab_to(page, "#f-child-gender", limit=120)
    page.keyboard.press("ArrowDown")
    for selector in ("#m-delivery_record", "#m-id_card"):
        tab_to(page, selector, limit=120)
        page.set_input_files(selector, str(pdf))
    tab_to(page, "main button[value=submit]", limit=120)
    enter(page)
    assert re.search(r"/my/bundles/[^/]+/$", page.url), page.inner_text("main")[:600]
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert BundleCase.objects.filter(number=number, owner=world.citizen).exists()
    assert "办理中" in page.inner_text("main")
    context.close()
