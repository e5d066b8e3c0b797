"""The queue page over a long backlog (docs/benchmarks.md, "The case paths at 10 million cases"):
its count stops at a cap (core.pagination.CappedPaginator) and reads "超过 N 件" beyond it, the
pager then shows the page's number and previous/next links (not "page n of m"), and walking the
pages by "下一页" lists every case once in the queue's order."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yiwang.cases import selectors, services
from yiwang.cases.models import Case
from yiwang.core import pagination
from yiwang.core.testing import good_form, good_materials

MON = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture
def backlog(world):
    """75 accepted cases of world.dept (the reviewer's queue), due over a month, some on the same
    day (ties broken by submission time, then id)."""
    case = services.case_submit(
        actor=world.citizen, item_code=world.item.code, form=good_form(), channel="online",
        materials=good_materials(), on=MON,
    )  # fmt: skip
    services.case_apply_action(case=case, actor=world.clerk, action="accept", on=MON)
    rows = []
    for k in range(74):
        c = Case.objects.get(pk=case.pk)
        c.pk, c.number = None, f"Q{k:05d}"
        c.due_date = MON + timedelta(days=k % 20)
        rows.append(c)
    Case.objects.bulk_create(rows)
    return list(
        selectors.case_list(user=world.reviewer)
        .order_by(*selectors.QUEUE_ORDER)
        .values_list("number", flat=True)
    )


def numbers(html: str) -> list[str]:
    return re.findall(r'href="/workbench/cases/([^/]+)/"', html)


def test_a_backlog_beyond_the_cap(client, world, backlog, monkeypatch):
    monkeypatch.setattr(pagination, "QUEUE_COUNT_CAP", 40)
    client.force_login(world.reviewer)
    html = client.get("/workbench/").content.decode()
    assert "待办办件（超过 40 件，按紧急程度排序）" in html and "共 " not in html.split("<main", 1)[-1]
    assert "第 1 页" in html and "第 1 /" not in html and "上一页" not in html
    assert 'href="?page=2" rel="next">下一页</a>' in html
    seen, number = [], 1
    while True:
        html = client.get("/workbench/", {"page": number}).content.decode()
        seen += numbers(html)
        assert f'<span aria-current="page">第 {number} 页</span>' in html
        if number > 1:
            assert f'href="?page={number - 1}" rel="prev">上一页</a>' in html
        if "下一页" not in html:
            break
        number += 1
    assert number == 3 and seen == backlog  # 30 + 30 + 15, every case once, in the queue's order
    # a page past the end (a hand-made URL) shows the first one (the last would need a full count)
    assert numbers(client.get("/workbench/", {"page": 9}).content.decode()) == backlog[:30]
    # the status filter is kept in the links (escaped)
    html = client.get("/workbench/", {"status": "accepted"}).content.decode()
    assert (
        "状态：已受理（超过 40 件" in html
        and 'href="?page=2&amp;status=accepted" rel="next">下一页</a>' in html
    )


def test_a_backlog_within_the_cap(client, world, backlog):
    client.force_login(world.reviewer)
    html = client.get("/workbench/", {"page": 3}).content.decode()
    assert "待办办件（共 75 件，按紧急程度排序）" in html
    assert '<span aria-current="page">第 3 / 3 页</span>' in html and "下一页" not in html
    assert numbers(html) == backlog[60:]
