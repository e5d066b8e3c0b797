from yiwang.demo.licenses import demo_load
from yiwang.licenses import selectors
from yiwang.licenses.models import License, LicenseAuthorisation, LicensePresentation
from yiwang.licenses.tests.factories import licensed


def test_demo_load_is_idempotent_and_the_tenant_can_use_the_malls_licences(world):
    world = licensed(world)
    first = demo_load(world=world)
    assert first == {"licenses": 2, "authorisations": 2, "presentations": 1, "skipped": []}
    assert demo_load(world=world) == {"licenses": 0, "authorisations": 0, "presentations": 0, "skipped": []}
    assert License.objects.count() == 2 and LicenseAuthorisation.objects.count() == 2
    assert LicensePresentation.objects.count() == 1
    codes = list(License.objects.values_list("type__code", flat=True))
    usable = selectors.licenses_usable(applicant=world.company, type_codes=codes)
    assert all(len(v) == 1 and v[0].via == "authorised" for v in usable.values())
    lic = License.objects.first()
    got = selectors.license_reference_check(
        identifier=lic.identifier, applicant=world.company, type_code=lic.type.code, item_code=world.item.code
    )
    assert got.license.pk == lic.pk
