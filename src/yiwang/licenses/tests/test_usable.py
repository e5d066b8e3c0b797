"""免提交: which licences an applicant may use (own or authorised) and the reference check."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from yiwang.core.errors import InvalidTransition, NotFound, ValidationFailed
from yiwang.ledger import services as ledger
from yiwang.ledger.models import PendingEntry
from yiwang.licenses import selectors, services
from yiwang.licenses.models import License, LicenseAuthorisation, LicenseUse

FOOD = "食品经营许可证"


@pytest.fixture
def mall(world, issue_for):
    """A licence held by the company (the mall operator), not by the citizen (the tenant)."""
    lic = issue_for(world, user=world.company)
    assert lic.holder_id_type == "001" and lic.holder_user_id == world.company.pk
    return lic


def type_code(lic):
    return lic.type.code


def authorise(world, lic, *, grantee=None, **kw):
    grantee = grantee or world.citizen
    args = {
        "license": lic,
        "actor": world.company,
        "grantee_id_type": "111",
        "grantee_id": grantee.id_number,
        "grantee_name": grantee.display_name,
        "purpose": "入驻商户办理食品经营许可",
        "valid_until": timezone.localdate() + timedelta(days=30),
    }
    args.update(kw)
    return services.license_authorise(**args)


def check(world, lic, user=None, **kw):
    return selectors.license_reference_check(
        identifier=lic.identifier, applicant=user or world.citizen, type_code=type_code(lic), **kw
    )


def code_of(fn):
    with pytest.raises(ValidationFailed) as exc:
        fn()
    return exc.value.code, exc.value.message


def test_own_valid_licence_is_usable(world, issue_for):
    lic = issue_for(world)
    usable = selectors.licenses_usable(applicant=world.citizen, type_codes=[type_code(lic), "X" * 21])
    assert [u.license.pk for u in usable[type_code(lic)]] == [lic.pk]
    assert usable[type_code(lic)][0].via == "own" and usable["X" * 21] == []
    got = check(world, lic)
    assert got.via == "own" and got.authorisation is None and got.license.pk == lic.pk
    # another person sees nothing of it
    assert (
        selectors.licenses_usable(applicant=world.citizen2, type_codes=[type_code(lic)])[type_code(lic)] == []
    )


def test_expired_licence(world, issue_for):
    lic = issue_for(world)
    later = lic.valid_until + timedelta(days=1)
    assert (
        selectors.licenses_usable(applicant=world.citizen, type_codes=[type_code(lic)], on=later)[
            type_code(lic)
        ]
        == []
    )
    assert code_of(lambda: check(world, lic, on=later))[0] == "license_expired"
    assert check(world, lic, on=lic.valid_until).license.pk == lic.pk
    License.objects.filter(pk=lic.pk).update(status="expired")
    assert code_of(lambda: check(world, lic))[0] == "license_expired"


def test_revoked_and_suspended_licences(world, issue_for):
    lic = issue_for(world)
    services.license_set_status(license=lic, status="suspended", reason="检查")
    assert code_of(lambda: check(world, lic)) == ("license_suspended", "该证照已暂停使用，不能使用")
    assert (
        selectors.licenses_usable(applicant=world.citizen, type_codes=[type_code(lic)])[type_code(lic)] == []
    )
    services.license_set_status(license=License.objects.get(pk=lic.pk), status="revoked", reason="注销")
    assert code_of(lambda: check(world, lic))[0] == "license_revoked"


def test_wrong_type(world, issue_for):
    lic = issue_for(world)
    with pytest.raises(ValidationFailed) as exc:
        selectors.license_reference_check(
            identifier=lic.identifier, applicant=world.citizen, type_code="91420100MA4KXXXX0X001"
        )
    assert exc.value.code == "license_wrong_type" and FOOD in exc.value.message


def test_someone_elses_licence_without_authorisation_is_unusable_like_a_missing_one(world, mall):
    theirs = code_of(lambda: check(world, mall))
    missing = code_of(
        lambda: selectors.license_reference_check(
            identifier=mall.identifier[:-1] + "Z", applicant=world.citizen, type_code=type_code(mall)
        )
    )
    assert theirs == missing and theirs[0] == "license_unusable"
    assert FOOD not in theirs[1]  # nothing about the licence leaks
    # staff accounts and nonsense identifiers get the same answer, never a crash
    assert code_of(lambda: check(world, mall, user=world.clerk)) == theirs
    for junk in ["", "x" * 500, None]:
        assert (
            code_of(
                lambda j=junk: selectors.license_reference_check(
                    identifier=j, applicant=world.citizen, type_code=type_code(mall)
                )
            )
            == theirs
        )


def test_third_party_authorised(world, mall):
    a = authorise(world, mall)
    assert a.grantee_id == world.citizen.id_number  # decrypted on read
    with connection.cursor() as cur:
        cur.execute(
            "SELECT grantee_id, grantee_id_hash FROM licenses_licenseauthorisation WHERE id = %s", [a.pk]
        )
        raw = " ".join(cur.fetchone())
    assert world.citizen.id_number not in raw  # encrypted at rest, found by its keyed hash
    usable = selectors.licenses_usable(applicant=world.citizen, type_codes=[type_code(mall)])[type_code(mall)]
    assert [(u.license.pk, u.via, u.authorisation.pk) for u in usable] == [(mall.pk, "authorised", a.pk)]
    got = check(world, mall)
    assert got.via == "authorised" and got.authorisation.pk == a.pk
    # only the grantee: another citizen still cannot use it
    assert code_of(lambda: check(world, mall, user=world.citizen2))[0] == "license_unusable"
    # the authorisation ends on its date
    after = a.valid_until + timedelta(days=1)
    assert code_of(lambda: check(world, mall, on=after))[0] == "license_unusable"
    assert selectors.licenses_authorised_to(user=world.citizen)[0].authorisation.pk == a.pk
    assert PendingEntry.objects.filter(pk=a.ledger_entry, kind="license.authorised").exists()


def test_own_and_authorised_listed_together(world, mall, issue_for):
    own = issue_for(world)
    authorise(world, mall)
    usable = selectors.licenses_usable(applicant=world.citizen, type_codes=[type_code(own)])[type_code(own)]
    assert [(u.license.pk, u.via) for u in usable] == [(own.pk, "own"), (mall.pk, "authorised")]


def test_authorisation_revoked(world, mall):
    a = authorise(world, mall)
    assert check(world, mall).via == "authorised"
    with pytest.raises(NotFound):  # only the holder may revoke
        services.license_authorisation_revoke(authorisation=a, actor=world.citizen)
    a = services.license_authorisation_revoke(authorisation=a, actor=world.company)
    assert a.revoked_at is not None and a.revoke_ledger_entry
    assert code_of(lambda: check(world, mall))[0] == "license_unusable"
    assert (
        selectors.licenses_usable(applicant=world.citizen, type_codes=[type_code(mall)])[type_code(mall)]
        == []
    )
    assert selectors.licenses_authorised_to(user=world.citizen) == []
    # revoking again changes nothing
    again = services.license_authorisation_revoke(authorisation=a, actor=world.company)
    assert again.revoked_at == a.revoked_at and again.revoke_ledger_entry == a.revoke_ledger_entry


def test_authorisation_limited_to_other_items(world, mall):
    authorise(world, mall, item_codes=[world.item2.code])
    assert code_of(lambda: check(world, mall, item_code=world.item.code))[0] == "license_unusable"
    assert code_of(lambda: check(world, mall))[0] == "license_unusable"  # no item named: not covered
    assert check(world, mall, item_code=world.item2.code).via == "authorised"
    tc = type_code(mall)
    assert (
        selectors.licenses_usable(applicant=world.citizen, type_codes=[tc], item_code=world.item.code)[tc]
        == []
    )
    assert (
        len(
            selectors.licenses_usable(applicant=world.citizen, type_codes=[tc], item_code=world.item2.code)[
                tc
            ]
        )
        == 1
    )


def test_authorised_licence_still_fails_when_revoked_by_the_issuer(world, mall):
    authorise(world, mall)
    services.license_set_status(license=mall, status="revoked", reason="注销")
    assert code_of(lambda: check(world, mall))[0] == "license_revoked"


def test_a_licence_whose_stored_credential_does_not_verify_is_unusable(world, issue_for):
    lic = issue_for(world)
    other = issue_for(world)
    License.objects.filter(pk=lic.pk).update(credential=other.credential)  # someone swapped it
    c, message = code_of(lambda: check(world, lic))
    assert c == "license_unusable" and "签名" in message
    assert check(world, other).license.pk == other.pk


def test_grant_validation(world, mall):
    with pytest.raises(NotFound):  # not the holder
        authorise(world, mall, actor=world.citizen2)
    for kw, field in [
        ({"grantee_id": "420102199001011235"}, "grantee_id"),
        ({"grantee_id_type": "999"}, "grantee_id_type"),
        ({"grantee_id_type": "001", "grantee_id": world.company.uscc}, "grantee_id"),  # itself
        ({"purpose": "  "}, "purpose"),
        ({"purpose": "<script>x</script>"}, "purpose"),
        ({"item_codes": ["NO-SUCH-ITEM"]}, "item_codes"),
        ({"valid_until": timezone.localdate() - timedelta(days=1)}, "valid_until"),
        ({"valid_until": mall.valid_until + timedelta(days=1)}, "valid_until"),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            authorise(world, mall, **kw)
        assert field in exc.value.fields, kw
    services.license_set_status(license=mall, status="suspended")
    with pytest.raises(InvalidTransition):
        authorise(world, License.objects.get(pk=mall.pk))
    assert LicenseAuthorisation.objects.count() == 0


def test_company_grantee_by_credit_code(world, issue_for):
    lic = issue_for(world)  # the citizen's licence, authorised to the company
    a = services.license_authorise(
        license=lic,
        actor=world.citizen,
        grantee_id_type="001",
        grantee_id=world.company.uscc.lower(),
        purpose="委托办理",
        valid_until=timezone.localdate(),
    )
    assert check(world, lic, user=world.company).authorisation.pk == a.pk


def test_use_record_writes_a_ledger_entry_without_personal_data(world, mall):
    a = authorise(world, mall)
    use = services.license_use_record(
        license=mall,
        user=world.citizen,
        purpose="食品经营许可（新办）免提交",
        fields=["name", "x_address"],
        case_number="20261102000001",
        authorisation=a,
    )
    assert use.channel == "application" and use.user_label == "张*"
    entry = PendingEntry.objects.get(pk=use.ledger_entry)
    assert entry.kind == "license.used"
    text = json.dumps(entry.payload, ensure_ascii=False) + bytes(entry.entry).decode()
    assert world.citizen.id_number not in text and "张伟" not in text and world.company.uscc not in text
    assert entry.payload == services.use_payload(LicenseUse.objects.get(pk=use.pk))
    with pytest.raises(ValueError):
        services.license_use_record(license=mall, user=None, purpose="", fields=[], channel="bogus")


def test_ledger_verify_rederives_uses_and_authorisations(world, mall):
    a = authorise(world, mall)
    services.license_authorisation_revoke(authorisation=a, actor=world.company)
    use = services.license_use_record(license=mall, user=world.citizen, purpose="免提交", fields=["name"])
    assert ledger.sequencer_run() >= 4
    call_command("ledger", "verify")
    with connection.cursor() as cur:
        cur.execute("UPDATE licenses_licenseuse SET purpose = %s WHERE id = %s", ["事后篡改", use.pk])
    with pytest.raises(CommandError, match=r"license\.used"):
        call_command("ledger", "verify")
