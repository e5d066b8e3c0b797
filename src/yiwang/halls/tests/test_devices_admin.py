"""The hall admin's devices page (/workbench/halls/{code}/devices/): display keys issued, replaced
and revoked (the display page follows), terminals registered, their keys rotated and revoked (the
heartbeat follows), online state and last heartbeat, window terminals; another hall's admin, a
clerk and a key of another hall are refused with nothing changed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from yiwang.accounts.tests.factories import StaffFactory
from yiwang.halls import devices, services, terminals
from yiwang.halls.models import DisplayKey, HallRoleKind, Terminal

from .conftest import at

# the clock stands still: the page shows the last heartbeat to the second
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(at(7, 10), tick=False)]
URL = "/workbench/halls/smzj/devices/"


@pytest.fixture
def other_admin(world):
    world.hall2.code = "jiangan"
    world.hall2.save()
    admin = StaffFactory(username="hall_admin2", display_name="江岸大厅管理员")
    services.hall_role_grant(user=admin, hall=world.hall2, role=HallRoleKind.ADMIN)
    return admin


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _secret(body: str) -> str:
    return re.search(r'<code id="new-secret" data-kind="\w+">([^<]+)</code>', body).group(1)


def test_display_keys_issue_replace_revoke(world):
    c = _client(world.hall_admin)
    r = c.post(URL, {"do": "display_create", "name": "一楼大厅主屏"})
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    body = r.content.decode()
    url = _secret(body)
    assert url.startswith("http://testserver/halls/smzj/display/?key=")
    key = url.split("key=", 1)[1]
    row = DisplayKey.objects.get(hall=world.hall)
    assert row.name == "一楼大厅主屏" and key not in str(DisplayKey.objects.values().get())
    assert Client().get(url).status_code == 200
    # the list shows only the hint; a reload no longer shows the key
    page = c.get(URL).content.decode()
    assert f"…{key[-4:]}" in page and key not in page and 'id="new-secret"' not in page
    # replace: the old key stops, the new one opens the page
    r = c.post(URL, {"do": "display_rotate", "key": row.pk})
    new_url = _secret(r.content.decode())
    assert Client().get(url).status_code == 404 and Client().get(new_url).status_code == 200
    new_row = DisplayKey.objects.get(active=True)
    assert new_row.name == "一楼大厅主屏" and DisplayKey.objects.filter(active=False).count() == 1
    # revoke
    r = c.post(URL, {"do": "display_revoke", "key": new_row.pk})
    assert r.status_code == 302
    assert Client().get(new_url).status_code == 404
    r = c.post(URL, {"do": "display_revoke", "key": new_row.pk})  # twice: refused
    assert r.status_code == 409 and "已停用" in r.content.decode()
    r = c.post(URL, {"do": "display_create", "name": ""})
    assert r.status_code == 422 and "请填写显示屏名称" in r.content.decode()


def test_terminals_register_rotate_revoke_and_online_state(world, api):
    c = _client(world.hall_admin)
    r = c.post(
        URL,
        {
            "do": "terminal_register",
            "code": "JA-bbt-02",
            "name": "百步亭自助终端 02",
            "site_kind": "community",
            "site_name": "百步亭花园社区党群服务中心",
            "region": world.district.code,
            "always_open": "1",
            "items": f"{world.item.code}, {world.item2.code}",
        },
    )
    assert r.status_code == 200, r.content.decode()
    key = _secret(r.content.decode())
    t = Terminal.objects.get(code="ja-bbt-02")
    assert (t.hall, t.region, t.site_kind, t.account.username) == (
        world.hall,
        world.district,
        "community",
        "terminal-ja-bbt-02",
    )
    assert set(t.items.all()) == {world.item, world.item2} and key.startswith("ja-bbt-02.")
    page = c.get(URL).content.decode()
    assert 'data-terminal="ja-bbt-02" data-state="offline"' in page and "从未上报" in page
    assert "当前离线 1 台" in page
    anon = api()
    hb = anon.post("/api/v1/terminals/heartbeat", {"status": {"paper": "low"}}, headers={"X-Device-Key": key})
    assert hb.status_code == 200
    page = c.get(URL).content.decode()
    assert 'data-terminal="ja-bbt-02" data-state="online"' in page and "paper：low" in page
    assert "2026-12-07 10:00:00" in page  # last heartbeat, local time
    with time_machine.travel(timezone.now() + timedelta(seconds=devices.offline_after() + 5)):
        assert 'data-state="offline"' in c.get(URL).content.decode()
    # rotate: the old key stops, the new one works
    r = c.post(URL, {"do": "terminal_rotate", "terminal": t.pk})
    new = _secret(r.content.decode())
    assert anon.post("/api/v1/terminals/heartbeat", {}, headers={"X-Device-Key": key}).status_code == 401
    assert anon.post("/api/v1/terminals/heartbeat", {}, headers={"X-Device-Key": new}).status_code == 200
    # revoke: nothing works until a new key is issued
    assert c.post(URL, {"do": "terminal_revoke", "terminal": t.pk}).status_code == 302
    assert anon.post("/api/v1/terminals/heartbeat", {}, headers={"X-Device-Key": new}).status_code == 401
    t.refresh_from_db()
    assert not t.active and t.key_hash == ""
    assert 'data-terminal="ja-bbt-02" data-state="revoked"' in c.get(URL).content.decode()
    again = _secret(c.post(URL, {"do": "terminal_rotate", "terminal": t.pk}).content.decode())
    assert anon.post("/api/v1/terminals/heartbeat", {}, headers={"X-Device-Key": again}).status_code == 200


def test_terminal_registration_errors_change_nothing(world):
    c = _client(world.hall_admin)
    terminals.terminal_register(
        code="smzj-01", name="一号", site_kind="hall", site_name="大厅", hall=world.hall, region=world.city
    )
    base = {
        "do": "terminal_register",
        "name": "二号",
        "site_kind": "hall",
        "site_name": "大厅",
        "always_open": "1",
    }
    for extra, message in [
        ({"code": "smzj-01"}, "该终端编号已被使用"),
        ({"code": "Bad Code!"}, "终端编号为 2-32 位"),
        ({"code": "smzj-03", "region": "110000"}, "区划代码应为本大厅所在区划或其下级区划"),
        ({"code": "smzj-03", "items": "NOPE"}, "没有这些事项：NOPE"),
        (
            {"code": "smzj-03", "always_open": "", "opens": "18:00", "closes": "08:00"},
            "关闭时间应晚于开放时间",
        ),
        ({"code": "smzj-03", "always_open": "", "opens": "", "closes": "08:00"}, "请填写时间"),
    ]:
        r = c.post(URL, {**base, **extra})
        assert r.status_code == 422 and message in r.content.decode(), (extra, r.content.decode()[:300])
    assert Terminal.objects.count() == 1


def test_another_halls_admin_and_clerks_are_refused(world, other_admin):
    row, key = devices.display_key_issue(hall=world.hall, name="主屏")
    t, tkey = terminals.terminal_register(
        code="smzj-01", name="一号", site_kind="hall", site_name="大厅", hall=world.hall, region=world.city
    )
    other = _client(other_admin)
    assert other.get(URL).status_code == 403
    for data in (
        {"do": "display_create", "name": "偷偷加的屏"},
        {"do": "display_revoke", "key": row.pk},
        {"do": "display_rotate", "key": row.pk},
        {"do": "terminal_rotate", "terminal": t.pk},
        {"do": "terminal_revoke", "terminal": t.pk},
        {"do": "terminal_register", "code": "x-01", "name": "x", "site_kind": "hall", "site_name": "x"},
    ):
        assert other.post(URL, data).status_code == 403
        # through their own hall's page the other hall's key and terminal do not exist
        assert other.post("/workbench/halls/jiangan/devices/", data).status_code in (404, 422, 200)
    row.refresh_from_db()
    t.refresh_from_db()
    assert row.active and DisplayKey.objects.filter(hall=world.hall).count() == 1
    assert t.active and devices.terminal_by_key(tkey) == t
    assert devices.display_key_check(hall=world.hall, key=key) == row
    assert not Terminal.objects.filter(hall=world.hall).exclude(pk=t.pk).exists()
    # their own hall works for them, and shows nothing of 武汉市民之家
    own = other.get("/workbench/halls/jiangan/devices/").content.decode()
    assert 'data-terminal="smzj-01"' not in own and "<td>主屏</td>" not in own
    assert "<td>偷偷加的屏</td>" in own  # made through their own page, in their own hall
    # the services refuse too (not only the page)
    from yiwang.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        devices.display_key_revoke(actor=other_admin, key=row)
    with pytest.raises(PermissionDenied):
        devices.terminal_key_rotate(actor=other_admin, terminal=t)
    # a clerk of the hall is not its admin; a platform admin is
    assert _client(world.clerk).get(URL).status_code == 403
    assert _client(world.platform_admin).get(URL).status_code == 200


def test_window_terminals_show_state_and_last_action(world):
    services.ticket_issue(
        actor=world.reception, hall=world.hall, business_code="market", id_number="11010519491231002X"
    )
    services.window_call(actor=world.clerk, window=world.window, action="next")
    page = _client(world.hall_admin).get(URL).content.decode()
    row = page[page.index('data-window="1"') :][:400]
    assert "开放" in row or "服务" in row
    assert "A001" in row and "窗口甲" in row and "2026-12-07 10:00:00" in row
