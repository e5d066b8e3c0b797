"""GET /api/v1/notifications (own, paginated, newest first, unread filter), marking read, and
GET/PUT /api/v1/notifications/preferences."""

from __future__ import annotations

from datetime import timedelta

from yiwang.accounts.tests.api import Api
from yiwang.notifications.models import Notification, Preference

from .conftest import NOW, accepted


def _many(user, count: int):
    for i in range(count):
        accepted(user, number=f"CP{i:04d}", now=NOW + timedelta(minutes=i))


def test_inbox_newest_first_paginated(citizen, other, django_assert_max_num_queries):
    _many(citizen, 5)
    accepted(other, number="CP9999")
    api = Api(citizen)
    with django_assert_max_num_queries(6):  # token, user, count, page, unread count (+ savepoints)
        r = api.get("/api/v1/notifications", page=1, page_size=2)
    assert r.status_code == 200
    data = r.json()
    assert (data["count"], data["page"], data["page_size"], data["unread_count"]) == (5, 1, 2, 5)
    assert [i["subject"] for i in data["items"]] == ["办件 CP0004 已受理", "办件 CP0003 已受理"]
    item = data["items"][0]
    assert set(item) >= {"id", "kind", "subject", "body", "link", "created_at", "read_at"}
    assert item["kind"] == "case.accepted" and item["kind_label"] == "受理通知" and item["category"] == "case"
    assert item["link"] == "/my/cases/CP0004/" and "CP0004" in item["body"] and item["legal"] is True
    assert item["created_at"] == "2026-11-10T10:04:00+08:00" and item["read_at"] is None
    # the page size does not change the number of queries
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/notifications", page_size=50).json()["items"]) == 5
    assert (
        api.get("/api/v1/notifications", page=3, page_size=2).json()["items"][0]["subject"]
        == "办件 CP0000 已受理"
    )
    r = api.get("/api/v1/notifications", page_size=500)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


def test_read_one_and_all(citizen, other):
    _many(citizen, 3)
    theirs = accepted(other, number="CP9999")
    api = Api(citizen)
    newest = api.get("/api/v1/notifications").json()["items"][0]
    r = api.post(f"/api/v1/notifications/{newest['id']}/read")
    assert r.status_code == 200 and r.json()["read_at"] == "2026-11-10T10:00:00+08:00"
    data = api.get("/api/v1/notifications", unread="true").json()
    assert data["count"] == 2 and newest["id"] not in [i["id"] for i in data["items"]]
    assert data["unread_count"] == 2
    assert api.get("/api/v1/notifications", unread="false").json()["count"] == 1
    r = api.post(f"/api/v1/notifications/{theirs.pk}/read")  # somebody else's: as if it did not exist
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert api.post("/api/v1/notifications/999999/read").status_code == 404
    assert api.post("/api/v1/notifications/read-all").json() == {"updated": 2}
    assert api.get("/api/v1/notifications").json()["unread_count"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_needs_login():
    r = Api().get("/api/v1/notifications")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    assert Api().post("/api/v1/notifications/read-all").status_code == 401
    assert Api().get("/api/v1/notifications/preferences").status_code == 401


def test_preferences(citizen, settings):
    settings.YIWANG_SMS_URL = "https://sms.example/send"
    settings.YIWANG_NOTIFICATION_CATEGORY_CHANNELS = "case=sms"
    api = Api(citizen)
    data = api.get("/api/v1/notifications/preferences").json()
    assert data["quiet_hours"] == "22:00-07:00"
    case = next(c for c in data["categories"] if c["category"] == "case")
    assert case["label"] == "办件进度" and case["legal"] is True
    assert [(c["channel"], c["enabled"], c["fixed"], c["legal_always"]) for c in case["channels"]] == [
        ("inapp", True, True, True),
        ("email", False, False, False),
        ("sms", True, False, True),
    ]
    r = api.put("/api/v1/notifications/preferences", {"categories": {"case": {"email": True, "sms": False}}})
    assert r.status_code == 200
    case = next(c for c in r.json()["categories"] if c["category"] == "case")
    assert [(c["channel"], c["enabled"]) for c in case["channels"]] == [
        ("inapp", True),
        ("email", True),
        ("sms", False),
    ]
    assert Preference.objects.filter(user=citizen).count() == 2

    r = api.put("/api/v1/notifications/preferences", {"categories": {"case": {"inapp": False}}})
    assert r.status_code == 422
    assert r.json()["fields"] == {"categories.case.inapp": ["站内消息不能关闭"]}
    r = api.put("/api/v1/notifications/preferences", {"categories": {"case": {"email": "maybe"}}})
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = api.put("/api/v1/notifications/preferences", {})
    assert r.status_code == 422


def test_session_callers_need_csrf(citizen):
    from django.test import Client

    n = accepted(citizen)
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    assert client.get("/api/v1/notifications").status_code == 200
    assert client.post(f"/api/v1/notifications/{n.pk}/read").status_code in (401, 403)
    assert Notification.objects.get(pk=n.pk).read_at is None
