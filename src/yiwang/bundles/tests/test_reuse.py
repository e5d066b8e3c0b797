"""免提交 (licences instead of uploads: own, expired, revoked, a third party's with and without
authorisation) and 免填写 from registers through the exchange gateway."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.bundles import selectors, services
from yiwang.cases.models import Case, CaseLicenseRef
from yiwang.core.errors import ValidationFailed
from yiwang.exchange.models import AccessRecord
from yiwang.exchange.tests.conftest import Ex
from yiwang.licenses.models import License, LicenseUse
from yiwang.licenses.services import license_authorise, license_set_status

from .conftest import MON, finish, newborn_form, pdf

BIRTH_ONLY = ("mother.name", "mother.id_number", "child.birth_date")


def submit(world, *, actor=None, refs=None, answers=None, **over):
    form = newborn_form(world, **over)
    materials = [pdf("delivery_record"), pdf("id_card")]
    if refs:  # the 出生医学证明 item no longer applies: only the 户口 item's fields and materials
        form = {k: v for k, v in form.items() if k not in BIRTH_ONLY}
        materials = [pdf("id_card")]
    return services.bundle_case_submit(
        actor=actor or world.citizen,
        bundle_code="newborn",
        answers=answers or {"insured": "yes"},
        form=form,
        channel="online",
        materials=materials,
        license_refs=refs or {},
        on=MON,
    )


@pytest.fixture
def cert(world, newborn):
    """An 出生医学证明 the citizen already holds (from an earlier, finished bundle)."""
    bcase = submit(world)
    birth = next(c.case for c in bcase.children.select_related("case") if c.item_code == newborn.birth.code)
    finish(birth, world, reviewer=world.reviewer2, approver=world.approver2)
    return License.objects.get(case=birth)


def test_a_held_licence_is_shown_as_waived(world, newborn, cert):
    newborn.bundle.components.filter(item=newborn.birth).update(when={"insured": ["no"]})
    preview = selectors.bundle_preview(bundle=newborn.bundle, answers={"insured": "yes"}, actor=world.citizen)
    material = next(m for m in preview["materials"] if m["code"] == "birth_cert")
    assert material["waived_by"]["identifier"] == cert.identifier and material["waived_by"]["via"] == "own"
    assert preview["savings"]["materials_waived"] == 1


def _hukou_only(newborn):
    newborn.bundle.components.filter(item=newborn.birth).update(when={"insured": ["no"]})


def test_own_valid_licence_is_attached_by_reference_checked_and_logged(world, newborn, cert):
    _hukou_only(newborn)
    bcase = submit(world, refs={"birth_cert": cert.identifier})
    hukou = bcase.children.get().case
    assert hukou.status == "submitted"
    assert CaseLicenseRef.objects.get(case=hukou).license == cert
    assert LicenseUse.objects.filter(license=cert, case_number=hukou.number).count() == 1


@pytest.mark.parametrize("status,word", [("revoked", "注销"), ("suspended", "暂停")])
def test_revoked_or_suspended_licence_falls_back_to_upload_with_a_message(world, newborn, cert, status, word):
    _hukou_only(newborn)
    license_set_status(license=cert, status=status, reason="测试")
    with pytest.raises(ValidationFailed) as exc:
        submit(world, refs={"birth_cert": cert.identifier})
    message = exc.value.fields["materials.birth_cert"][0]
    assert word in message and "请上传出生医学证明" in message


def test_expired_licence_falls_back_to_upload(world, newborn, cert):
    _hukou_only(newborn)
    License.objects.filter(pk=cert.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationFailed) as exc:
        submit(world, refs={"birth_cert": cert.identifier})
    assert "过有效期" in exc.value.fields["materials.birth_cert"][0]


def test_someone_elses_licence_needs_their_authorisation(world, newborn, cert):
    _hukou_only(newborn)
    world.citizen2.trust_level = world.citizen.trust_level
    world.citizen2.save()
    as_citizen2 = {
        "applicant.name": world.citizen2.display_name,
        "applicant.id_number": world.citizen2.id_number,
    }
    with pytest.raises(ValidationFailed) as exc:
        submit(world, actor=world.citizen2, refs={"birth_cert": cert.identifier}, **as_citizen2)
    assert exc.value.fields == {"materials.birth_cert": [exc.value.fields["materials.birth_cert"][0]]}
    assert "请上传出生医学证明" in exc.value.fields["materials.birth_cert"][0]
    license_authorise(
        license=cert,
        actor=world.citizen,
        grantee_id_type="111",
        grantee_id=world.citizen2.id_number,
        grantee_name=world.citizen2.display_name,
        purpose="家属代为办理户口登记",
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    bcase = submit(
        world,
        actor=world.citizen2,
        refs={"birth_cert": cert.identifier},
        **as_citizen2,
    )
    ref = CaseLicenseRef.objects.get(case=bcase.children.get().case)
    assert ref.via == "authorised" and ref.license == cert


def test_acceptance_rechecks_the_licence(world, newborn, cert):
    _hukou_only(newborn)
    hukou = submit(world, refs={"birth_cert": cert.identifier}).children.get().case
    license_set_status(license=cert, status="revoked", reason="证照信息有误")
    from yiwang.cases.services import case_apply_action

    with pytest.raises(ValidationFailed) as exc:
        case_apply_action(case=Case.objects.get(pk=hukou.pk), actor=world.clerk, action="accept", on=MON)
    assert "materials.birth_cert" in exc.value.fields
    assert Case.objects.get(pk=hukou.pk).status == "submitted"


def test_register_values_come_through_the_exchange_with_their_source(world, newborn):
    ex = Ex(world)
    ex.agree(ex.population, consumer=world.dept)  # the 户口 item's department reads 人口
    preview = selectors.bundle_preview(bundle=newborn.bundle, answers={"insured": "no"}, actor=world.citizen)
    value = preview["form_schema"]["properties"]["applicant.household_address"]["x-prefill"]
    assert value["value"] == "武汉市江岸区沿江大道1号"
    assert value["source"] == "武汉市公安局（人口基本信息）"
    record = AccessRecord.objects.filter(consumer=world.dept, purpose="prefill").latest("id")
    assert record.outcome == "allowed"


def test_without_an_agreement_the_field_is_left_to_the_applicant_and_the_refusal_logged(world, newborn):
    Ex(world)  # resources and registers, no agreement
    preview = selectors.bundle_preview(bundle=newborn.bundle, answers={"insured": "no"}, actor=world.citizen)
    assert "x-prefill" not in preview["form_schema"]["properties"]["applicant.household_address"]
    assert preview["prefill_failures"]
    assert (
        AccessRecord.objects.filter(consumer=world.dept, purpose="prefill")
        .exclude(outcome="allowed")
        .exists()
    )
