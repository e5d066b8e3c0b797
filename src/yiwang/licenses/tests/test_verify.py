"""Verification: signature and key version, disclosures, expiry, status list; the API."""

import json
import zlib
from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.core import keys
from yiwang.core.models import KeyPurpose
from yiwang.licenses import sdjwt, selectors, services, statuslist
from yiwang.licenses.models import License


def verify(cred, **kw):
    return selectors.license_verify(credential=cred, **kw)


def test_valid_credential_verifies_with_everything_disclosed(world, issue_for):
    lic = issue_for(world)
    r = verify(lic.credential)
    assert r["valid"] and r["status"] == "valid" and r["reasons"] == []
    assert r["disclosed"]["identifier"] == lic.identifier and r["disclosed"]["holder"] == "张伟"
    assert r["issuer"] == {
        "iss": services.issuer_url(),
        "key_version": lic.key_version,
        "kid": f"GmSM2-{lic.key_version}",
        "alg": "GmSM2",  # the default
        "name": world.dept.name,
        "code": world.dept.uscc,
    }
    assert r["expires_at"].startswith(lic.valid_until.isoformat()) and r["expires_at"].endswith("+08:00")


def test_presentation_discloses_only_the_chosen_fields(world, issue_for):
    lic = issue_for(world)
    shown = sdjwt.present(lic.credential, ["name", "valid_until", "x_address"])
    r = verify(shown)
    assert r["valid"]
    assert set(r["disclosed"]) == {"name", "valid_until", "x_address"}
    # the verifier never sees an undisclosed field, anywhere in the presentation
    assert world.citizen.id_number not in shown and "张伟" not in json.dumps(r, ensure_ascii=False)
    assert lic.identifier not in json.dumps(r)


def test_key_rotation_keeps_old_licences_verifiable(world, issue_for):
    old = issue_for(world)
    keys.key_rotate(purpose=KeyPurpose.LICENSE_SIGNING)
    new = issue_for(world)
    assert new.key_version == old.key_version + 1
    assert verify(old.credential)["valid"] and verify(new.credential)["valid"]
    # a signature checked against the wrong version fails
    jwt, rest = old.credential.split("~", 1)
    h, p, s = jwt.split(".")
    header = json.loads(sdjwt.b64u_decode(h))
    header["kid"] = str(new.key_version)
    forged = f"{sdjwt.b64u(json.dumps(header).encode())}.{p}.{s}~{rest}"
    assert verify(forged)["reasons"] == ["bad_signature"]


def test_tampering_is_refused_never_a_crash(world, issue_for):
    cred = issue_for(world).credential
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    step = max(1, len(cred) // 150)
    for i in range(0, len(cred), step):
        ch = cred[i]
        if ch in ".~":
            continue
        tampered = cred[:i] + alphabet[(alphabet.index(ch) + 1) % 64] + cred[i + 1 :]
        r = verify(tampered)
        assert r["valid"] is False and r["reasons"], i
    assert verify(cred + sdjwt.make_disclosure("holder", "李娜") + "~")["reasons"] == ["disclosure_mismatch"]
    for junk in ["", "~", "x", "a.b.c~", "eyJ9.eyJ9.AA~", "😀~", cred.replace("~", "")]:
        r = verify(junk)
        assert r["valid"] is False and r["reasons"] and r["disclosed"] == {}


def test_foreign_issuer_key_is_refused(world, issue_for):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    lic = issue_for(world)
    _, payload, *_ = sdjwt.jwt_decode(lic.credential.split("~")[0])
    payload.pop("_sd"), payload.pop("_sd_alg")
    forged = sdjwt.issue(
        claims=payload,
        disclosable={"holder": "李娜"},
        key=Ed25519PrivateKey.generate(),
        kid=str(lic.key_version),
    )
    assert verify(forged)["reasons"] == ["bad_signature"]
    assert verify(
        forged.replace(forged.split(".")[0], sdjwt.b64u(b'{"alg":"EdDSA","typ":"dc+sd-jwt","kid":"99"}'), 1)
    )["reasons"] == ["unknown_key"]


def test_expiry(world, issue_for):
    lic = issue_for(world)
    later = timezone.now() + timedelta(days=5 * 366 + 2)
    r = verify(lic.credential, now=later)
    assert not r["valid"] and r["status"] == "expired" and "expired" in r["reasons"]


@pytest.mark.parametrize("status", ["suspended", "revoked"])
def test_status_list_drives_verification(world, status, issue_for):
    lic = issue_for(world)
    other = issue_for(world)
    assert verify(lic.credential)["valid"]  # fills the cached list
    services.license_set_status(license=lic, status=status, reason="违法经营")
    r = verify(lic.credential)
    assert not r["valid"] and r["status"] == status and r["reasons"] == [status]
    assert verify(other.credential)["valid"]
    if status == "suspended":
        services.license_set_status(license=License.objects.get(pk=lic.pk), status="valid")
        assert verify(lic.credential)["valid"]


def test_revocation_is_final(world, issue_for):
    from yiwang.core.errors import InvalidTransition

    lic = issue_for(world)
    services.license_set_status(license=lic, status="revoked")
    with pytest.raises(InvalidTransition):
        services.license_set_status(license=lic, status="valid")


def test_status_list_token(world, api, issue_for, monkeypatch):
    a, b, c = issue_for(world), issue_for(world), issue_for(world)
    services.license_set_status(license=b, status="revoked")
    resp = api().get("/api/v1/licenses/status-list")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/statuslist+jwt"
    payload, bits = statuslist.token_decode(resp.content.decode())
    header = json.loads(sdjwt.b64u_decode(resp.content.decode().split(".")[0]))
    assert header["alg"] == "GmSM2" and header["kid"] == f"GmSM2-{a.key_version}"  # like the licences
    assert payload["sub"] == services.status_list_uri() and payload["status_list"]["bits"] == 1
    assert zlib.decompress(sdjwt.b64u_decode(payload["status_list"]["lst"])) == bits
    assert [statuslist.bit(bits, x.status_index) for x in (a, b, c)] == [0, 1, 0]
    tampered = (
        resp.content.decode()[:-2]
        + ("A" if resp.content.decode()[-2] != "A" else "B")
        + resp.content.decode()[-1]
    )
    with pytest.raises(sdjwt.SdJwtError):
        statuslist.token_decode(tampered)
    monkeypatch.setenv("YIWANG_LICENSE_ALG", "EdDSA")
    ed = api().get("/api/v1/licenses/status-list").content.decode()
    assert json.loads(sdjwt.b64u_decode(ed.split(".")[0]))["alg"] == "EdDSA"
    assert statuslist.token_decode(ed)[1] == bits


def test_api_list_is_the_holders_own(world, api, issue_for):
    mine = issue_for(world)
    theirs = issue_for(world, user=world.citizen2)
    resp = api(world.citizen).get("/api/v1/licenses")
    assert resp.status_code == 200
    body = resp.json()
    assert [x["identifier"] for x in body] == [mine.identifier]
    assert body[0]["type_code"] == mine.type.code and body[0]["name"] == "食品经营许可证"
    assert body[0]["status"] == "valid" and body[0]["credential"] == mine.credential
    assert body[0]["number"] == mine.number and body[0]["number"].startswith("JY")
    assert [x["identifier"] for x in api(world.citizen2).get("/api/v1/licenses").json()] == [
        theirs.identifier
    ]
    assert api(world.clerk).get("/api/v1/licenses").json() == []
    assert api().get("/api/v1/licenses").status_code == 401


def test_api_list_query_count(world, api, django_assert_max_num_queries, issue_for):
    for _ in range(3):
        issue_for(world)
    client = api(world.citizen)
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/licenses").json()) == 3


def test_api_verify(world, api, issue_for):
    lic = issue_for(world)
    ok = api().post("/api/v1/licenses/verify", {"credential": sdjwt.present(lic.credential, ["name"])})
    assert ok.status_code == 200
    assert ok.json()["valid"] is True and ok.json()["disclosed"] == {"name": "食品经营许可证"}
    bad = api().post("/api/v1/licenses/verify", {"credential": "not-a-credential"})
    assert bad.status_code == 200 and bad.json()["valid"] is False and bad.json()["reasons"] == ["malformed"]
    for body in [{}, {"credential": 5}, {"credential": "x" * 70000}]:
        assert api().post("/api/v1/licenses/verify", body).status_code == 422
    raw = api().client.post("/api/v1/licenses/verify", "{not json", content_type="application/json")
    assert raw.status_code in (400, 422)


def test_process_memo_is_dropped_on_a_status_change(world, issue_for):
    lic = issue_for(world)
    statuslist._local[0], statuslist._local[1] = 1e18, b"\x00" * 64  # a remembered all-valid list
    services.license_set_status(license=lic, status="revoked")
    assert statuslist._local[1] is None
    assert verify(lic.credential)["reasons"] == ["revoked"]
    assert statuslist._local[1] is None  # nothing read inside a transaction is remembered
