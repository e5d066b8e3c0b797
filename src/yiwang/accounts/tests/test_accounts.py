import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.db import connection

from yiwang.accounts import services
from yiwang.accounts.models import User
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.testing import make_ric, make_uscc


def test_production_hasher_is_argon2():
    from yiwang import settings as base  # the suite swaps in a fast hasher; production does not

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_argon2_hashes_and_checks(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    encoded = make_password("正确的密码-123")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("正确的密码-123", encoded) and not check_password("wrong", encoded)


@pytest.mark.django_db
def test_person_registration_validates_and_protects_the_id_number():
    number = make_ric(serial=555)
    user = services.person_register(
        username="p1", password="pw-123456", name="王五", id_number=number.lower(), phone="13600136000"
    )
    assert user.id_number == number
    assert User.objects.get(id_number_hash=services.id_number_hash(number)) == user
    with pytest.raises(ValidationFailed) as exc:
        services.person_register(
            username="p2", password="pw-123456", name="x", id_number="420102199001011230"
        )
    assert "id_number" in exc.value.fields
    with pytest.raises(Conflict):
        services.person_register(username="p3", password="pw-123456", name="王五", id_number=number)


@pytest.mark.django_db
def test_legal_registration_validates_the_credit_code():
    code = make_uscc("company-x")
    user = services.legal_register(
        username="c1", password="pw-123456", name="示例公司", uscc=code, legal_representative="赵六"
    )
    assert user.kind == "legal" and user.uscc == code
    with pytest.raises(ValidationFailed):
        services.legal_register(
            username="c2", password="pw-123456", name="x", uscc=code[:-1] + "0", legal_representative="y"
        )


@pytest.mark.django_db
def test_api_tokens_expire_and_are_stored_hashed(settings, world):
    token, _ = services.api_token_issue(user=world.citizen)
    assert services.api_token_user(token) == world.citizen
    with connection.cursor() as cur:
        cur.execute("SELECT token_hash FROM accounts_apitoken")
        assert token not in repr(cur.fetchall())
    settings.API_TOKEN_TTL_HOURS = -1
    expired, _ = services.api_token_issue(user=world.citizen)
    assert services.api_token_user(expired) is None
    services.api_token_revoke(token=token)
    assert services.api_token_user(token) is None
