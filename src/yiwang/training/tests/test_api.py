"""API.md Training: open exams, an attempt (paper without the key), answers saved one by one on
the server's clock (409 after the end), submission; certifications."""

import datetime as dt

import pytest
import time_machine

from yiwang.training import services
from yiwang.training.models import Answer

from .conftest import T0

pytestmark = pytest.mark.django_db


def test_take_an_exam_through_the_api(world, exam, api):
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False) as clock:
        clerk = api(world.clerk)
        r = clerk.get("/api/v1/training/exams")
        assert r.status_code == 200 and [e["id"] for e in r.json()["items"]] == [exam.pk]
        assert api(world.citizen).get("/api/v1/training/exams").status_code == 403
        r = clerk.post(f"/api/v1/training/exams/{exam.pk}/attempts")
        assert r.status_code == 201
        body = r.json()
        assert len(body["questions"]) == 10 and body["ends_at"].startswith("2026-12-07T09:35")
        assert all("key" not in q and set(q) >= {"id", "kind", "text", "options"} for q in body["questions"])
        aid = body["id"]
        q = body["questions"][0]
        value = (
            [q["options"][0]["value"]]
            if q["kind"] == "multiple"
            else (q["options"][0]["value"] if q["options"] else "答")
        )
        r = clerk.put(f"/api/v1/training/attempts/{aid}/answers/{q['id']}", {"answer": value})
        assert r.status_code == 200, r.content
        assert Answer.objects.filter(attempt_id=aid).count() == 1
        # someone else's attempt is invisible
        assert (
            api(world.clerk_other_hall)
            .put(f"/api/v1/training/attempts/{aid}/answers/{q['id']}", {"answer": value})
            .status_code
            == 404
        )
        # coming back (a restart, a new device) shows the saved answer
        again = clerk.post(f"/api/v1/training/exams/{exam.pk}/attempts").json()
        assert again["id"] == aid and again["questions"][0]["answer"] == value
        clock.shift(dt.timedelta(minutes=31))
        r = clerk.put(
            f"/api/v1/training/attempts/{aid}/answers/{body['questions'][1]['id']}", {"answer": "A"}
        )
        assert r.status_code == 409 and r.json()["code"] == "exam_over"
        r = clerk.post(f"/api/v1/training/attempts/{aid}/submit")
        assert r.status_code == 200 and r.json()["status"] in ("done", "marking")
        assert clerk.post(f"/api/v1/training/attempts/{aid}/submit").status_code == 409


def test_certifications_own_and_for_admins(world, api):
    services.certification_upload(
        user=world.clerk,
        number="X1",
        issuer="武汉市人社局",
        valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2027, 1, 1),
    )
    assert [c["number"] for c in api(world.clerk).get("/api/v1/training/certifications").json()["items"]] == [
        "X1"
    ]
    assert api(world.reviewer).get("/api/v1/training/certifications").json()["items"] == []
    items = api(world.platform_admin).get("/api/v1/training/certifications").json()["items"]
    assert items[0]["status"] == "pending" and items[0]["valid"] is False
