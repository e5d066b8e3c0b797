import base64

import pytest
from django.core.management import call_command
from django.db import connection

from yiwang.core import keys
from yiwang.core.models import Key, KeyPurpose

pytestmark = pytest.mark.django_db


def test_encrypt_round_trip_and_context_binding():
    token = keys.encrypt("420102199001011236", context="applicant.id_number")
    assert token.startswith("enc1.1.") and "420102" not in token
    assert keys.decrypt(token, context="applicant.id_number") == "420102199001011236"
    with pytest.raises(keys.KeyError_):
        keys.decrypt(token, context="mother.id_number")  # cannot be moved to another field
    assert keys.encrypt("x") != keys.encrypt("x")  # random nonce


def test_rotation_keeps_old_ciphertexts_readable():
    old = keys.encrypt("13800138000")
    km = keys.key_rotate(purpose=KeyPurpose.FIELD_ENCRYPTION)
    assert km.version == 2
    new = keys.encrypt("13800138000")
    assert new.startswith("enc1.2.")
    keys.clear_cache()
    assert keys.decrypt(old) == keys.decrypt(new) == "13800138000"
    assert Key.objects.filter(purpose=KeyPurpose.FIELD_ENCRYPTION, active=True).count() == 1


def test_lookup_hash_is_stable_normalised_and_never_rotates():
    a = keys.lookup_hash("42010219900101123x", kind="id_number")
    keys.clear_cache()
    assert keys.lookup_hash(" 42010219900101123X ", kind="id_number") == a
    assert keys.lookup_hash("42010219900101123X", kind="phone") != a
    with pytest.raises(keys.KeyError_):
        keys.key_rotate(purpose=KeyPurpose.LOOKUP_HASH)


def test_signatures_survive_rotation():
    v1, sig1 = keys.sign(KeyPurpose.LICENSE_SIGNING, b"licence")
    keys.key_rotate(purpose=KeyPurpose.LICENSE_SIGNING)
    v2, sig2 = keys.sign(KeyPurpose.LICENSE_SIGNING, b"licence")
    assert (v1, v2) == (1, 2)
    assert keys.verify(KeyPurpose.LICENSE_SIGNING, v1, b"licence", sig1)
    assert keys.verify(KeyPurpose.LICENSE_SIGNING, v2, b"licence", sig2)
    assert not keys.verify(KeyPurpose.LICENSE_SIGNING, v2, b"licence", sig1)
    assert not keys.verify(KeyPurpose.LICENSE_SIGNING, v1, b"tampered", sig1)
    assert [k.version for k in keys.public_keys(KeyPurpose.LICENSE_SIGNING)] == [1, 2]


def test_stored_keys_are_wrapped_and_need_the_master_key(settings):
    keys.encrypt("x")
    row = Key.objects.get(purpose=KeyPurpose.FIELD_ENCRYPTION)
    secret = keys.get_key(KeyPurpose.FIELD_ENCRYPTION, 1).secret
    with connection.cursor() as cur:
        cur.execute("SELECT wrapped_secret FROM core_key WHERE id = %s", [row.pk])
        stored = bytes(cur.fetchone()[0])
    assert secret not in stored
    keys.clear_cache()
    settings.YIWANG_MASTER_KEY = base64.b64encode(b"\x01" * 32).decode()
    with pytest.raises(keys.KeyError_):
        keys.get_key(KeyPurpose.FIELD_ENCRYPTION, 1)


def test_keys_command(capsys):
    keys.encrypt("x")
    call_command("keys", "rotate", "field-encryption")
    call_command("keys", "list")
    out = capsys.readouterr().out
    assert "field-encryption" in out and "v2" in out


def test_rewrap_moves_every_key_to_a_new_master_key(settings, monkeypatch):
    token = keys.encrypt("420102199001011236")
    keys.sign(KeyPurpose.LEDGER_CHECKPOINT, b"x")
    old = keys._master_key()
    settings.YIWANG_MASTER_KEY = base64.b64encode(b"\x02" * 32).decode()
    keys.clear_cache()
    with pytest.raises(keys.KeyError_):
        keys.decrypt(token)
    monkeypatch.setenv("YIWANG_OLD_MASTER_KEY", base64.b64encode(old).decode())
    call_command("keys", "rewrap")
    assert keys.decrypt(token) == "420102199001011236"
    with pytest.raises(keys.KeyError_):  # a wrong old key changes nothing
        keys.keys_rewrap(old_master=b"\x03" * 32)
    assert keys.decrypt(token) == "420102199001011236"
