"""In Debian's chromium through Playwright: a department admin claims a standard item of the
provincial library and later decides a provincial change, with the keyboard only. Every page passes
axe-core (no serious or critical violation) and fits 390px at 200% text.

Skipped without Debian's chromium (shared fixtures in yiwang.testsupport)."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps

from yiwang.catalog import claims
from yiwang.catalog.models import ChangeStatus, ClaimChange, ItemClaim, StandardItem
from yiwang.catalog.tests.province_fixtures import standard_items
from yiwang.core.testing import login, tab_to


def _province_type_mappings() -> None:
    """The provincial item-type mappings a migration seeds: a transactional test before this one
    (same worker) may have flushed them, so they are put back as the migration does."""
    seed = importlib.import_module("yiwang.catalog.migrations.0014_province_item_type_mappings")
    seed.forwards(apps, None)


def _import(items):
    sync = claims.standard_file_import(data=json.dumps(items, ensure_ascii=False).encode(), kind="json")
    assert sync.status == "ok", sync.detail


@pytest.mark.browser
def test_claim_and_decide_with_the_keyboard(live_server, transactional_db, world, page, axe):
    _province_type_mappings()
    items = standard_items(6)
    _import(items)
    base = live_server.url
    check = axe
    login(page, base, "dept_admin")
    page.goto(f"{base}/catalog/claims/")
    check("claims", portal=True)
    assert "没有待确认的省级变更" in page.text_content("main")

    # 1. Claim the first standard item with the keyboard only.
    first = StandardItem.objects.get(basic_code=items[0]["basicCode"])
    tab_to(page, f"main a[aria-label='认领：{first.name}']", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check("claim-new", portal=True)
    tab_to(page, "#promised_limit_days")
    page.keyboard.type("5")
    tab_to(page, "#case_kind")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # 承诺件
    tab_to(page, "#hf-1")
    page.keyboard.press("Space")
    tab_to(page, "#locations")
    page.keyboard.type("武汉市民之家")
    tab_to(page, "#hours")
    page.keyboard.type("工作日 9:00-17:00")
    tab_to(page, "#consultation")
    page.keyboard.type("027-12345")
    tab_to(page, "#complaint")
    page.keyboard.type("12345")
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    claim = ItemClaim.objects.get()
    version = claim.item.versions.get()
    assert (version.promised_limit_days, version.case_kind, version.handling_forms) == (5, "2", ["1"])
    assert claim.item.code in page.text_content("main")
    check("claims-claimed", portal=True)

    # 2. The province changes it; the department rejects with a reason, keyboard only.
    items[0].update(version=2, acceptCondition="申请人为本省户籍居民")
    _import(items)
    change = ClaimChange.objects.get()
    page.goto(f"{base}/catalog/claims/")
    tab_to(page, f"main a[href='/catalog/claims/changes/{change.pk}/']", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "申请人为本省户籍居民" in page.text_content("main table.diff")
    check("change", portal=True)
    tab_to(page, "#reason", limit=60)
    page.keyboard.type("本市受理条件依地方性法规另行规定")
    tab_to(page, "button[value=reject]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED and change.reason.startswith("本市")
    check("claims-after-reject", portal=True)
