"""Issue and check codes through the services: valid, expired, forged (a flipped byte anywhere,
another key, a retired key used after retirement, from the future), replayed, revoked, key
rotation, who may issue and who may verify."""

import base64
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.core import keys
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.models import Key, KeyPurpose
from yiwang.identity import codec, services
from yiwang.identity.models import IdentityCheck, IdentityReference, Outcome

from .conftest import T0


def raw(code: str) -> bytes:
    return base64.b32decode(code + "=" * (-len(code) % 8))


def flip(code: str, offset: int) -> str:
    b = bytearray(raw(code))
    b[offset] ^= 0x01
    return codec.to_text(bytes(b))


def verify(world, code, *, at=T0, verifier=None):
    return services.code_verify(code=code, verifier=verifier or world.clerk, now=at)


def test_valid_code_names_the_person_and_the_window(world):
    issued = services.code_issue(user=world.citizen, now=T0)
    assert len(issued.code) == codec.TEXT_LEN == 191 and issued.code.isalnum() and issued.code.isupper()
    assert issued.expires_at - issued.issued_at == timedelta(seconds=60) and issued.issued_at == T0
    check = verify(world, issued.code, at=T0 + timedelta(seconds=59))
    assert check.outcome == Outcome.VALID and check.person == world.citizen
    assert check.hall == world.hall and check.window == world.window and check.verifier == world.clerk
    assert check.key_version == issued.key_version and check.code_issued_at == T0


def test_code_carries_no_personal_data_and_codes_do_not_look_alike(world):
    a = services.code_issue(user=world.citizen, now=T0)
    b = services.code_issue(user=world.citizen, now=T0)
    ref = bytes.fromhex(IdentityReference.objects.get(user=world.citizen).ref)
    for code in (a.code, b.code):
        data = raw(code)
        assert ref not in data
        assert world.citizen.id_number.encode() not in data and "张伟".encode() not in data
    assert a.code[55:] != b.code[55:]  # same person, same second: different nonce and ciphertext
    assert raw(a.code)[23:55] != raw(b.code)[23:55]


def test_expired_at_the_second_it_ends(world):
    issued = services.code_issue(user=world.citizen, now=T0)
    check = verify(world, issued.code, at=T0 + timedelta(seconds=60))
    assert check.outcome == Outcome.EXPIRED and check.person == world.citizen and check.nonce is None


@pytest.mark.parametrize(
    "offset",
    [0, 1, 2, 3, 4, 6, 10, 12, 22, 23, 40, 54, 55, 90, 118],
    ids=lambda o: f"byte{o}",
)
def test_a_flipped_byte_anywhere_is_forged(world, offset):
    issued = services.code_issue(user=world.citizen, now=T0)
    check = verify(world, flip(issued.code, offset))
    assert check.outcome == Outcome.FORGED and check.person is None and check.key_version is None
    assert verify(world, issued.code).outcome == Outcome.VALID  # the original still works once


def test_signed_with_another_key_is_forged(world):
    issued = services.code_issue(user=world.citizen, now=T0)
    body = raw(issued.code)[: codec.SIGNED_LEN]
    other = Ed25519PrivateKey.generate().sign(codec.signing_input(body))
    check = verify(world, codec.to_text(body + other))
    assert check.outcome == Outcome.FORGED


def test_from_the_future_is_forged_but_small_skew_is_fine(world):
    ahead = services.code_issue(user=world.citizen, now=T0 + timedelta(seconds=31))
    assert verify(world, ahead.code).outcome == Outcome.FORGED
    slight = services.code_issue(user=world.citizen, now=T0 + timedelta(seconds=20))
    assert verify(world, slight.code).outcome == Outcome.VALID


def test_second_check_is_replayed(world):
    issued = services.code_issue(user=world.citizen, now=T0)
    assert verify(world, issued.code).outcome == Outcome.VALID
    again = verify(world, issued.code, verifier=world.clerk_other_hall, at=T0 + timedelta(seconds=5))
    assert again.outcome == Outcome.REPLAYED and again.person == world.citizen
    assert again.hall == world.hall2
    # case and spaces do not make a new code
    spaced = " ".join([issued.code[:90].lower(), issued.code[90:]]) + "\n"
    assert verify(world, spaced).outcome == Outcome.REPLAYED
    assert IdentityCheck.objects.filter(outcome=Outcome.VALID).count() == 1


def test_revoked_codes_stop_and_new_ones_work(world):
    old = services.code_issue(user=world.citizen, now=T0)
    other = services.code_issue(user=world.citizen2, now=T0)
    assert services.codes_revoke(user=world.citizen, now=T0) == 1
    assert services.codes_revoke(user=world.citizen, now=T0) == 0  # nothing outstanding
    assert verify(world, old.code).outcome == Outcome.REVOKED
    assert verify(world, other.code).outcome == Outcome.VALID  # someone else's codes unaffected
    new = services.code_issue(user=world.citizen, now=T0)
    assert verify(world, new.code).outcome == Outcome.VALID
    assert IdentityReference.objects.filter(user=world.citizen).count() == 2


def test_deactivated_account_codes_are_revoked(world):
    issued = services.code_issue(user=world.citizen, now=T0)
    world.citizen.is_active = False
    world.citizen.save(update_fields=["is_active"])
    assert verify(world, issued.code).outcome == Outcome.REVOKED


def test_rotation_keeps_old_codes_until_they_expire(world):
    old = services.code_issue(user=world.citizen, now=T0)
    old_expired = services.code_issue(user=world.citizen2, now=T0 - timedelta(seconds=50))
    v1 = keys.active_key(KeyPurpose.IDENTITY_CODE).version
    keys.key_rotate(purpose=KeyPurpose.IDENTITY_CODE)
    keys.key_rotate(purpose=KeyPurpose.FIELD_ENCRYPTION)
    new = services.code_issue(user=world.citizen2, now=T0)
    assert new.key_version == v1 + 1 and old.key_version == v1
    assert verify(world, old.code, at=T0 + timedelta(seconds=30)).outcome == Outcome.VALID
    assert verify(world, old_expired.code, at=T0 + timedelta(seconds=30)).outcome == Outcome.EXPIRED
    assert verify(world, new.code, at=T0 + timedelta(seconds=30)).outcome == Outcome.VALID


def test_retired_key_cannot_sign_codes_after_its_retirement(world):
    """A leaked old key is no use for new codes: a code claiming to be issued after the key was
    retired is forged even with a correct signature by that key."""
    services.code_issue(user=world.citizen, now=T0)  # creates the reference and key v1
    old = keys.active_key(KeyPurpose.IDENTITY_CODE)
    keys.key_rotate(purpose=KeyPurpose.IDENTITY_CODE)
    Key.objects.filter(purpose=KeyPurpose.IDENTITY_CODE, version=old.version).update(
        retired_at=T0 - timedelta(minutes=5)
    )
    enc = keys.active_key(KeyPurpose.FIELD_ENCRYPTION)
    ref = bytes.fromhex(IdentityReference.objects.get(user=world.citizen).ref)

    def signed_by_old_key(issued):
        return codec.encode(
            sign_key=old.private_key(),
            sign_version=old.version,
            enc_key=enc.secret,
            enc_version=enc.version,
            ref=ref,
            issued_at=int(issued.timestamp()),
            ttl=60,
        )

    assert verify(world, signed_by_old_key(T0)).outcome == Outcome.FORGED
    # issued before the retirement (and still unexpired by the clock of the check): valid
    before = T0 - timedelta(minutes=5, seconds=10)
    assert verify(world, signed_by_old_key(before), at=before + timedelta(seconds=5)).outcome == Outcome.VALID


def test_unknown_key_version_and_format_are_forged(world):
    issued = services.code_issue(user=world.citizen, now=T0)
    b = bytearray(raw(issued.code))
    b[1:3] = (999).to_bytes(2, "big")
    assert verify(world, codec.to_text(bytes(b))).outcome == Outcome.FORGED


@pytest.mark.parametrize(
    "text",
    ["", "hello", "A" * 190, "A" * 192, "1" * 191, "A" * 190 + "B", "A" * 600],
    ids=["empty", "short", "190", "192", "digits", "spare-bits", "long"],
)
def test_malformed_text_is_a_validation_error_and_not_logged(world, text):
    with pytest.raises(ValidationFailed) as exc:
        verify(world, text)
    assert exc.value.fields == {"code": ["不是电子身份码，请重新扫描或粘贴"]}
    assert not IdentityCheck.objects.exists()


def test_who_may_issue_and_who_may_verify(world):
    with pytest.raises(PermissionDenied):
        services.code_issue(user=world.clerk, now=T0)
    issued = services.code_issue(user=world.company, now=T0)
    with pytest.raises(PermissionDenied):
        verify(world, issued.code, verifier=world.citizen2)
    with pytest.raises(PermissionDenied):
        verify(world, issued.code, verifier=world.company)
    assert not IdentityCheck.objects.exists()
    check = verify(world, issued.code, verifier=world.reviewer)  # staff without a window
    assert check.outcome == Outcome.VALID and check.person == world.company
    assert check.hall is None and check.window is None


def test_ttl_setting(world, monkeypatch):
    monkeypatch.setenv(services.TTL_ENV, "120")
    issued = services.code_issue(user=world.citizen, now=T0)
    assert issued.ttl == 120
    assert verify(world, issued.code, at=T0 + timedelta(seconds=100)).outcome == Outcome.VALID
    monkeypatch.setenv(services.TTL_ENV, "5")
    assert services.code_ttl() == services.MIN_TTL
    monkeypatch.setenv(services.TTL_ENV, "zzz")
    assert services.code_ttl() == 60
