"""Pages: the person's code page (QR, refresh link, 挂失, usage log) and the staff check page."""

import re

from django.test import Client

from yiwang.identity import codec, services
from yiwang.identity.models import IdentityCheck, Outcome


def login(user):
    c = Client()
    c.force_login(user)
    return c


def shown_code(html: str) -> str:
    return re.search(r'<textarea id="identity-text"[^>]*>([A-Z2-7]+)</textarea>', html).group(1)


def test_my_code_page_shows_a_fresh_code_each_time(world):
    c = login(world.citizen)
    r = c.get("/my/identity/")
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    html = r.content.decode()
    assert "我的电子身份码" in html and "<svg" in html and 'href="/my/identity/"' in html
    assert 'data-api="/api/v1/identity/code"' in html and 'data-ttl="60"' in html
    assert world.citizen.id_number not in html
    first = shown_code(html)
    assert len(first) == codec.TEXT_LEN
    second = shown_code(c.get("/my/identity/").content.decode())
    assert first != second
    check = services.code_verify(code=first, verifier=world.clerk)
    assert check.outcome == Outcome.VALID and check.person == world.citizen
    assert "您的身份码还没有被核验过" not in c.get("/my/identity/").content.decode()


def test_my_code_page_log_shows_checks_and_rejections(world):
    c = login(world.citizen)
    code = shown_code(c.get("/my/identity/").content.decode())
    services.code_verify(code=code, verifier=world.clerk)
    services.code_verify(code=code, verifier=world.clerk_other_hall)
    html = c.get("/my/identity/").content.decode()
    assert "我的身份码使用记录" in html
    assert "武汉市民之家 1号窗口" in html and "窗口甲" in html and "核验通过" in html
    assert "江岸区政务服务中心 3号窗口" in html and "已拒绝：已使用过的身份码" in html
    other = login(world.citizen2).get("/my/identity/").content.decode()
    assert "您的身份码还没有被核验过" in other and "窗口甲" not in other


def test_revoke_from_the_page(world):
    c = login(world.citizen)
    code = shown_code(c.get("/my/identity/").content.decode())
    r = c.post("/my/identity/revoke/", follow=True)
    assert r.status_code == 200 and "已挂失" in r.content.decode() and "最近一次挂失" in r.content.decode()
    assert services.code_verify(code=code, verifier=world.clerk).outcome == Outcome.REVOKED
    fresh = shown_code(r.content.decode())
    assert services.code_verify(code=fresh, verifier=world.clerk).outcome == Outcome.VALID
    assert c.get("/my/identity/revoke/").status_code == 405


def test_my_code_needs_a_person(world):
    r = Client().get("/my/identity/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    assert login(world.clerk).get("/my/identity/").status_code == 302  # staff: to the workbench
    assert login(world.company).get("/my/identity/").status_code == 200


def test_staff_verify_page(world):
    code = services.code_issue(user=world.citizen).code
    c = login(world.clerk)
    html = c.get("/workbench/identity/").content.decode()
    assert '<label for="code">电子身份码</label>' in html and "武汉市民之家 1号窗口" in html
    r = c.post("/workbench/identity/", {"code": code})
    html = r.content.decode()
    assert r.status_code == 200 and "核验通过" in html and "张伟" in html
    masked = world.citizen.id_number[:6] + "********" + world.citizen.id_number[-4:]
    assert masked in html and world.citizen.id_number not in html
    assert "二级：自行注册" in html
    again = c.post("/workbench/identity/", {"code": code}).content.decode()
    assert "核验未通过" in again and "已被使用过" in again and "张伟" not in again
    bad = c.post("/workbench/identity/", {"code": "hello"})
    assert bad.status_code == 422 and "不是电子身份码" in bad.content.decode()
    assert IdentityCheck.objects.count() == 2


def test_staff_verify_page_is_for_staff_only(world):
    code = services.code_issue(user=world.citizen2).code
    r = login(world.citizen).post("/workbench/identity/", {"code": code})
    assert r.status_code == 403
    r = Client().get("/workbench/identity/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    assert not IdentityCheck.objects.exists()


def test_admin_lists_checks_read_only(world):
    services.code_verify(code=services.code_issue(user=world.citizen).code, verifier=world.clerk)
    c = login(world.platform_admin)
    r = c.get("/admin/identity/identitycheck/")
    assert r.status_code == 200 and "核验通过" in r.content.decode()
    check = IdentityCheck.objects.get()
    assert c.post(f"/admin/identity/identitycheck/{check.pk}/delete/", {"post": "yes"}).status_code == 403
    assert IdentityCheck.objects.count() == 1
