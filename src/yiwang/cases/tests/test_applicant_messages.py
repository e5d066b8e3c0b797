"""The applicant hears of every notice they must receive — accepted, supplement requested, decided,
completed (and refused) — exactly once each, in the inbox and by e-mail where they chose it; a
rolled-back action sends nothing."""

from datetime import date

import pytest
from django.core import mail

from yiwang.cases import services
from yiwang.cases.models import Case
from yiwang.core.errors import StaleVersion
from yiwang.core.testing import good_form, good_materials
from yiwang.notifications import services as notifications
from yiwang.notifications.models import Delivery, DeliveryStatus, Notification

MON = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.YIWANG_NOTIFICATION_CHANNELS = "log"
    settings.YIWANG_NOTIFICATION_CATEGORY_CHANNELS = ""
    settings.YIWANG_NOTIFICATION_OPTIONAL_CHANNELS = "email,sms"
    settings.YIWANG_SMS_URL = ""


def submit(world):
    return services.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
        on=MON,
    )


def act(case, user, action, **kw):
    case = Case.objects.get(pk=case.pk)
    return services.case_apply_action(case=case, actor=user, action=action, on=MON, **kw)


def kinds(user) -> list[str]:
    """The case messages of a person (after 办结 好差评 adds its invitation: evaluations' tests)."""
    return list(
        Notification.objects.filter(recipient=user, kind__startswith="case.")
        .order_by("id")
        .values_list("kind", flat=True)
    )


def test_each_legal_notice_reaches_the_applicant_once(world, django_capture_on_commit_callbacks):
    world.citizen.email = "zhang.wei@example.cn"
    world.citizen.save(update_fields=["email"])
    notifications.preferences_set(user=world.citizen, choices={"case": {"email": True}})
    with django_capture_on_commit_callbacks(execute=True):  # sending happens after commit
        case = submit(world)
        act(case, world.clerk, "request_supplement", missing=["经营场所平面图"], note="请补充")
        act(case, world.citizen, "supplement", materials=good_materials())
        act(case, world.clerk, "accept")
        act(case, world.reviewer, "review", note="材料齐全")
        act(case, world.approver, "approve")
        act(case, world.approver, "complete", delivery="electronic")
    assert kinds(world.citizen) == [
        "case.supplement_requested",
        "case.accepted",
        "case.decided",
        "case.completed",
    ]
    accepted = Notification.objects.get(recipient=world.citizen, kind="case.accepted")
    assert case.number in accepted.title and accepted.link == f"/my/cases/{case.number}/"
    assert "经营场所平面图" in Notification.objects.get(kind="case.supplement_requested").body
    assert "准予许可" in Notification.objects.get(kind="case.decided").title
    assert "电子送达" in Notification.objects.get(kind="case.completed").body
    # inbox and e-mail, each sent once
    emails = Delivery.objects.filter(channel="email", notification__kind__startswith="case.")
    assert [d.status for d in emails] == [DeliveryStatus.SENT] * 4
    case_mail = [m for m in mail.outbox if case.number in m.subject]
    assert len(case_mail) == 4 and all(m.to == ["zhang.wei@example.cn"] for m in case_mail)
    # a sweep or a repeated task sends nothing again
    notifications.deliveries_send_due()
    for d in Delivery.objects.all():
        notifications.delivery_send(delivery_id=d.pk)
    assert len([m for m in mail.outbox if case.number in m.subject]) == 4 and len(kinds(world.citizen)) == 4


def test_refusal_is_a_message_and_a_lost_race_sends_nothing(world):
    case = submit(world)
    stale = Case.objects.get(pk=case.pk)
    act(case, world.clerk, "refuse", reason="不属于本机关职权范围")
    assert kinds(world.citizen) == ["case.refused"]
    assert "不属于本机关职权范围" in Notification.objects.get(kind="case.refused").body
    with pytest.raises(StaleVersion):
        services.case_apply_action(
            case=stale, actor=world.clerk, action="accept", on=MON, version=stale.version
        )
    assert kinds(world.citizen) == ["case.refused"]


def test_steps_without_a_notice_are_not_messages(world):
    case = submit(world)
    act(case, world.clerk, "accept")
    act(case, world.reviewer, "review", note="材料齐全")
    act(case, world.approver, "return", reason="请补充审核意见")
    assert kinds(world.citizen) == ["case.accepted"]
