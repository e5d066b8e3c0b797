"""Fixtures of the notification tests: a few accounts (no other app's world needed) and a clock
fixed at a working-day morning in Asia/Shanghai, so nothing depends on when the suite runs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yiwang.accounts.models import AccountKind, User

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=SH)  # Tuesday, 10:00
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _mail_and_defaults(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.YIWANG_NOTIFICATION_CHANNELS = "log"
    settings.YIWANG_NOTIFICATION_CATEGORY_CHANNELS = ""
    settings.YIWANG_NOTIFICATION_OPTIONAL_CHANNELS = "email,sms"
    settings.YIWANG_EVALUATION_NOTIFIER = ""
    settings.YIWANG_PARTICIPATION_NOTIFIER = ""
    settings.YIWANG_SMS_URL = ""
    settings.YIWANG_SMS_GATEWAY = "yiwang.notifications.sms.HttpJsonGateway"
    settings.YIWANG_SMS_QUIET_HOURS = "22-7"
    settings.YIWANG_NOTIFICATION_MAX_ATTEMPTS = 3
    settings.YIWANG_NOTIFICATION_RETRY_SECONDS = 60
    settings.YIWANG_NOTIFICATION_LINK_BASE = "https://zwfw.example.gov.cn"


def make_user(username: str, *, kind: str = AccountKind.PERSON, email: str = "", phone: str = "") -> User:
    user = User(username=username, kind=kind, display_name=username, email=email, phone=phone)
    user.set_password("pass-1234-word")
    user.save()
    return user


@pytest.fixture
def citizen(db):
    return make_user("zhangwei", email="zhang@example.cn", phone=PHONE)


@pytest.fixture
def other(db):
    return make_user("lina", email="li@example.cn")


@pytest.fixture
def staff(db):
    return make_user("clerk", kind=AccountKind.STAFF, email="clerk@example.cn")


ACCEPTED = {
    "number": "CP2026111000000001",
    "item": "食品经营许可（新办）",
    "department": "武汉市市场监督管理局",
    "accepted_on": "2026-11-10",
    "due_date": "2026-11-24",
    "limit_days": 10,
}


def accepted(recipient, *, number: str = ACCEPTED["number"], **kw):
    """A case.accepted message as cases will send it (see docs/notifications.md)."""
    from yiwang.notifications.services import notification_send

    return notification_send(
        event_kind="case.accepted",
        recipient=recipient,
        context={**ACCEPTED, "number": number},
        key=f"case:{number}:accepted",
        link=f"/my/cases/{number}/",
        **kw,
    )
