"""数据上报 against a real HTTP server on loopback playing the provincial reporting endpoint."""

from __future__ import annotations

import pytest

from yiwang.cases.models import Case
from yiwang.docking.models import (
    DeliveryStatus,
    ExchangeKind,
    ExchangeOutcome,
    ProvinceExchange,
    ReportRecord,
)
from yiwang.docking.services import reporting
from yiwang.evaluations.services import evaluation_submit
from yiwang.licenses.models import License
from yiwang.licenses.services import license_set_status
from yiwang.licenses.tests.factories import MON

from .conftest import deliver as _deliver
from .conftest import later


def deliver(**kw):
    return _deliver(topic=reporting.TOPIC_REPORT, **kw)


def _cases(record_kind="case"):
    return ReportRecord.objects.filter(kind=record_kind).order_by("pk")


def test_case_events_reach_the_province_in_national_codes_once_across_an_outage(
    world, province, complete_case
):
    province.stop()
    case = complete_case(world, on=MON)
    reporting.report_case_follow(case_id=case.pk, action="complete")  # what the follower task does
    reporting.report_case_follow(case_id=case.pk, action="complete")  # a second call puts nothing new
    records = list(_cases())
    # event 1 is the draft made and submitted at once: drafts are not reported
    assert [r.revision for r in records] == ["2", "3", "4", "5", "6"]
    assert {r.status for r in records} == {DeliveryStatus.QUEUED}

    deliver()  # the province is down: the first record of each key fails, the rest wait their turn
    first = ReportRecord.objects.get(kind="case", revision="2")
    assert first.status == DeliveryStatus.FAILED and first.attempts == 1
    assert ProvinceExchange.objects.filter(kind=ExchangeKind.REPORT, error_code="unreachable").exists()

    province.start()
    deliver(now=later())
    assert {r.status for r in _cases()} == {DeliveryStatus.SENT}
    bodies = [b["record"] for b in province.bodies("/reports/cases")]
    assert province.arrivals("/reports/cases") == 5  # each once, in the case's order
    assert [(b["event_seq"], b["status"], b["status_name"]) for b in bodies] == [
        (2, "01", "申报（收件）"),
        (3, "03", "受理"),
        (4, "05", "审查"),
        (5, "06", "决定（准予）"),
        (6, "08", "办结"),
    ]
    case = Case.objects.get(pk=case.pk)
    last = bodies[-1]
    assert last["case_number"] == case.number and last["item_code"] == world.item.code
    assert last["item_basic_code"] == world.item.basic_code
    assert last["department_code"] == world.dept.uscc and last["region_code"] == case.region.code
    assert last["channel"] == "2" and last["applicant_type"] == "1" and last["decision"] == "1"
    assert (
        last["accepted_on"] == case.accepted_on.isoformat() and last["due_date"] == case.due_date.isoformat()
    )
    assert last["completed_at"].endswith("+08:00") and bodies[0]["completed_at"] is None
    # no personal data: no applicant name or identifier anywhere in what was sent
    sent = str(province.bodies("/reports/cases"))
    assert world.citizen.id_number not in sent and str(world.citizen) not in sent


def test_a_rating_is_reported_in_its_transaction_with_its_level(world, province, complete_case):
    case = complete_case(world, on=MON)
    ev = evaluation_submit(
        case=Case.objects.get(pk=case.pk),
        actor=world.citizen,
        stage="complete",
        level="4",
        channel="web",
        tags=[],
        comment="等了很久",
    )
    record = ReportRecord.objects.get(kind="rating")
    assert (record.subject, record.source_id, record.status) == (str(ev.pk), ev.pk, DeliveryStatus.QUEUED)
    deliver()
    [body] = province.bodies("/reports/ratings")
    r = body["record"]
    assert (r["level"], r["level_name"], r["bad"], r["channel"], r["stage"]) == (
        "4",
        "不满意",
        True,
        "1",
        "2",
    )
    assert r["case_number"] == case.number and r["item_code"] == world.item.code
    assert r["has_comment"] is True and "等了很久" not in str(body)
    record.refresh_from_db()
    assert record.status == DeliveryStatus.SENT and record.receipt


def test_licence_changes_are_reported(world, province, complete_case):
    case = complete_case(world, on=MON)
    lic = License.objects.get(case=case)
    license_set_status(license=lic, status="suspended", reason="核查")
    deliver()
    statuses = [(b["record"]["event"], b["record"]["status"]) for b in province.bodies("/reports/licenses")]
    assert statuses == [("issued", "1"), ("suspended", "2")]
    assert {r.status for r in _cases("license")} == {DeliveryStatus.SENT}


def test_catch_up_reports_what_was_missed(world, province, complete_case, settings):
    settings.YIWANG_PROVINCE_URL = ""  # not configured yet: nothing is put
    case = complete_case(world, on=MON)
    reporting.report_case_follow(case_id=case.pk, action="complete")
    assert not ReportRecord.objects.exists()
    settings.YIWANG_PROVINCE_URL = province.url
    assert reporting.reports_catch_up() == {"cases": 5, "ratings": 0}
    assert reporting.reports_catch_up() == {"cases": 0, "ratings": 0}
    deliver()
    assert province.arrivals("/reports/cases") == 5


@pytest.mark.parametrize(
    "mode,code",
    [
        ("bad_signature", "signature_invalid"),
        ("malformed", "malformed"),
        ("slow", "timeout"),
        ("oversized", "oversized"),
    ],
)
def test_bad_answers_leave_the_record_failed_and_it_is_sent_later(
    world, province, complete_case, settings, mode, code
):
    settings.YIWANG_PROVINCE_TIMEOUT = 0.5
    province.slow_seconds = 1.5
    settings.YIWANG_PROVINCE_URL = ""
    case = complete_case(world, on=MON)
    settings.YIWANG_PROVINCE_URL = province.url
    province.mode = mode
    reporting.report_case_follow(case_id=case.pk, action="complete")
    deliver()
    first = ReportRecord.objects.get(kind="case", revision="2")
    assert first.status == DeliveryStatus.FAILED
    ex = ProvinceExchange.objects.get(kind=ExchangeKind.REPORT)
    assert (ex.outcome, ex.error_code, ex.subject) == (ExchangeOutcome.RETRY, code, case.number)
    province.mode = "ok"
    deliver(now=later())
    assert {r.status for r in _cases()} == {DeliveryStatus.SENT}
    assert len(province.bodies("/reports/cases")) == 5


def test_a_lost_answer_is_sent_again_and_kept_once(world, province, complete_case, settings):
    settings.YIWANG_PROVINCE_URL = ""
    case = complete_case(world, on=MON)
    settings.YIWANG_PROVINCE_URL = province.url
    reporting.report_case_follow(case_id=case.pk, action="complete")
    province.mode = "accept_then_fail"  # stores the record, then the answer is lost (503)
    deliver()
    assert len(province.bodies("/reports/cases")) == 1
    province.mode = "ok"
    deliver(now=later())
    assert province.arrivals("/reports/cases") == 6  # the first one twice
    assert len(province.bodies("/reports/cases")) == 5  # kept once each (Idempotency-Key)
    assert ReportRecord.objects.get(kind="case", revision="2").attempts == 2


def test_the_periodic_catch_up_puts_recent_events_a_lost_task_left_out(world, province, complete_case):
    from yiwang.docking.tasks_province import province_catch_up

    complete_case(world, on=MON)  # the follower task never ran (no commit in a test)
    assert province_catch_up() == {"cases": 5, "ratings": 0}
    assert province_catch_up() == {"cases": 0, "ratings": 0}
    deliver()
    assert province.arrivals("/reports/cases") == 5


def test_operators_see_each_record_and_exchange_read_only_in_the_admin(world, province, complete_case):
    from django.contrib.auth import get_user_model
    from django.test import Client

    province.mode = "server_error"
    case = complete_case(world, on=MON)
    reporting.report_case_follow(case_id=case.pk, action="complete")
    deliver()
    admin = get_user_model().objects.create_superuser(username="root", password="x-Very-long-pass-1")
    client = Client()
    client.force_login(admin)
    for model in ("reportrecord", "provinceexchange", "licenseshare", "externallicenseuse"):
        r = client.get(f"/admin/docking/{model}/")
        assert r.status_code == 200, model
    page = client.get("/admin/docking/reportrecord/?status=failed").content.decode()
    assert case.number in page and "发送失败（待重试）" in page
    assert client.get("/admin/docking/reportrecord/add/").status_code == 403
