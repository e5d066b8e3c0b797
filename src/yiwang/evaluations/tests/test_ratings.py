"""Ratings: who may rate what, once per stage, through which channel; invitations, the one
reminder and the signed one-time SMS token; the window rating device."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from yiwang.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from yiwang.evaluations import services
from yiwang.evaluations.models import Evaluation, Invitation, WorkOrder

from .conftest import case_for


def rate(case, user, **kw):
    args = {"stage": "complete", "level": "1", "channel": "web"}
    args.update(kw)
    return services.evaluation_submit(case=case, actor=user, **args)


def test_rating_records_the_rated_objects(world, completed):
    ev = rate(completed, world.citizen, level="2", dimensions={"overall": "2", "efficiency": "1"})
    assert ev.channel_class == "per_case" and ev.dimension_kind == "online"
    assert ev.department == world.dept and ev.hall == world.hall and ev.window == world.window
    assert ev.item == world.item_immediate and ev.staff == world.clerk and ev.rater == world.citizen
    assert ev.rated_on == timezone.localdate()
    assert not WorkOrder.objects.exists()  # a good rating opens no work order


def test_both_stages_once_each(world, completed):
    rate(completed, world.citizen, stage="accept")
    rate(completed, world.citizen, stage="complete")
    with pytest.raises(Conflict):
        rate(completed, world.citizen, stage="complete", level="5")
    assert Evaluation.objects.count() == 2
    assert Evaluation.objects.get(stage="complete").level == "1"  # the first rating is kept


def test_stage_not_reached(world):
    accepted = case_for(world, until="accept")
    with pytest.raises(InvalidTransition):
        rate(accepted, world.citizen, stage="complete")
    assert rate(accepted, world.citizen, stage="accept").stage == "accept"


def test_only_the_applicant_rates_online(world, completed):
    with pytest.raises(PermissionDenied):
        rate(completed, world.clerk)
    with pytest.raises(PermissionDenied):
        rate(completed, world.citizen2)
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"comment": "<script>alert(1)</script>"},
        {"comment": "慢" * 10_000},
        {"level": "6"},
        {"level": "4", "tags": ["no_such_tag"]},
        {"level": "1", "tags": ["slow"]},
        {"dimensions": {"attitude": "1"}},  # an offline dimension on the web channel
        {"dimensions": {"overall": "9"}},
        {"channel": "carrier_pigeon"},
        {"stage": "review"},
    ],
)
def test_bad_input_changes_nothing(world, completed, bad):
    with pytest.raises(ValidationFailed):
        rate(completed, world.citizen, **bad)
    assert not Evaluation.objects.exists() and not WorkOrder.objects.exists()


def test_bad_rating_opens_a_work_order_with_tags(world, completed):
    ev = rate(completed, world.citizen, level="5", tags=["slow", "bad_attitude"], comment="等了很久")
    order = ev.work_order
    assert order.status == "received" and order.limit_days == 5
    assert order.steps.get().action == "receive"


def test_hotline_entry_by_supervisor_only(world, completed):
    with pytest.raises(PermissionDenied):
        rate(completed, world.dept_admin, channel="hotline")
    ev = rate(completed, world.supervisor, channel="hotline", level="3", dimensions={"attitude": "3"})
    assert ev.channel_class == "supervision" and ev.entered_by == world.supervisor
    assert ev.rater == world.citizen and ev.dimension_kind == "offline"


# --- invitations ---------------------------------------------------------------------------------
def test_invitation_is_idempotent_and_sent_once(
    world, completed, settings, django_capture_on_commit_callbacks
):
    settings.YIWANG_EVALUATION_NOTIFIER = "yiwang.evaluations.notify.EmailChannel"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.citizen.email = "zhang@example.cn"
    world.citizen.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        a = services.evaluation_invite(case=completed)
    with django_capture_on_commit_callbacks(execute=True):
        b = services.evaluation_invite(case=completed)
    assert a.pk == b.pk and Invitation.objects.count() == 1
    assert len(mail.outbox) == 1 and completed.number in mail.outbox[0].subject
    assert "/rate/sms/" in mail.outbox[0].body


def test_no_invitation_before_completion(world):
    assert services.evaluation_invite(case=case_for(world, until="accept")) is None
    assert not Invitation.objects.exists()


def test_exactly_one_reminder_after_three_days(
    world, completed, settings, django_capture_on_commit_callbacks
):
    settings.YIWANG_EVALUATION_NOTIFIER = "yiwang.evaluations.notify.EmailChannel"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.citizen.email = "zhang@example.cn"
    world.citizen.save(update_fields=["email"])
    inv = services.evaluation_invite(case=completed)
    rated = case_for(world)
    services.evaluation_invite(case=rated)
    rate(rated, world.citizen)  # rated in time: no reminder
    now = inv.created_at
    assert services.invitations_remind(now=now + timedelta(days=2, hours=23)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_remind(now=now + timedelta(days=3, minutes=1)) == 1
        assert services.invitations_remind(now=now + timedelta(days=4)) == 0
        assert services.invitations_remind(now=now + timedelta(days=30)) == 0
    assert [m.subject.startswith("提醒") for m in mail.outbox] == [True]
    assert Invitation.objects.filter(reminded_at__isnull=False).count() == 1


def test_sms_token_is_signed_and_one_time(world, completed):
    inv = services.evaluation_invite(case=completed)
    token = services.invitation_token(inv)
    i, nonce, sig = token.split(".")
    for forged in [f"{i}.{nonce}.{'0' * len(sig)}", f"{int(i) + 1}.{nonce}.{sig}", "garbage", f"{i}.x.{sig}"]:
        with pytest.raises(NotFound):
            services.evaluation_submit_sms(token=forged, level="1")
    ev = services.evaluation_submit_sms(token=token, level="2", dimensions={"convenience": "2"})
    assert ev.channel == "sms" and ev.rater == world.citizen
    with pytest.raises(NotFound):
        services.evaluation_submit_sms(token=token, level="5")
    assert Evaluation.objects.count() == 1


# --- the window rating device ------------------------------------------------------------------------
def test_device_rates_the_case_and_ticket_the_window_serves(world):
    first, second = case_for(world, until="accept"), case_for(world, until="accept")
    device, secret = services.device_register(window=world.window, name="1号窗口平板")
    assert services.device_for_token(secret) == device
    with pytest.raises(NotFound):
        services.device_for_token("not-a-device")
    with pytest.raises(PermissionDenied):
        services.window_serving_set(
            actor=world.clerk_other_hall, window=world.window, case=first, ticket="A001"
        )
    serving = services.window_serving_set(actor=world.clerk, window=world.window, case=first, ticket="A001")
    shown = serving.version
    # the window moves on to the next ticket before the tablet's form is sent
    serving = services.window_serving_set(actor=world.clerk, window=world.window, case=second, ticket="A002")
    with pytest.raises(StaleVersion):
        services.evaluation_submit_device(device=device, serving_version=shown, level="1")
    ev = services.evaluation_submit_device(
        device=device, serving_version=serving.version, level="2", dimensions={"attitude": "1"}
    )
    assert ev.case == second and ev.ticket == "A002" and ev.stage == "accept"
    assert ev.channel == "device" and ev.channel_class == "per_visit" and ev.dimension_kind == "offline"
    # the visit is over: the device cannot rate again until the window serves someone
    with pytest.raises(InvalidTransition):
        services.evaluation_submit_device(device=device, serving_version=serving.version + 1, level="1")
