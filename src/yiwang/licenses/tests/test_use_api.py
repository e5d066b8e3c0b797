"""授权用证, 加注件 and the use log through the API and the pages; the verify rate limit."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from yiwang.ledger import services as ledger
from yiwang.licenses import selectors
from yiwang.licenses.models import LicenseAuthorisation, LicensePresentation, LicenseUse

BASE = "/api/v1/licenses"


def delete(api, path):
    return api.client.delete(path, headers=api.headers)


def login(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def mall(world, issue_for):
    return issue_for(world, user=world.company)


def until(days=3):
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def grant_body(world, **kw):
    body = {
        "grantee_id_type": "111",
        "grantee_id": world.citizen.id_number,
        "grantee_name": "张伟的小吃店",
        "purpose": "入驻商户办理食品经营许可",
        "item_codes": [world.item.code],
        "valid_until": until(30),
    }
    body.update(kw)
    return body


def test_authorisations_api(world, mall, api):
    owner, tenant, other = api(world.company), api(world.citizen), api(world.citizen2)
    url = f"{BASE}/{mall.identifier}/authorisations"
    r = owner.post(url, grant_body(world), headers={"Idempotency-Key": "k1"})
    assert r.status_code == 201, r.content
    a = r.json()
    assert a["status"] == "active" and a["status_label"] == "有效" and a["item_codes"] == [world.item.code]
    assert a["grantee_id_masked"] != world.citizen.id_number and a["grantee_id_masked"].endswith(
        world.citizen.id_number[-4:]
    )
    assert world.citizen.id_number not in r.content.decode()
    again = owner.post(url, grant_body(world), headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again.json()["id"] == a["id"]
    assert LicenseAuthorisation.objects.count() == 1
    listing = owner.get(url).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == a["id"]
    # the grantee sees it among the licences it may use, without the holder's credential
    mine = tenant.get(BASE, include="authorised").json()
    assert [(x["identifier"], x["via"], x["credential"]) for x in mine] == [
        (mall.identifier, "authorised", None)
    ]
    assert mine[0]["authorisation"]["id"] == a["id"] and mine[0]["holder"] == mall.holder_name
    assert tenant.get(BASE).json() == []  # without include: own licences only
    # nobody but the holder manages them: 404, as for a licence that does not exist
    for client in (tenant, other):
        assert client.get(url).status_code == 404
        assert client.post(url, grant_body(world)).status_code == 404
        assert delete(client, f"{BASE}/authorisations/{a['id']}").status_code == 404
    bad = owner.post(url, grant_body(world, grantee_id="123"))
    assert bad.status_code == 422 and "grantee_id" in bad.json()["fields"]
    assert owner.post(url, grant_body(world, valid_until="2026-13-40")).status_code == 422
    r = delete(owner, f"{BASE}/authorisations/{a['id']}")
    assert r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["revoked_at"]
    assert tenant.get(BASE, include="authorised").json() == []


def test_presentation_api_page_withdraw_and_use_log(world, api, issue_for):
    lic = issue_for(world)
    holder, other = api(world.citizen), api(world.citizen2)
    url = f"{BASE}/{lic.identifier}/presentations"
    body = {
        "purpose": "租房备案",
        "recipient": "江岸区房管局",
        "fields": ["name", "x_address"],
        "valid_until": until(),
    }
    r = holder.post(url, body, headers={"Idempotency-Key": "p1"})
    assert r.status_code == 201, r.content
    p = r.json()
    assert p["status"] == "active" and p["fields"] == ["name", "x_address"] and p["maker"] == "张*"
    assert p["url"].endswith(f"/licenses/p/{LicensePresentation.objects.get().public_id}/")
    assert p["qr_svg"].startswith("<svg") and p["valid_until"].startswith(until())
    assert holder.post(url, body, headers={"Idempotency-Key": "p1"}).json()["id"] == p["id"]
    # the credential discloses only the chosen fields and is bound to purpose, recipient and expiry
    assert world.citizen.id_number not in p["credential"] and "张伟" not in p["credential"]
    v = api().post(f"{BASE}/verify", {"credential": p["credential"]}).json()
    assert v["valid"] and set(v["disclosed"]) == {"name", "x_address"}
    assert v["annotation"]["purpose"] == "租房备案" and v["annotation"]["recipient"] == "江岸区房管局"
    assert v["expires_at"].startswith(until())
    # the recipient opens the link without logging in and sees only those fields
    path = "/licenses/p/" + p["url"].rsplit("/p/", 1)[1]
    page = Client().get(path)
    html = page.content.decode()
    assert page.status_code == 200 and "核验通过：证照有效" in html and "租房备案" in html
    assert (
        "经营场所" in html and "沿江大道100号" in html and "张伟" not in html and lic.identifier not in html
    )
    assert Client().get(path).status_code == 200  # a reload within the minute is not a second use
    uses = holder.get(f"{BASE}/{lic.identifier}/uses").json()
    assert [u["channel"] for u in uses["items"]] == ["presentation_view", "presentation_verify"]
    assert uses["items"][0]["fields"] == ["name", "x_address"] and uses["items"][0]["purpose"] == "租房备案"
    assert other.get(f"{BASE}/{lic.identifier}/uses").status_code == 404
    assert other.get(url).status_code == 404
    assert delete(other, f"{BASE}/presentations/{p['id']}").status_code == 404
    assert holder.get(url).json()["items"][0]["status"] == "active"
    # withdrawn at once: the link is gone and verification says so
    r = delete(holder, f"{BASE}/presentations/{p['id']}")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    gone = Client().get(path)
    assert gone.status_code == 410 and "持证人已撤回该加注件" in gone.content.decode()
    v = api().post(f"{BASE}/verify", {"credential": p["credential"]}).json()
    assert not v["valid"] and v["reasons"] == ["withdrawn"]
    assert Client().get("/licenses/p/nonsense/").status_code == 404
    # the ledger re-derives the presentation entries and the uses
    assert ledger.sequencer_run() >= 4
    call_command("ledger", "verify")


def test_presentation_validation(world, api, issue_for):
    lic = issue_for(world)
    holder = api(world.citizen)
    url = f"{BASE}/{lic.identifier}/presentations"
    ok = {"purpose": "租房", "recipient": "房东", "fields": ["name"], "valid_until": until()}
    for change, field in [
        ({"fields": []}, "fields"),
        ({"fields": ["nope"]}, "fields"),
        ({"purpose": ""}, "purpose"),
        ({"valid_until": "2020-01-01"}, "valid_until"),
        ({"valid_until": "tomorrow"}, "valid_until"),
        ({"valid_until": until(400)}, "valid_until"),
    ]:
        r = holder.post(url, {**ok, **change})
        assert r.status_code == 422 and field in r.json()["fields"], (change, r.content)
    r = holder.post(url, {**ok, "valid_until": (timezone.now() + timedelta(hours=2)).isoformat()})
    assert r.status_code == 201
    assert api(world.citizen2).post(url, ok).status_code == 404
    assert api().post(url, ok).status_code == 401


def test_expired_presentation_is_gone(world, issue_for):
    lic = issue_for(world)
    from yiwang.licenses import services

    p = services.license_present(
        license=lic,
        actor=world.citizen,
        purpose="租房",
        recipient="房东",
        fields=["name"],
        valid_until=timezone.localdate() + timedelta(days=3),
    )
    LicensePresentation.objects.filter(pk=p.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = Client().get(f"/licenses/p/{p.public_id}/")
    assert r.status_code == 410 and "已过有效期" in r.content.decode()
    assert LicenseUse.objects.count() == 0


def test_wallet_authorise_revoke_withdraw_and_use_log(world, mall):
    c = login(world.company)
    form = {
        "action": "authorise",
        "identifier": mall.identifier,
        "grantee_id_type": "111",
        "grantee_id": world.citizen.id_number,
        "grantee_name": "张伟的小吃店",
        "purpose": "入驻商户办理食品经营许可",
        "item_codes": f"{world.item.code}，{world.item2.code}",
        "valid_until": until(30),
    }
    r = c.post("/my/licenses/", form)
    assert r.status_code == 302
    a = LicenseAuthorisation.objects.get()
    assert a.item_codes == [world.item.code, world.item2.code]
    html = c.get(r["Location"]).content.decode()
    assert "张伟的小吃店" in html and world.citizen.id_number not in html and "撤销" in html
    bad = c.post("/my/licenses/", {**form, "grantee_id": "42"})
    assert bad.status_code == 422 and "被授权方代码" in bad.content.decode()
    # the tenant sees it in its wallet, and the use shows in the holder's log
    tenant = login(world.citizen).get("/my/licenses/").content.decode()
    assert "他人授权我使用的证照" in tenant and mall.identifier in tenant
    from yiwang.licenses import services

    usable = selectors.license_reference_check(
        identifier=mall.identifier,
        applicant=world.citizen,
        type_code=mall.type.code,
        item_code=world.item.code,
    )
    services.license_use_record(
        license=mall,
        user=world.citizen,
        purpose="食品经营许可（新办）",
        fields=["name"],
        case_number="4201002026110200000009",
        authorisation=usable.authorisation,
    )
    html = c.get("/my/licenses/").content.decode()
    assert "办事申请免提交" in html and "4201002026110200000009" in html and "张*" in html
    # revoke, then make and withdraw a presentation
    r = c.post("/my/licenses/", {"action": "revoke_authorisation", "authorisation": a.pk})
    assert r.status_code == 302 and LicenseAuthorisation.objects.get().revoked_at is not None
    assert (
        login(world.citizen)
        .post("/my/licenses/", {"action": "revoke_authorisation", "authorisation": a.pk})
        .status_code
        == 422
    )
    c.post(
        "/my/licenses/",
        {
            "action": "present",
            "identifier": mall.identifier,
            "fields": ["name"],
            "purpose": "招商",
            "recipient": "某超市",
            "valid_until": until(),
        },
    )
    p = LicensePresentation.objects.get()
    assert (
        login(world.citizen)
        .post("/my/licenses/", {"action": "withdraw_presentation", "presentation": p.pk})
        .status_code
        == 422
    )
    r = c.post("/my/licenses/", {"action": "withdraw_presentation", "presentation": p.pk})
    assert r.status_code == 302 and LicensePresentation.objects.get().withdrawn_at is not None
    assert "已撤回" in c.get(r["Location"]).content.decode()


def test_verify_is_rate_limited(world, api, monkeypatch, issue_for):
    monkeypatch.setenv("YIWANG_LICENSE_VERIFY_RATE", "3")
    cred = issue_for(world).credential
    anon = api()
    codes = [anon.post(f"{BASE}/verify", {"credential": cred}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = anon.post(f"{BASE}/verify", {"credential": cred})
    assert r.json() == {"code": "throttled", "message": "核验请求过于频繁，请稍后再试", "fields": {}}
    c = Client()
    pages = [c.post("/licenses/verify/", {"credential": cred}).status_code for _ in range(4)]
    assert pages == [200, 200, 200, 429]
    assert "核验请求过于频繁" in c.post("/licenses/verify/", {"credential": cred}).content.decode()
    other = Client(REMOTE_ADDR="10.0.0.9")  # another address is not affected
    assert other.post("/licenses/verify/", {"credential": cred}).status_code == 200
    assert c.get("/licenses/verify/").status_code == 200  # reading the page is not a verification
