"""The inbox page of every logged-in account and its preferences page (Django test client)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client

from yiwang.notifications.models import Preference

from .conftest import NOW, accepted


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_login_required():
    r = Client().get("/notifications/")
    assert r.status_code == 302 and r.url.startswith("/login/?next=/notifications/")


def test_inbox_shows_own_messages_newest_first(citizen, other, django_assert_max_num_queries):
    accepted(citizen, number="CP0001")
    accepted(citizen, number="CP0002", now=NOW + timedelta(minutes=1))
    accepted(other, number="CP9999")
    c = _client(citizen)
    with django_assert_max_num_queries(8):
        r = c.get("/notifications/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "<title>消息中心" in html and "您有 <strong>2</strong> 条未读消息" in html
    assert html.index("办件 CP0002 已受理") < html.index("办件 CP0001 已受理")
    assert "CP9999" not in html
    assert 'href="/my/cases/CP0002/"' in html and "2026-11-10 10:01" in html
    assert '<a href="/notifications/" aria-current="page">消息</a>' in html  # the header link
    # every button names its message for screen readers
    assert '标为已读<span class="visually-hidden">：办件 CP0002 已受理</span>' in html


def test_mark_read_and_unread_filter(citizen, other):
    first = accepted(citizen, number="CP0001")
    accepted(citizen, number="CP0002")
    c = _client(citizen)
    r = c.post(f"/notifications/{first.pk}/read/", {"next": "/notifications/?unread=1"})
    assert r.status_code == 302 and r.url == "/notifications/?unread=1"
    html = c.get("/notifications/?unread=1").content.decode()
    assert "CP0002" in html and "CP0001" not in html
    assert (
        c.post(f"/notifications/{first.pk}/read/", {"next": "https://evil.example/"}).url == "/notifications/"
    )
    theirs = accepted(other, number="CP9999")
    assert c.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert c.get(f"/notifications/{first.pk}/read/").status_code == 405
    r = c.post("/notifications/read-all/", follow=True)
    html = r.content.decode()
    assert "已将 1 条消息标为已读" in html and "没有未读消息" in html


def test_empty_inbox_for_staff(staff):
    html = _client(staff).get("/notifications/").content.decode()
    assert "暂无消息" in html and "全部标为已读" not in html


def test_preferences_page(citizen, settings):
    settings.YIWANG_SMS_URL = "https://sms.example/send"
    c = _client(citizen)
    html = c.get("/notifications/preferences/").content.decode()
    # every checkbox has its label
    for box in re.findall(r'<input type="checkbox" id="([^"]+)"', html):
        assert f'<label for="{box}"' in html
    assert "<legend>办件进度</legend>" in html and "站内消息：始终接收" in html
    assert "免打扰时段 22:00-07:00" in html
    r = c.post("/notifications/preferences/", {"case.email": "1", "evaluation.sms": "1"})
    assert r.status_code == 302
    got = set(Preference.objects.filter(user=citizen, enabled=True).values_list("category", "channel"))
    assert got == {("case", "email"), ("evaluation", "sms")}
    html = c.get("/notifications/preferences/").content.decode()
    assert 'id="p-case-email" name="case.email" value="1" checked' in html
