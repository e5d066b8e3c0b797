"""The browser tests' chromium and axe checker (used through the `browser`, `page` and `axe`
fixtures). Page helpers that import no app (`login`, `logout`, `tab_to`, `DESKTOP`) are in
`yiwang.core.testing`, where every app's tests may import them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from yiwang.core.testing import DESKTOP, MOBILE

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRED_ENV = "YIWANG_BROWSER_REQUIRED"  # set (CI does) to fail instead of skipping without chromium


def chromium_executable() -> str:
    """Debian's chromium; skips the test when it is missing (fails when YIWANG_BROWSER_REQUIRED is set)."""
    executable = shutil.which("chromium")
    if not executable:
        message = "chromium is not installed: run `apt-get install -y chromium` (the browser tests need it)"
        if os.environ.get(REQUIRED_ENV):
            pytest.fail(message)
        pytest.skip(message)
    return executable


def shots_dir(tmp_path: Path) -> Path:
    """Where screenshots go: YIWANG_SHOTS_DIR to keep them, else the test's tmp_path."""
    shots = Path(os.environ.get("YIWANG_SHOTS_DIR") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    return shots


class Checker:
    """axe on every page (no serious or critical violation), a title, a screenshot; on portal
    pages also 200% text on a phone (`phone`: 390 px, the portal crawl sets 360 px) without
    horizontal scroll. `check.page = other` switches pages."""

    def __init__(self, page, shots: Path):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.axe = Axe()
        self.shots = shots
        self.count = 0
        self.phone = MOBILE

    def __call__(self, name: str, *, portal: bool) -> None:
        page = self.page
        page.wait_for_load_state("load")
        assert page.title().strip(), f"{name}: page has no title"
        results = self.axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        assert not bad, f"{name}: axe violations\n" + "\n".join(bad)
        self.count += 1
        page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"), full_page=True)
        if portal:
            page.set_viewport_size(self.phone)
            page.evaluate("document.documentElement.style.fontSize = '200%'")
            overflow = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}-mobile-200.png"))
            page.evaluate("document.documentElement.style.fontSize = ''")
            page.set_viewport_size(DESKTOP)
            width = self.phone["width"]
            assert overflow[0] <= overflow[1], (
                f"{name}: horizontal scrolling at 200% text, {width}px: {overflow}"
            )
