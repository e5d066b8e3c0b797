"""Query counts of the staff pages that list or show cases (DESIGN.md §3: query counts asserted).

The case page works out the actor's roles on the case, the open clock stops and the calendar
once for all actions (cases.rules.Standing), not once per action: the clerk's page took 43
queries before. Lists take the same number of queries whatever the number of rows. Each count
is measured on the first request of a fresh process (no calendar memo) whose shared cache holds
the year's working calendar, as it does after the first use in a year."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.cases import services
from yiwang.cases.models import Case, Status
from yiwang.core.testing import good_form, good_materials
from yiwang.workdays import selectors as workdays

CASE_PAGE_MAX = 15  # the bound; the clerk's page takes 14 (one calendar snapshot, the materials read once, the department-system panel one)
QUEUE_MAX = 8


@pytest.fixture(autouse=True)
def _a_tuesday(db):
    """A fixed working day (counts must not depend on the day the suite runs), the year's
    calendar in the shared cache and none in process memory."""
    with time_machine.travel(datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        workdays.calendar().add_workdays(date(2026, 3, 10), 60)
        workdays.clear_local_memo()
        yield


def submit(world, item=None) -> Case:
    return services.case_submit(
        actor=world.citizen,
        item_code=(item or world.item).code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
    )


def act(case: Case, actor, action: str, **fields) -> Case:
    return services.case_apply_action(case=Case.objects.get(pk=case.pk), actor=actor, action=action, **fields)


def queries(client, url: str, *, post: dict | None = None) -> tuple[int, int]:
    """(number of queries, status code) of one request, from a fresh process's memo."""
    workdays.clear_local_memo()
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(url, post) if post is not None else client.get(url)
    return len(ctx.captured_queries), r.status_code


def test_clerks_case_page(client, world, django_assert_max_num_queries):
    case = submit(world)
    client.force_login(world.clerk)
    workdays.clear_local_memo()
    with django_assert_max_num_queries(CASE_PAGE_MAX):
        r = client.get(f"/workbench/cases/{case.number}/")
    assert r.status_code == 200 and 'data-action="accept"' in r.content.decode()


@pytest.mark.parametrize(
    ("role", "until"),
    [
        ("reviewer", ["accept"]),
        ("approver", ["accept", "review"]),
        ("dept_admin", ["accept"]),
        ("supervisor", ["accept", "review"]),
        ("platform_admin", ["accept"]),
    ],
)
def test_case_page_of_every_staff_role(client, world, role, until):
    case = submit(world)
    steps = {"accept": world.clerk, "review": world.reviewer}
    for action in until:
        act(case, steps[action], action)
    client.force_login(getattr(world, role))
    n, status = queries(client, f"/workbench/cases/{case.number}/")
    assert status == 200 and n <= CASE_PAGE_MAX, n


def test_case_page_with_the_clock_stopped(client, world):
    """An open special procedure: the stops are read once, for the clock and the checks."""
    case = submit(world)
    act(case, world.clerk, "accept")
    act(
        case,
        world.reviewer,
        "start_special_procedure",
        kind="expert_review",
        basis="《行政许可法》第四十五条",
        expected_days=10,
    )
    client.force_login(world.reviewer)
    n, status = queries(client, f"/workbench/cases/{case.number}/")
    assert status == 200 and n <= CASE_PAGE_MAX, n


def test_case_page_of_a_completed_immediate_case(client, world):
    case = submit(world, item=world.item_immediate)
    for action, fields in (("accept", {}), ("approve", {}), ("complete", {"delivery": "electronic"})):
        case = act(case, world.clerk, action, **fields)
    client.force_login(world.clerk)
    n, status = queries(client, f"/workbench/cases/{case.number}/")
    assert status == 200 and n <= CASE_PAGE_MAX, n


def test_case_page_after_a_failed_action(client, world):
    """A stale version renders the case page again (409): the page's bound plus what the failed
    action did (its savepoint, rollback and release, the actor's roles, the case read again)."""
    case = submit(world)
    client.force_login(world.clerk)
    n, status = queries(
        client, f"/workbench/cases/{case.number}/act/", post={"action": "accept", "version": case.version - 1}
    )
    assert status == 409 and n <= CASE_PAGE_MAX + 5, n


def test_reveal_page(client, world):
    """Revealing logs each sensitive element viewed (a row and a ledger entry each): that is the
    page's own work; the rest stays within the case page's bound."""
    case = submit(world)
    client.force_login(world.clerk)
    workdays.clear_local_memo()
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(f"/workbench/cases/{case.number}/reveal/")
    assert r.status_code == 200 and "完整信息，查看已记录" in r.content.decode()
    reads = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(reads) <= CASE_PAGE_MAX + 4, len(reads)


@pytest.mark.parametrize(("role", "status"), [("clerk", ""), ("reviewer", ""), ("supervisor", "accepted")])
def test_queue_does_not_grow_with_its_rows(client, world, role, status):
    url = "/workbench/" + (f"?status={status}" if status else "")

    def add(n: int) -> None:
        for _ in range(n):
            case = submit(world)
            if role != "clerk":
                act(case, world.clerk, "accept")

    add(2)
    client.force_login(getattr(world, role))
    few, code = queries(client, url)
    add(6)
    many, _ = queries(client, url)
    assert code == 200 and many == few and few <= QUEUE_MAX, (few, many)
    visible = Case.objects.filter(status=Status.SUBMITTED if role == "clerk" else Status.ACCEPTED).count()
    assert visible == 8


def test_my_cases_page_does_not_grow_with_its_rows(client, world):
    """The citizen's 我的办件 lists 20 a page in the same number of queries as 1."""
    submit(world)
    client.force_login(world.citizen)
    one, status = queries(client, "/my/cases/")
    assert status == 200
    for _ in range(4):
        submit(world)
    many, status = queries(client, "/my/cases/")
    assert status == 200 and many == one, (one, many)
    assert one <= QUEUE_MAX + 2
