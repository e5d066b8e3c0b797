from datetime import timedelta
from html import unescape as html_unescape

from django.test import Client
from django.utils import timezone

from yiwang.licenses import sdjwt
from yiwang.licenses.models import License


def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_verify_page(world, issue_for):
    lic = issue_for(world)
    c = Client()
    assert c.get("/licenses/verify/").status_code == 200
    shown = sdjwt.present(lic.credential, ["name", "holder", "x_address"])
    html = c.post("/licenses/verify/", {"credential": shown}).content.decode()
    assert "核验通过：证照有效" in html and "食品经营许可证" in html and "张伟" in html
    assert '<th scope="row">经营场所</th>' in html and ">address<" not in html  # Chinese labels only
    assert world.citizen.id_number not in html and lic.identifier not in html
    bad = c.post("/licenses/verify/", {"credential": shown[:40] + "x" + shown[41:]}).content.decode()
    assert "核验未通过" in bad
    assert c.post("/licenses/verify/", {"credential": ""}).status_code == 422


def test_wallet_lists_own_licences_and_builds_a_presentation(world, issue_for):
    mine = issue_for(world)
    issue_for(world, user=world.citizen2)
    c = login(world.citizen)
    html = c.get("/my/licenses/").content.decode()
    assert html.count('<section class="panel" aria-labelledby="lic-') == 1 and mine.identifier in html
    assert f"证照编号：{mine.number}" in html
    assert world.citizen.id_number not in html  # masked even for the holder's own page
    until = (timezone.localdate() + timedelta(days=3)).isoformat()
    form = {
        "action": "present",
        "identifier": mine.identifier,
        "fields": ["name", "x_address"],
        "purpose": "办理银行开户",
        "recipient": "某银行江岸支行",
        "valid_until": until,
    }
    r = c.post("/my/licenses/", form)
    assert r.status_code == 302 and "?made=" in r["Location"]
    text = c.get(r["Location"]).content.decode()
    assert "已生成给“某银行江岸支行”的加注件" in text and "<svg" in text and "办理银行开户" in text
    start = text.index("readonly>") + len("readonly>")
    presentation = html_unescape(text[start : text.index("</textarea>", start)])
    parsed = sdjwt.parse(presentation)
    assert sdjwt.resolve_disclosures(parsed) == [] and set(parsed.disclosed) == {"name", "x_address"}
    assert parsed.payload["annotation"]["recipient"] == "某银行江岸支行"
    bad = c.post("/my/licenses/", {**form, "fields": []})
    assert bad.status_code == 422 and "请至少选择一项要出示的信息" in bad.content.decode()
    assert 'value="办理银行开户"' in bad.content.decode()  # what was typed stays
    # someone else's licence cannot be presented from my wallet
    theirs = License.objects.exclude(pk=mine.pk).get()
    assert c.post("/my/licenses/", {**form, "identifier": theirs.identifier}).status_code == 422


def test_wallet_needs_login_and_is_not_for_staff(world):
    assert Client().get("/my/licenses/").status_code == 302
    assert login(world.clerk).get("/my/licenses/").status_code == 302


def test_admin_actions_change_status(world, issue_for):
    lic = issue_for(world)
    c = login(world.platform_admin)
    url = "/admin/licenses/license/"
    assert c.get(url).status_code == 200
    c.post(url, {"action": "suspend", "_selected_action": [lic.pk]})
    lic.refresh_from_db()
    assert lic.status == "suspended"
    c.post(url, {"action": "revoke", "_selected_action": [lic.pk]})
    c.post(url, {"action": "reinstate", "_selected_action": [lic.pk]})
    lic.refresh_from_db()
    assert lic.status == "revoked"
