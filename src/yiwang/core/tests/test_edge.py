"""The edge (core/middleware.py): unstorable text refused with 422 before any view, numbers out
of range 422, the API's error format everywhere under /api/, and the security headers."""

import json

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path

from yiwang.core.middleware import TEXT_MESSAGE


def _boom(request):
    raise RuntimeError("a bug")


def _own_policy(request):
    response = HttpResponse(f"nonce {request.csp_nonce}")
    response._csp_update = {"img-src": ["https://maps.example"]}
    return response


urlpatterns = [
    path("api/v1/boom", _boom),
    path("own-policy/", _own_policy),
    path("boom/", _boom),
    path("fine/", lambda request: HttpResponse("ok")),
    path("raw/", lambda request: HttpResponse(request.body[:10])),
    path("", include("yiwang.urls")),
]


@pytest.fixture
def client(db, settings):
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "url",
    ["/api/v1/items?q=%00", "/api/v1/items/%00", "/api/v1/items?%00=1", "/?q=a%00b", "/items/%00/"],
)
def test_nul_in_path_or_query_is_refused(client, url):
    r = client.get(url)
    assert r.status_code == 422
    if url.startswith("/api/"):
        body = r.json()
        assert body["code"] == "invalid_text" and body["message"] == TEXT_MESSAGE
    else:
        assert TEXT_MESSAGE in r.content.decode()


@pytest.mark.parametrize("bad", ["\\u0000", "a\\ud800b", "\\udfff", "x\\ud83d"])
def test_nul_or_lone_surrogate_in_json_is_refused(client, bad):
    body = '{"username": "u", "password": "p", "form": {"applicant.name": "' + bad + '"}}'
    r = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["fields"] == {"form.applicant.name": [TEXT_MESSAGE]}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32-le"])
def test_lone_surrogate_or_nul_in_json_bytes_is_refused(client, encoding):
    """Not only escapes: a surrogate's raw UTF-8 bytes (json.loads decodes with surrogatepass) and
    JSON in UTF-16/32 (which json.loads also reads) are checked too."""
    for bad in ("a\ud800b", "a\\u0000b"):  # a raw NUL is not JSON; its escape is
        text = '{"username": "u", "password": "p", "form": {"applicant.name": "' + bad + '"}}'
        body = text.encode(encoding, "surrogatepass")
        r = client.post("/api/v1/auth/token", body, content_type="application/json")
        assert r.status_code == 422, (encoding, bad)
        assert r.json()["fields"] == {"form.applicant.name": [TEXT_MESSAGE]}


def test_a_surrogate_pair_is_text_like_any_other(client):
    body = json.dumps({"username": "笑\ud83d\ude00", "password": "p"}, ensure_ascii=True)
    assert "\\ud83d\\ude00" in body
    r = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert r.status_code == 401  # reached the login, which refused the credentials


def test_nul_in_a_form_field_or_login_name_is_refused(client):
    r = client.post("/login/", {"username": "a\x00", "password": "x"})
    assert r.status_code == 422 and TEXT_MESSAGE in r.content.decode()


@pytest.mark.parametrize("value", ["9223372036854775808", "-9223372036854775809", "99999999999999999999999"])
@pytest.mark.parametrize("param", ["department", "page", "page_size"])
def test_integers_beyond_64_bits_never_answer_500(client, param, value):
    r = client.get(f"/api/v1/items?{param}={value}")
    assert r.status_code in (200, 422), r.content
    if r.status_code == 422:
        assert r.json()["code"] == "validation_error"


def test_a_view_reading_the_raw_body_still_can_after_a_form_was_checked(client):
    """The edge reads a form to check it; a signed endpoint (which reads the raw body to verify
    it) sent a form answered 500 (RawPostDataException) — found by the authorisation matrix."""
    r = client.post("/raw/", {"a": "b"})
    assert r.status_code == 200
    assert r.content.startswith(b"--")  # the multipart body, as sent
    r = client.post("/raw/", "a=b", content_type="application/x-www-form-urlencoded")
    assert r.content == b"a=b"


def test_api_errors_are_json_everywhere(client):
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json()["code"] == "not_found" and r.json()["message"]
    r = client.delete("/api/v1/items")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    r = client.get("/api/v1/boom")
    assert r.status_code == 500
    assert r.json() == {"code": "server_error", "message": "系统繁忙，请稍后再试", "fields": {}}
    r = client.get("/boom/")  # pages keep their Chinese error page
    assert r.status_code == 500 and "text/html" in r["Content-Type"]


def test_security_headers(client):
    r = client.get("/fine/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "camera=(self)" in r["Permissions-Policy"] and "geolocation=()" in r["Permissions-Policy"]
    assert "no-store" not in r.get("Cache-Control", "")  # nothing personal: may be cached
    assert "Server" not in r
    assert client.get("/fine/?reveal=true")["Cache-Control"].count("no-store") == 1
    r = client.get("/fine/", headers={"Authorization": "Bearer x"})
    assert "no-store" in r["Cache-Control"]


def _directives(header: str) -> set[str]:
    return {d.strip() for d in header.split(";") if d.strip()}


def test_the_policy_is_django_csps_built_once(client, settings):
    """core.middleware.CSPMiddleware writes the header django-csp builds from the settings, and
    follows a change of the settings; a response with a policy of its own (a nonce, a decorator's
    update) goes through django-csp's code."""
    from csp.constants import NONCE
    from csp.utils import build_policy

    first = client.get("/fine/")["Content-Security-Policy"]
    assert _directives(first) == _directives(build_policy())
    assert client.get("/fine/")["Content-Security-Policy"] == first  # the same string each time
    assert _directives(client.get("/api/v1/no-such-thing")["Content-Security-Policy"]) == _directives(first)
    r = client.get("/own-policy/")
    nonce = r.content.decode().split()[-1]
    own = _directives(r["Content-Security-Policy"])
    assert any(d.startswith("img-src") and "https://maps.example" in d for d in own)
    assert "nonce" not in r["Content-Security-Policy"]  # the settings ask for none
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get("/fine/")["Content-Security-Policy"] == "default-src 'none'"
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    r = client.get("/own-policy/")
    nonce = r.content.decode().split()[-1]
    assert f"script-src 'self' 'nonce-{nonce}'" in _directives(r["Content-Security-Policy"])


def test_hsts_only_over_tls(client, settings):
    assert "Strict-Transport-Security" not in client.get("/fine/")
    r = client.get("/fine/", secure=True)
    assert r["Strict-Transport-Security"].startswith(f"max-age={settings.SECURE_HSTS_SECONDS}")
