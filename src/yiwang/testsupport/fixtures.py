"""Fixtures for the whole suite, registered by `src/yiwang/conftest.py` (`pytest_plugins`). Tests
use them by name, so a lower app's tests may use the test world or a completed case without
importing the apps above them.

- `world`: the test world (`yiwang.testsupport.world`); an app's conftest may extend it with a
  fixture of the same name that takes `world`.
- `api`: the API test client class (`Api(user)`).
- `complete_case`: `complete_case(world, user=…, decision=…, on=…)` takes a case of world.item
  through to completion.
- `issue_args`: what cases hands licences when it completes a case (licences' tests).
- `browser` (chromium on a live server; skipped without chromium), `page` (desktop, zh-CN),
  `shots` (screenshot folder) and `axe` (checks a page: axe, title, 200% text at 390px)."""

from __future__ import annotations

import pytest


@pytest.fixture
def world(db):
    from yiwang.testsupport.world import build_world

    return build_world()


@pytest.fixture
def api():
    from yiwang.accounts.tests.api import Api

    return Api


@pytest.fixture
def sample_submit():
    """`sample_submit(item_or_version, user=…)`: any published item filed online with a sample form."""
    from yiwang.testsupport.flows import sample_submit

    return sample_submit


@pytest.fixture
def submit_case():
    from yiwang.testsupport.flows import submit_case

    return submit_case


@pytest.fixture
def complete_case():
    from yiwang.testsupport.flows import complete_case

    return complete_case


@pytest.fixture
def issue_args():
    """`issue_args(case)`: what cases hands licences when it completes a case — the case, its
    applicant and its form with sensitive elements revealed (licences never read cases)."""
    from yiwang.cases.models import CaseParty, PartyRole
    from yiwang.cases.services import form_reveal

    def args(case) -> dict:
        applicant = CaseParty.objects.filter(case=case, role=PartyRole.APPLICANT).first()
        return {"case": case, "holder": applicant, "form": form_reveal(case.form or {})}

    return args


# --- browser -----------------------------------------------------------------------------------------
@pytest.fixture
def browser(live_server, transactional_db, monkeypatch):
    """Debian's chromium through Playwright, next to the live server (skipped when chromium is
    missing unless YIWANG_BROWSER_REQUIRED is set). Playwright's sync API runs an event loop in
    this thread; the ORM calls of the test are plain synchronous code (the live server answers
    in its own thread), hence DJANGO_ALLOW_ASYNC_UNSAFE."""
    from yiwang.testsupport.browser import LAUNCH_ARGS, chromium_executable

    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser):
    """A desktop-sized page in a fresh zh-CN browser context."""
    from yiwang.core.testing import DESKTOP

    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.fixture
def shots(tmp_path):
    from yiwang.testsupport.browser import shots_dir

    return shots_dir(tmp_path)


@pytest.fixture
def axe(page, shots):
    """`axe(name, portal=…)` checks the current page (see testsupport.browser.Checker)."""
    from yiwang.testsupport.browser import Checker

    return Checker(page, shots)
