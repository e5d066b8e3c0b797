"""The questionnaire beyond yes/no: 勾选即办 (a multiple-choice question selects only the
departments concerned), a bundle open to 个人和企业 whose answer decides the account kind, and a
dependency chain of three (出生医学证明 → 户口登记 → 社保卡: the card needs the child's ID number),
with the plain-words "what happens next" the applicant reads."""

import pytest

from yiwang.bundles import presenters, selectors, services
from yiwang.cases.models import Case
from yiwang.core.errors import PermissionDenied, ValidationFailed

from .conftest import MON, finish, newborn_form, pdf


def names(plan):
    return [c.item_version.name for c in plan.components]


def test_ticking_what_changed_selects_only_the_departments_concerned(world, change):
    assert names(selectors.bundle_plan(bundle=change, answers={"changed": ["scope"]})) == ["公司变更登记"]
    assert names(selectors.bundle_plan(bundle=change, answers={"changed": ["address"]})) == [
        "公司变更登记",
        "食品经营许可（变更）",
    ]
    assert names(selectors.bundle_plan(bundle=change, answers={"changed": ["legal_rep", "scope"]})) == [
        "公司变更登记",
        "印章刻制备案信息变更",
        "银行账户信息变更",
    ]
    everything = selectors.bundle_plan(bundle=change, answers={"changed": ["scope", "name"]})
    assert len(everything.components) == 4
    assert everything.answers == {"changed": ["name", "scope"]}  # questionnaire order, no duplicates
    for bad in ([], ["capital"], "name,scope", None):
        with pytest.raises(ValidationFailed) as exc:
            selectors.bundle_plan(bundle=change, answers={"changed": bad} if bad is not None else {})
        assert "请至少选择一项" in exc.value.fields["answers.changed"][0]


def test_a_submission_opens_cases_only_in_the_ticked_departments(world, change):
    bcase = services.bundle_case_submit(
        actor=world.company,
        bundle_code=change.code,
        answers={"changed": ["address"]},
        form={"premises.address": "武汉市江岸区中山大道 1 号", "application.reason": "住所变更"},
        channel="online",
        on=MON,
    )
    kids = {c.case.item_version.name: c.case for c in bcase.children.select_related("case__item_version")}
    assert set(kids) == {"公司变更登记", "食品经营许可（变更）"}
    assert kids["食品经营许可（变更）"].status == "draft" and kids["公司变更登记"].status == "submitted"
    assert bcase.answers == {"changed": ["address"]}


def test_publishing_checks_the_multiple_flag(world, change):
    change.questionnaire = [{**change.questionnaire[0], "multiple": "yes"}]
    change.save()
    with pytest.raises(ValidationFailed) as exc:
        services.bundle_publish(bundle=change, on=MON)
    assert "multiple" in exc.value.fields["questionnaire"][0]


def open_eatery(world, actor, subject):
    return services.bundle_case_submit(
        actor=actor,
        bundle_code="restaurant",
        answers={"subject": subject},
        form={"premises.address": "武汉市江汉区解放大道 100 号"},
        channel="online",
        on=MON,
    )


def test_the_answer_routes_the_account_kind(world, eatery):
    plan = selectors.bundle_plan(bundle=eatery, answers={"subject": "individual"})
    assert plan.account_kind == "person" and names(plan) == ["个体工商户设立登记", "食品经营许可"]
    assert selectors.bundle_plan(bundle=eatery, answers={"subject": "company"}).account_kind == "legal"
    person = open_eatery(world, world.citizen, "individual")
    assert person.owner == world.citizen and person.children.count() == 2
    company = open_eatery(world, world.company, "company")
    assert {c.case.item_version.name for c in company.children.select_related("case__item_version")} == {
        "公司设立登记",
        "食品经营许可",
    }
    with pytest.raises(PermissionDenied) as exc:
        open_eatery(world, world.company, "individual")
    assert exc.value.message == "您选择了“个体工商户”，请使用自然人账号申请"
    with pytest.raises(PermissionDenied) as exc:
        open_eatery(world, world.citizen, "company")
    assert "请使用法人账号申请" in exc.value.message
    # listed for both audiences
    assert eatery in selectors.bundles_published(audience="person")
    assert eatery in selectors.bundles_published(audience="legal")


def test_a_bundle_for_either_needs_exactly_one_routing_question(world, eatery):
    eatery.questionnaire = [
        {
            "id": "subject",
            "text": "以什么形式经营？",
            "options": [{"value": "individual", "label": "个体"}, *[{"value": "company", "label": "企业"}]],
        }
    ]
    eatery.save()
    with pytest.raises(ValidationFailed) as exc:
        services.bundle_publish(bundle=eatery, on=MON)
    assert "有且只有一个问题" in " ".join(exc.value.fields["questionnaire"])
    eatery.audience = "person"
    eatery.questionnaire = [
        {
            "id": "subject",
            "text": "以什么形式经营？",
            "options": [
                {"value": "individual", "label": "个体", "audience": "person"},
                {"value": "company", "label": "企业", "audience": "legal"},
            ],
        }
    ]
    eatery.save()
    with pytest.raises(ValidationFailed) as exc:
        services.bundle_publish(bundle=eatery, on=MON)
    assert "仅适用于面向个人和企业" in exc.value.fields["questionnaire"][0]


def test_the_start_page_asks_with_checkboxes_and_the_wrong_account_is_told_why(world, change, eatery, client):
    client.force_login(world.company)
    html = client.get("/bundles/company-change/start/").content.decode()
    assert html.count('type="checkbox"') == 4 and "可多选" in html
    r = client.get("/bundles/company-change/apply/?a.changed=name&a.changed=address")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'name="a.changed" value="name"' in html and 'name="a.changed" value="address"' in html
    guide = client.get("/bundles/restaurant/").content.decode()
    assert "选“个体工商户”的，请使用个人账号申请；选“企业（公司）”的，请使用企业（法人）账号申请" in guide
    start = client.get("/bundles/restaurant/start/").content.decode()
    assert "选“个体工商户”的，请使用个人账号申请" in start
    r = client.get("/bundles/restaurant/apply/?a.subject=individual")
    assert r.status_code == 403 and "请使用自然人账号申请" in r.content.decode()


def test_the_card_waits_for_the_household_registration_and_the_page_says_so(
    world, newborn_card, django_capture_on_commit_callbacks
):
    n = newborn_card
    bcase = services.bundle_case_submit(
        actor=world.citizen,
        bundle_code="newborn",
        answers={"insured": "yes"},
        form=newborn_form(world),
        channel="online",
        materials=[pdf("delivery_record"), pdf("id_card")],
        on=MON,
    )
    kids = {c.item_code: c.case for c in bcase.children.select_related("case")}
    card = kids[n.card.code]
    assert card.status == "draft" and card.waiting_for == "等待“出生登记（户口）”办结"
    steps = {s["item"]: s for s in presenters.bundle_case_detail(bcase)["next_steps"]}
    assert steps["社会保障卡申领"]["depends_on"] == ["出生登记（户口）"]
    assert steps["社会保障卡申领"]["when"].startswith("等“出生登记（户口）”办好后，")
    assert "您不用再提交申请或材料" in steps["社会保障卡申领"]["when"]
    assert "社会保障卡（电子证照" in steps["社会保障卡申领"]["what"]
    assert steps["出生医学证明签发"]["state"] == "active"
    assert steps["出生医学证明签发"]["when"] == (
        "武汉市卫生健康委员会已收到您的申请，正在核对材料；受理后 3 个工作日内办好。"
    )
    with django_capture_on_commit_callbacks(execute=True):
        finish(kids[n.birth.code], world, reviewer=world.reviewer2, approver=world.approver2)
    assert Case.objects.get(pk=card.pk).status == "draft"  # 户口 not done yet: still held
    with django_capture_on_commit_callbacks(execute=True):
        finish(
            Case.objects.get(pk=kids[n.hukou.code].pk),
            world,
            reviewer=world.reviewer,
            approver=world.approver,
        )
    card = Case.objects.get(pk=card.pk)
    assert card.status == "submitted" and card.waiting_for == ""
    steps = {s["item"]: s for s in presenters.bundle_case_detail(bcase)["next_steps"]}
    assert steps["出生登记（户口）"]["state"] == "done" and steps["社会保障卡申领"]["state"] == "active"


def test_a_refused_household_registration_stops_the_card_in_plain_words(
    world, newborn_card, django_capture_on_commit_callbacks
):
    n = newborn_card
    bcase = services.bundle_case_submit(
        actor=world.citizen,
        bundle_code="newborn",
        answers={"insured": "yes"},
        form=newborn_form(world),
        channel="online",
        materials=[pdf("delivery_record"), pdf("id_card")],
        on=MON,
    )
    kids = {c.item_code: c.case for c in bcase.children.select_related("case")}
    with django_capture_on_commit_callbacks(execute=True):
        finish(kids[n.birth.code], world, reviewer=world.reviewer2, approver=world.approver2)
    with django_capture_on_commit_callbacks(execute=True):
        finish(
            Case.objects.get(pk=kids[n.hukou.code].pk),
            world,
            reviewer=world.reviewer,
            approver=world.approver,
            decision="deny",
        )
    steps = {s["item"]: s for s in presenters.bundle_case_detail(bcase)["next_steps"]}
    assert (
        steps["出生登记（户口）"]["state"] == "stopped" and "不符合条件" in steps["出生登记（户口）"]["when"]
    )
    assert steps["社会保障卡申领"]["state"] == "stopped"
    assert (
        steps["社会保障卡申领"]["when"] == "这一项不再办理：前置事项“出生登记（户口）”未能办结，本事项终止。"
    )
