"""The axe crawl: every page a demo role can reach by following links (GET only), in the normal
presentation and in 长辈版, has no serious or critical axe-core violation, a title, and — on the
citizen's pages — no sideways scrolling at 200% text on a 360 px screen, the narrowest phone
issue 15 names (the staff's pages at 390 px; the `axe` checker of testsupport.browser). One crawler for all roles;
YIWANG_CRAWL_LIMIT caps the pages per role and mode (default 25: links that differ only in
numbers count as one page)."""

from __future__ import annotations

import os
import re
from collections import deque
from urllib.parse import urlsplit

import pytest

from yiwang.core.testing import MOBILE, NARROW_PHONE, login

LIMIT = int(os.environ.get("YIWANG_CRAWL_LIMIT", "25"))
# Not pages: files, the API, the admin, the service worker, actions behind links that download.
SKIP = re.compile(
    r"^/(admin|api|static|media)/|\.(pdf|csv|json|xlsx|webmanifest|js)$|/materials/\d+/|/pdf/$|^/sw\.js$"
)
STAFF = {"clerk", "reviewer", "approver", "supervisor"}


def shape(path: str, query: str) -> str:
    """Pages that differ only in numbers (case numbers, ids, page=N) are one kind of page."""
    keys = sorted(k.split("=")[0] for k in query.split("&") if k)
    return re.sub(r"\d+", "N", path) + ("?" + "&".join(keys) if keys else "")


def crawl(page, axe, base: str, start: list[str], *, label: str, portal: bool) -> list[str]:
    seen: set[str] = set()
    queue = deque(start)
    visited: list[str] = []
    while queue and len(visited) < LIMIT:
        url = queue.popleft()
        parts = urlsplit(url)
        key = shape(parts.path, parts.query)
        if key in seen or SKIP.search(parts.path):
            continue
        seen.add(key)
        response = page.goto(base + url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if urlsplit(page.url).path == "/login/" and parts.path != "/login/":
            continue  # not this role's page
        here = urlsplit(page.url).path
        axe(
            f"{label}-{len(visited):02d}-{here.strip('/').replace('/', '_') or 'home'}",
            portal=portal and not here.startswith("/workbench"),
        )
        visited.append(url)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))"):
            if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            target = urlsplit(href)
            if target.netloc and base.split("//", 1)[1] != target.netloc:
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return visited


@pytest.mark.browser
@pytest.mark.parametrize("role", [None, "citizen", "business", "clerk", "reviewer", "approver", "supervisor"])
def test_every_reachable_page_is_axe_clean_in_normal_and_elder_mode(
    live_server, world, complete_case, page, axe, role
):
    complete_case(world)
    base = live_server.url
    # citizen pages at 360 px (issue 15); the staff's pages (outside the workbench) at 390 px
    axe.phone = MOBILE if role in STAFF else NARROW_PHONE
    if role:
        login(page, base, role)
    start = ["/workbench/"] if role in STAFF else ["/", "/my/cases/"] if role else ["/"]
    normal = crawl(page, axe, base, start, label=f"{role or 'visitor'}-normal", portal=True)
    assert len(normal) >= 3, normal
    # 长辈版: the same URLs in the elder presentation (the account has no saved settings, so the
    # browser's setting applies)
    page.context.add_cookies([{"name": "yw_elder", "value": "1", "url": base}])
    page.goto(base + start[0])
    assert "pref-elder" in (page.get_attribute("html", "class") or "")
    assert (
        page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('main p, main li, main a')).fontSize)"
        )
        >= 18
    )
    elder = crawl(page, axe, base, start, label=f"{role or 'visitor'}-elder", portal=True)
    assert len(elder) >= 3, elder
