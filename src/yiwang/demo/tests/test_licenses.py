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


def test_demo_licences_carry_their_face_items_and_numbers(world):
    from yiwang.demo.licenses import mall_uscc
    from yiwang.licenses import numbering

    world = licensed(world)
    demo_load(world=world)
    by_type = {lic.type.name: lic for lic in License.objects.select_related("type")}
    charter = by_type["营业执照"]
    assert charter.number == mall_uscc()  # a 营业执照's number is the holder's USCC
    for key in ("domicile", "entity_type", "legal_representative", "registered_capital", "business_scope"):
        assert charter.metadata[key], key
    assert charter.metadata["established_on"] == charter.issued_on.isoformat()  # founded when registered
    hygiene = by_type["公共场所卫生许可证"]
    assert numbering.PATTERNS["health_public"].match(hygiene.number), hygiene.number
    assert set(hygiene.metadata) == {"address", "legal_representative", "licensed_items"}
    r = selectors.license_verify(credential=hygiene.credential)
    assert r["valid"] and r["disclosed"]["x_licensed_items"] == "商场（店）"
    assert r["disclosed"]["number"] == hygiene.number
