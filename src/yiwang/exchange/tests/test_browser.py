"""In Debian's chromium through Playwright: the exchange pages. A department searches the
catalogue, reads a resource and requests an agreement; the provider's chief data officer narrows
and approves it with the keyboard only; the department's query log. A citizen grants a consent
request, withdraws it with the keyboard only (the next query is refused) and reads who used their
data. Every page passes axe-core (no serious or critical violation) and fits 390px at 200% text.

Skipped without Debian's chromium (shared fixtures in yiwang.testsupport)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from yiwang.core.testing import login, logout, tab_to
from yiwang.exchange import services
from yiwang.exchange.models import Agreement, AgreementStatus, Consent, ConsentStatus
from yiwang.exchange.tests.conftest import Ex


def _marriage_query(ex: Ex, purpose: str = "case_handling"):
    return services.query_run(
        caller=ex.staff_caller(),
        resource_code="mz.marriage",
        subject={"id_number": ex.ric},
        purpose=purpose,
        elements=["marital_status"],
        case_number=ex.case,
    )


@pytest.mark.browser
def test_exchange_pages_in_the_browser(live_server, transactional_db, world, submit_case, page, axe):
    ex = Ex(world, submit_case)
    ex.agree(ex.marriage, purposes=("case_handling", "supervision"))
    # two consent requests for the citizen (two purposes), and a refused query in the log
    assert _marriage_query(ex).reason == "consent_required"
    assert _marriage_query(ex, "supervision").reason == "consent_required"
    base = live_server.url
    until = (date.today() + timedelta(days=200)).isoformat()

    check = axe

    # 1. A department searches the catalogue and requests population data.
    login(page, base, "dept_admin")
    page.goto(f"{base}/exchange/")
    check("catalogue", portal=True)
    page.fill("#q", "人口")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "人口基本信息" in page.text_content("main")
    assert "婚姻登记信息" not in page.text_content("main")
    check("catalogue-search", portal=True)
    with page.expect_navigation():
        page.click("main a:has-text('人口基本信息')")
    check("resource", portal=True)
    for code in ("name", "gender", "household_address"):
        page.check(f"#el-{code}")
    page.check("#p-case_handling")
    page.fill("#legal_basis", "《行政许可法》第三十一条")
    page.fill("#valid_until", until)
    with page.expect_navigation():
        page.click("main button:has-text('提交申请')")
    a = Agreement.objects.get(resource=ex.population, consumer=world.dept)
    assert a.status == AgreementStatus.REQUESTED
    assert a.requested_elements == ["name", "gender", "household_address"]
    assert page.url.endswith(f"/exchange/agreements/{a.pk}/")
    check("agreement-requested", portal=True)
    page.goto(f"{base}/exchange/agreements/")
    check("agreements-consumer", portal=True)
    logout(page)

    # 2. The provider's CDO narrows it with the keyboard only: drops the address, says why.
    login(page, base, "ga_cdo")
    page.goto(f"{base}/exchange/agreements/")
    assert f"协议 {a.pk}" in page.text_content("#pending-h + table")
    check("agreements-cdo", portal=True)
    page.goto(f"{base}/exchange/agreements/{a.pk}/")
    check("agreement-decide", portal=True)
    tab_to(page, "#el-household_address")
    page.keyboard.press("Space")
    assert not page.is_checked("#el-household_address")
    tab_to(page, "#reason")
    page.keyboard.type("户籍地址不属于受理所需信息")
    tab_to(page, "button[value=approve]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    a.refresh_from_db()
    assert a.status == AgreementStatus.APPROVED
    assert a.elements == ["name", "gender"] and a.decided_by_id == ex.cdo.pk
    assert a.decision_reason == "户籍地址不属于受理所需信息"
    assert "已批准" in page.text_content("main dd.status")
    check("agreement-approved", portal=True)
    logout(page)

    # 3. A citizen grants one consent request, then withdraws it with the keyboard only.
    login(page, base, "citizen")
    page.goto(f"{base}/my/data/consents/")
    check("consents-pending", portal=True)
    pending = Consent.objects.filter(status=ConsentStatus.PENDING).order_by("pk")
    first = pending[0]
    with page.expect_navigation():
        page.click(f"form:has(input[name=consent][value='{first.pk}']) button[value=grant]")
    first.refresh_from_db()
    assert first.status == ConsentStatus.GRANTED
    check("consents-granted", portal=True)
    assert _marriage_query(ex, first.purpose).ok
    page.goto(f"{base}/my/data/consents/")
    tab_to(page, f"form:has(input[name=consent][value='{first.pk}']) button[value=withdraw]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first.refresh_from_db()
    assert first.status == ConsentStatus.WITHDRAWN
    assert "已撤回授权" in page.text_content("main")
    check("consents-withdrawn", portal=True)
    assert _marriage_query(ex, first.purpose).reason == "consent_withdrawn"
    page.goto(f"{base}/my/data/records/")
    text = page.text_content("main")
    assert "婚姻登记信息" in text and world.dept.name in text and "已提供" in text
    check("my-records", portal=True)
    logout(page)

    # 4. The consuming department's query log.
    login(page, base, "dept_admin")
    page.goto(f"{base}/exchange/records/")
    assert "consent_withdrawn" in page.text_content("main")
    check("department-records", portal=True)
    assert check.count == 13
