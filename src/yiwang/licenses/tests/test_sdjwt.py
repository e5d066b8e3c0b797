"""The SD-JWT layer against RFC 9901's examples, and its refusals."""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.licenses import sdjwt

# RFC 9901 §5.1 / §4.2.1 example disclosures and their digests
RFC_VECTORS = [
    (
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0",
        "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0",
        ["_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius"],
    ),
    (
        "WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd",
        "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4",
        ["2GLC42sKQveCfGfryNRN9w", "given_name", "John"],
    ),
    (
        "WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd",
        "TGf4oLbgwd5JQaHyKVQZU9UdGE0w5rtDsrZzfUaomLo",
        ["eluV5Og3gSNII8EYnsxA_A", "family_name", "Doe"],
    ),
]


@pytest.mark.parametrize(("disclosure", "expected", "content"), RFC_VECTORS)
def test_digests_reproduce_rfc_9901(disclosure, expected, content):
    assert sdjwt.digest(disclosure) == expected
    assert json.loads(sdjwt.b64u_decode(disclosure)) == content


def test_rfc_disclosures_resolve_against_rfc_digests():
    # the §5.1 issuer-signed payload's `_sd` contains these digests; a verifier processing the
    # RFC's disclosures must recover exactly the claims
    payload = {"_sd": [v[1] for v in RFC_VECTORS[1:]] + ["CrQe7S5kqBAHt-nMYXgc6bdt2SH5aTY1sU_M-PgkjPI"]}
    parsed = sdjwt.Parsed("", {"alg": "ES256"}, payload, b"", b"", [v[0] for v in RFC_VECTORS[1:]])
    assert sdjwt.resolve_disclosures(parsed) == []
    assert parsed.disclosed == {"given_name": "John", "family_name": "Doe"}


def _issue(key, **kw):
    return sdjwt.issue(
        claims={"iss": "https://issuer.example", "vct": "urn:test", "exp": 2_000_000_000},
        disclosable={"name": "营业执照", "holder": "张伟", "holder_id": "420102199001011011", "area": 80},
        key=key,
        kid="3",
        **kw,
    )


def test_issue_present_verify_round_trip():
    key = Ed25519PrivateKey.generate()
    cred = _issue(key)
    parsed = sdjwt.parse(cred)
    assert parsed.header == {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": "3"}
    assert parsed.payload["_sd_alg"] == "sha-256" and len(parsed.payload["_sd"]) == 4
    assert parsed.payload["_sd"] == sorted(parsed.payload["_sd"])
    assert "张伟" not in base64.urlsafe_b64decode(cred.split(".")[1] + "==").decode()
    assert sdjwt.verify_signature(parsed, key.public_key())
    assert sdjwt.resolve_disclosures(parsed) == []
    assert parsed.disclosed == {
        "name": "营业执照",
        "holder": "张伟",
        "holder_id": "420102199001011011",
        "area": 80,
    }

    shown = sdjwt.present(cred, ["name", "area"])
    p2 = sdjwt.parse(shown)
    assert sdjwt.verify_signature(p2, key.public_key())
    assert sdjwt.resolve_disclosures(p2) == []
    assert p2.disclosed == {"name": "营业执照", "area": 80}
    assert "holder_id" not in shown and len(p2.disclosures) == 2


def test_salts_differ_so_equal_values_hash_differently():
    key = Ed25519PrivateKey.generate()
    a, b = sdjwt.parse(_issue(key)), sdjwt.parse(_issue(key))
    assert set(a.payload["_sd"]).isdisjoint(b.payload["_sd"])


def test_refusals():
    key = Ed25519PrivateKey.generate()
    other = Ed25519PrivateKey.generate()
    cred = _issue(key)
    assert not sdjwt.verify_signature(sdjwt.parse(cred), other.public_key())
    # a foreign disclosure (right form, not in _sd)
    forged = cred + sdjwt.make_disclosure("holder", "李娜") + "~"
    p = sdjwt.parse(forged)
    assert "disclosure_mismatch" in sdjwt.resolve_disclosures(p)
    # duplicated disclosure
    first = cred.split("~")[1]
    p = sdjwt.parse(cred + first + "~")
    assert "duplicate_disclosure" in sdjwt.resolve_disclosures(p)
    # a claim name that would override a visible claim
    with pytest.raises(ValueError):
        sdjwt.make_disclosure("_sd", 1)
    # alg none / other alg is refused
    parsed = sdjwt.parse(cred)
    parsed.header["alg"] = "none"
    assert not sdjwt.verify_signature(parsed, key.public_key())
    for bad in ["", "abc", "a.b.c~", "a.b~", cred.rstrip("~"), cred + "kbjwt"]:
        with pytest.raises(sdjwt.SdJwtError):
            sdjwt.parse(bad)


def test_one_changed_byte_anywhere_is_caught():
    key = Ed25519PrivateKey.generate()
    cred = _issue(key)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i, ch in enumerate(cred):
        if ch in ".~":
            continue
        tampered = cred[:i] + alphabet[(alphabet.index(ch) + 1) % 64] + cred[i + 1 :]
        try:
            p = sdjwt.parse(tampered)
        except sdjwt.SdJwtError:
            continue
        ok = sdjwt.verify_signature(p, key.public_key()) and not sdjwt.resolve_disclosures(p)
        assert not ok, i
