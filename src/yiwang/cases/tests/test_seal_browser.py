"""In Debian's chromium through Playwright: the public seal verification page (upload a sealed
notice, then a file that is no PDF) and the staff case page's 送达回证. Every page passes axe-core
(no serious or critical violation); the portal page fits 390px at 200% text."""

from __future__ import annotations

import pytest

from yiwang.cases import services
from yiwang.core.testing import good_form, good_materials, login


@pytest.mark.browser
def test_verify_page_and_proof_of_delivery_in_the_browser(
    live_server, transactional_db, world, page, axe, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = services.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
        electronic_delivery=True,
    )
    case = services.case_apply_action(case=case, actor=world.clerk, action="accept", version=case.version)
    notice = case.notices.get(kind="acceptance")
    sealed = tmp_path / "受理通知书.pdf"
    sealed.write_bytes(services.notice_pdf(notice=notice))
    services.notice_opened(notice=notice, viewer=world.citizen)
    base = live_server.url
    check = axe

    page.goto(f"{base}/notices/verify/")
    check("verify", portal=True)
    page.set_input_files("#file", str(sealed))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    main = page.text_content("main")
    assert "核验通过：电子印章有效" in main and world.dept.name in main and case.number in main
    check("verify-valid", portal=True)
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"not a pdf at all")
    page.set_input_files("#file", str(bad))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "不是 PDF 文件" in page.text_content("main")
    check("verify-not-pdf", portal=True)

    login(page, base, "clerk")
    page.goto(f"{base}/workbench/cases/{case.number}/")
    proof = page.text_content("#h-delivery + p")
    assert "随申请同意电子送达" in proof
    row = page.locator("table[aria-labelledby=h-delivery] tr", has_text=notice.number).text_content()
    assert "电子送达" in row and "尚未查阅" not in row and "盖章中" not in row
    check("workbench-case-delivery", portal=False)
