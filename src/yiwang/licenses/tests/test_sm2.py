"""SM2 with SM3: known answers from the standards, the default-uid construction checked
independently, the refusals, and the SM2 alternative for licence credentials."""

import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from gmssl import sm2 as gm
from gmssl import sm3 as gm_sm3

from yiwang.core import keys
from yiwang.core.models import KeyPurpose
from yiwang.licenses import sdjwt, selectors, signing, sm2


# --- SM3 (GB/T 32905-2016 Appendix A) ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "digest"),
    [
        (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
        (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    ],
)
def test_sm3_known_answers(message, digest):
    assert sm2.sm3(message).hex() == digest
    assert gm_sm3.sm3_hash(list(message)) == digest  # the library's own SM3 agrees


# --- SM2 signature, recommended curve (GB/T 32918.5-2017 / GM/T 0003.5 example) --------------------
D_A = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
X_A = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
Y_A = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
Z_A = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
E = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
MESSAGE = b"message digest"


def test_sm2_known_answer_recommended_curve_default_uid():
    key = sm2.Sm2PrivateKey(D_A)
    assert key.public_key().xy.hex().upper() == X_A + Y_A
    # Z_A from the standard's formula (ENTL || ID || a || b || xG || yG || xA || yA) with SM3
    assert sm2.identity_hash(key.public_key().xy).hex().upper() == Z_A
    assert sm2.sm3(bytes.fromhex(Z_A) + MESSAGE).hex().upper() == E
    sig = key.sign(MESSAGE, k=K)  # the standard's fixed k
    assert sig.hex().upper() == R + S
    key.public_key().verify(sig, MESSAGE)
    with pytest.raises(InvalidSignature):
        key.public_key().verify(sig, MESSAGE + b".")


def test_sm2_known_answer_part2_example_curve():
    """GB/T 32918.2-2016 Appendix A.2: the Fp-256 example curve, ID_A = ALICE123@YAHOO.COM."""
    curve = {
        "p": "8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3",
        "a": "787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498",
        "b": "63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A",
        "g": "421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D"
        "0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2",
        "n": "8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7",
    }
    d = "128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263"
    engine = gm.CryptSM2(private_key=d, public_key="00" * 64, ecc_table=curve)
    engine.public_key = engine._kg(int(d, 16), curve["g"])
    assert engine.public_key.upper() == (
        "0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A"
        "7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857"
    )
    z = sm2.identity_hash(bytes.fromhex(engine.public_key), uid=b"ALICE123@YAHOO.COM", curve=curve)
    assert z.hex().upper() == "F4A38489E32B45B6F876E3AC2168CA392362DC8F23459C1D1146FC3DBFB7BC9A"
    e = sm2.sm3(z + MESSAGE)
    assert e.hex().upper() == "B524F552CD82B8B028476E005C377FB19A87E6FC682D48BB5D42E3D9B9EFFE76"
    sig = engine.sign(e, "6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F")
    assert sig.upper() == (
        "40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1"
        "6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7"
    )
    assert engine.verify(sig, e)


# --- the default-uid construction, checked independently -----------------------------------------
P, N = sm2.P, sm2.N
GX, GY = int(sm2.G_HEX[:64], 16), int(sm2.G_HEX[64:], 16)


def _add(p1, p2):
    """Affine point addition on y² = x³ + ax + b (None is the point at infinity)."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    slope = (3 * x1 * x1 + sm2.A, 2 * y1) if p1 == p2 else (y2 - y1, x2 - x1)
    lam = slope[0] * pow(slope[1], -1, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return x3, (lam * (x1 - x3) - y1) % P


def _mul(k, point):
    out = None
    while k:
        if k & 1:
            out = _add(out, point)
        point, k = _add(point, point), k >> 1
    return out


def _independent_verify(public_xy: bytes, message: bytes, sig: bytes) -> bool:
    """GB/T 32918.2 §7.1 written out here: e = SM3(Z_A || M) with cryptography's SM3 and the
    default uid, (x1, y1) = s·G + (r + s)·P_A, valid iff r = (e + x1) mod n."""
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    if not (1 <= r < N and 1 <= s < N) or (r + s) % N == 0:
        return False
    uid = b"1234567812345678"
    z = sm2.sm3(
        (len(uid) * 8).to_bytes(2, "big")
        + uid
        + bytes.fromhex(sm2.CURVE["a"] + sm2.CURVE["b"])
        + GX.to_bytes(32, "big")
        + GY.to_bytes(32, "big")
        + public_xy
    )
    e = int.from_bytes(sm2.sm3(z + message), "big")
    pa = (int.from_bytes(public_xy[:32], "big"), int.from_bytes(public_xy[32:], "big"))
    point = _add(_mul(s, (GX, GY)), _mul((r + s) % N, pa))
    return point is not None and (e + point[0]) % N == r


def test_default_uid_construction_interoperates():
    key = sm2.Sm2PrivateKey.generate()
    xy = key.public_key().xy
    # the library's internal Z (gmssl's own SM3 and its hard-wired uid) equals ours
    engine = sm2._engine(f"{key.private_value():064x}", xy.hex())
    e_lib = engine._sm3_z(MESSAGE)
    assert e_lib == sm2.sm3(sm2.identity_hash(xy) + MESSAGE).hex()
    # signatures made through the library verify by the standard's equations written out here
    for msg in [MESSAGE, b"", "营业执照".encode() * 50]:
        sig = key.sign(msg)
        assert _independent_verify(xy, msg, sig)
        assert not _independent_verify(xy, msg + b"x", sig)
    # and a signature made from the independent e verifies through the library
    k = 0x1234567890ABCDEF
    e_ind = sm2.sm3(sm2.identity_hash(xy) + MESSAGE)
    assert bytes.fromhex(engine.sign(e_ind, f"{k:064x}")) == key.sign(MESSAGE, k=k)


# fibjs's `jws` module (test vectors of its "SM2SM3" algorithm): the same curve and SM3, but the
# identity hash over an *empty* ID, not the default uid — why this project does not call its
# default-uid construction "SM2SM3" (docs/licenses.md).
FIBJS_X = "Na1B7soopNRgyrVnvCxwi-7Ru0nq5HORSLM2tquM7qQ"
FIBJS_Y = "zmOTuaAha3Kuoo2UE0_edqQsvMe7jVJvA0cCjaTl7Tc"
FIBJS_JWS = (
    "eyJhbGciOiJTTTJTTTMiLCJjdHkiOiJKV1QifQ.eyJhZ2UiOjIxfQ."
    "K0hN53oMxZptFIVaNmb7U_2Z6B4osY7ku23gcE-ynVEi3k6h9TQ-onH3QOuULB2TLfnHiKWd7o4jDfjFLGfFfQ"
)


def test_other_implementations_sm2sm3_uses_an_empty_id():
    xy = sdjwt.b64u_decode(FIBJS_X) + sdjwt.b64u_decode(FIBJS_Y)
    head, body, sig = FIBJS_JWS.split(".")
    data, raw = f"{head}.{body}".encode(), sdjwt.b64u_decode(sig)
    engine = sm2._engine("", xy.hex())
    assert engine.verify(raw.hex(), sm2.sm3(sm2.identity_hash(xy, uid=b"") + data))
    with pytest.raises(InvalidSignature):  # not under the default uid
        sm2.Sm2PublicKey(xy).verify(raw, data)


# --- refusals --------------------------------------------------------------------------------------
def test_bad_signatures_and_keys_are_refused_never_a_crash():
    key = sm2.Sm2PrivateKey(D_A)
    pub = key.public_key()
    good = key.sign(MESSAGE)
    n = N.to_bytes(32, "big")
    for bad in [
        b"",
        good[:63],
        good + b"\0",
        bytes(64),  # r = s = 0
        good[:32] + bytes(32),  # s = 0
        n + good[32:],  # r = n
        good[:32] + n,  # s = n
        good[:32] + (N - int.from_bytes(good[:32], "big")).to_bytes(32, "big"),  # r + s = n
        bytes([good[0] ^ 1]) + good[1:],
        good[:63] + bytes([good[63] ^ 0x80]),
        b"\xff" * 64,
    ]:
        with pytest.raises(InvalidSignature):
            pub.verify(bad, MESSAGE)
    with pytest.raises(ValueError):
        sm2.Sm2PublicKey(bytes(64))  # not on the curve
    with pytest.raises(ValueError):
        sm2.Sm2PublicKey(pub.xy[:32] + bytes([pub.xy[32] ^ 1]) + pub.xy[33:])
    with pytest.raises(ValueError):
        sm2.Sm2PrivateKey(0)
    with pytest.raises(ValueError):
        sm2.Sm2PrivateKey(N - 1)
    assert sm2.Sm2PublicKey.from_bytes(pub.public_bytes()) == pub
    # a public key whose x starts with "04" survives (the library's constructor would strip it)
    assert pub.xy.hex().startswith("09")
    d, point = 1, (GX, GY)
    while not f"{point[0]:064x}".startswith("04"):
        d, point = d + 1, _add(point, (GX, GY))
    xy = point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")
    tricky = sm2.Sm2PrivateKey(d, public_xy=xy)
    sig = tricky.sign(b"x")
    tricky.public_key().verify(sig, b"x")
    assert _independent_verify(xy, b"x", sig)


# --- SD-JWT with GmSM2 -----------------------------------------------------------------------------
def test_sd_jwt_round_trip_with_sm2():
    key = sm2.Sm2PrivateKey.generate()
    cred = sdjwt.issue(
        claims={"iss": "https://issuer.example", "vct": "urn:test"},
        disclosable={"holder": "张伟", "holder_id": "420102199001011011"},
        key=key,
        kid="7",
    )
    parsed = sdjwt.parse(cred)
    assert parsed.header == {"alg": "GmSM2", "typ": "dc+sd-jwt", "kid": "7"}
    assert len(parsed.signature) == 64
    assert sdjwt.verify_signature(parsed, key.public_key())
    assert not sdjwt.verify_signature(parsed, sm2.Sm2PrivateKey.generate().public_key())
    # an Ed25519 key never accepts a GmSM2 header, and the other way round
    assert not sdjwt.verify_signature(parsed, Ed25519PrivateKey.generate().public_key())
    ed = sdjwt.parse(sdjwt.issue(claims={}, disclosable={"a": 1}, key=Ed25519PrivateKey.generate(), kid="1"))
    assert not sdjwt.verify_signature(ed, key.public_key())
    shown = sdjwt.parse(sdjwt.present(cred, ["holder"]))
    assert sdjwt.verify_signature(shown, key.public_key()) and sdjwt.resolve_disclosures(shown) == []
    assert shown.disclosed == {"holder": "张伟"}


# --- licences signed with GmSM2 --------------------------------------------------------------------
@pytest.fixture
def use_sm2(monkeypatch):
    monkeypatch.setenv("YIWANG_LICENSE_ALG", "GmSM2")


def _header(cred):
    return json.loads(sdjwt.b64u_decode(cred.split(".")[0]))


def test_setting_chooses_the_algorithm(world, monkeypatch, issue_for):
    monkeypatch.delenv("YIWANG_LICENSE_ALG", raising=False)
    assert signing.configured_alg() == "GmSM2"  # SM2 with SM3 by default
    lic = issue_for(world)
    assert _header(lic.credential)["alg"] == "GmSM2"
    assert _header(lic.credential)["kid"] == f"GmSM2-{lic.key_version}"
    r = selectors.license_verify(credential=lic.credential)
    assert r["valid"] and r["issuer"]["alg"] == "GmSM2" and r["disclosed"]["identifier"] == lic.identifier
    assert r["issuer"]["kid"] == f"GmSM2-{lic.key_version}"
    assert selectors.credential_matches(lic)
    monkeypatch.setenv("YIWANG_LICENSE_ALG", "EdDSA")  # Ed25519 kept as an option
    ed = issue_for(world)
    assert (
        _header(ed.credential)["alg"] == "EdDSA"
        and _header(ed.credential)["kid"] == f"EdDSA-{ed.key_version}"
    )
    assert selectors.license_verify(credential=ed.credential)["valid"] and selectors.credential_matches(ed)
    monkeypatch.setenv("YIWANG_LICENSE_ALG", "RS256")
    with pytest.raises(ImproperlyConfigured):
        signing.configured_alg()


def test_sm2_licence_selective_disclosure_and_tampering(world, use_sm2, issue_for):
    lic = issue_for(world)
    shown = sdjwt.present(lic.credential, ["name", "valid_until"])
    r = selectors.license_verify(credential=shown)
    assert r["valid"] and set(r["disclosed"]) == {"name", "valid_until"}
    assert world.citizen.id_number not in shown
    jwt = lic.credential.split("~")[0]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i in range(0, len(jwt), max(1, len(jwt) // 25)):  # SM2 verification is slow in pure Python
        if jwt[i] == ".":
            continue
        tampered = jwt[:i] + alphabet[(alphabet.index(jwt[i]) + 1) % 64] + lic.credential[i + 1 :]
        out = selectors.license_verify(credential=tampered)
        assert out["valid"] is False and out["reasons"], i
    # the same signature presented as EdDSA, or under an unknown algorithm
    _h, p, s = jwt.split(".")
    rest = lic.credential[len(jwt) :]
    v = lic.key_version
    for alg, kid, reason in [
        ("EdDSA", f"GmSM2-{v}", "unknown_key"),  # the kid names the SM2 key, not an Ed25519 one
        ("EdDSA", f"EdDSA-{v}", "bad_signature"),
        ("ES256", f"GmSM2-{v}", "unsupported_alg"),
        ("SM2SM3", f"GmSM2-{v}", "unsupported_alg"),
    ]:
        header = {**_header(lic.credential), "alg": alg, "kid": kid}
        forged = f"{sdjwt.b64u(json.dumps(header).encode())}.{p}.{s}{rest}"
        assert selectors.license_verify(credential=forged)["reasons"] == [reason]


def test_rotation_and_switching_keep_old_licences_verifiable(world, monkeypatch, issue_for):
    monkeypatch.setenv("YIWANG_LICENSE_ALG", "GmSM2")
    sm2_v1 = issue_for(world)
    keys.key_rotate(purpose=KeyPurpose.LICENSE_SIGNING)
    sm2_v2 = issue_for(world)
    monkeypatch.setenv("YIWANG_LICENSE_ALG", "EdDSA")
    ed_v2 = issue_for(world)
    assert sm2_v2.key_version == ed_v2.key_version == sm2_v1.key_version + 1
    for lic in (sm2_v1, sm2_v2, ed_v2):
        assert selectors.license_verify(credential=lic.credential)["valid"], lic.key_version
    # the SM2 keys of two versions differ, and each is derived again identically in a fresh process
    k1 = signing.public_key("GmSM2", sm2_v1.key_version)
    k2 = signing.public_key("GmSM2", sm2_v2.key_version)
    assert k1 != k2
    signing.clear_cache()
    keys.clear_cache()
    assert signing.public_key("GmSM2", sm2_v1.key_version) == k1
    # a GmSM2 credential claiming the other version's kid fails, and so does another algorithm's kid
    jwt = sm2_v1.credential.split("~")[0]
    _h, p, s = jwt.split(".")
    for kid, reason in [
        (f"GmSM2-{sm2_v2.key_version}", "bad_signature"),
        (str(sm2_v2.key_version), "bad_signature"),  # the bare version of credentials issued before
        (f"EdDSA-{sm2_v1.key_version}", "unknown_key"),
        ("GmSM2-999", "unknown_key"),
        ("GmSM2-x", "unknown_key"),
    ]:
        header = {**_header(jwt), "kid": kid}
        forged = f"{sdjwt.b64u(json.dumps(header).encode())}.{p}.{s}{sm2_v1.credential[len(jwt) :]}"
        assert selectors.license_verify(credential=forged)["reasons"] == [reason], kid
    # rotation keeps the old version's kids published: credentials signed with them stay valid
    jwks = signing.public_jwks()
    assert {(j["kid"], j["alg"]) for j in jwks} >= {
        (f"GmSM2-{sm2_v1.key_version}", "GmSM2"),
        (f"EdDSA-{sm2_v1.key_version}", "EdDSA"),
        (f"GmSM2-{sm2_v2.key_version}", "GmSM2"),
        (f"EdDSA-{sm2_v2.key_version}", "EdDSA"),
    }
    assert len({j["kid"] for j in jwks}) == len(jwks)


def test_public_key_set_published(world, client):
    keys.active_key(KeyPurpose.LICENSE_SIGNING)
    r = client.get("/api/v1/licenses/keys")
    assert r.status_code == 200 and r["Cache-Control"].startswith("public")
    jwks = r.json()["keys"]
    sm2_jwk = next(j for j in jwks if j["alg"] == "GmSM2")
    ed_jwk = next(j for j in jwks if j["alg"] == "EdDSA")
    assert sm2_jwk["crv"] == "SM2" and ed_jwk["crv"] == "Ed25519"
    assert sm2_jwk["kid"] != ed_jwk["kid"] and len({j["kid"] for j in jwks}) == len(jwks)
    xy = sdjwt.b64u_decode(sm2_jwk["x"]) + sdjwt.b64u_decode(sm2_jwk["y"])
    version = int(sm2_jwk["kid"].split("-")[1])
    assert sm2.Sm2PublicKey(xy) == signing.public_key("GmSM2", version)
    assert "d" not in sm2_jwk and "d" not in ed_jwk
