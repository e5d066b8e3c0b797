"""统一身份认证: login through an OpenID Connect provider (accounts/oidc.py), against the demo
provincial provider (yiwang/provincial_idp.py) running on loopback — a real HTTP server, real
signatures, real PKCE. The browser's side of the provider's pages is played by `requests`."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection
from django.test import Client as Browser
from django.urls import reverse

from yiwang.accounts.models import LoginAttempt, LoginChannel, LoginOutcome, OidcIdentity, TrustLevel, User
from yiwang.accounts.oidc import ID_TOKEN_KEY
from yiwang.accounts.services import id_number_hash
from yiwang.accounts.tests.factories import CitizenFactory
from yiwang.core.testing import make_ric
from yiwang.provincial_idp import TOKEN_TTL, Client, ProvincialIdP

SECRET = "test-client-secret"
BASE = "http://testserver"
ZHANG = make_ric(born=dt.date(1985, 5, 20), serial=311)
LI = make_ric(born=dt.date(1990, 2, 2), serial=422)
ZHAO = make_ric(born=dt.date(1970, 7, 7), serial=533)


@pytest.fixture
def idp(settings, db):
    server = ProvincialIdP(
        people=[
            {"name": "张三", "id_number": ZHANG, "trust_level": 4, "phone_number": "13800138000"},
            {"name": "李四", "id_number": LI, "trust_level": 3},
            {"name": "赵五", "id_number": ZHAO, "trust_level": 2},
        ],
        clients=[Client("yiwang", SECRET, [f"{BASE}/login/oidc/callback/"], [f"{BASE}/"])],
    ).start()
    settings.YIWANG_OIDC_ISSUER = server.issuer
    settings.YIWANG_OIDC_CLIENT_ID = "yiwang"
    settings.YIWANG_OIDC_CLIENT_SECRET = SECRET
    settings.YIWANG_BASE_URL = BASE
    yield server
    server.stop()


def sub_of(idp: ProvincialIdP, name: str) -> str:
    return next(p.sub for p in idp.people.values() if p.name == name)


def authorize(browser: Browser, next_url: str = "") -> str:
    """Press 统一身份认证登录: the platform sends the browser to the provider."""
    r = browser.post("/login/oidc/", {"next": next_url})
    assert r.status_code == 302
    return r["Location"]


def consent(idp: ProvincialIdP, url: str, name: str) -> str:
    """At the provider: see the page, choose a person, agree; the redirect back (with the code)."""
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and "演示" in page.text and name in page.text
    form = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    r = requests.post(
        f"{idp.issuer}/authorize",
        data={**form, "sub": sub_of(idp, name), "decision": "allow"},
        allow_redirects=False,
        timeout=5,
    )
    assert r.status_code == 302
    return r.headers["Location"]


def back(browser: Browser, location: str):
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == BASE and parts.path == "/login/oidc/callback/"
    return browser.get(f"{parts.path}?{parts.query}", REMOTE_ADDR="10.1.1.1")


def login(idp: ProvincialIdP, name: str = "张三", browser: Browser | None = None):
    browser = browser or Browser()
    return browser, back(browser, consent(idp, authorize(browser), name))


def logged_in_as(browser: Browser) -> User | None:
    uid = browser.session.get("_auth_user_id")
    return User.objects.get(pk=uid) if uid else None


# --- good logins --------------------------------------------------------------------------------
def test_authorization_request_uses_pkce_state_and_nonce(idp):
    q = parse_qs(urlsplit(authorize(Browser())).query)
    assert q["response_type"] == ["code"] and q["client_id"] == ["yiwang"]
    assert q["code_challenge_method"] == ["S256"] and len(q["code_challenge"][0]) == 43
    assert len(q["state"][0]) >= 24 and len(q["nonce"][0]) >= 24
    assert "openid" in q["scope"][0].split()


def test_first_login_creates_a_person_account(idp):
    browser, r = login(idp)
    assert r.status_code == 302 and r["Location"] == reverse("portal:my_cases")
    user = logged_in_as(browser)
    assert user is not None and user.kind == "person" and user.display_name == "张三"
    assert user.id_number == ZHANG and user.id_number_hash == id_number_hash(ZHANG)
    assert user.trust_level == TrustLevel.REAL_PERSON and user.phone == "13800138000"
    assert not user.has_usable_password()
    link = OidcIdentity.objects.get(user=user)
    assert (link.issuer, link.subject, link.trust_level) == (idp.issuer, sub_of(idp, "张三"), 4)
    attempt = LoginAttempt.objects.get(channel=LoginChannel.OIDC)
    assert attempt.outcome == LoginOutcome.OK and attempt.user == user and attempt.ip == "10.1.1.1"
    # the personal page opens, and the ID number is stored encrypted only
    assert browser.get(r["Location"]).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM accounts_user WHERE id = %s", [user.pk])
        assert ZHANG not in cursor.fetchone()[0]


def test_login_matches_the_existing_account_by_id_number(idp):
    existing = CitizenFactory(id_number=ZHANG, trust_level=TrustLevel.SELF_DECLARED)
    browser, r = login(idp)
    assert r.status_code == 302
    assert logged_in_as(browser) == existing
    existing.refresh_from_db()
    assert existing.trust_level == TrustLevel.REAL_PERSON  # raised to the provider's claim
    assert existing.has_usable_password()  # the password still works
    # the next login goes through the (issuer, sub) link; no second account
    browser2, _ = login(idp)
    assert logged_in_as(browser2) == existing
    assert User.objects.filter(id_number_hash=id_number_hash(ZHANG)).count() == 1
    assert OidcIdentity.objects.filter(user=existing).count() == 1


def test_trust_level_is_never_lowered(idp):
    existing = CitizenFactory(id_number=LI, trust_level=TrustLevel.CERTIFICATE)
    browser, _ = login(idp, "李四")
    existing.refresh_from_db()
    assert logged_in_as(browser) == existing and existing.trust_level == TrustLevel.CERTIFICATE
    assert OidcIdentity.objects.get(user=existing).trust_level == 3


def test_self_declared_id_number_links_and_opens_nothing(idp):
    victim = CitizenFactory(id_number=ZHAO, trust_level=TrustLevel.VERIFIED)
    browser, r = login(idp, "赵五")  # the provider only has the number as its user typed it
    assert r.status_code == 401 and "尚未完成实名核验" in r.content.decode()
    assert logged_in_as(browser) is None and not OidcIdentity.objects.exists()
    victim.delete()
    _, r = login(idp, "赵五")
    assert r.status_code == 401 and not User.objects.filter(id_number_hash=id_number_hash(ZHAO)).exists()


def test_login_page_offers_the_button_only_when_configured(idp, settings):
    page = Browser().get("/login/")
    assert "统一身份认证登录" in page.content.decode()
    settings.YIWANG_OIDC_ISSUER = ""
    assert "统一身份认证登录" not in Browser().get("/login/").content.decode()
    assert Browser().post("/login/oidc/").status_code == 403


def test_next_page_is_kept(idp):
    browser = Browser()
    r = back(browser, consent(idp, authorize(browser, "/my/licenses/"), "张三"))
    assert r["Location"] == "/my/licenses/"


# --- refused tokens -----------------------------------------------------------------------------
def _refused(idp, r, code_fragment: str) -> None:
    assert r.status_code == 401
    assert code_fragment in r.content.decode()
    assert not User.objects.filter(id_number_hash=id_number_hash(ZHANG)).exists()
    row = LoginAttempt.objects.get(channel=LoginChannel.OIDC)
    assert row.outcome == LoginOutcome.FAILED and row.user is None


def test_forged_token_signed_by_another_key_is_refused(idp):
    idp.faults = {"forge_key": True}
    browser, r = login(idp)
    _refused(idp, r, "签名无法验证")
    assert logged_in_as(browser) is None


def test_token_under_an_unpublished_kid_refetches_the_keys_once_then_is_refused(idp):
    login(idp, "李四")  # the keys are now cached
    jwks_before = sum(1 for e, _ in idp.events if e == "jwks")
    idp.faults = {"unknown_key": True}
    browser, r = login(idp)
    assert r.status_code == 401 and "签名无法验证" in r.content.decode()
    assert sum(1 for e, _ in idp.events if e == "jwks") == jwks_before + 1  # one refetch, no more
    assert logged_in_as(browser) is None


def test_wrong_audience_is_refused(idp):
    idp.faults = {"aud": "another-city"}
    _, r = login(idp)
    _refused(idp, r, "不是签发给本平台的")


def test_wrong_issuer_is_refused(idp):
    idp.faults = {"iss": "http://127.0.0.1:1"}
    _, r = login(idp)
    _refused(idp, r, "不是签发给本平台的")


def test_expired_token_is_refused(idp):
    idp.faults = {"exp_offset": -(TOKEN_TTL + 3600)}
    _, r = login(idp)
    _refused(idp, r, "已过期")


def test_nonce_mismatch_is_refused(idp):
    idp.faults = {"nonce": "someone-elses-nonce"}
    _, r = login(idp)
    _refused(idp, r, "与本次登录不符")


def test_state_mismatch_is_refused(idp):
    browser = Browser()
    location = consent(idp, authorize(browser), "张三")
    parts = urlsplit(location)
    q = parse_qs(parts.query)
    r = browser.get(f"{parts.path}?code={q['code'][0]}&state=forged-state", REMOTE_ADDR="10.1.1.1")
    _refused(idp, r, "与本次登录不符")
    assert not any(e == "token" for e, _ in idp.events)  # the code was never even exchanged


def test_callback_without_a_started_login_is_refused(idp):
    r = Browser().get("/login/oidc/callback/?code=x&state=y")
    assert r.status_code == 401


def test_callback_is_single_use(idp):
    browser = Browser()
    location = consent(idp, authorize(browser), "张三")
    assert back(browser, location).status_code == 302
    browser.logout()
    assert back(browser, location).status_code == 401  # the pending request is gone


def test_replayed_code_is_refused(idp):
    first = Browser()
    location = consent(idp, authorize(first), "张三")
    code = parse_qs(urlsplit(location).query)["code"][0]
    assert back(first, location).status_code == 302
    # an attacker who saw the code starts their own login and pastes it in
    attacker = Browser()
    state = parse_qs(urlsplit(authorize(attacker)).query)["state"][0]
    r = attacker.get(f"/login/oidc/callback/?code={code}&state={state}")
    assert r.status_code == 401 and "授权码无效或已使用" in r.content.decode()
    assert logged_in_as(attacker) is None
    assert any(e == "replay" for e, _ in idp.events)


def test_provider_refuses_a_wrong_pkce_verifier(idp):
    location = consent(idp, authorize(Browser()), "张三")
    code = parse_qs(urlsplit(location).query)["code"][0]
    r = requests.post(
        f"{idp.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": f"{BASE}/login/oidc/callback/",
            "code_verifier": "x" * 50,
        },
        auth=("yiwang", SECRET),
        timeout=5,
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_denied_at_the_provider(idp):
    browser = Browser()
    url = authorize(browser)
    form = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    r = requests.post(
        f"{idp.issuer}/authorize", data={**form, "decision": "deny"}, allow_redirects=False, timeout=5
    )
    page = back(browser, r.headers["Location"])
    assert page.status_code == 401 and "已取消" in page.content.decode()


def test_wrong_client_secret_is_a_configuration_error(idp, settings):
    settings.YIWANG_OIDC_CLIENT_SECRET = "not-the-secret"
    _, r = login(idp)
    assert r.status_code == 502 and "接入配置有误" in r.content.decode()


def test_userinfo_must_be_about_the_same_person(idp):
    real = idp.person(sub_of(idp, "张三"))
    real_claims = real.claims
    other = idp.person(sub_of(idp, "李四"))
    real.claims = other.claims  # the userinfo endpoint answers about somebody else
    try:
        _, r = login(idp)
    finally:
        real.claims = real_claims
    _refused(idp, r, "用户信息与身份令牌不符")


def test_provider_down_is_a_502_with_a_chinese_message(idp, settings):
    idp.stop()
    r = Browser().post("/login/oidc/")
    assert r.status_code == 502 and "暂时无法访问" in r.content.decode()


# --- keys ---------------------------------------------------------------------------------------
def test_key_rotation_refetches_the_key_set(idp):
    login(idp, "李四")
    fetched = sum(1 for e, _ in idp.events if e == "jwks")
    assert fetched == 1
    login(idp, "李四")
    assert sum(1 for e, _ in idp.events if e == "jwks") == 1  # cached
    new_kid = idp.rotate_key(retire_old=True)
    browser, r = login(idp)
    assert r.status_code == 302 and logged_in_as(browser) is not None
    assert sum(1 for e, _ in idp.events if e == "jwks") == 2  # the unknown kid fetched the set once
    assert [k["kid"] for k in idp.jwks()["keys"]] == [new_kid]


# --- logout -------------------------------------------------------------------------------------
def test_logout_ends_the_provider_session(idp):
    browser, _ = login(idp)
    sealed = browser.session[ID_TOKEN_KEY]  # kept for the logout hint, encrypted at rest
    assert sealed.startswith("enc1.")
    r = browser.post("/logout/")
    assert r.status_code == 302 and r["Location"].startswith(f"{idp.issuer}/end_session?")
    assert logged_in_as(browser) is None
    back_home = requests.get(r["Location"], allow_redirects=False, timeout=5)
    assert back_home.status_code == 302 and back_home.headers["Location"] == f"{BASE}/"
    hint = parse_qs(urlsplit(r["Location"]).query)["id_token_hint"][0]
    # the token sent back is the one kept, and it was kept encrypted: neither it nor its claims
    # appear in the session (a random "eyJ" inside the ciphertext once failed a looser check)
    assert hint.startswith("eyJ") and hint not in sealed and hint.split(".")[1] not in sealed
    assert ZHANG not in base64.urlsafe_b64decode(hint.split(".")[1] + "==").decode()  # no ID number in it
    assert ("end_session", {"sub": sub_of(idp, "张三")}) in idp.events


def test_password_logout_stays_local(idp, settings):
    user = CitizenFactory()
    browser = Browser()
    browser.force_login(user)
    r = browser.post("/logout/")
    assert r["Location"] == "/"
