"""The accessibility toolbar's settings without JavaScript (cookies, server-side classes, the
status message), per account, the JSON the toolbar's script gets, elder mode (长辈版) on the
same URLs, the home page's entries, the phone-help callback, and 掌上办 (manifest, service
worker rules, offline page)."""

from __future__ import annotations

import json
import re

import pytest

from yiwang.core.testing import PASSWORD
from yiwang.portal import prefs as a11y
from yiwang.portal.models import AccessibilitySettings, CallbackRequest


def html_classes(html: str) -> set[str]:
    return set(re.search(r'<html lang="zh-Hans" class="([^"]*)"', html).group(1).split())


def page(client, url="/") -> str:
    return client.get(url).content.decode()


@pytest.mark.parametrize(
    "toggle,cls",
    [
        ("large", "pref-large"),
        ("cursor", "pref-cursor"),
        ("guide", "pref-guide"),
        ("caption", "pref-caption"),
        ("text", "pref-text"),
        ("elder", "pref-elder"),
        ("speak", "pref-speak"),
        ("scheme.yb", "cs-yb"),
        ("scheme.wb", "cs-wb"),
        ("scheme.bw", "cs-bw"),
        ("scheme.by", "cs-by"),
        ("scheme.bl", "cs-bl"),
        ("zoom_in", "zoom-125"),
    ],
)
def test_each_setting_is_a_server_side_class_that_persists(client, world, toggle, cls):
    r = client.post("/prefs/", {"toggle": toggle, "next": "/items/x/"})
    assert r.status_code == 302 and r.url == "/items/x/"
    html = page(client)
    assert cls in html_classes(html)
    # the toolbar stays open and the change is announced in the status message
    assert '<details id="a11y" class="a11y" open>' in html or toggle == "elder"
    again = page(client, "/bundles/")
    assert cls in html_classes(again)
    client.post("/prefs/", {"toggle": "reset", "next": "/"})
    assert cls not in html_classes(page(client))


def test_the_change_is_announced_without_js(client, world):
    client.post("/prefs/", {"toggle": "caption", "next": "/"})
    html = page(client)
    assert re.search(r'role="status">\s*<p class="flash-info">已开启大字幕</p>', html)
    assert 'data-pref="caption" aria-pressed="true"' in html


def test_zoom_steps_and_bounds(client, world):
    for _ in range(6):
        client.post("/prefs/", {"toggle": "zoom_in"})
    assert "zoom-200" in html_classes(page(client))
    for _ in range(6):
        client.post("/prefs/", {"toggle": "zoom_out"})
    assert not {c for c in html_classes(page(client)) if c.startswith("zoom-")}


def test_colour_sets_are_at_least_four_and_choosing_one_again_turns_it_off(client, world):
    assert len(a11y.SCHEMES) >= 4
    client.post("/prefs/", {"toggle": "scheme.bl"})
    client.post("/prefs/", {"toggle": "scheme.yb"})
    classes = html_classes(page(client))
    assert "cs-yb" in classes and "cs-bl" not in classes and "pref-contrast" in classes
    client.post("/prefs/", {"toggle": "scheme.yb"})
    assert "pref-contrast" not in html_classes(page(client))


def test_unknown_values_and_foreign_next_are_ignored(client, world):
    r = client.post("/prefs/", {"toggle": "scheme.<script>", "next": "https://evil.example/"})
    assert r.status_code == 302 and r.url == "/"
    client.cookies["yw_zoom"] = "9999"
    client.cookies["yw_scheme"] = "x onload=alert(1)"
    assert html_classes(page(client)) == set()


def test_the_old_contrast_cookie_still_means_a_high_contrast_set(client, world):
    client.cookies["yw_contrast"] = "1"
    assert {"pref-contrast", "cs-yb"} <= html_classes(page(client))


def test_the_toolbar_script_gets_json(client, world):
    r = client.post("/prefs/", {"toggle": "guide"}, HTTP_ACCEPT="application/json")
    data = r.json()
    assert data["classes"] == "pref-guide" and data["pressed"]["guide"] is True
    assert data["message"] == "已开启十字光标"
    assert r.cookies["yw_guide"].value == "1"
    r = client.post("/prefs/", {"toggle": "rate.1.5"}, HTTP_ACCEPT="application/json")
    assert r.json()["prefs"]["rate"] == "1.5" and r.json()["message"] == "语速：很快"
    # the panel is opened and closed explicitly, without toggling
    client.post("/prefs/", {"toggle": "panel.on"}, HTTP_ACCEPT="application/json")
    client.post("/prefs/", {"toggle": "panel.on"}, HTTP_ACCEPT="application/json")
    assert '<details id="a11y" class="a11y" open>' in page(client)


def test_settings_follow_the_account_to_another_browser(client, world, django_user_model):
    from django.test import Client

    client.force_login(world.citizen)
    client.post("/prefs/", {"toggle": "scheme.wb"})
    client.post("/prefs/", {"toggle": "caption"})
    row = AccessibilitySettings.objects.get(user=world.citizen)
    assert row.values["scheme"] == "wb" and row.values["caption"] == "1"
    # the toolbar left open (after a change without JavaScript) stays this browser's
    assert row.values["panel"] == "" and client.cookies["yw_panel"].value == "1"
    other = Client()
    assert "cs-wb" not in html_classes(page(other))
    # logging in copies the account's settings into this browser (no page queries them)
    r = other.post("/login/", {"username": "citizen", "password": PASSWORD})
    assert r.status_code == 302
    assert {"cs-wb", "pref-caption"} <= html_classes(page(other))
    assert '<details id="a11y" class="a11y">' in page(other)
    # nor from a row saved when the open state was still kept on the account
    AccessibilitySettings.objects.filter(user=world.citizen).update(values={**row.values, "panel": "1"})
    third = Client()
    third.post("/login/", {"username": "citizen", "password": PASSWORD})
    assert "cs-wb" in html_classes(page(third)) and '<details id="a11y" class="a11y">' in page(third)
    # a change in this browser is saved to the account too
    other.post("/prefs/", {"toggle": "large"})
    assert AccessibilitySettings.objects.get(user=world.citizen).values["large"] == "1"


def test_every_toolbar_control_is_in_the_server_html(client, world):
    html = page(client, "/login/")
    for name in (
        "指读",
        "连读",
        "停止朗读",
        "语速",
        "音量",
        "放大",
        "缩小",
        "配色",
        "大鼠标",
        "十字光标",
        "大字幕",
        "纯文本",
        "重置",
        "长辈版",
    ):
        assert name in html, name
    assert 'aria-keyshortcuts="Alt+Shift+A"' in html
    assert (
        html.index('class="skip-link"')
        < html.index('<summary class="tool a11y-opener"')
        < html.index('class="brand"')
    )
    assert "<script>" not in html and ' style="' not in html


# --- home and elder mode ---------------------------------------------------------------------------
def test_home_has_life_events_stages_bundles_most_used_departments_and_halls(client, world):
    world.hall.address = "武汉市江岸区沿江大道188号"
    world.hall.save()
    html = page(client)
    for text in (
        "按人生事件办事",
        "生育",
        "上学",
        "就业",
        "婚姻",
        "住房",
        "退休",
        "按企业阶段办事",
        "企业开办",
        "企业经营",
        "企业变更",
        "企业注销",
        "高效办成一件事",
        "常用事项",
        "按部门办事",
        "武汉市江岸区沿江大道188号",
        "展开全部",  # the departments fold away: the phone home is not a page of 80 names
        "食品经营许可（新办）",
        "电子身份码",
        "我的证照",
    ):
        assert text in html, text
    assert 'href="/?theme=%E7%94%9F%E8%82%B2%E6%94%B6%E5%85%BB"' in html  # 生育 → 生育收养


def test_home_shows_the_persons_unfinished_cases_and_licences(client, world, sample_submit):
    case = sample_submit(world.item, user=world.citizen)
    client.force_login(world.citizen)
    html = page(client)
    assert "我的未办结办件" in html and case.number in html and "我的证照" in html


def test_elder_mode_is_the_same_url_with_elder_services_zones_and_callback(client, world):
    client.post("/prefs/", {"toggle": "elder"})
    html = page(client)
    assert "pref-elder" in html_classes(html)
    assert "长辈常办的" in html and "敬老爱老专区" in html and "助残服务专区" in html
    # phone help near the top (before the services), on a screen of its own: one task per screen
    assert html.index('href="/elder/callback/"') < html.index("长辈常办的服务")
    assert 'action="/elder/callback/"' not in html
    assert "按企业阶段办事" not in html  # one task per screen: not the full home
    callback = page(client, "/elder/callback/")
    assert "请大厅给我回电" in callback and 'action="/elder/callback/"' in callback
    assert 'href="tel:12345"' in callback
    # a search on the same URL is the ordinary result list, in the elder presentation
    assert "搜索结果" in page(client, "/?q=食品")


def test_elder_services_come_from_the_catalogue_elder_themes(world):
    from yiwang.catalog.models import ItemVersion
    from yiwang.portal.selectors import elder_services

    ItemVersion.objects.filter(item=world.item2).update(name="高龄津贴申领", themes=["社会保障"])
    ItemVersion.objects.filter(item=world.item_immediate).update(themes=["社会保障"])
    out = elder_services()
    names = [v.name for v in out["top"]]
    assert names[0] == "高龄津贴申领" and "食品经营许可（新办）" not in names
    assert len(names) <= 20
    zones = {z["name"]: [v.name for v in z["items"]] for z in out["zones"]}
    assert zones["敬老爱老"] == ["高龄津贴申领"]
    # the city's and a district's item of one name are one button, not two identical ones
    ItemVersion.objects.filter(item=world.item_immediate).update(name="高龄津贴申领")
    out = elder_services()
    assert [v.name for v in out["top"]].count("高龄津贴申领") == 1
    assert [v.name for v in out["zones"][0]["items"]] == ["高龄津贴申领"]


def test_callback_request_to_the_hall(client, world):
    r = client.post("/elder/callback/", {"name": "王奶奶", "phone": "139", "hall": world.hall.pk})
    assert r.status_code == 422 and "请填写 11 位手机号码" in r.content.decode()
    assert 'aria-invalid="true"' in r.content.decode()
    r = client.post(
        "/elder/callback/",
        {"name": "王奶奶", "phone": "13912345678", "hall": world.hall.pk, "topic": "高龄津贴"},
    )
    assert r.status_code == 302
    row = CallbackRequest.objects.get()
    assert row.hall == world.hall and row.phone == "13912345678" and row.status == "waiting"
    html = page(client)
    assert "139****5678" in html and "13912345678" not in html


# --- 掌上办 ------------------------------------------------------------------------------------------
def test_manifest_is_linked_from_every_page(client, world):
    for url in ("/", "/login/", "/bundles/", f"/items/{world.item.code}/", "/offline/"):
        assert '<link rel="manifest" href="/manifest.webmanifest">' in page(client, url), url
    r = client.get("/manifest.webmanifest")
    assert r["Content-Type"] == "application/manifest+json"
    data = json.loads(r.content)
    assert data["display"] == "standalone" and data["start_url"].startswith("/") and data["scope"] == "/"
    sizes = {i["sizes"] for i in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    from django.contrib.staticfiles import finders

    for icon in data["icons"]:
        assert icon["src"].startswith("/static/") and finders.find(icon["src"].removeprefix("/static/"))
    assert {s["name"] for s in data["shortcuts"]} >= {"电子身份码", "我的证照"}


def test_service_worker_is_served_for_the_whole_site_and_caches_only_static_and_offline(client, world):
    r = client.get("/sw.js")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/javascript")
    assert r["Service-Worker-Allowed"] == "/" and r["Cache-Control"] == "no-cache"
    js = r.content.decode()
    # the rules: only two places write to a cache — the offline page (fetched without cookies)
    # and responses under the static prefix
    assert js.count("cache.put(") == 2
    assert 'credentials: "omit"' in js
    assert 'const STATIC_PREFIX = "/static/"' in js
    static_branch = js.index("if (isStatic(url))")
    navigate_branch = js.index('if (request.mode === "navigate")')
    assert static_branch < js.index("cache.put(request, copy)") < navigate_branch
    assert "cache.put" not in js[navigate_branch:]
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", js).group(1))
    assert precache and all(u.startswith("/static/") for u in precache)


def test_offline_page_never_holds_personal_data(client, world):
    client.force_login(world.citizen)
    r = client.get("/offline/")
    html = r.content.decode()
    assert "当前无网络" in html and "张伟" not in html and "退出登录" not in html
    assert r["Cache-Control"].startswith("public")


def test_only_the_home_page_registers_the_service_worker(client, world):
    assert "portal/pwa.js" in page(client)
    assert "portal/pwa.js" not in page(client, "/login/")


def test_the_callback_list_in_the_admin_masks_the_number(client, world):
    CallbackRequest.objects.create(hall=world.hall, name="王奶奶", phone="13912345678", topic="高龄津贴")
    client.force_login(world.platform_admin)
    html = client.get("/admin/portal/callbackrequest/").content.decode()
    assert "王奶奶" in html and "139****5678" in html and "13912345678" not in html


def test_every_page_template_carries_the_toolbar_and_the_elder_switch():
    """The toolbar and 长辈版 are on every page (portal, workbench, bundle, licence, rating,
    participation, hall pages) because every page template extends base.html. The exceptions are
    not pages a person reads with the toolbar: the hall's 叫号显示屏 (a TV on the wall), the
    self-service kiosk (its own large-type screen), a notice's printable copy and the bare 500 page."""
    from pathlib import Path

    import yiwang

    not_pages = {
        "halls/display.html",
        "portal/kiosk/base.html",
        "cases/notice.html",
        "500.html",
        "base.html",
    }
    root = Path(yiwang.__file__).parent
    standalone = []
    for path in root.glob("**/templates/**/*.html"):
        name = path.relative_to(next(p for p in path.parents if p.name == "templates")).as_posix()
        text = path.read_text(encoding="utf-8")
        if name.startswith("admin/") or name in not_pages or "{% extends" in text:
            continue
        if "<html" in text or "<body" in text:
            standalone.append(name)
    assert not standalone, f"pages without the toolbar (they do not extend base.html): {standalone}"
    base = (root / "templates" / "base.html").read_text(encoding="utf-8")
    assert 'id="a11y-form"' in base and 'class="tool elder-switch"' in base
