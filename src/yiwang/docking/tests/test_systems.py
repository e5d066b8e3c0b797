"""部门业务系统对接 against a department system on loopback: pushes on acceptance through the
outbox (signed, retried while the system is down), signed callbacks moving the case through its
normal transitions, refusals that change nothing, the message log and the operator page."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from yiwang.cases import services as cases
from yiwang.cases.models import Case, CaseEvent, Status
from yiwang.core import outbox
from yiwang.core.models import OutboxMessage, OutboxStatus
from yiwang.docking.models import DockedCase, SystemMessage
from yiwang.docking.services import systems
from yiwang.ledger.models import PendingEntry

from .deptsim import new_id

DAY = datetime.date(2026, 3, 2)  # a Monday
pytestmark = pytest.mark.django_db(transaction=True)


def _accept(world, submit_case) -> Case:
    case = submit_case(world, on=DAY)
    return cases.case_apply_action(
        case=Case.objects.get(pk=case.pk), actor=world.clerk, action="accept", on=DAY
    )


def _cb_url(live_server, code="scjg-food") -> str:
    return live_server.url + systems.CALLBACK_PATH.format(code=code)


def _status(number, seq, status, **extra) -> dict:
    return {"id": new_id(), "case": number, "seq": seq, "status": status, **extra}


@time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=True)
def test_accepted_case_is_pushed_and_callbacks_take_it_to_completion(
    world, sim, dept_system, live_server, submit_case
):
    case = _accept(world, submit_case)
    # pushed at commit (eager tasks), signed, verified by the system
    assert len(sim.received) == 1, sim.errors
    push = sim.received[0]
    assert push["kind"] == "case.accepted"
    assert push["case"]["number"] == case.number
    assert push["case"]["item_code"] == world.item.code
    assert push["case"]["accepted_on"] == DAY.isoformat()
    assert push["case"]["form"]["applicant.id_number"] == world.citizen.id_number  # the system needs it
    assert {m["code"] for m in push["case"]["materials"]} == {"id_card", "site_plan"}
    assert push["callback"]["url"] == _cb_url(live_server)
    docked = DockedCase.objects.get(case=case)
    assert docked.remote_number == f"GA-{case.number}" and docked.pushed_at is not None
    out = SystemMessage.objects.get(direction="out")
    assert out.status == "sent" and out.http_status == 200
    assert world.citizen.id_number not in out.body  # the log keeps personal data masked
    assert json.loads(out.body)["case"]["form"]["applicant.id_number"].count("*") == 8

    url = _cb_url(live_server)
    entries_before = PendingEntry.objects.count()
    steps = [
        _status(case.number, 1, "received", remote_number="GA-1"),
        _status(case.number, 2, "reviewed", note="材料审查通过"),
        _status(case.number, 3, "approved"),
        _status(case.number, 4, "completed", delivery="electronic"),
    ]
    for step in steps:
        code, answer, headers = sim.callback(url, step)
        assert code == 200, answer
        assert answer["status"] == "applied"
        assert "Signature" in headers  # the platform signs its answers
    case.refresh_from_db()
    assert case.status == Status.COMPLETED
    events = list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", "actor_id"))
    assert [a for a, _ in events][-3:] == ["review", "approve", "complete"]
    assert {actor for a, actor in events[-3:]} == {dept_system.account_id}
    assert CaseEvent.objects.get(case=case, action="review").note == "材料审查通过"
    # same ledger: one entry per event, plus the notices
    assert PendingEntry.objects.count() - entries_before >= 3
    docked.refresh_from_db()
    assert (docked.last_seq, docked.last_status, docked.remote_number) == (4, "completed", "GA-1")
    assert SystemMessage.objects.filter(direction="in", status="applied").count() == 4
    # exactly once: the same message again is answered, not applied again
    code, answer, _ = sim.callback(url, steps[-1])
    assert (code, answer["status"]) == (200, "duplicate")
    assert CaseEvent.objects.filter(case=case, action="complete").count() == 1


@time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=True)
def test_bad_callbacks_are_refused_recorded_and_change_nothing(
    world, sim, dept_system, live_server, submit_case, settings
):
    case = _accept(world, submit_case)
    url = _cb_url(live_server)
    assert sim.callback(url, _status(case.number, 1, "received"))[0] == 200

    def state():
        c = Case.objects.get(pk=case.pk)
        d = DockedCase.objects.get(case=case)
        return c.status, c.version, d.last_seq, CaseEvent.objects.filter(case=case).count()

    before = state()
    logged = SystemMessage.objects.filter(direction="in").count()
    cases_ = [
        # (what, call, HTTP status, reason code)
        (
            "wrong key",
            lambda: sim.callback(url, _status(case.number, 2, "reviewed"), key=Ed25519PrivateKey.generate()),
            401,
            "signature_invalid",
        ),
        (
            "tampered",
            lambda: sim.callback(url, _status(case.number, 2, "reviewed"), tamper=True),
            401,
            "signature_invalid",
        ),
        (
            "unsigned",
            lambda: sim.callback(url, _status(case.number, 2, "reviewed"), unsigned=True),
            401,
            "signature_missing",
        ),
        (
            "unknown system",
            lambda: sim.callback(_cb_url(live_server, "nope"), _status(case.number, 2, "reviewed")),
            404,
            "unknown_system",
        ),
        (
            "unknown case",
            lambda: sim.callback(url, _status("2026XXXX0000", 2, "reviewed")),
            404,
            "unknown_case",
        ),
        ("stale", lambda: sim.callback(url, _status(case.number, 1, "reviewed")), 409, "stale_status"),
        ("out of order", lambda: sim.callback(url, _status(case.number, 3, "approved")), 409, "out_of_order"),
        ("not json", lambda: sim.callback(url, b"{not json"), 400, "bad_message"),
        ("not an object", lambda: sim.callback(url, b"[1, 2]"), 400, "bad_message"),
        (
            "bad fields",
            lambda: sim.callback(url, {"id": "", "case": case.number, "seq": "2", "status": "done"}),
            422,
            "bad_message",
        ),
        # a 承诺件 must be reviewed before a decision: the case's own rules refuse it
        (
            "not allowed now",
            lambda: sim.callback(url, _status(case.number, 2, "approved")),
            409,
            "invalid_transition",
        ),
        # a denial needs its reason (the same rule as on the staff page)
        (
            "missing reason",
            lambda: sim.callback(url, _status(case.number, 2, "suspended")),
            422,
            "validation_error",
        ),
    ]
    for what, call, http, code in cases_:
        status, answer, _ = call()
        assert (status, answer.get("code")) == (http, code), (what, answer)
        assert answer["message"], what  # a reason in Chinese
        assert state() == before, what  # nothing half-applied
    settings.YIWANG_DOCKING_MAX_BODY = 2048
    status, answer, _ = sim.callback(url, _status(case.number, 2, "reviewed", note="很长" * 2000))
    assert (status, answer["code"]) == (413, "body_too_large")
    assert state() == before
    refused = SystemMessage.objects.filter(direction="in").count() - logged
    assert refused == len(cases_) + 1  # every exchange recorded
    assert not SystemMessage.objects.filter(direction="in", status="refused", reason="").exists()
    big = SystemMessage.objects.filter(reason_code="body_too_large").get()
    assert big.body == "" and big.body_size > 2048 and big.http_status == 413
    settings.YIWANG_DOCKING_MAX_BODY = 65536
    assert sim.callback(url, _status(case.number, 2, "reviewed"))[0] == 200
    assert state()[0] == Status.REVIEWED
    # the same signed request captured and sent again (same nonce): refused as a replay
    status, answer, _ = sim.post(url, *sim.last_sent)
    assert (status, answer["code"]) == (401, "replayed")
    assert CaseEvent.objects.filter(case=case, action="review").count() == 1


def test_a_system_that_is_down_delays_never_loses(world, sim, dept_system, live_server, submit_case, client):
    sim.stop()  # the department system is down
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False):
        case = _accept(world, submit_case)
    msg = OutboxMessage.objects.get(topic=systems.TOPIC, key=case.number)
    assert msg.status == OutboxStatus.RETRYING and msg.attempts == 1
    fail = SystemMessage.objects.get(direction="out")
    assert (fail.status, fail.reason_code) == ("failed", "unreachable")
    # the acceptance stands: the case does not wait for the other system
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED

    # the operator sees the failed push, waiting for its retry
    client.force_login(world.platform_admin)
    page = client.get("/workbench/department-systems/pushes/?state=failed")
    assert page.status_code == 200
    text = page.content.decode()
    assert case.number in text and "部门系统无法连接" in text and "等待自动重试" in text

    # still down at the next attempt: another failure, still not lost
    later = msg.next_attempt_at + datetime.timedelta(seconds=1)
    assert outbox.outbox_deliver(message_id=msg.pk, now=later).outcome == "retrying"
    msg.refresh_from_db()
    assert msg.attempts == 2 and msg.status == OutboxStatus.RETRYING

    sim.start()  # back up, same address
    later = msg.next_attempt_at + datetime.timedelta(seconds=1)
    assert outbox.outbox_due(now=later) == [msg.pk]
    assert outbox.outbox_deliver(message_id=msg.pk, now=later).outcome == "sent"
    assert [r["case"]["number"] for r in sim.received] == [case.number]
    assert DockedCase.objects.get(case=case).pushed_at is not None
    assert list(
        SystemMessage.objects.filter(direction="out").order_by("pk").values_list("status", flat=True)
    ) == [
        "failed",
        "failed",
        "sent",
    ]
    assert "没有待发送或失败的推送" in client.get("/workbench/department-systems/pushes/").content.decode()


@time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=True)
def test_a_refused_push_is_a_dead_letter_the_operator_retries(
    world, sim, dept_system, live_server, submit_case, client
):
    sim.mode = "refuse"
    case = _accept(world, submit_case)
    msg = OutboxMessage.objects.get(topic=systems.TOPIC, key=case.number)
    assert msg.status == OutboxStatus.DEAD
    assert SystemMessage.objects.get(direction="out").reason == "本系统不办理该事项"

    client.force_login(world.reviewer)
    assert client.get("/workbench/department-systems/pushes/").status_code == 403
    client.force_login(world.platform_admin)
    page = client.get("/workbench/department-systems/pushes/").content.decode()
    assert "重新发送" in page and "item_unknown" in page
    # a retry needs a reason
    url = f"/workbench/department-systems/pushes/{msg.pk}/retry/"
    bad = client.post(url, {"reason": " ", "version": msg.version})
    assert bad.status_code == 422 and "请填写原因" in bad.content.decode()
    assert OutboxMessage.objects.get(pk=msg.pk).status == OutboxStatus.DEAD

    sim.mode = "ok"  # the department fixed its item list
    ok = client.post(url, {"reason": "部门已补充事项配置", "version": msg.version})
    assert ok.status_code == 302
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT
    assert msg.actions.get().reason == "部门已补充事项配置"
    assert len(sim.received) == 1


@time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=True)
def test_only_docked_items_are_pushed_and_a_withdrawal_follows_in_order(
    world, sim, dept_system, live_server, submit_case
):
    other = submit_case(world, item=world.item2, on=DAY)  # another department's item: not docked
    other = Case.objects.get(pk=other.pk)
    assert systems.system_for_case(other) is None
    case = _accept(world, submit_case)
    cases.case_apply_action(case=Case.objects.get(pk=case.pk), actor=world.citizen, action="withdraw", on=DAY)
    assert [r["kind"] for r in sim.received] == ["case.accepted", "case.withdrawn"]
    assert sim.received[1]["case"] == {"number": case.number, "status": Status.WITHDRAWN}
    assert "form" not in sim.received[1]["case"]
    assert OutboxMessage.objects.filter(topic=systems.TOPIC).count() == 2


def test_registering_checks_the_key_and_the_items(world, db):
    from yiwang.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        systems.department_system_register(
            code="x",
            name="x",
            department=world.dept,
            endpoint="http://127.0.0.1:9/",
            key_id="k",
            public_key="bad",
        )
    with pytest.raises(ValidationFailed):
        systems.department_system_register(
            code="x",
            name="x",
            department=world.dept,
            endpoint="http://127.0.0.1:9/",
            key_id="k",
            public_key="A" * 43 + "=",
            items=[world.item2],  # another department's item
        )
    system = systems.department_system_register(
        code="x",
        name="税务",
        department=world.dept,
        endpoint="http://127.0.0.1:9/",
        key_id="k",
        public_key="A" * 43 + "=",
        all_items=True,
    )
    assert not system.account.has_usable_password()
    assert timezone.now()


@pytest.mark.parametrize(
    ("mode", "code"), [("slow", "unreachable"), ("oversized", "answer_too_large"), ("error", "system_error")]
)
def test_slow_oversized_or_failing_answers_are_retried_with_a_record(
    world, sim, dept_system, live_server, submit_case, mode, code
):
    dept_system.timeout_seconds = 0.5
    dept_system.save(update_fields=["timeout_seconds"])
    sim.mode, sim.delay = mode, 1.5
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=True):
        case = _accept(world, submit_case)
    msg = OutboxMessage.objects.get(topic=systems.TOPIC, key=case.number)
    assert (msg.status, msg.attempts) == (OutboxStatus.RETRYING, 1)
    assert SystemMessage.objects.get(direction="out").reason_code == code
    assert DockedCase.objects.get(case=case).pushed_at is None
    sim.mode = "ok"
    later = msg.next_attempt_at + datetime.timedelta(seconds=1)
    assert outbox.outbox_deliver(message_id=msg.pk, now=later).outcome == "sent"
    assert DockedCase.objects.get(case=case).remote_number == f"GA-{case.number}"


def test_the_command_registers_a_system_and_prints_the_platform_keys(world, db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command(
        "department_systems",
        "register",
        "gaj-hj",
        "--name",
        "户籍业务系统",
        "--department",
        world.dept.uscc,
        "--endpoint",
        "https://gaj.example.gov.cn/yiwang",
        "--key-id",
        "gaj-v1",
        "--public-key",
        "A" * 43 + "=",
        "--items",
        world.item.code,
        stdout=out,
    )
    assert "/api/v1/docking/department-systems/gaj-hj/callback" in out.getvalue()
    with pytest.raises(CommandError):
        call_command(
            "department_systems",
            "register",
            "x",
            "--name",
            "x",
            "--department",
            world.dept.uscc,
            "--endpoint",
            "https://x",
            "--key-id",
            "x",
            "--public-key",
            "A" * 43 + "=",
            "--items",
            "NOPE",
        )
    out = StringIO()
    call_command("department_systems", "list", stdout=out)
    assert "户籍业务系统" in out.getvalue() and world.item.code in out.getvalue()
    out = StringIO()
    call_command("department_systems", "platform-keys", stdout=out)
    assert json.loads(out.getvalue())["keys"][0]["keyid"].startswith("yiwang-http-v")
