"""The staff queue read as index-ordered reads merged (selectors.case_queue, core.pagination's
OrderedUnion) gives the same rows in the same order as the plain OR it replaces — today's
`case_list(…)` ordered by QUEUE_ORDER — for every staff role, every status filter and any slice,
with a case that is in two parts of the union (a department's case its reviewer filed) listed
once; and CappedPaginator counts up to its cap only (docs/benchmarks.md, "The case paths at 10
million cases"). On both databases (the suite runs on SQLite and on PostgreSQL)."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.cases import selectors, services
from yiwang.cases.models import Case
from yiwang.core import pagination
from yiwang.core.pagination import CappedPaginator, OrderedUnion
from yiwang.core.testing import good_form, good_materials

MON = date(2026, 11, 2)
SH = ZoneInfo("Asia/Shanghai")
ROLES = (
    "clerk",
    "clerk_other_hall",
    "reviewer",
    "approver",
    "dept_admin",
    "reviewer2",
    "supervisor",
    "platform_admin",
)
STATUSES = (None, "accepted", "submitted", "reviewed", "draft", "completed")


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=SH), tick=False):
        yield


def mixed_cases(world, n: int = 90, seed: int = 7) -> list[Case]:
    """n cases cloned from one submitted case with every column the queue filters or sorts on
    varied — department, status, hall, region, filer, due date (ties and none) and submission time
    (ties) — and one accepted case of world.dept that its reviewer filed (in two parts)."""
    template = services.case_submit(
        actor=world.citizen, item_code=world.item.code, form=good_form(), channel="online",
        materials=good_materials(), on=MON,
    )  # fmt: skip
    rng = random.Random(seed)
    filers = [
        world.citizen,
        world.citizen,
        world.citizen2,
        world.reviewer,
        world.clerk,
        world.dept_admin,
        world.approver,
    ]
    rows = []
    for k in range(n):
        c = Case.objects.get(pk=template.pk)
        c.pk = None
        c.number = f"T{k:06d}"
        c.status = rng.choice(["accepted", "accepted", "submitted", "reviewed", "draft", "completed"])
        c.item = rng.choice([world.item, world.item2])
        c.department_id = c.item.department_id
        c.hall = rng.choice([None, world.hall, world.hall2])
        c.region = rng.choice([world.dept.region, world.hall2.region])
        c.owner = rng.choice([world.citizen, world.citizen, world.citizen2])
        c.filed_by = rng.choice(filers)
        c.created_at = datetime(2026, 10, rng.randint(1, 9), 9, tzinfo=SH)  # ties: the id decides
        c.due_date = rng.choice(
            [None, MON, MON + timedelta(days=3), MON + timedelta(days=rng.randint(0, 30))]
        )
        c.submitted_at = datetime(2026, 10, rng.randint(1, 5), 9, tzinfo=SH)
        rows.append(c)
    both = rows[0]
    both.status, both.item, both.department_id, both.filed_by = (
        "accepted",
        world.item,
        world.item.department_id,
        world.reviewer,
    )
    both.due_date = MON
    Case.objects.bulk_create(rows)
    return rows


def plain(user, status):
    """Today's queue: the OR over the visible parts, ordered."""
    qs = selectors.case_list(user=user, status=status, queue=True).order_by(*selectors.QUEUE_ORDER)
    return list(qs.values_list("pk", flat=True))


def test_the_merged_queue_equals_the_plain_or(world):
    mixed_cases(world)
    both = Case.objects.get(number="T000000")
    checked = 0
    for role in ROLES:
        user = getattr(world, role)
        for status in STATUSES:
            want = plain(user, status)
            queue = selectors.case_queue(user=user, status=status)
            assert isinstance(queue, OrderedUnion)
            assert [c.pk for c in queue[0:None]] == want, (role, status)
            for start, stop in ((0, 7), (3, 11), (7, 30), (25, 60), (len(want), len(want) + 5)):
                assert [c.pk for c in queue[start:stop]] == want[start:stop], (role, status, start, stop)
            assert queue.count() == len(want), (role, status)
            for cap in (0, 4, len(want), 500):
                assert queue.count_upto(cap + 1) == min(cap + 1, len(want)), (role, status, cap)
            checked += bool(want)
    assert checked >= 20  # most combinations list something
    # the reviewer's own filing of their department's case: in both parts, listed once
    mine = selectors.case_queue(user=world.reviewer, status="accepted")[0:None]
    assert [c.pk for c in mine].count(both.pk) == 1
    assert Case.objects.filter(pk=both.pk, department=world.dept, filed_by=world.reviewer).exists()


def test_own_cases_equal_the_plain_or(world):
    """我的办件: the cases an applicant owns and those they filed (for someone else), merged."""
    mixed_cases(world)
    filed_for_another = Case.objects.filter(filed_by=world.citizen2).exclude(owner=world.citizen2)
    owned_and_filed = Case.objects.filter(filed_by=world.citizen2, owner=world.citizen2)
    assert filed_for_another.exists() and owned_and_filed.exists()
    for user in (world.citizen, world.citizen2):
        for status in STATUSES:
            want = list(selectors.case_list(user=user, status=status).values_list("pk", flat=True))
            cases = selectors.own_cases(user=user, status=status)
            assert [c.pk for c in cases[0:None]] == want, (user, status)
            for start, stop in ((0, 20), (5, 13), (20, 40), (len(want), len(want) + 3)):
                assert [c.pk for c in cases[start:stop]] == want[start:stop], (user, status, start, stop)
            assert cases.count() == len(want) and cases.count_upto(8) == min(8, len(want))


def test_a_page_is_one_query_with_its_rows_joined(world):
    mixed_cases(world, n=40)
    queue = selectors.case_queue(user=world.dept_admin)
    with CaptureQueriesContext(connection) as ctx:
        rows = queue[0:10]
        names = [(c.item.code, c.item_version.name, c.department.name, c.open_procedure_end) for c in rows]
    assert rows and len(names) == len(rows) and len(ctx.captured_queries) == 1


def test_the_capped_paginator(world):
    mixed_cases(world)
    user = world.platform_admin  # sees every case but drafts not their own
    want = plain(user, None)
    assert len(want) > 20
    queue = selectors.case_queue(user=user)
    exact = Paginator(list(range(len(want))), 6)
    # within the cap: Django's paginator (exact count, page n of m)
    p = CappedPaginator(queue, 6, cap=len(want))
    assert not p.capped and p.count == len(want) and p.num_pages == exact.num_pages
    last = p.get_page(p.num_pages)
    assert [c.pk for c in last.object_list] == want[(p.num_pages - 1) * 6 :] and not last.has_next()
    # beyond it: the count stops at cap + 1, pages go on by previous/next
    p = CappedPaginator(queue, 6, cap=10)
    with CaptureQueriesContext(connection) as ctx:
        assert p.capped and p.count == 11
    assert "LIMIT" in ctx.captured_queries[0]["sql"].upper()
    number = 1
    seen = []
    while True:
        page = p.get_page(number)
        assert page.number == number and page.has_previous() == (number > 1)
        seen += [c.pk for c in page.object_list]
        assert page.start_index() == (number - 1) * 6 + 1 and page.end_index() == len(seen)
        if not page.has_next():
            break
        number = page.next_page_number()
    assert seen == want  # every row reachable, once, in order, past the cap
    # a number past the end (a hand-made URL) or junk: the first page, no count of every row
    with CaptureQueriesContext(connection) as ctx:
        past = p.get_page(999)
    assert past.number == 1 and [c.pk for c in past.object_list] == want[:6]
    assert not any("LIMIT" not in q["sql"].upper() for q in ctx.captured_queries)
    assert p.get_page("x").number == 1 and p.get_page(-3).number == 1
    # a queryset and a list are capped the same way
    qs = Case.objects.order_by("pk")
    assert CappedPaginator(qs, 5, cap=7).count == 8 and CappedPaginator(qs, 5, cap=500).count == qs.count()
    assert CappedPaginator(list(range(30)), 5, cap=7).count == 8


def test_an_empty_queue(world):
    queue = selectors.case_queue(user=world.reviewer)
    page = CappedPaginator(queue, 30).get_page(1)
    assert list(page.object_list) == [] and page.paginator.count == 0 and not page.paginator.capped


def walk(rows: OrderedUnion, size: int) -> tuple[list[int], list[int]]:
    """Every row of `rows` by seeks in pages of `size` (forwards from the first page), then back
    from the last page to the first (each page read backwards, as a 上一页 link does)."""
    forward, page = [], rows[0:size]
    while page:
        forward += [c.pk for c in page]
        page = rows.seek(rows.key_values(page[-1]))[0:size]
    backward, last = [], rows[max(0, len(forward) - size) : None]
    page = last
    while page:
        backward = [c.pk for c in page] + backward
        page = list(reversed(rows.seek(rows.key_values(page[0]), reverse=True)[0:size]))
    return forward, backward


def test_the_api_list_equals_the_plain_or_with_an_exact_count(world):
    """GET /api/v1/cases reads selectors.case_listing: for every role, status filter and queue
    flag the rows and order of the plain OR (case_list), an exact count made of disjoint parts'
    counts in one statement, and seeks that walk the list both ways, ties and NULLs included."""
    mixed_cases(world)
    checked = 0
    for role in (*ROLES, "citizen", "citizen2"):
        user = getattr(world, role)
        for status in STATUSES:
            for queue in (True, False):
                plain_or = selectors.case_list(user=user, status=status, queue=queue)
                want = list(plain_or.values_list("pk", flat=True))
                rows = selectors.case_listing(user=user, status=status, queue=queue)
                assert [c.pk for c in rows[0:None]] == want, (role, status, queue)
                with CaptureQueriesContext(connection) as ctx:
                    count = rows.count()
                assert count == len(want) == plain_or.count() and len(ctx.captured_queries) == 1
                parts = [set(qs.values_list("pk", flat=True)) for qs in rows.counted]
                assert sum(map(len, parts)) == len(set().union(*parts)) == len(want)  # disjoint, covering
                forward, backward = walk(rows, 4)
                assert forward == want and backward == want, (role, status, queue)
                checked += len(want) > 4
    assert checked >= 40  # most combinations list more than a page


def test_a_seek_past_the_end_and_cursors(world):
    mixed_cases(world, n=30)
    rows = selectors.own_cases(user=world.citizen)
    everything = rows[0:None]
    assert rows.seek(rows.key_values(everything[-1]))[0:5] == []
    assert rows.seek(rows.key_values(everything[0]), reverse=True)[0:5] == []
    # a cursor carries the sort keys (datetimes, dates, NULLs, ids) and comes back the same
    queue = selectors.case_queue(user=world.platform_admin, queue=False)
    for case in queue[0:None]:
        values = queue.key_values(case)
        assert pagination.cursor_decode(pagination.cursor_encode(values), queue) == values
    assert any(v is None for c in queue[0:None] for v in queue.key_values(c))  # NULL due dates
    for bad in (
        "",
        "x",
        "bm90IGpzb24",
        pagination.cursor_encode([1, 2]),
        pagination.cursor_encode(["a", None]),
    ):
        with pytest.raises(ValueError):
            pagination.cursor_decode(bad, rows)


def test_the_capped_paginator_does_not_claim_a_number_of_pages(world):
    p = CappedPaginator(list(range(50)), 6, cap=10)
    assert p.capped and p.num_pages is None
    with pytest.raises(TypeError):
        list(p.page_range)
    with pytest.raises(TypeError):
        list(p.get_elided_page_range(1))
    # within the cap, Django's
    p = CappedPaginator(list(range(50)), 6, cap=100)
    exact = Paginator(list(range(50)), 6)
    assert p.num_pages == exact.num_pages == 9 and p.page_range == exact.page_range
