"""我的办件 over a long list (docs/benchmarks.md, "The case paths at 10 million cases"): the pager's
上一页/下一页 links carry cursors (core.pagination.seek_page), so a page far down the list is a
seek, not an OFFSET; walking the links forwards and back lists every case once, in order; the
status filter stays in the links; old page-number links and bad cursors still give a page."""

import html as htmllib
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yiwang.cases import selectors, services
from yiwang.cases.models import Case
from yiwang.core.testing import good_form, good_materials

MON = date(2026, 11, 2)
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=SH), tick=False):
        yield


@pytest.fixture
def many(world):
    """45 cases of world.citizen, some created at the same moment (ties: the id decides)."""
    case = services.case_submit(
        actor=world.citizen, item_code=world.item.code, form=good_form(), channel="online",
        materials=good_materials(), on=MON,
    )  # fmt: skip
    rows = []
    for k in range(44):
        c = Case.objects.get(pk=case.pk)
        c.pk, c.number = None, f"M{k:05d}"
        c.created_at = datetime(2026, 10, 1 + k // 3, 9, tzinfo=SH)
        rows.append(c)
    Case.objects.bulk_create(rows)
    return list(selectors.case_list(user=world.citizen).values_list("number", flat=True))


def numbers(page: str) -> list[str]:
    return re.findall(r'href="/my/cases/([^/"]+)/"', page)


def link(page: str, rel: str) -> str | None:
    m = re.search(rf'<a href="\?([^"]*)" rel="{rel}">', page)
    return htmllib.unescape(m.group(1)) if m else None


def test_walking_the_pages_by_their_links(client, world, many):
    assert len(many) == 45
    client.force_login(world.citizen)
    page = client.get("/my/cases/").content.decode()
    assert '<span aria-current="page">第 1 / 3 页</span>' in page and link(page, "prev") is None
    seen, queries = numbers(page), []
    while nxt := link(page, "next"):
        assert "after=" in nxt and "page=" in nxt
        queries.append(nxt)
        page = client.get("/my/cases/?" + nxt).content.decode()
        seen += numbers(page)
    assert seen == many  # 20 + 20 + 5, every case once, newest first
    assert '<span aria-current="page">第 3 / 3 页</span>' in page
    back = numbers(page)
    while prev := link(page, "prev"):
        page = client.get("/my/cases/?" + prev).content.decode()
        back = numbers(page) + back
    assert back == many and prev is None and '<span aria-current="page">第 1 / 3 页</span>' in page
    # the page before page 3 is page 2 read backwards (a cursor), the one before that the first
    page2 = client.get("/my/cases/?" + queries[0]).content.decode()
    assert link(page2, "prev") == "page=1"
    # an old page-number link still works (OFFSET), and its links carry cursors
    page3 = client.get("/my/cases/", {"page": 3}).content.decode()
    assert numbers(page3) == many[40:] and "before=" in link(page3, "prev")
    # a bad cursor shows the first page
    assert numbers(client.get("/my/cases/", {"after": "junk", "page": 7}).content.decode()) == many[:20]


def test_the_status_filter_stays_in_the_links(client, world, many):
    client.force_login(world.citizen)
    page = client.get("/my/cases/", {"status": "submitted"}).content.decode()
    want = list(selectors.case_list(user=world.citizen, status="submitted").values_list("number", flat=True))
    seen = numbers(page)
    while nxt := link(page, "next"):
        assert nxt.endswith("&status=submitted")
        page = client.get("/my/cases/?" + nxt).content.decode()
        seen += numbers(page)
    assert seen == want and len(want) == 45  # by due date (none yet), then submission, then id
