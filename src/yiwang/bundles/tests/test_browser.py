"""新生儿出生一件事 end to end in Debian's chromium through Playwright against the live server: the
citizen logs in, picks the bundle, answers the questionnaire with the keyboard only, sees the
prefilled values, fills in, uploads and submits with the keyboard; the departments complete their
cases (services); the tracking page shows 统一出件 with the licence. Every page is checked with axe
(no serious or critical violation) and at 200% text in a 390px viewport (no horizontal scroll).

Skipped without Debian's chromium (shared fixtures in yiwang.testsupport)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from yiwang.bundles import services
from yiwang.bundles.models import BundleCase
from yiwang.cases.models import Case
from yiwang.core.testing import MINIMAL_PDF, PASSWORD, make_ric, tab_to

from .conftest import finish


@pytest.mark.browser
def test_newborn_bundle_in_the_browser(live_server, transactional_db, world, newborn, page, axe, tmp_path):
    pdf = tmp_path / "分娩记录.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    base = live_server.url

    check = axe

    page.goto(f"{base}/login/")
    page.fill("#username", "citizen")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")

    # The bundle list and its 一次告知 guide.
    page.goto(f"{base}/bundles/")
    check("bundles", portal=True)
    page.click("main a:has-text('新生儿出生一件事')")
    page.wait_for_url(re.compile(r"/bundles/newborn/$"))
    assert "出生登记（户口）" in page.inner_text("main")
    check("bundle-guide", portal=True)
    page.click("main a.button:has-text('开始办理')")
    page.wait_for_url(re.compile(r"/bundles/newborn/start/$"))
    check("questionnaire", portal=True)

    # The questionnaire with the keyboard only: Tab into the radio group, arrow to 未参保,
    # Tab to the button, Enter.
    tab_to(page, "#q-insured-yes")
    page.keyboard.press("ArrowDown")
    assert page.is_checked("#q-insured-no")
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/bundles/newborn/apply/" in page.url and "a.insured=no" in page.url

    # The merged form: prefilled values with their source, the produced material.
    assert page.get_attribute("#f-applicant-name", "readonly") is not None
    assert page.input_value("#f-applicant-name") == world.citizen.display_name
    assert "来源：实名认证信息" in page.inner_text("main")
    assert "由“出生医学证明签发”办结后自动获取" in page.inner_text("main")
    assert re.search(r"少填 \d+ 项、少交 \d+ 份材料、少跑 \d+ 次", page.inner_text("main"))
    check("apply", portal=True)
    page.fill("#f-mother-name", "张丽")
    page.fill("#f-mother-id_number", "420102199405060000")  # wrong check digit
    page.fill("#f-child-name", "张小宝")
    page.fill("#f-child-birth_date", "2026-10-30")
    page.select_option("#f-child-gender", "男")
    page.set_input_files("#m-delivery_record", str(pdf))
    page.set_input_files("#m-id_card", str(pdf))
    tab_to(page, "main button[value=submit]", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".error-summary").is_visible()
    assert "母亲身份证号码不是有效的公民身份号码" in page.inner_text(".error-summary")
    assert page.get_attribute("#f-mother-id_number", "aria-invalid") == "true"
    assert page.input_value("#f-child-name") == "张小宝"  # what was typed is kept
    check("apply-errors", portal=True)
    page.click(".error-summary a[href='#f-mother-id_number']")
    assert page.evaluate("document.activeElement.id") == "f-mother-id_number"
    page.fill("#f-mother-id_number", make_ric(serial=303, born=date(1994, 5, 6)))
    page.set_input_files("#m-delivery_record", str(pdf))
    page.set_input_files("#m-id_card", str(pdf))
    tab_to(page, "main button[value=submit]", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/my/bundles/[^/]+/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert "办理中" in page.inner_text("main") and "等待“出生医学证明签发”办结" in page.inner_text("main")
    check("tracking", portal=True)

    # The departments complete their cases.
    bcase = BundleCase.objects.get(number=number)
    kids = {c.item_code: c.case_id for c in bcase.children.all()}
    finish(
        Case.objects.get(pk=kids[newborn.birth.code]),
        world,
        reviewer=world.reviewer2,
        approver=world.approver2,
    )
    services.bundle_case_advance(bundle_case_id=bcase.pk)
    finish(
        Case.objects.get(pk=kids[newborn.hukou.code]),
        world,
        reviewer=world.reviewer,
        approver=world.approver,
    )
    finish(
        Case.objects.get(pk=kids[newborn.insurance.code]),
        world,
        reviewer=world.reviewer2,
        approver=world.approver2,
    )
    services.bundle_case_advance(bundle_case_id=bcase.pk)

    page.goto(f"{base}/my/bundles/{number}/")
    main = page.inner_text("main")
    assert "统一出件" in main and "已办结" in main and "电子证照：出生医学证明" in main
    check("tracking-delivered", portal=True)
    page.goto(f"{base}/my/bundles/")
    check("my-bundles", portal=True)
