"""The Halls API of API.md: shapes, codes, and nothing changed on refusals."""

from __future__ import annotations

import io

import pytest
import time_machine
from openpyxl import load_workbook

from yiwang.core.testing import make_ric
from yiwang.halls.models import Appointment, Slot, Ticket
from yiwang.identity import services as identity

from .conftest import MON, at

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(MON)]


def test_public_reads(world, api):
    anon = api()
    halls = anon.get("/api/v1/halls").json()["items"]
    hall = next(h for h in halls if h["code"] == "smzj")
    assert hall["name"] == "武汉市民之家" and hall["region"] == "420100" and "hours" in hall
    types = anon.get("/api/v1/halls/smzj/business-types").json()["items"]
    market = next(t for t in types if t["code"] == "market")
    assert market["prefix"] == "A" and world.item.code in market["items"]
    slots = anon.get("/api/v1/halls/smzj/slots", business="market", date="2026-12-08").json()["items"]
    assert slots[0] == {
        "start": "2026-12-08T09:00:00+08:00",
        "end": "2026-12-08T10:00:00+08:00",
        "capacity": 2,
        "available": 2,
    }
    assert anon.get("/api/v1/halls/nope/business-types").status_code == 404
    assert anon.get("/api/v1/halls/smzj/slots", business="market", date="12/08").status_code == 422


def test_book_list_cancel(world, api):
    me = api(world.citizen)
    r = me.post(
        "/api/v1/appointments", {"hall": "smzj", "business": "market", "start": "2026-12-08T09:00:00+08:00"}
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert set(body) >= {"id", "code", "hall", "business", "start", "end", "status"}
    assert (
        body["status"] == "booked" and body["hall"] == "smzj" and body["start"] == "2026-12-08T09:00:00+08:00"
    )
    assert [a["code"] for a in me.get("/api/v1/appointments").json()["items"]] == [body["code"]]
    assert api(world.citizen2).get("/api/v1/appointments").json()["items"] == []
    assert (
        api(world.citizen2)
        .client.delete(f"/api/v1/appointments/{body['id']}", headers=api(world.citizen2).headers)
        .status_code
        == 404
    )
    r = me.client.delete(f"/api/v1/appointments/{body['id']}", headers=me.headers)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


def test_booking_errors(world, api):
    me = api(world.citizen)
    start = "2026-12-08T14:00:00+08:00"
    assert (
        me.post("/api/v1/appointments", {"hall": "smzj", "business": "market", "start": start}).status_code
        == 201
    )
    r = api(world.citizen2).post(
        "/api/v1/appointments", {"hall": "smzj", "business": "market", "start": start}
    )
    assert r.status_code == 409 and r.json()["code"] == "slot_full"
    r = me.post(
        "/api/v1/appointments", {"hall": "smzj", "business": "market", "start": "2026-12-08T10:00:00+08:00"}
    )
    assert r.status_code == 422 and r.json()["code"] == "duplicate_booking"
    r = me.post(
        "/api/v1/appointments", {"hall": "smzj", "business": "market", "start": "2026-12-21T10:00:00+08:00"}
    )
    assert r.status_code == 422 and r.json()["code"] == "outside_booking_window"
    assert Appointment.objects.count() == 1 and Slot.objects.get(start=at(8, 14)).booked == 1
    assert (
        api().post("/api/v1/appointments", {"hall": "smzj", "business": "market", "start": start}).status_code
        == 401
    )


def test_cancel_late_is_409_and_nothing_changes(world, api):
    me = api(world.citizen)
    body = me.post(
        "/api/v1/appointments", {"hall": "smzj", "business": "market", "start": "2026-12-07T10:00:00+08:00"}
    ).json()
    with time_machine.travel(at(7, 8, 30)):
        r = me.client.delete(f"/api/v1/appointments/{body['id']}", headers=me.headers)
    assert r.status_code == 409 and r.json()["code"] == "too_late_to_cancel"
    assert Appointment.objects.get(pk=body["id"]).status == "booked"


def test_ticket_and_window_calls(world, api):
    with time_machine.travel(at(7, 9, 30)):
        desk = api(world.reception)
        r = desk.post("/api/v1/halls/smzj/tickets", {"business": "market", "id_number": make_ric(serial=31)})
        assert r.status_code == 201, r.json()
        t = r.json()
        assert (t["number"], t["business"], t["priority"], t["waiting_before"], t["status"]) == (
            "A001",
            "market",
            False,
            0,
            "waiting",
        )
        r = desk.post(
            "/api/v1/halls/smzj/tickets",
            {"business": "market", "id_number": make_ric(serial=32), "green_channel": True},
        )
        assert r.json()["priority"] is True and r.json()["waiting_before"] == 0
        clerk = api(world.clerk)
        wins = clerk.get("/api/v1/windows").json()["items"]
        assert wins == [
            {
                "id": world.window.pk,
                "hall": "smzj",
                "number": "1",
                "name": world.window.name,
                "business_types": ["market"],
            }
        ]
        r = clerk.post(f"/api/v1/windows/{world.window.pk}/calls", {"action": "next"})
        assert (
            r.status_code == 200
            and r.json()["ticket"]["number"] == "A002"
            and r.json()["window"]["current"] == "A002"
        )
        r = clerk.post(f"/api/v1/windows/{world.window.pk}/calls", {"action": "pause", "reason": "系统维护"})
        assert (
            r.status_code == 200 and r.json()["ticket"] is None and r.json()["window"]["status"] == "paused"
        )
        r = clerk.post(f"/api/v1/windows/{world.window.pk}/calls", {"action": "next"})
        assert r.status_code == 409 and r.json()["code"] == "window_paused"
        assert Ticket.objects.get(number="A001").status == "waiting"
        clerk.post(f"/api/v1/windows/{world.window.pk}/calls", {"action": "resume"})
        assert (
            clerk.post(f"/api/v1/windows/{world.window.pk}/calls", {"action": "next"}).json()["ticket"][
                "number"
            ]
            == "A001"
        )
        r = clerk.post(f"/api/v1/windows/{world.window.pk}/calls", {"action": "next"})
        assert r.status_code == 409 and r.json()["code"] == "nothing_waiting"
        assert (
            api(world.clerk_w2)
            .post(f"/api/v1/windows/{world.window.pk}/calls", {"action": "next"})
            .status_code
            == 404
        )
        display = api().get("/api/v1/halls/smzj/display").json()
        assert display["calling"][0]["number"] == "A001" and display["waiting"] == {"market": 0, "health": 0}


def test_ticket_errors(world, api):
    with time_machine.travel(at(7, 9, 30)):
        code = identity.code_issue(user=world.citizen).code
        desk = api(world.reception)
        assert (
            desk.post("/api/v1/halls/smzj/tickets", {"business": "market", "identity_code": code}).status_code
            == 201
        )
        r = desk.post("/api/v1/halls/smzj/tickets", {"business": "market", "identity_code": code})
        assert r.status_code == 422 and r.json()["code"] == "replayed"
        r = api(world.clerk_other_hall).post(
            "/api/v1/halls/smzj/tickets", {"business": "market", "id_number": make_ric(serial=3)}
        )
        assert r.status_code == 403
        r = api(world.citizen).post(
            "/api/v1/halls/smzj/tickets", {"business": "market", "id_number": make_ric(serial=3)}
        )
        assert r.status_code == 403
        r = desk.post("/api/v1/halls/smzj/tickets", {"business": "nope", "id_number": make_ric(serial=3)})
        assert r.status_code == 422
        assert Ticket.objects.count() == 1


def test_stats_api_and_excel_page(world, api, client):
    with time_machine.travel(at(7, 9, 0), tick=False):
        desk = api(world.reception)
        for n in range(3):
            desk.post(
                "/api/v1/halls/smzj/tickets", {"business": "market", "id_number": make_ric(serial=40 + n)}
            )
    clerk = api(world.clerk)
    with time_machine.travel(at(7, 9, 10), tick=False):
        clerk.post(f"/api/v1/windows/{world.window.pk}/calls", {"action": "next"})
    with time_machine.travel(at(7, 9, 20), tick=False):
        clerk.post(f"/api/v1/windows/{world.window.pk}/calls", {"action": "next"})
    with time_machine.travel(at(7, 9, 50), tick=False):
        clerk.post(f"/api/v1/windows/{world.window.pk}/calls", {"action": "next"})
        clerk.post(f"/api/v1/windows/{world.window.pk}/calls", {"action": "skip"})
    s = api(world.supervisor).get("/api/v1/halls/smzj/stats", date="2026-12-07").json()
    total = s["total"]
    assert (total["tickets"], total["served"], total["no_shows"]) == (3, 2, 1)
    assert total["avg_wait_minutes"] == round((10 + 20 + 50) / 3, 1) and total["p90_wait_minutes"] == 50.0
    assert total["avg_service_minutes"] == 20.0 and total["over_target_share"] == round(1 / 3, 3)
    assert s["windows"][0]["window"] == "1" and s["business_types"][0]["code"] == "market"
    assert api(world.citizen).get("/api/v1/halls/smzj/stats").status_code == 403
    x = api(world.supervisor).get("/api/v1/halls/smzj/stats", date="2026-12-07", format="xlsx")
    assert x["Content-Type"].startswith("application/vnd.openxmlformats")
    assert list(load_workbook(io.BytesIO(x.content)).active.values)[2][:3] == ("大厅", "武汉市民之家", 3)
    client.force_login(world.hall_admin)
    r = client.get("/workbench/halls/smzj/stats/", {"date": "2026-12-07", "format": "xlsx"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.values)
    assert rows[2][:5] == ("大厅", "武汉市民之家", 3, 2, 1)


def test_booking_with_an_idempotency_key_books_once(world, api):
    me = api(world.citizen)
    body = {"hall": "smzj", "business": "market", "start": "2026-12-08T09:00:00+08:00"}
    first = me.post("/api/v1/appointments", body, headers={"Idempotency-Key": "k-1"})
    again = me.post("/api/v1/appointments", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Appointment.objects.count() == 1 and Slot.objects.get(start=at(8, 9)).booked == 1


def test_a_window_call_sent_again_with_its_idempotency_key_calls_no_one_else(world, api):
    """nginx resends a POST carrying an Idempotency-Key when a server died mid-request
    (deploy/nginx.conf): the second attempt answers like the first instead of calling the next."""
    from yiwang.halls import services

    for n in range(2):
        services.ticket_issue(
            actor=world.reception, hall=world.hall, business_code="market", id_number=make_ric(serial=60 + n)
        )
    clerk = api(world.clerk)
    path = f"/api/v1/windows/{world.window.pk}/calls"
    first = clerk.post(path, {"action": "next"}, headers={"Idempotency-Key": "call-1"})
    again = clerk.post(path, {"action": "next"}, headers={"Idempotency-Key": "call-1"})
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert first.json()["ticket"]["number"] == "A001"
    assert Ticket.objects.get(number="A002").status == "waiting"
    assert (
        clerk.post(path, {"action": "next"}, headers={"Idempotency-Key": "call-2"}).json()["ticket"]["number"]
        == "A002"
    )
