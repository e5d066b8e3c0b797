"""Provider adapters against real HTTP servers on loopback, and RFC 9421 signatures."""

import base64
import datetime
import json
import time

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from http_message_signatures.structures import CaseInsensitiveDict

from yiwang.exchange import httpsig, services
from yiwang.exchange.models import AccessRecord, CircuitBreaker, SignatureNonce

from .conftest import raw_public

# RFC 9421 Appendix B.1.4 test-key-ed25519 and the B.2 test request
B14_PRIVATE = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----"""
B14_PUBLIC = b"""-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----"""
B2_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "Content-Length": "18",
}
B26_INPUT = 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"'
B26_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
)


def test_rfc9421_b26_ed25519_example_verifies_and_signs_identically():
    from http_message_signatures import HTTPMessageSigner, HTTPMessageVerifier, algorithms

    pub = load_pem_public_key(B14_PUBLIC)
    sk = load_pem_private_key(B14_PRIVATE, None)
    url = "https://example.com/foo?param=Value&Pet=dog"
    msg = httpsig.RequestMessage(
        "POST",
        url,
        CaseInsensitiveDict({**B2_HEADERS, "Signature-Input": B26_INPUT, "Signature": B26_SIGNATURE}),
    )
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519, key_resolver=httpsig._Resolver(public=lambda k: pub)
    )
    (res,) = verifier.verify(msg, max_age=None)
    assert res.parameters["keyid"] == "test-key-ed25519"
    # Ed25519 is deterministic: signing the same base gives the RFC's signature bytes
    msg2 = httpsig.RequestMessage("POST", url, CaseInsensitiveDict(B2_HEADERS))
    HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519, key_resolver=httpsig._Resolver(private=sk)
    ).sign(
        msg2,
        key_id="test-key-ed25519",
        created=datetime.datetime.fromtimestamp(1618884473, datetime.UTC),
        label="sig-b26",
        include_alg=False,
        covered_component_ids=("date", "@method", "@path", "@authority", "content-type", "content-length"),
        use_existing_digest=True,
    )
    assert msg2.headers["Signature"] == B26_SIGNATURE
    # one changed byte in a covered field breaks it
    msg.headers["Content-Length"] = "19"
    with pytest.raises(Exception):  # noqa: B017 - any verification failure
        verifier.verify(msg, max_age=None)


# --- provider adapters ----------------------------------------------------------------------------
@pytest.fixture
def http_resource(ex, provider_factory, monkeypatch):
    monkeypatch.setenv("YIWANG_EXCHANGE_BACKOFF", "0.01")

    def make(mode="good", **kw):
        p = provider_factory(mode=mode, data={ex.ric: {"insured": "是", "unit": "武汉某公司"}}, **kw)
        system = p.system(ex.ga, timeout_seconds=0.5)
        r = services.resource_save(
            department=ex.ga,
            code=f"ga.si.{mode}",
            name="社会保险参保信息",
            subject_kind="person",
            sharing_type="conditional",
            source_system="人社系统",
            legal_basis="《社会保险法》",
            adapter="http",
            system=system,
            elements=[{"code": "insured", "name": "参保状态"}, {"code": "unit", "name": "参保单位"}],
        )
        ex.agree(r, elements=["insured"])
        return p, r

    return make


def q(ex, r, subject=None):
    return services.query_run(
        caller=ex.staff_caller(),
        resource_code=r.code,
        subject=subject or {"id_number": ex.ric},
        purpose="case_handling",
        case_number=ex.case,
        elements=["insured", "unit"],
    )


def test_good_provider_gets_a_signed_request_and_only_agreed_elements_come_back(ex, http_resource):
    p, r = http_resource("good")
    res = q(ex, r)
    assert res.ok, (res.reason, p.errors)
    assert res.data == {"insured": "是"}
    assert p.calls == 1 and p.errors == [] and len(p.seen_nonces) == 1
    from yiwang.accounts.tests.factories import CitizenFactory

    stranger = CitizenFactory()  # a party to a case of ours the provider does not know
    res = services.query_run(
        caller=ex.staff_caller(),
        resource_code=r.code,
        subject={"id_number": stranger.id_number},
        purpose="case_handling",
        case_number=ex.submit_case(ex.w, user=stranger).number,
        elements=["insured", "unit"],
    )
    assert res.reason == "subject_not_found"


def test_slow_provider_times_out_with_retries(ex, http_resource, monkeypatch):
    monkeypatch.setenv("YIWANG_EXCHANGE_RETRIES", "1")
    p, r = http_resource("slow", delay=1.5)
    started = time.monotonic()
    res = q(ex, r)
    assert res.reason == "provider_timeout" and res.status == 504 and "超时" in res.message
    assert p.calls == 2  # one retry
    assert time.monotonic() - started < 3
    assert AccessRecord.objects.get().outcome == "failed"


def test_erroring_provider_opens_the_shared_circuit(ex, http_resource, monkeypatch):
    monkeypatch.setenv("YIWANG_EXCHANGE_RETRIES", "2")
    monkeypatch.setenv("YIWANG_EXCHANGE_BREAKER_FAILURES", "2")
    p, r = http_resource("error")
    assert q(ex, r).reason == "provider_error"
    assert p.calls == 3  # retried with backoff
    assert q(ex, r).reason == "provider_error"
    assert CircuitBreaker.objects.get().opened_until is not None
    res = q(ex, r)
    assert res.reason == "circuit_open" and res.status == 503
    assert p.calls == 6  # the open circuit did not call
    # once the open period is over, one trial call goes through; a good answer closes it
    CircuitBreaker.objects.update(
        opened_until=CircuitBreaker.objects.get().opened_until - datetime.timedelta(hours=1)
    )
    p.mode = "good"
    assert q(ex, r).ok
    cb = CircuitBreaker.objects.get()
    assert cb.failures == 0 and cb.opened_until is None


def test_wrong_response_signature_is_refused_without_data(ex, http_resource):
    p, r = http_resource("wrong_signature")
    res = q(ex, r)
    assert res.reason == "provider_signature_invalid" and res.data == {}
    assert p.calls == 1  # not retried
    assert AccessRecord.objects.get().elements_returned == []


def test_oversized_response_is_refused_and_nothing_leaks(ex, http_resource):
    _p, r = http_resource("oversized")
    res = q(ex, r)
    assert res.reason == "provider_response_too_large" and res.data == {}
    assert "是" not in json.dumps(res.error_body(), ensure_ascii=False)


def test_unreachable_provider(ex, http_resource, monkeypatch):
    monkeypatch.setenv("YIWANG_EXCHANGE_RETRIES", "0")
    p, r = http_resource("good")
    p.close()
    assert q(ex, r).reason in ("provider_unavailable", "provider_timeout")


# --- signed calls into the gateway ----------------------------------------------------------------
@pytest.fixture
def dept_system(ex):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from yiwang.exchange.models import ExternalSystem

    sk = Ed25519PrivateKey.generate()
    ExternalSystem.objects.create(
        name="市场监管业务系统", department=ex.w.dept, key_id="scjg-system-1", public_key=raw_public(sk)
    )
    ex.agree(ex.population, elements=["name"])
    return sk


def signed_post(client, sk, body, *, key_id="scjg-system-1", nonce=None, tamper=None):
    raw = json.dumps(body).encode()
    url = "http://testserver/api/v1/exchange/queries"
    headers = httpsig.sign_request(
        method="POST", url=url, body=raw, key_id=key_id, private_key=sk, nonce=nonce
    )
    if tamper:
        raw = tamper(raw)
    return client.post(
        "/api/v1/exchange/queries",
        raw,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k.lower() != "content-type"},
    )


# an outside system names its own case (a number the platform does not have)
BODY = {
    "resource": "ga.population",
    "purpose": "case_handling",
    "case": "SCJG-2026-001",
    "elements": ["name", "gender"],
}


def test_signed_department_system_query(ex, dept_system, client):
    resp = signed_post(client, dept_system, {**BODY, "subject": {"id_number": ex.ric}})
    assert resp.status_code == 200, resp.content
    assert resp.json()["data"] == {"name": "张伟"} and resp.json()["withheld"] == ["gender"]
    rec = AccessRecord.objects.get()
    assert rec.actor_role == "system" and rec.system.key_id == "scjg-system-1"
    assert rec.case_number == "SCJG-2026-001"
    # without a case, or naming a case of the platform the subject is not a party to: refused
    resp = signed_post(client, dept_system, {**BODY, "case": "", "subject": {"id_number": ex.ric}})
    assert resp.status_code == 422 and resp.json()["code"] == "case_required"


def test_replayed_signed_request_is_refused(ex, dept_system, client):
    body = {**BODY, "subject": {"id_number": ex.ric}}
    raw = json.dumps(body).encode()
    url = "http://testserver/api/v1/exchange/queries"
    headers = httpsig.sign_request(
        method="POST", url=url, body=raw, key_id="scjg-system-1", private_key=dept_system
    )
    headers.pop("Content-Type")
    first = client.post("/api/v1/exchange/queries", raw, content_type="application/json", headers=headers)
    again = client.post("/api/v1/exchange/queries", raw, content_type="application/json", headers=headers)
    assert first.status_code == 200
    assert again.status_code == 401 and again.json()["code"] == "replayed"
    assert "重放" in again.json()["message"]
    assert SignatureNonce.objects.count() == 1
    assert AccessRecord.objects.count() == 1


def test_forged_or_tampered_signatures_are_refused(ex, dept_system, client):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    body = {**BODY, "subject": {"id_number": ex.ric}}
    forged = signed_post(client, Ed25519PrivateKey.generate(), body)
    assert forged.status_code == 401 and forged.json()["code"] == "signature_invalid"
    tampered = signed_post(client, dept_system, body, tamper=lambda raw: raw.replace(b"name", b"gender", 1))
    assert tampered.status_code == 401
    unknown = signed_post(client, dept_system, body, key_id="nobody")
    assert unknown.status_code == 401 and unknown.json()["code"] == "unknown_key"
    assert AccessRecord.objects.count() == 0


def test_old_signature_is_refused(ex, dept_system, client):
    raw = json.dumps({**BODY, "subject": {"id_number": ex.ric}}).encode()
    headers = httpsig.sign_request(
        method="POST",
        url="http://testserver/api/v1/exchange/queries",
        body=raw,
        key_id="scjg-system-1",
        private_key=dept_system,
        created=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1),
    )
    headers.pop("Content-Type")
    resp = client.post("/api/v1/exchange/queries", raw, content_type="application/json", headers=headers)
    assert resp.status_code == 401


def test_platform_public_keys_are_published(client, db):
    keys = client.get("/api/v1/exchange/keys").json()["keys"]
    assert keys and keys[0]["alg"] == "ed25519" and len(base64.b64decode(keys[0]["public_key"])) == 32
