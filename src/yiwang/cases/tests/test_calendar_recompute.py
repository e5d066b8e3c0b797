"""Entering a notice recomputes real cases (cases.services.cases_recompute_due_dates). Moved from
workdays' tests: cases sit above workdays."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from yiwang.cases.models import Case, CaseRecord, Status
from yiwang.catalog.models import Item, ItemVersion
from yiwang.organizations.models import Department, Region
from yiwang.workdays import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted_case():
    region = Region.objects.create(code="420100", name="武汉市", level="city")
    department = Department.objects.create(name="市测试局", uscc="11420100MB0000000X", region=region)
    item = Item.objects.create(code="TEST-0001", basic_code="TEST-0001", department=department)
    version = ItemVersion.objects.create(
        item=item, version=1, name="测试事项", item_type="01", statutory_limit_days=20, promised_limit_days=5
    )
    owner = get_user_model().objects.create_user("citizen", password="correct horse battery")
    accepted_on = date(2027, 2, 3)  # Wednesday, just before 春节 2027
    due = selectors.add_workdays(accepted_on, 5)
    assert due == selectors.DueDate(date=date(2027, 2, 16), provisional=True)
    return Case.objects.create(
        number="TEST2027000001",
        item=item,
        item_version=version,
        department=department,
        region=region,
        owner=owner,
        filed_by=owner,
        channel="online",
        status=Status.ACCEPTED,
        accepted_on=accepted_on,
        limit_days=5,
        due_date=due.date,
        due_date_provisional=True,
        statutory_limit_days=20,
        statutory_due_date=date(2027, 3, 1),  # stale: recomputed with the notice
    )


def test_entering_the_notice_recomputes_open_cases(accepted_case):
    statutory_before = accepted_case.statutory_due_date
    # A made-up notice for tests: 春节 Feb 5–11 off, Saturday Feb 20 worked.
    notice = services.calendar_notice_enter(
        year=2027,
        title="测试用放假安排通知",
        days=[
            (date(2027, 2, 5), False, "春节"),
            (date(2027, 2, 8), False, "春节"),
            (date(2027, 2, 9), False, "春节"),
            (date(2027, 2, 10), False, "春节"),
            (date(2027, 2, 11), False, "春节"),
            (date(2027, 2, 20), True, "调休上班"),
        ],
    )
    assert notice.recomputed_cases == 1
    accepted_case.refresh_from_db()
    # Feb 4 = 1, Feb 12 = 2, Feb 15 = 3, Feb 16 = 4, Feb 17 = 5.
    assert accepted_case.due_date == date(2027, 2, 17)
    assert accepted_case.due_date_provisional is False
    # the statutory due date moves with the same calendar
    assert accepted_case.statutory_due_date == selectors.add_workdays(date(2027, 2, 3), 20).date
    assert accepted_case.statutory_due_date != statutory_before
    record = CaseRecord.objects.get(case=accepted_case)
    assert "录入2027年放假安排通知" in record.note
    assert record.data["old"] == "2027-02-16" and record.data["new"] == "2027-02-17"
