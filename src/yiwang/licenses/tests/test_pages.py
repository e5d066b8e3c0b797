from django.test import Client

from yiwang.licenses import sdjwt

from .conftest import issue_for


def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_verify_page(world):
    lic = issue_for(world)
    c = Client()
    assert c.get("/licenses/verify/").status_code == 200
    shown = sdjwt.present(lic.credential, ["name", "holder"])
    html = c.post("/licenses/verify/", {"credential": shown}).content.decode()
    assert "核验通过：证照有效" in html and "食品经营许可证" in html and "张伟" in html
    assert world.citizen.id_number not in html and lic.identifier not in html
    bad = c.post("/licenses/verify/", {"credential": shown[:40] + "x" + shown[41:]}).content.decode()
    assert "核验未通过" in bad
    assert c.post("/licenses/verify/", {"credential": ""}).status_code == 422


def test_wallet_lists_own_licences_and_builds_a_presentation(world):
    mine = issue_for(world)
    issue_for(world, user=world.citizen2)
    c = login(world.citizen)
    html = c.get("/my/licenses/").content.decode()
    assert html.count('<section class="panel"') == 1 and mine.identifier in html
    assert world.citizen.id_number not in html  # masked even for the holder's own page
    r = c.post("/my/licenses/", {"identifier": mine.identifier, "fields": ["name", "x_address"]})
    assert r.status_code == 200
    text = r.content.decode()
    start = text.index("readonly>") + len("readonly>")
    presentation = text[start : text.index("</textarea>", start)]
    parsed = sdjwt.parse(presentation)
    assert sdjwt.resolve_disclosures(parsed) == [] and set(parsed.disclosed) == {"name", "x_address"}
    assert c.post("/my/licenses/", {"identifier": mine.identifier}).status_code == 422


def test_wallet_needs_login_and_is_not_for_staff(world):
    assert Client().get("/my/licenses/").status_code == 302
    assert login(world.clerk).get("/my/licenses/").status_code == 302


def test_admin_actions_change_status(world):
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
