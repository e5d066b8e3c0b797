"""The holder of a locked account lifts the lock with a code sent to the phone on record."""

import datetime as dt
import re

import time_machine
from django.test import Client

from yiwang.accounts import services
from yiwang.accounts.tests.factories import CitizenFactory
from yiwang.core.testing import PASSWORD
from yiwang.notifications.models import Notification

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _page_login(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_holder_lifts_the_lock_with_a_code_sent_to_the_phone(db, settings):
    holder = CitizenFactory(username="holder", phone="13600136000")
    client = Client()
    with time_machine.travel(T0, tick=False):
        for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS):
            _page_login(client, "holder", "wrong")
        r = _page_login(client, "holder", PASSWORD)
        assert r.status_code == 429 and "/login/unlock/" in r.content.decode()
        r = client.post("/login/unlock/", {"step": "send", "username": "holder"})
        assert r.status_code == 200 and "验证码已发送" in r.content.decode()
        message = Notification.objects.get(recipient=holder, kind="account.unlock_code")
        code = re.search(r"验证码 ([0-9]{6})", message.body).group(1)
        r = client.post(
            "/login/unlock/",
            {"step": "unlock", "username": "holder", "code": "000000" if code != "000000" else "111111"},
        )
        assert r.status_code == 422
        r = client.post("/login/unlock/", {"step": "unlock", "username": "holder", "code": code})
        assert r.status_code == 302
        assert _page_login(client, "holder", PASSWORD).status_code == 302
        # the code is used up
        assert not services.login_unlock(username="holder", code=code)
    # an unknown account gets the same answer and no message
    r = Client().post("/login/unlock/", {"step": "send", "username": "nobody"})
    assert r.status_code == 200 and "验证码已发送" in r.content.decode()
