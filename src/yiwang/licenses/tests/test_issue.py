from datetime import date, timedelta

from django.db import connection, transaction

from yiwang.accounts.services import id_number_hash
from yiwang.core.testing import good_form
from yiwang.ledger.models import PendingEntry
from yiwang.licenses import identifiers, sdjwt, services
from yiwang.licenses.models import License, LicenseType


def test_catalogue_loads_idempotently(world):
    assert LicenseType.objects.count() == 10
    services.license_types_load()
    assert LicenseType.objects.count() == 10
    food = LicenseType.objects.get(name="食品经营许可证")
    assert food.definer_uscc == "11100000MB7680141D" and food.code.endswith("002")
    assert LicenseType.objects.get(name="建筑垃圾处置核准证书").validity_months == 3
    assert not LicenseType.objects.get(name="居民身份证").issued_here
    for t in LicenseType.objects.all():
        identifiers.validate_type_code(t.code)


def test_validity_rules():
    t = LicenseType(code="11100000MB1148007Y001", name="x", validity_months=3)
    assert services.valid_until_for(type_=t, valid_from=date(2026, 11, 30)) == date(2027, 2, 27)
    assert services.valid_until_for(type_=t, valid_from=date(2026, 1, 1)) == date(2026, 3, 31)
    assert (
        services.valid_until_for(type_=LicenseType(validity_months=None), valid_from=date(2026, 1, 1)) is None
    )


def test_completion_issues_a_signed_licence(world, issue_for):
    lic = issue_for(world)
    assert lic is not None
    lic = License.objects.get(pk=lic.pk)
    assert identifiers.is_valid(lic.identifier)
    parts = identifiers.parse(lic.identifier)
    assert parts["type_code"] == lic.type.code and parts["issuer_uscc"] == world.dept.uscc
    assert parts["serial"] == lic.serial and parts["version"] == "001"
    assert lic.holder_name == "张伟" and lic.holder_id_type == "111"
    assert lic.holder_id == world.citizen.id_number
    assert lic.holder_id_hash == id_number_hash(world.citizen.id_number)
    assert lic.holder_user == world.citizen
    assert lic.metadata == {"address": good_form()["premises.address"], "area": 80}
    assert lic.valid_until == services.add_months(lic.valid_from, 60) - timedelta(days=1)
    parsed = sdjwt.parse(lic.credential)
    assert parsed.header["kid"] == f"GmSM2-{lic.key_version}"
    assert parsed.payload["status"]["status_list"]["idx"] == lic.status_index
    assert sdjwt.resolve_disclosures(parsed) == []
    assert parsed.disclosed["identifier"] == lic.identifier
    assert parsed.disclosed["holder_id"] == world.citizen.id_number
    assert parsed.disclosed["x_address"] == good_form()["premises.address"]
    entry = PendingEntry.objects.filter(kind="license.issued").get()
    assert entry.payload["identifier"] == lic.identifier and lic.ledger_entry == entry.pk
    assert (
        world.citizen.id_number not in str(entry.payload)
        and world.citizen.id_number not in bytes(entry.entry).decode()
    )


def test_holder_id_and_credential_are_encrypted_at_rest(world, issue_for):
    lic = issue_for(world)
    with connection.cursor() as cur:
        cur.execute("SELECT holder_id, credential FROM licenses_license WHERE id = %s", [lic.pk])
        raw_id, raw_cred = cur.fetchone()
    assert world.citizen.id_number not in raw_id and raw_id.startswith("enc1.")
    assert raw_cred.startswith("enc1.") and "~" not in raw_cred


def test_issuance_is_idempotent_per_case(world, issue_for, issue_args):
    lic = issue_for(world)
    with transaction.atomic():
        again = services.license_issue(**issue_args(lic.case))
    assert again.pk == lic.pk and License.objects.count() == 1


def test_company_holder_gets_uscc_id_type(world, issue_for):
    lic = issue_for(world, user=world.company)
    assert lic.holder_id_type == "001" and lic.holder_id == world.company.uscc
    assert lic.holder_name == "武汉示例餐饮管理有限公司" and lic.holder_user == world.company


def test_no_licence_without_a_type_10_result_or_on_denial(world, run_case, issue_args):
    from yiwang.catalog.models import ItemVersion

    case = run_case(world, decision="deny")
    with transaction.atomic():
        assert services.license_issue(**issue_args(case)) is None
    ItemVersion.objects.filter(item=world.item).update(results=[{"name": "食品经营许可证", "type": "20"}])
    case = run_case(world)
    with transaction.atomic():
        assert services.license_issue(**issue_args(case)) is None
    assert License.objects.count() == 0


def test_type_restricted_to_other_items_is_not_issued(world, run_case, issue_args):
    LicenseType.objects.get(name="食品经营许可证").items.add(world.item2)
    case = run_case(world)
    with transaction.atomic():
        assert services.license_issue(**issue_args(case)) is None


def test_serials_are_distinct(world, issue_for):
    a, b = issue_for(world), issue_for(world)
    assert a.serial != b.serial and a.status_index != b.status_index and a.identifier != b.identifier


def test_ledger_entry_rederives_from_the_live_licence(world, issue_for):
    from types import SimpleNamespace

    from yiwang.ledger import rederive
    from yiwang.ledger.services import payload_hash

    lic = issue_for(world)
    entry = PendingEntry.objects.get(pk=lic.ledger_entry)
    fn = rederive.lookup("license.issued")
    live = fn(SimpleNamespace(pending_id=entry.pk))
    assert payload_hash(salt=bytes(entry.salt), payload=live) == payload_hash(
        salt=bytes(entry.salt), payload=entry.payload
    )
    assert fn(SimpleNamespace(pending_id=-1)) is None


def test_expiry_sweep(world, issue_for):
    lic = issue_for(world)
    assert services.licenses_expire(today=lic.valid_until) == 0
    assert services.licenses_expire(today=lic.valid_until + timedelta(days=1)) == 1
    assert License.objects.get(pk=lic.pk).status == "expired"
