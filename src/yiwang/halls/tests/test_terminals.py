"""Self-service terminals and hall displays: device keys (hashed), heartbeats and the offline rule,
tickets from a terminal (device key or device account; never the green channel), the staff page,
display keys (another hall's key: 404), the offline speech clips, and the kiosk's ID number +
one-time code login."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from yiwang.accounts.services import api_token_issue
from yiwang.core.testing import make_ric
from yiwang.halls import devices, live, terminals
from yiwang.halls.models import Terminal, Ticket
from yiwang.identity import services as identity
from yiwang.notifications.models import Notification

from .conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(at(7, 10))]


@pytest.fixture
def terminal(world):
    t, key = terminals.terminal_register(
        code="smzj-01",
        name="市民之家自助终端 01",
        site_kind="hall",
        site_name="武汉市民之家",
        hall=world.hall,
        region=world.city,
        items=[world.item],
        account_username="kiosk",
    )
    t.raw_key = key
    return t


def test_device_key_is_stored_hashed_and_rotates(terminal):
    key = terminal.raw_key
    assert key.startswith("smzj-01.") and key not in str(Terminal.objects.values().get())
    assert terminal.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert devices.terminal_by_key(key) == terminal
    new = devices.terminal_key_issue(terminal=terminal)
    assert devices.terminal_by_key(key) is None and devices.terminal_by_key(new) == terminal
    assert devices.terminal_by_key("smzj-01.guess") is None and devices.terminal_by_key("") is None


def test_heartbeat_and_offline_rule(world, terminal, api):
    anon = api()
    assert anon.post("/api/v1/terminals/heartbeat", {"status": {}}).status_code == 401
    bad = anon.post("/api/v1/terminals/heartbeat", {}, headers={"X-Device-Key": "smzj-01.nope"})
    assert bad.status_code == 401
    assert devices.terminals_offline([terminal]) == [terminal]  # never reported
    r = anon.post(
        "/api/v1/terminals/heartbeat",
        {"status": {"printer": "ok", "paper": "low"}},
        headers={"X-Device-Key": terminal.raw_key},
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["terminal"] == "smzj-01" and body["hall"] == "smzj" and body["next_heartbeat_seconds"] == 60
    terminal.refresh_from_db()
    assert terminal.last_status == {"printer": "ok", "paper": "low"}
    assert devices.terminals_offline([terminal]) == []
    later = timezone.now() + timedelta(seconds=devices.offline_after() + 1)
    assert devices.terminals_offline([terminal], later) == [terminal]
    # a terminal with opening hours is not "offline" while closed
    terminal.always_open = False
    terminal.opens, terminal.closes = (at(7, 9).time(), at(7, 17).time())
    assert devices.terminals_offline([terminal], at(7, 20)) == []
    r = anon.post(
        "/api/v1/terminals/heartbeat",
        {"status": {"name": "张三"}},
        headers={"X-Device-Key": terminal.raw_key},
    )
    assert r.status_code == 422


def test_terminal_and_speech_settings_are_declared_and_honoured(world, terminal, api, settings, tmp_path):
    from yiwang import settings as base

    assert (base.YIWANG_TERMINAL_OFFLINE_SECONDS, base.YIWANG_TERMINAL_HEARTBEAT_SECONDS) == (300, 60)
    assert (base.YIWANG_KIOSK_IDLE_SECONDS, base.YIWANG_ESPEAK) == (120, "espeak-ng")
    settings.YIWANG_TERMINAL_HEARTBEAT_SECONDS = 20
    settings.YIWANG_TERMINAL_OFFLINE_SECONDS = 90
    r = api().post("/api/v1/terminals/heartbeat", {"status": {}}, headers={"X-Device-Key": terminal.raw_key})
    assert r.json()["next_heartbeat_seconds"] == 20
    terminal.refresh_from_db()
    assert devices.terminals_offline([terminal], timezone.now() + timedelta(seconds=89)) == []
    assert devices.terminals_offline([terminal], timezone.now() + timedelta(seconds=91)) == [terminal]
    settings.YIWANG_HOME = tmp_path
    settings.YIWANG_ESPEAK = "no-such-espeak-program"
    assert Client().get("/halls/speech.wav", {"number": "A012", "window": "5"}).status_code == 503


def test_staff_page_lists_offline_terminals_first(world, terminal):
    other, _key = terminals.terminal_register(
        code="smzj-02",
        name="市民之家自助终端 02",
        site_kind="hall",
        site_name="武汉市民之家",
        hall=world.hall,
        region=world.city,
    )
    devices.terminal_heartbeat(terminal=other)
    client = Client()
    client.force_login(world.hall_admin)
    page = client.get("/halls/terminals/").content.decode()
    assert page.index('data-terminal="smzj-01" data-offline="1"') < page.index(
        'data-terminal="smzj-02" data-offline="0"'
    )
    assert "当前离线 1 台" in page
    client.force_login(world.clerk_other_hall)  # another hall's clerk sees none of them
    assert "smzj-01" not in client.get("/halls/terminals/").content.decode()


def test_a_terminal_issues_tickets_by_key_or_device_account_never_green_channel(world, terminal, api):
    anon = api()
    code = identity.code_issue(user=world.citizen).code
    r = anon.post(
        "/api/v1/halls/smzj/tickets",
        {"business": "market", "identity_code": code},
        headers={"X-Device-Key": terminal.raw_key},
    )
    assert r.status_code == 201, r.json()
    assert r.json()["number"] == "A001"
    ticket = Ticket.objects.get()
    assert ticket.person == world.citizen and ticket.issued_by == terminal.account

    kiosk = api(terminal.account)  # the device account's bearer token (demo `kiosk`)
    r = kiosk.post("/api/v1/halls/smzj/tickets", {"business": "market", "id_number": make_ric(serial=321)})
    assert r.status_code == 201 and r.json()["number"] == "A002"
    r = kiosk.post(
        "/api/v1/halls/smzj/tickets",
        {"business": "market", "id_number": make_ric(serial=322), "green_channel": True},
    )
    assert r.status_code == 403 and Ticket.objects.count() == 2
    # not in another hall
    world.hall2.code = "jiangan"
    world.hall2.save()
    r = kiosk.post("/api/v1/halls/jiangan/tickets", {"business": "market", "id_number": make_ric(serial=323)})
    assert r.status_code in (403, 422) and Ticket.objects.count() == 2
    # a revoked (rotated) key is nobody
    devices.terminal_key_issue(terminal=terminal)
    r = anon.post(
        "/api/v1/halls/smzj/tickets",
        {"business": "market", "id_number": make_ric(serial=324)},
        headers={"X-Device-Key": terminal.raw_key},
    )
    assert r.status_code == 401 and Ticket.objects.count() == 2


def test_display_keys_belong_to_one_hall(world):
    _, key = devices.display_key_issue(hall=world.hall, name="一楼")
    _, other = devices.display_key_issue(hall=world.hall2, name="江岸")
    client = Client()
    assert client.get(f"/halls/{world.hall.code}/display/", {"key": key}).status_code == 200
    for bad in (other, "", "nonsense"):
        r = client.get(f"/halls/{world.hall.code}/display/", {"key": bad})
        assert r.status_code == 404 and "叫号" not in r.content.decode()
    page = client.get(f"/halls/{world.hall.code}/display/", {"key": key}).content.decode()
    assert "<script>" not in page and 'src="/static/halls/display.js"' in page
    assert 'aria-live="polite"' in page and "市场准入" in page


def test_speech_clip_is_rendered_offline_and_cached(settings, tmp_path):
    settings.YIWANG_HOME = tmp_path
    client = Client()
    r = client.get("/halls/speech.wav", {"number": "A012", "window": "5"})
    assert r.status_code == 200 and r["Content-Type"] == "audio/wav"
    data = b"".join(r.streaming_content)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) > 10_000
    files = list((tmp_path / "speech").glob("*.wav"))
    assert len(files) == 1
    mtime = files[0].stat().st_mtime_ns
    assert client.get("/halls/speech.wav", {"number": "a012", "window": "5"}).status_code == 200
    assert files[0].stat().st_mtime_ns == mtime  # cached, not rendered again
    assert client.get("/halls/speech.wav", {"number": "A012; rm -rf /", "window": "5"}).status_code == 422
    assert live.phrase("A012", "5") == "请 A012 号到 5 号窗口办理"
    assert live.spoken("A012", "5") == "请 A 零一二 号，到 5 号窗口办理"


def test_kiosk_login_by_id_number_and_one_time_code(world, terminal):
    client = Client()
    client.force_login(terminal.account)
    assert client.get("/kiosk/").status_code == 302  # pairs, then logs the device account out
    assert client.get("/kiosk/").status_code == 200
    ric = world.citizen.id_number
    r = client.post("/kiosk/login/code/", {"id_number": ric})
    assert r.status_code == 200 and "验证码已发送" in r.content.decode()
    assert ric not in r.content.decode()  # masked on the page
    note = Notification.objects.filter(recipient=world.citizen, kind="kiosk.login_code").get()
    code = re.search(r"验证码 (\d{6})", note.body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    r = client.post("/kiosk/login/code/", {"id_number": ric, "code": wrong})
    assert r.status_code == 422
    r = client.post("/kiosk/login/code/", {"id_number": ric, "code": code})
    assert r.status_code == 302
    assert "已登录" in client.get("/kiosk/").content.decode()
    # the code is single-use
    client.post("/kiosk/logout/")
    r = client.post("/kiosk/login/code/", {"id_number": ric, "code": code})
    assert r.status_code == 422
    # an unregistered number gets the same answer, and no message goes anywhere
    before = Notification.objects.count()
    r = client.post("/kiosk/login/code/", {"id_number": make_ric(serial=999)})
    assert r.status_code == 200 and "验证码已发送" in r.content.decode()
    assert Notification.objects.count() == before
    # idle too long: the server ends the kiosk session
    client.post("/kiosk/login/code/", {"id_number": ric})
    code = re.search(
        r"验证码 (\d{6})", Notification.objects.filter(kind="kiosk.login_code").latest("id").body
    ).group(1)
    assert client.post("/kiosk/login/code/", {"id_number": ric, "code": code}).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert "扫码登录" in client.get("/kiosk/").content.decode()


def test_unpaired_browsers_see_the_pairing_page(world, terminal):
    client = Client()
    r = client.get("/kiosk/")
    assert r.status_code == 302 and r["Location"] == "/kiosk/pair/"
    assert client.post("/kiosk/pair/", {"device_key": "smzj-01.wrong"}).status_code == 422
    assert client.post("/kiosk/pair/", {"device_key": terminal.raw_key}).status_code == 302
    assert client.get("/kiosk/").status_code == 200
    devices.terminal_key_issue(terminal=terminal)  # rotating the key unpairs
    assert client.get("/kiosk/")["Location"] == "/kiosk/pair/"
    token, _ = api_token_issue(user=world.citizen)
    assert token  # (the API is unaffected by the kiosk pairing)


@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume")
def test_under_wsgi_the_stream_ends_after_the_snapshot(world):
    """The ASGI workers keep the stream open (test_live_events); a sync server must not hang."""
    r = Client().get(f"/api/v1/halls/{world.hall.code}/events")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/event-stream")
    body = b"".join(r).decode()  # Django consumes the async stream for a sync server
    assert body.startswith("retry: 2000") and "event: state" in body
    assert Client().get("/api/v1/halls/nope/events").status_code == 404
