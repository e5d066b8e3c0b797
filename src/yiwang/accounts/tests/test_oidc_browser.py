"""统一身份认证 in Debian's chromium: the login page (axe clean) offers the button, the keyboard
reaches it, the demo provincial provider (on loopback) shows its people, the choice comes back
logged in with a new account, and 退出登录 ends the provider's session too."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from yiwang.accounts.models import OidcIdentity, User
from yiwang.accounts.services import id_number_hash
from yiwang.core.testing import make_ric, tab_to
from yiwang.provincial_idp import Client, ProvincialIdP

WANG = make_ric(born=dt.date(1995, 9, 1), serial=518)


@pytest.mark.browser
def test_unified_login_button_in_the_browser(live_server, transactional_db, page, axe, settings):
    base = live_server.url
    idp = ProvincialIdP(
        people=[{"name": "王芳", "id_number": WANG, "trust_level": 3, "note": "尚无本平台账户"}],
        clients=[Client("yiwang", "browser-secret", [f"{base}/login/oidc/callback/"], [f"{base}/"])],
    ).start()
    try:
        settings.YIWANG_OIDC_ISSUER = idp.issuer
        settings.YIWANG_OIDC_CLIENT_ID = "yiwang"
        settings.YIWANG_OIDC_CLIENT_SECRET = "browser-secret"
        settings.YIWANG_BASE_URL = base
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)  # what settings.py adds for the issuer
        policy["DIRECTIVES"]["form-action"].append(idp.issuer)
        settings.CONTENT_SECURITY_POLICY = policy

        page.goto(f"{base}/login/")
        axe("login-with-unified-identity", portal=True)
        tab_to(page, "#oidc-login")
        with page.expect_navigation(url=f"{idp.issuer}/authorize**"):
            page.keyboard.press("Enter")
        assert "演示" in page.inner_text("main")
        page.get_by_label("王芳", exact=False).check()
        with page.expect_navigation(url=f"{base}/my/cases/"):
            page.get_by_role("button", name="同意并登录").click()
        user = User.objects.get(id_number_hash=id_number_hash(WANG))
        assert user.display_name == "王芳" and user.trust_level == 3
        assert OidcIdentity.objects.filter(user=user, issuer=idp.issuer).exists()
        assert "王芳" in page.inner_text("header")

        with page.expect_navigation(url=f"{base}/"):
            page.click("header button:has-text('退出登录')")
        assert any(e == "end_session" for e, _ in idp.events)
        assert "退出登录" not in page.inner_text("header")
    finally:
        idp.stop()
