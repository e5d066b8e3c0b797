"""One submission, parallel department cases, dependencies, partial refusal, combined supplement,
统一出件, prefill edit rules and 免提交 with licences."""

import pytest

from yiwang.bundles import selectors, services
from yiwang.bundles.models import BundleCase, BundleMessage
from yiwang.cases.models import Case, CaseLicenseRef
from yiwang.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from yiwang.licenses.models import License, LicenseUse

from .conftest import MON, act, finish, newborn_form, pdf


def submit(world, *, answers=None, form=None, materials=None, **kw):
    return services.bundle_case_submit(
        actor=kw.pop("actor", world.citizen),
        bundle_code="newborn",
        answers=answers or {"insured": "no"},
        form=form or newborn_form(world),
        channel="online",
        materials=materials if materials is not None else [pdf("delivery_record"), pdf("id_card")],
        on=MON,
        **kw,
    )


def children(bcase):
    return {c.item_code: Case.objects.get(pk=c.case_id) for c in bcase.children.all()}


def test_one_submission_fans_out_to_each_department_with_its_own_clock(world, newborn):
    bcase = submit(world)
    kids = children(bcase)
    assert set(kids) == {newborn.birth.code, newborn.hukou.code, newborn.insurance.code}
    assert (
        kids[newborn.birth.code].status == "submitted" and kids[newborn.birth.code].department == world.dept2
    )
    assert kids[newborn.insurance.code].status == "submitted"
    held = kids[newborn.hukou.code]
    assert held.status == "draft" and "出生医学证明签发" in held.waiting_for
    # each case got only its own item's fields; the form was filled once
    assert set(kids[newborn.insurance.code].form) <= {"applicant.phone", "child.name", "child.gender"}
    assert bcase.status == "in_progress" and bcase.due_date > MON
    s = bcase.savings
    assert (
        s["items"] == 3 and s["fields_separately"] == 16 and s["fields_once"] == 10 and s["fields_saved"] == 6
    )
    assert s["materials_separately"] == 4 and s["materials_once"] == 3 and s["materials_waived"] == 1
    assert s["visits_separately"] == 3 and s["visits_avoided"] == 3


def test_answers_decide_the_items_and_answers_selecting_none_are_refused(world, newborn):
    bcase = submit(world, answers={"insured": "yes"})
    assert set(children(bcase)) == {newborn.birth.code, newborn.hukou.code}
    with pytest.raises(ValidationFailed) as exc:
        submit(world, answers={"insured": "maybe"})
    assert "answers.insured" in exc.value.fields
    newborn.bundle.components.update(when={"insured": ["no"]})
    with pytest.raises(ValidationFailed) as exc:
        selectors.bundle_plan(bundle=newborn.bundle, answers={"insured": "yes"})
    assert "没有需要办理的事项" in exc.value.message


def test_bad_form_creates_nothing(world, newborn):
    before = (BundleCase.objects.count(), Case.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        submit(world, form=newborn_form(world, **{"child.name": "名" * 21}))
    assert "child.name" in exc.value.fields and "20" in exc.value.fields["child.name"][0]
    with pytest.raises(ValidationFailed) as exc:
        submit(world, materials=[pdf("delivery_record")], form=newborn_form(world, **{"child.gender": "x"}))
    assert {"materials.id_card", "child.gender"} <= set(exc.value.fields)  # told everything at once
    assert (BundleCase.objects.count(), Case.objects.count()) == before


def test_held_item_cannot_be_submitted_by_hand(world, newborn):
    held = children(submit(world))[newborn.hukou.code]
    with pytest.raises(InvalidTransition):
        act(held, "submit", world.citizen)


def test_dependent_item_starts_with_the_licence_just_issued_and_results_are_delivered_together(
    world, newborn, django_capture_on_commit_callbacks
):
    bcase = submit(world)
    kids = children(bcase)
    with django_capture_on_commit_callbacks(execute=True):
        finish(kids[newborn.birth.code], world, reviewer=world.reviewer2, approver=world.approver2)
    cert = License.objects.get(case=kids[newborn.birth.code])
    hukou = Case.objects.get(pk=kids[newborn.hukou.code].pk)
    assert hukou.status == "submitted" and hukou.waiting_for == ""
    assert hukou.events.filter(action="release", actor__isnull=True).exists()
    ref = CaseLicenseRef.objects.get(case=hukou)
    assert (ref.material_code, ref.license_id) == ("birth_cert", cert.pk)
    assert LicenseUse.objects.filter(license=cert, case_number=hukou.number).exists()
    assert BundleCase.objects.get(pk=bcase.pk).delivered_at is None  # not before the last one
    finish(hukou, world, reviewer=world.reviewer, approver=world.approver)
    finish(kids[newborn.insurance.code], world, reviewer=world.reviewer2, approver=world.approver2)
    done = services.bundle_case_advance(bundle_case_id=bcase.pk)
    assert done.status == "completed" and done.delivered_at is not None
    outcome = {row["item"]: row for row in done.outcome["items"]}
    assert outcome["出生医学证明签发"]["licenses"] == [
        {"identifier": cert.identifier, "name": "出生医学证明"}
    ]
    assert BundleMessage.objects.filter(bundle_case=bcase, kind="delivery").count() == 1
    services.bundle_case_advance(bundle_case_id=bcase.pk)  # idempotent
    assert BundleMessage.objects.filter(bundle_case=bcase, kind="delivery").count() == 1


def test_a_refusal_stops_dependents_tells_the_applicant_and_independent_items_go_on(world, newborn):
    bcase = submit(world)
    kids = children(bcase)
    act(kids[newborn.birth.code], "refuse", world.clerk, reason="不属于本机关职权范围")
    bcase = services.bundle_case_advance(bundle_case_id=bcase.pk)
    hukou = Case.objects.get(pk=kids[newborn.hukou.code].pk)
    assert hukou.status == "withdrawn" and hukou.events.filter(action="stop").exists()
    refusals = BundleMessage.objects.filter(bundle_case=bcase, kind="refusal")
    assert {m.data["item"] for m in refusals} == {"出生医学证明签发", "出生登记（户口）"}
    reasons = {m.data["item"]: m.data["reason"] for m in refusals}
    assert reasons["出生医学证明签发"] == "不属于本机关职权范围"
    assert "前置事项" in reasons["出生登记（户口）"]
    assert bcase.status == "in_progress"
    finish(kids[newborn.insurance.code], world, reviewer=world.reviewer2, approver=world.approver2)
    bcase = services.bundle_case_advance(bundle_case_id=bcase.pk)
    assert bcase.status == "partly_completed"
    assert {r["item"]: r["status"] for r in bcase.outcome["items"]}["城乡居民医保参保登记"] == "completed"


def test_supplement_requests_combine_into_one_notice_and_one_resubmission_serves_them(world, newborn):
    bcase = submit(world)
    kids = children(bcase)
    act(kids[newborn.birth.code], "request_supplement", world.clerk, missing=["分娩记录不清晰"])
    act(kids[newborn.insurance.code], "request_supplement", world.clerk, missing=["监护人身份证"])
    bcase = services.bundle_case_advance(bundle_case_id=bcase.pk)
    assert bcase.status == "supplement_requested"
    notice = BundleMessage.objects.get(bundle_case=bcase, kind="supplement")
    assert {i["item"] for i in notice.data["items"]} == {"出生医学证明签发", "城乡居民医保参保登记"}
    with pytest.raises(PermissionDenied):
        services.bundle_case_supplement(bundle_case=bcase, actor=world.citizen2, materials=[pdf("id_card")])
    bcase = services.bundle_case_supplement(
        bundle_case=bcase,
        actor=world.citizen,
        form={"child.name": "张小贝"},
        materials=[pdf("delivery_record"), pdf("id_card")],
    )
    birth = Case.objects.get(pk=kids[newborn.birth.code].pk)
    insurance = Case.objects.get(pk=kids[newborn.insurance.code].pk)
    assert birth.status == insurance.status == "submitted"
    assert birth.materials.filter(material_code="delivery_record").count() == 2
    assert insurance.materials.filter(material_code="id_card").count() == 2
    assert bcase.status == "in_progress"


def test_authoritative_prefilled_values_cannot_be_changed(world, newborn):
    preview = selectors.bundle_preview(bundle=newborn.bundle, answers={"insured": "no"}, actor=world.citizen)
    prefill = preview["form_schema"]["properties"]["applicant.name"]["x-prefill"]
    assert prefill == {"value": world.citizen.display_name, "source": "实名认证信息", "authoritative": True}
    assert preview["form_schema"]["properties"]["applicant.phone"]["x-prefill"]["authoritative"] is False
    with pytest.raises(ValidationFailed) as exc:
        submit(world, form=newborn_form(world, **{"applicant.name": "王五"}))
    assert "不能修改" in exc.value.fields["applicant.name"][0]
    assert submit(world, form=newborn_form(world, **{"applicant.phone": "13911112222"})).pk


def test_previous_cases_prefill_editable_values(world, newborn):
    submit(world, form=newborn_form(world, **{"applicant.phone": "13911112222"}))
    preview = selectors.bundle_preview(bundle=newborn.bundle, answers={"insured": "no"}, actor=world.citizen2)
    assert "x-prefill" not in preview["form_schema"]["properties"]["father.name"]
    preview = selectors.bundle_preview(bundle=newborn.bundle, answers={"insured": "no"}, actor=world.citizen)
    father = preview["form_schema"]["properties"]["father.name"]["x-prefill"]
    assert (
        father["value"] == "张伟"
        and father["authoritative"] is False
        and father["source"].startswith("上次办件")
    )


def test_a_clerk_files_the_whole_bundle_at_one_window(world, newborn):
    """一窗受理: one window, one filing, each department's case in its own queue."""
    party = {"applicant": {"name": world.citizen.display_name, "id_number": world.citizen.id_number}}
    bcase = services.bundle_case_submit(
        actor=world.clerk,
        bundle_code="newborn",
        answers={"insured": "no"},
        form=newborn_form(world),
        channel="window",
        materials=[pdf("delivery_record")],  # the 身份证 is checked on paper at the window
        parties=party,
        on=MON,
    )
    assert bcase.owner == world.citizen and bcase.filed_by == world.clerk
    assert bcase.savings["visits"] == 1 and bcase.savings["visits_avoided"] == 2
    kids = children(bcase)
    assert {c.channel for c in kids.values()} == {"window"}
    assert {c.window_id for c in kids.values()} == {world.window.pk}
    assert {c.department_id for c in kids.values()} == {world.dept.pk, world.dept2.pk}
    # the applicant follows it online like any bundle case
    assert selectors.bundle_case_for_actor(actor=world.citizen, number=bcase.number) == bcase


def test_window_filing_needs_a_clerk_and_the_applicant(world, newborn):
    base = {
        "bundle_code": "newborn",
        "answers": {"insured": "no"},
        "form": newborn_form(world),
        "channel": "window",
        "materials": [pdf("delivery_record"), pdf("id_card")],
        "on": MON,
    }
    with pytest.raises(PermissionDenied):
        services.bundle_case_submit(actor=world.citizen, **base)
    with pytest.raises(ValidationFailed) as exc:
        services.bundle_case_submit(actor=world.clerk, **base)
    assert "parties.applicant" in exc.value.fields
    with pytest.raises(PermissionDenied):  # this clerk's window serves neither department
        services.bundle_case_submit(
            actor=world.clerk_other_hall,
            parties={"applicant": {"name": "张伟", "id_number": world.citizen.id_number}},
            **base,
        )
    assert not BundleCase.objects.exists() and not Case.objects.exists()


def test_the_applicant_is_told_of_the_bundle_once_per_fact(world, newborn):
    """Each BundleMessage is also one notification (inbox; e-mail/SMS where chosen), sent once
    however often the bundle is advanced; the department cases' own legal notices come too."""
    from yiwang.notifications.models import Notification

    bcase = submit(world)
    kids = children(bcase)
    act(kids[newborn.birth.code], "request_supplement", world.clerk, missing=["分娩记录不清晰"])
    act(kids[newborn.insurance.code], "request_supplement", world.clerk, missing=["监护人身份证"])
    for _ in range(3):
        bcase = services.bundle_case_advance(bundle_case_id=bcase.pk)
    combined = Notification.objects.get(recipient=world.citizen, kind="bundle.supplement_requested")
    assert bcase.number in combined.title and combined.link == f"/my/bundles/{bcase.number}/"
    assert "分娩记录不清晰" in combined.body and "监护人身份证" in combined.body
    assert BundleMessage.objects.get(bundle_case=bcase, kind="supplement").notified
    assert Notification.objects.filter(recipient=world.citizen, kind="case.supplement_requested").count() == 2
