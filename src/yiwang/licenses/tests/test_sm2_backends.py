"""The two SM2 implementations (tongsuopy, C; gmssl, pure Python): the standards' known answers
through tongsuopy, signatures of each verified by the other (and by the equations written out in
test_sm2), the same refusals, the choice of backend, and gmssl as the fallback when tongsuopy
cannot be imported (a real second interpreter without it, not a mock)."""

import json
import os
import subprocess
import sys

import pytest
from cryptography.exceptions import InvalidSignature

from yiwang.licenses import sdjwt, selectors, signing, sm2

from .test_sm2 import D_A, FIBJS_JWS, FIBJS_X, FIBJS_Y, MESSAGE, X_A, Y_A, N, R, S, _independent_verify

BOTH = [("tongsuopy", "gmssl"), ("gmssl", "tongsuopy")]
MESSAGES = [MESSAGE, b"", "食品经营许可证".encode() * 40, bytes(range(256))]


def test_tongsuopy_is_installed_and_the_default():
    assert sm2.tongsuopy_available()
    assert sm2.resolve_backend() == "tongsuopy"
    assert sm2.Sm2PrivateKey.generate().backend == "tongsuopy"


def test_tongsuopy_known_answer_recommended_curve_default_uid():
    """GB/T 32918.5 example: tongsuopy derives the standard's public key from d_A and accepts the
    standard's (r, s) for "message digest" under the default uid — so its default uid is
    1234567812345678 (ENTL 0x0080), the one gmssl and this project use."""
    key = sm2.Sm2PrivateKey(D_A, backend="tongsuopy")
    assert key.public_key().xy.hex().upper() == X_A + Y_A
    pub = key.public_key()
    assert pub.backend == "tongsuopy"
    pub.verify(bytes.fromhex(R + S), MESSAGE)
    with pytest.raises(InvalidSignature):
        pub.verify(bytes.fromhex(R + S), MESSAGE + b".")
    # the standard's signature with the fixed k, made through the key's gmssl engine
    assert (
        key.sign(MESSAGE, k=0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21).hex().upper()
        == R + S
    )


def test_tongsuopy_is_not_the_empty_id_construction():
    xy = sdjwt.b64u_decode(FIBJS_X) + sdjwt.b64u_decode(FIBJS_Y)
    head, body, sig = FIBJS_JWS.split(".")
    with pytest.raises(InvalidSignature):
        sm2.Sm2PublicKey(xy, backend="tongsuopy").verify(sdjwt.b64u_decode(sig), f"{head}.{body}".encode())


@pytest.mark.parametrize(("signer", "verifier"), BOTH)
def test_sign_with_one_verify_with_the_other(signer, verifier):
    for _ in range(3):
        key = sm2.Sm2PrivateKey.generate(backend=signer)
        other = sm2.Sm2PublicKey(key.public_key().xy, backend=verifier)
        assert sm2.Sm2PrivateKey(key.private_value(), backend=verifier).public_key() == other
        for msg in MESSAGES:
            sig = key.sign(msg)
            assert len(sig) == 64
            other.verify(sig, msg)
            assert _independent_verify(key.public_key().xy, msg, sig)
            with pytest.raises(InvalidSignature):
                other.verify(sig, msg + b"x")
            with pytest.raises(InvalidSignature):
                other.verify(sig[:32] + bytes([sig[32] ^ 1]) + sig[33:], msg)


def test_tongsuopy_refuses_what_gmssl_refuses():
    key = sm2.Sm2PrivateKey(D_A, backend="tongsuopy")
    pub = key.public_key()
    good = key.sign(MESSAGE)
    n = N.to_bytes(32, "big")
    for bad in [
        b"",
        good[:63],
        good + b"\0",
        bytes(64),
        good[:32] + bytes(32),
        n + good[32:],
        good[:32] + n,
        good[:32] + (N - int.from_bytes(good[:32], "big")).to_bytes(32, "big"),  # r + s = n
        bytes([good[0] ^ 1]) + good[1:],
        b"\xff" * 64,
    ]:
        with pytest.raises(InvalidSignature):
            pub.verify(bad, MESSAGE)
        with pytest.raises(InvalidSignature):
            sm2.Sm2PublicKey(pub.xy, backend="gmssl").verify(bad, MESSAGE)
    with pytest.raises(ValueError):
        sm2.Sm2PublicKey(bytes(64), backend="tongsuopy")


def test_backend_choice(monkeypatch):
    monkeypatch.setenv("YIWANG_SM2_BACKEND", "gmssl")
    assert sm2.resolve_backend() == "gmssl" and sm2.Sm2PrivateKey.generate().backend == "gmssl"
    assert sm2.resolve_backend("tongsuopy") == "tongsuopy"  # the argument wins
    monkeypatch.setenv("YIWANG_SM2_BACKEND", "auto")
    assert sm2.resolve_backend() == "tongsuopy"
    monkeypatch.setenv("YIWANG_SM2_BACKEND", "openssl")
    with pytest.raises(ValueError):
        sm2.resolve_backend()


FALLBACK = """
import json, sys
sys.modules["tongsuopy"] = None  # as if it were not installed: `import tongsuopy` fails
from yiwang.licenses import sm2
out = {"available": sm2.tongsuopy_available(), "auto": sm2.resolve_backend()}
try:
    sm2.resolve_backend("tongsuopy")
    out["forced"] = "accepted"
except ValueError:
    out["forced"] = "refused"
key = sm2.Sm2PrivateKey.generate()
msg = bytes.fromhex(sys.argv[1])
out.update(backend=key.backend, xy=key.public_key().xy.hex(), sig=key.sign(msg).hex())
key.public_key().verify(bytes.fromhex(sys.argv[2]), msg)  # a tongsuopy signature, from the parent
print(json.dumps(out))
"""


def test_gmssl_is_the_fallback_without_tongsuopy():
    msg = "营业执照".encode()
    key = sm2.Sm2PrivateKey.generate(backend="tongsuopy")
    parent_sig = key.sign(msg)
    # the child verifies the parent's tongsuopy signature with gmssl; send it the key's d instead
    script = FALLBACK.replace(
        "key = sm2.Sm2PrivateKey.generate()",
        f"key = sm2.Sm2PrivateKey({key.private_value()})",
    )
    env = {**os.environ, "YIWANG_SM2_BACKEND": "auto"}
    done = subprocess.run(
        [sys.executable, "-c", script, msg.hex(), parent_sig.hex()],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    out = json.loads(done.stdout)
    assert out["available"] is False and out["auto"] == "gmssl" and out["backend"] == "gmssl"
    assert out["forced"] == "refused"
    assert bytes.fromhex(out["xy"]) == key.public_key().xy
    key.public_key().verify(bytes.fromhex(out["sig"]), msg)  # the child's gmssl signature, by tongsuopy


def test_licences_signed_by_either_backend_verify_by_either(world, monkeypatch, issue_for):
    monkeypatch.setenv("YIWANG_LICENSE_ALG", "GmSM2")
    made = {}
    for backend in ("gmssl", "tongsuopy"):
        monkeypatch.setenv("YIWANG_SM2_BACKEND", backend)
        signing.clear_cache()
        assert signing.active_signer().key.backend == backend
        made[backend] = issue_for(world)
    for backend in ("tongsuopy", "gmssl"):
        monkeypatch.setenv("YIWANG_SM2_BACKEND", backend)
        signing.clear_cache()
        for lic in made.values():
            r = selectors.license_verify(credential=lic.credential)
            assert r["valid"] and r["issuer"]["alg"] == "GmSM2", (backend, r)
            assert selectors.credential_matches(lic)
            shown = sdjwt.present(lic.credential, ["name"])
            assert selectors.license_verify(credential=shown)["disclosed"] == {"name": lic.type.name}
    header = json.loads(sdjwt.b64u_decode(made["gmssl"].credential.split(".")[0]))
    assert header["alg"] == "GmSM2"


def test_a_client_picking_the_key_by_kid_alone_verifies_both_kinds(world, monkeypatch, issue_for, client):
    """A verifier outside the platform: fetch the JWK set, index it by `kid`, take the key the
    credential's kid names — no look at `alg` — and verify with a library of its own (cryptography
    for Ed25519, tongsuopy for SM2). Before and after a rotation."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from tongsuopy.crypto import hashes as ts_hashes
    from tongsuopy.crypto.asymciphers import ec as ts_ec

    from yiwang.core import keys
    from yiwang.core.models import KeyPurpose

    def client_verifies(credential: str) -> bool:
        by_kid = {j["kid"]: j for j in client.get("/api/v1/licenses/keys").json()["keys"]}
        jwt = credential.split("~")[0]
        head, body, sig = jwt.split(".")
        jwk = by_kid[json.loads(sdjwt.b64u_decode(head))["kid"]]
        data, raw = f"{head}.{body}".encode(), sdjwt.b64u_decode(sig)
        if jwk["kty"] == "OKP":
            Ed25519PublicKey.from_public_bytes(sdjwt.b64u_decode(jwk["x"])).verify(raw, data)
            return True
        point = b"\x04" + sdjwt.b64u_decode(jwk["x"]) + sdjwt.b64u_decode(jwk["y"])
        pub = ts_ec.EllipticCurvePublicKey.from_encoded_point(ts_ec.SM2(), point)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        pub.verify(der, data, ts_ec.ECDSA(ts_hashes.SM3()))
        return True

    made = []
    for alg in ("GmSM2", "EdDSA"):
        monkeypatch.setenv("YIWANG_LICENSE_ALG", alg)
        made.append(issue_for(world))
    keys.key_rotate(purpose=KeyPurpose.LICENSE_SIGNING)
    for alg in ("GmSM2", "EdDSA"):
        monkeypatch.setenv("YIWANG_LICENSE_ALG", alg)
        made.append(issue_for(world))
    kids = [json.loads(sdjwt.b64u_decode(lic.credential.split(".")[0]))["kid"] for lic in made]
    assert len(set(kids)) == 4  # two algorithms × two versions, each its own kid
    for lic in made:
        assert client_verifies(lic.credential), lic.key_version


def test_one_key_object_signs_and_verifies_from_many_threads():
    """The per-process key cache shares one tongsuopy key between threads (cffi releases the GIL
    inside the C calls): signatures made and checked at once all verify, wrong ones never do."""
    import threading

    key = sm2.Sm2PrivateKey.generate(backend="tongsuopy")
    pub = key.public_key()
    checker = sm2.Sm2PublicKey(pub.xy, backend="gmssl")
    results: list[tuple[bytes, bytes]] = []
    errors: list[BaseException] = []

    def run(k):
        try:
            for i in range(40):
                msg = f"线程{k}-{i}".encode()
                sig = key.sign(msg)
                pub.verify(sig, msg)
                with pytest.raises(InvalidSignature):
                    pub.verify(sig, msg + b"!")
                results.append((msg, sig))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and len(results) == 160
    for msg, sig in results[::20]:  # a sample through the other implementation
        checker.verify(sig, msg)
