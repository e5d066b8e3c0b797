"""The notification service: inbox and delivery rows in the caller's transaction, sending after
commit, exactly once per event key, retries with backoff until dead, preferences that cannot
switch off legal notices, SMS quiet hours. The clock is fixed (conftest: Tue 10:00 Shanghai)."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from yiwang.notifications import config, kinds, services
from yiwang.notifications.channels import Outcome
from yiwang.notifications.kinds import EventKind
from yiwang.notifications.models import Delivery, DeliveryStatus, Notification, Preference

from .conftest import NOW, PHONE, SH, accepted
from .fakes import Gateway


@pytest.fixture
def sms(settings):
    settings.YIWANG_SMS_GATEWAY = "yiwang.notifications.tests.fakes.Gateway"
    Gateway.reset()
    yield Gateway
    Gateway.reset()


@pytest.fixture
def critical_kind():
    spec = EventKind(
        kind="test.turn_near", category="case", label="即将叫号", critical=True,
        title="您的号码 {{ number }} 即将叫到", body="请到窗口等候。", required=("number",),
    )  # fmt: skip
    kinds.kind_register(spec)
    yield spec
    kinds.kind_unregister(spec.kind)


def deliveries(n: Notification) -> dict[str, Delivery]:
    return {d.channel: d for d in n.deliveries.all()}


# --- transaction, after commit, exactly once -----------------------------------------------------
def test_rows_in_the_callers_transaction_sending_after_commit(
    citizen, settings, django_capture_on_commit_callbacks
):
    settings.YIWANG_NOTIFICATION_CHANNELS = "email"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        n = accepted(citizen)
    assert n.title == "办件 CP2026111000000001 已受理" and n.legal and n.read_at is None
    assert n.link == "/my/cases/CP2026111000000001/"
    d = deliveries(n)
    assert set(d) == {"inapp", "email"}
    assert d["inapp"].status == "sent" and d["email"].status == "pending"
    assert mail.outbox == [] and len(callbacks) == 1  # nothing leaves before commit
    callbacks[0]()
    assert len(mail.outbox) == 1
    m = mail.outbox[0]
    assert m.to == ["zhang@example.cn"] and m.subject == n.title
    assert "决定予以受理" in m.body and "https://zwfw.example.gov.cn/my/cases/CP2026111000000001/" in m.body
    d["email"].refresh_from_db()
    assert (d["email"].status, d["email"].attempts, d["email"].sent_at) == ("sent", 1, NOW)


def test_rolled_back_event_leaves_nothing(citizen, settings, django_capture_on_commit_callbacks):
    settings.YIWANG_NOTIFICATION_CHANNELS = "email"
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        accepted(citizen)
        raise RuntimeError("the case action failed")
    assert not Notification.objects.exists() and not Delivery.objects.exists() and mail.outbox == []


def test_same_key_sends_once(citizen, other, settings, django_capture_on_commit_callbacks):
    settings.YIWANG_NOTIFICATION_CHANNELS = "email"
    with django_capture_on_commit_callbacks(execute=True):
        first = accepted(citizen)
    with django_capture_on_commit_callbacks(execute=True) as again:
        second = accepted(citizen)  # a retried task, a sweep, a second click
    assert second.pk == first.pk and again == []
    with django_capture_on_commit_callbacks(execute=True):
        accepted(other)  # the same event for somebody else is another message
    assert Notification.objects.count() == 2 and Delivery.objects.count() == 4
    assert sorted(m.to[0] for m in mail.outbox) == ["li@example.cn", "zhang@example.cn"]
    # a task queued twice for one delivery sends once
    d = Delivery.objects.get(notification=first, channel="email")
    assert services.delivery_send(delivery_id=d.pk) == "done"
    assert len(mail.outbox) == 2


def test_log_channel_by_default_without_personal_data(citizen, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level("INFO"), django_capture_on_commit_callbacks(execute=True):
        n = accepted(citizen)
    assert set(deliveries(n)) == {"inapp", "log"}
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("yiwang.notifications")]
    assert f"notify user {citizen.pk}: case.accepted case:CP2026111000000001:accepted" in lines
    text = "\n".join(lines)
    for secret in ("zhang@example.cn", PHONE, "食品经营许可", "决定予以受理"):
        assert secret not in text


def test_unknown_kind_and_bad_key_are_programming_errors(citizen):
    with pytest.raises(kinds.HookError):
        services.notification_send(event_kind="case.nope", recipient=citizen, context={}, key="k")
    with pytest.raises(ValueError):
        services.notification_send(event_kind="case.accepted", recipient=citizen, context={}, key="")


# --- retries, failure, dead ----------------------------------------------------------------------
def test_transient_failures_back_off_then_dead(citizen, settings, monkeypatch, caplog):
    settings.YIWANG_NOTIFICATION_CHANNELS = "email"
    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise smtplib.SMTPServerDisconnected("zhang@example.cn: connection lost")

    monkeypatch.setattr("yiwang.notifications.channels.send_mail", broken)
    n = accepted(citizen)  # not committed in this test: drive the sends by hand
    d = Delivery.objects.get(notification=n, channel="email")
    spread = 1 + (d.pk % 10) / 50
    with caplog.at_level("INFO"):
        assert services.delivery_send(delivery_id=d.pk, now=NOW) == "pending"
    d.refresh_from_db()
    assert (d.attempts, d.last_error, d.lease_until) == (1, "smtp_error", None)
    assert d.next_attempt == NOW + timedelta(seconds=60) * spread
    assert services.delivery_send(delivery_id=d.pk, now=NOW + timedelta(seconds=30)) == "not_due"
    t2 = d.next_attempt
    assert services.delivery_send(delivery_id=d.pk, now=t2) == "pending"
    d.refresh_from_db()
    assert d.attempts == 2 and d.next_attempt == t2 + timedelta(seconds=120) * spread
    assert services.delivery_send(delivery_id=d.pk, now=d.next_attempt) == "dead"  # max 3 attempts
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_error) == ("dead", 3, "smtp_error")
    assert services.delivery_send(delivery_id=d.pk, now=d.next_attempt + timedelta(days=1)) == "done"
    assert len(calls) == 3
    assert "zhang@example.cn" not in caplog.text  # the exception text never reaches the log

    # an operator sends it again once the mail server is back
    monkeypatch.setattr("yiwang.notifications.channels.send_mail", lambda *a, **k: 1)
    assert services.delivery_retry(delivery=d) is True
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("pending", 0)
    assert services.delivery_send(delivery_id=d.pk, now=NOW + timedelta(hours=1)) == "sent"


def test_permanent_failure_is_not_retried(db, settings, django_capture_on_commit_callbacks):
    from .conftest import make_user

    settings.YIWANG_NOTIFICATION_CHANNELS = "email"
    nobody = make_user("no_mail")
    with django_capture_on_commit_callbacks(execute=True):
        n = accepted(nobody)
    d = Delivery.objects.get(notification=n, channel="email")
    assert (d.status, d.attempts, d.last_error) == ("failed", 1, "no_address")
    assert services.deliveries_send_due(now=NOW + timedelta(days=1)) == 0
    assert mail.outbox == []


def test_channel_bug_is_retried_not_lost(citizen, settings, monkeypatch):
    settings.YIWANG_NOTIFICATION_CHANNELS = "email"

    def bug(*a, **k):
        raise KeyError("x")

    monkeypatch.setattr("yiwang.notifications.channels.send_mail", bug)
    d = Delivery.objects.get(notification=accepted(citizen), channel="email")
    assert services.delivery_send(delivery_id=d.pk, now=NOW) == "pending"
    d.refresh_from_db()
    assert d.last_error == "error_KeyError"


def test_sweep_sends_what_is_due_and_respects_leases(citizen, settings, monkeypatch, clock):
    settings.YIWANG_NOTIFICATION_CHANNELS = "email"
    outcomes = iter([smtplib.SMTPException("down"), None])

    def flaky(*a, **k):
        exc = next(outcomes)
        if exc:
            raise exc
        return 1

    monkeypatch.setattr("yiwang.notifications.channels.send_mail", flaky)
    d = Delivery.objects.get(notification=accepted(citizen), channel="email")
    assert services.deliveries_send_due() == 1  # the task after commit would have done the same
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("pending", 1)
    assert services.deliveries_send_due() == 0  # not yet
    clock.shift(timedelta(minutes=2))
    # another worker holds it (a lease that has not run out): the sweep leaves it alone
    Delivery.objects.filter(pk=d.pk).update(lease_until=datetime.now(SH) + timedelta(minutes=1))
    assert services.deliveries_send_due() == 0
    assert services.delivery_send(delivery_id=d.pk) == "taken"
    clock.shift(timedelta(minutes=5))  # the worker died: its lease ran out
    assert services.deliveries_send_due() == 1
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("sent", 2)


def test_retry_delay_grows_and_is_capped(settings):
    settings.YIWANG_NOTIFICATION_RETRY_SECONDS = 60
    assert [config.retry_delay(attempt=a, delivery_id=10) for a in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert config.retry_delay(attempt=30, delivery_id=10) == timedelta(hours=6)
    assert config.retry_delay(attempt=1, delivery_id=19) == timedelta(seconds=60 * 1.18)


# --- preferences and legal notices ---------------------------------------------------------------
def test_preferences_add_channels_and_cannot_remove_legal_ones(
    citizen, settings, sms, django_capture_on_commit_callbacks
):
    settings.YIWANG_NOTIFICATION_CATEGORY_CHANNELS = "case=sms;bundle=sms"
    settings.YIWANG_NOTIFICATION_CHANNELS = ""
    services.preferences_set(
        user=citizen, choices={"case": {"sms": False, "email": True}, "bundle": {"sms": False}}
    )
    assert Preference.objects.filter(user=citizen).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        legal = accepted(citizen)
        failed = services.notification_send(
            event_kind="bundle.item_failed",
            recipient=citizen,
            context={"number": "YJS1", "bundle": "开办餐饮店", "item": "户外招牌设置"},
            key="bundle:YJS1:failed:CP9",
            link="/my/bundles/YJS1/",
        )
    # legal: the inbox, the SMS the instance requires for the category, plus the e-mail chosen
    assert set(deliveries(legal)) == {"inapp", "sms", "email"}
    # not legal: the person's choice wins (SMS off)
    assert set(deliveries(failed)) == {"inapp"} and not failed.legal
    assert [s["ref"] for s in sms.sent] == [f"yiwang-{deliveries(legal)['sms'].pk}"]
    assert sms.sent[0]["to"] == PHONE and sms.sent[0]["text"].startswith(
        "【一网通办】办件 CP2026111000000001 已受理"
    )
    assert len(mail.outbox) == 1


def test_legal_flag_can_be_given_by_the_caller(citizen, settings):
    settings.YIWANG_NOTIFICATION_CATEGORY_CHANNELS = "bundle=email"
    services.preferences_set(user=citizen, choices={"bundle": {"email": False}})
    ctx = {"number": "YJS1", "bundle": "开办餐饮店", "item": "户外招牌设置"}
    n = services.notification_send(
        event_kind="bundle.item_failed", recipient=citizen, context=ctx, key="k1", legal=True
    )
    assert n.legal and set(deliveries(n)) == {"inapp", "email"}


def test_preferences_validation(citizen, settings):
    settings.YIWANG_SMS_URL = ""  # SMS not offered on this instance
    with pytest.raises(services.ValidationFailed) as exc:
        services.preferences_set(
            user=citizen,
            choices={"case": {"inapp": False, "sms": True, "email": "yes"}, "nope": {"email": True}},
        )
    assert exc.value.fields == {
        "categories.case.inapp": ["站内消息不能关闭"],
        "categories.case.sms": ["本平台未开通该接收渠道"],
        "categories.case.email": ["应为是/否"],
        "categories.nope": ["未知的消息类别"],
    }
    assert not Preference.objects.exists()
    services.preferences_set(user=citizen, choices={"case": {"inapp": True, "email": True}})
    services.preferences_set(user=citizen, choices={"case": {"email": False}})
    assert list(Preference.objects.values_list("category", "channel", "enabled")) == [
        ("case", "email", False)
    ]


# --- quiet hours ----------------------------------------------------------------------------------
def test_sms_waits_for_the_end_of_quiet_hours(
    citizen, settings, sms, clock, django_capture_on_commit_callbacks
):
    settings.YIWANG_NOTIFICATION_CATEGORY_CHANNELS = "case=sms,email"
    late = datetime(2026, 11, 10, 23, 15, tzinfo=SH)
    clock.move_to(late)
    with django_capture_on_commit_callbacks(execute=True):
        n = accepted(citizen)
    d = deliveries(n)
    assert d["sms"].next_attempt == datetime(2026, 11, 11, 7, 0, tzinfo=SH)
    assert sms.sent == [] and len(mail.outbox) == 1  # e-mail is not held
    assert services.deliveries_send_due() == 0
    clock.move_to(datetime(2026, 11, 11, 6, 59, tzinfo=SH))
    assert services.delivery_send(delivery_id=d["sms"].pk) == "not_due"
    clock.move_to(datetime(2026, 11, 11, 7, 0, 30, tzinfo=SH))
    assert services.deliveries_send_due() == 1
    assert len(sms.sent) == 1
    d["sms"].refresh_from_db()
    assert (d["sms"].status, d["sms"].attempts) == ("sent", 1)


def test_time_critical_sms_ignores_quiet_hours(
    citizen, settings, sms, critical_kind, clock, django_capture_on_commit_callbacks
):
    settings.YIWANG_NOTIFICATION_CATEGORY_CHANNELS = "case=sms"
    clock.move_to(datetime(2026, 11, 10, 2, 0, tzinfo=SH))
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_send(
            event_kind="test.turn_near", recipient=citizen, context={"number": "A012"}, key="t:1"
        )
    assert len(sms.sent) == 1 and sms.sent[0]["kind"] == "test.turn_near"


def test_retry_falling_into_quiet_hours_is_deferred(citizen, settings, sms):
    settings.YIWANG_NOTIFICATION_CATEGORY_CHANNELS = "case=sms"
    n = accepted(citizen)
    d = deliveries(n)["sms"]
    sms.outcome = Outcome("retry", "sms_http_503")
    assert services.delivery_send(delivery_id=d.pk, now=NOW) == "pending"
    night = datetime(2026, 11, 10, 22, 30, tzinfo=SH)
    assert services.delivery_send(delivery_id=d.pk, now=night) == "deferred"
    d.refresh_from_db()
    assert d.attempts == 1 and d.next_attempt == datetime(2026, 11, 11, 7, 0, tzinfo=SH)


@pytest.mark.parametrize(
    ("spec", "at", "until"),
    [
        ("22-7", (23, 0), (1, 7, 0)),
        ("22-7", (0, 30), (0, 7, 0)),
        ("22-7", (7, 0), None),
        ("22-7", (21, 59), None),
        ("21:30-07:30", (21, 45), (1, 7, 30)),
        ("12-14", (13, 0), (0, 14, 0)),
        ("12-14", (14, 0), None),
        ("", (23, 0), None),
    ],
)
def test_quiet_hours(spec, at, until):
    hours = config.parse_quiet_hours(spec)
    now = datetime(2026, 11, 10, *at, tzinfo=SH)
    got = hours.until(now) if hours else None
    want = datetime(2026, 11, 10 + until[0], until[1], until[2], tzinfo=SH) if until else None
    assert got == want


# --- configuration ---------------------------------------------------------------------------------
def test_legacy_notifier_settings_still_choose_the_channel(settings):
    settings.YIWANG_EVALUATION_NOTIFIER = "yiwang.evaluations.notify.EmailChannel"
    assert config.category_defaults("evaluation") == ["email"]
    assert config.category_defaults("participation") == ["email"]
    assert config.category_defaults("case") == ["log"]
    settings.YIWANG_PARTICIPATION_NOTIFIER = "yiwang.evaluations.notify.LogChannel"
    assert config.category_defaults("participation") == ["log"]
    settings.YIWANG_NOTIFICATION_CATEGORY_CHANNELS = "participation=email,sms"
    assert config.category_defaults("participation") == ["email", "sms"]


def test_bad_settings_are_reported_by_the_system_check(settings):
    settings.YIWANG_NOTIFICATION_CHANNELS = "pigeon"
    settings.YIWANG_SMS_QUIET_HOURS = "night"
    assert config.category_defaults("case") == ["log"]  # a caller is never failed by it
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match=r"notifications\.E001"):
        call_command("check")


def test_sms_is_offered_only_once_configured(settings):
    settings.YIWANG_SMS_URL = ""
    assert config.optional_channels() == ["email"]
    settings.YIWANG_SMS_URL = "https://sms.example/send"
    assert config.optional_channels() == ["email", "sms"]


def test_inbox_reading(citizen, other):
    a = accepted(citizen, number="CP1")
    b = accepted(citizen, number="CP2")
    accepted(other, number="CP3")
    with pytest.raises(services.NotFound):
        services.notification_read(user=other, notification=a)
    first = services.notification_read(user=citizen, notification=a, now=NOW)
    again = services.notification_read(user=citizen, notification=a, now=NOW + timedelta(hours=1))
    assert first.read_at == again.read_at == NOW
    assert services.notifications_read_all(user=citizen) == 1
    b.refresh_from_db()
    assert b.read_at is not None
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # the other account's
    assert DeliveryStatus.SENT in set(Delivery.objects.values_list("status", flat=True))


def test_broker_down_does_not_fail_the_change(
    citizen, settings, monkeypatch, clock, django_capture_on_commit_callbacks
):
    from yiwang.notifications import tasks

    settings.YIWANG_NOTIFICATION_CHANNELS = "email"

    def down(**kwargs):
        raise ConnectionError("broker unreachable")

    with monkeypatch.context() as m:
        m.setattr(tasks.delivery_send, "delay", down)
        with django_capture_on_commit_callbacks(execute=True):
            n = accepted(citizen)  # the change commits; the queueing error is only logged
    assert mail.outbox == [] and deliveries(n)["email"].status == "pending"
    clock.shift(timedelta(minutes=1))
    assert services.deliveries_send_due() == 1  # the sweep (beat) sends it
    assert len(mail.outbox) == 1


def test_inactive_account_gets_nothing_outside(citizen, settings, django_capture_on_commit_callbacks):
    settings.YIWANG_NOTIFICATION_CHANNELS = "email"
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        n = accepted(citizen)
    assert deliveries(n)["email"].last_error == "inactive_account" and mail.outbox == []
