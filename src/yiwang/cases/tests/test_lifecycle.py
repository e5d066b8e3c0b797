"""Case lifecycle through the services: submission, acceptance, review, decision, completion,
the clock and its stops, supplements, withdrawal."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from yiwang.accounts.models import PersonalDataView, User
from yiwang.accounts.services import id_number_hash
from yiwang.cases import selectors, services
from yiwang.cases.models import Case, CaseEvent, CaseParty, CaseRecord, Notice, Status
from yiwang.core.errors import InvalidTransition, PermissionDenied, StaleVersion, ValidationFailed
from yiwang.core.testing import good_form, good_materials, make_ric

MON = date(2026, 11, 2)  # a Monday in a month without holidays


def submit(world, *, user=None, item=None, on=MON, **kw):
    return services.case_submit(
        actor=user or world.citizen,
        item_code=(item or world.item).code,
        form=kw.pop("form", good_form()),
        channel=kw.pop("channel", "online"),
        materials=kw.pop("materials", good_materials()),
        on=on,
        **kw,
    )


def act(case, user, action, on=MON, **kw):
    case = Case.objects.get(pk=case.pk)
    return services.case_apply_action(case=case, actor=user, action=action, on=on, **kw)


def test_online_submission_records_everything(world):
    case = submit(world)
    assert case.status == Status.SUBMITTED
    assert case.number.startswith("42010020261102")
    assert case.received_on == MON
    assert case.channel == "online" and case.owner == world.citizen and case.filed_by == world.citizen
    assert [e.action for e in case.events.order_by("seq")] == ["create", "submit"]
    assert list(case.events.order_by("seq").values_list("seq", flat=True)) == [1, 2]
    applicant = CaseParty.objects.get(case=case, role="applicant")
    assert applicant.id_number == world.citizen.id_number
    assert case.materials.count() == 2
    assert Notice.objects.filter(case=case, kind="receipt").count() == 1


def test_sensitive_values_are_encrypted_at_rest(world):
    case = submit(world)
    id_number = good_form()["applicant.id_number"]
    with connection.cursor() as cur:
        cur.execute("SELECT form FROM cases_case WHERE id = %s", [case.pk])
        raw_form = str(cur.fetchone()[0])
        cur.execute("SELECT id_number FROM cases_caseparty WHERE case_id = %s", [case.pk])
        raw_party = cur.fetchone()[0]
        cur.execute("SELECT id_number FROM accounts_user WHERE id = %s", [world.citizen.pk])
        raw_user = cur.fetchone()[0]
    for raw in (raw_form, raw_party, raw_user):
        assert id_number not in raw
        assert "enc1." in raw
    assert "13800138000" not in raw_form
    # non-sensitive values stay plain
    assert "premises.area" in raw_form and "80" in raw_form
    # and the stored form decrypts back
    assert services.form_reveal(Case.objects.get(pk=case.pk).form)["applicant.id_number"] == id_number


def test_promised_item_full_lifecycle(world):
    case = submit(world)
    case = act(case, world.clerk, "accept")
    assert case.status == Status.ACCEPTED
    assert case.accepted_on == MON
    assert case.due_date == date(2026, 11, 9)  # 5th working day strictly after Mon 2 Nov
    assert case.hall == world.hall and case.window == world.window
    case = act(case, world.reviewer, "review", on=date(2026, 11, 3), note="材料齐全")
    case = act(case, world.approver, "approve", on=date(2026, 11, 4))
    case = act(case, world.approver, "complete", on=date(2026, 11, 4), delivery="electronic")
    assert case.status == Status.COMPLETED and case.decision == "approve" and case.delivery == "electronic"
    events = list(case.events.order_by("seq").values_list("action", "from_status", "to_status", "actor_role"))
    assert events[2:] == [
        ("accept", "submitted", "accepted", "clerk"),
        ("review", "accepted", "reviewed", "reviewer"),
        ("approve", "reviewed", "approved", "approver"),
        ("complete", "approved", "completed", "approver"),
    ]
    kinds = list(case.notices.values_list("kind", flat=True))
    assert kinds == ["receipt", "acceptance", "approval", "completion"]


def test_immediate_item_is_decided_by_the_clerk_on_the_spot(world):
    case = submit(world, item=world.item_immediate)
    case = act(case, world.clerk, "accept")
    case = act(case, world.clerk, "approve")
    case = act(case, world.clerk, "complete", delivery="window")
    assert case.status == Status.COMPLETED


def test_clerk_cannot_decide_a_promised_item(world):
    case = act(submit(world), world.clerk, "accept")
    with pytest.raises(PermissionDenied):
        act(case, world.clerk, "approve")


def test_promised_item_needs_review_before_decision(world):
    case = act(submit(world), world.clerk, "accept")
    with pytest.raises(InvalidTransition):
        act(case, world.approver, "approve")


def test_state_is_checked(world):
    case = submit(world)
    with pytest.raises(InvalidTransition):
        act(case, world.reviewer, "review")
    case = act(case, world.clerk, "accept")
    with pytest.raises(InvalidTransition):
        act(case, world.clerk, "accept")  # replayed


def test_roles_and_scopes_are_checked(world):
    case = submit(world)
    with pytest.raises(PermissionDenied):
        act(case, world.citizen, "accept")
    with pytest.raises(PermissionDenied):
        act(case, world.reviewer2, "accept")
    case = act(case, world.clerk, "accept")
    # another department's reviewer does not even see it
    assert not selectors.cases_visible(user=world.reviewer2).filter(pk=case.pk).exists()
    # a clerk of another hall no longer sees a case accepted here
    assert not selectors.cases_visible(user=world.clerk_other_hall).filter(pk=case.pk).exists()
    with pytest.raises(PermissionDenied):
        act(case, world.supervisor, "review")


def test_stale_version_is_refused(world):
    case = submit(world)
    old = case.version
    act(case, world.clerk, "accept", version=old)
    with pytest.raises(StaleVersion):
        act(case, world.clerk, "refuse", version=old, reason="重复")


def test_refusal_gives_reason_and_notice(world):
    case = act(submit(world), world.clerk, "refuse", reason="不属于本机关职权范围")
    assert case.status == Status.REFUSED
    assert case.notices.filter(kind="refusal").exists()
    with pytest.raises(ValidationFailed):
        act(submit(world), world.clerk, "refuse")  # reason is required


def test_supplement_within_five_working_days_then_accept(world):
    case = submit(world)
    case = act(
        case, world.clerk, "request_supplement", on=date(2026, 11, 6), missing=["经营场所平面图需加盖公章"]
    )
    assert case.status == Status.SUPPLEMENT_REQUESTED
    with pytest.raises(InvalidTransition):
        act(case, world.clerk, "accept", on=date(2026, 11, 6))
    case = act(case, world.citizen, "supplement", on=date(2026, 11, 10), materials=[good_materials()[1]])
    assert case.status == Status.SUBMITTED and case.received_on == date(2026, 11, 10)
    case = act(case, world.clerk, "accept", on=date(2026, 11, 11))
    assert case.accepted_on == date(2026, 11, 11)


def test_supplement_request_after_five_working_days_is_refused(world):
    case = submit(world)
    with pytest.raises(InvalidTransition, match="视为"):
        act(case, world.clerk, "request_supplement", on=date(2026, 11, 10), missing=["x"])


def test_late_acceptance_counts_from_receipt(world):
    case = submit(world)
    case = act(case, world.clerk, "accept", on=date(2026, 11, 16))
    assert case.accepted_on == MON
    assert case.due_date == date(2026, 11, 9)
    assert case.events.get(action="accept").data["deemed_accepted_on_receipt"] is True


def test_special_procedure_stops_the_clock_by_the_s_e_rule(world):
    case = act(submit(world), world.clerk, "accept")
    assert case.due_date == date(2026, 11, 9)
    case = act(
        case,
        world.reviewer,
        "start_special_procedure",
        on=date(2026, 11, 3),
        kind="expert_review",
        basis="《食品经营许可管理办法》第二十条",
        expected_days=10,
    )
    assert case.clock_stopped
    with pytest.raises(InvalidTransition):
        act(case, world.reviewer, "suspend", on=date(2026, 11, 3), reason="x")
    case = act(case, world.reviewer, "end_special_procedure", on=date(2026, 11, 5))
    # working days in (3 Nov, 5 Nov] = 4th and 5th: two days added
    assert case.due_date == date(2026, 11, 11)
    assert not case.clock_stopped
    assert case.notices.filter(kind="special_procedure").exists()


def test_same_day_stop_costs_nothing(world):
    case = act(submit(world), world.clerk, "accept")
    case = act(case, world.approver, "suspend", on=date(2026, 11, 3), reason="等待申请人确认")
    case = act(case, world.approver, "resume", on=date(2026, 11, 3))
    assert case.due_date == date(2026, 11, 9)


def test_extension_once_by_ten_working_days(world):
    case = act(submit(world), world.clerk, "accept")
    case = act(case, world.approver, "extend", reason="情况复杂，经负责人批准")
    assert case.extension_days == 10
    assert case.due_date == date(2026, 11, 23)
    with pytest.raises(InvalidTransition):
        act(case, world.approver, "extend", reason="再次")
    with pytest.raises(PermissionDenied):
        act(case, world.reviewer, "extend", reason="x")


def test_clock_view_warning_levels(world):
    from yiwang.cases.clock import clock_view

    case = act(submit(world), world.clerk, "accept")
    assert clock_view(case, today=MON).warning_level == "normal"
    assert clock_view(case, today=MON).working_days_left == 5
    view = clock_view(case, today=date(2026, 11, 5))
    assert (view.working_days_left, view.warning_level) == (2, "yellow")
    view = clock_view(case, today=date(2026, 11, 10))
    assert view.warning_level == "red" and view.working_days_left == -1


def test_return_goes_back_one_step(world):
    case = act(act(submit(world), world.clerk, "accept"), world.reviewer, "review")
    case = act(case, world.approver, "return", reason="请补充现场核查意见")
    assert case.status == Status.ACCEPTED
    case = act(case, world.reviewer, "return", reason="材料不符，退回窗口")
    assert case.status == Status.SUBMITTED


def test_transfer_to_another_department(world):
    case = act(submit(world), world.clerk, "accept")
    case = act(case, world.reviewer, "transfer", department=str(world.dept2.pk), reason="属卫健部门职责")
    assert case.department == world.dept2
    assert selectors.cases_visible(user=world.reviewer2).filter(pk=case.pk).exists()
    assert not selectors.cases_visible(user=world.reviewer).filter(pk=case.pk).exists()


def test_withdraw_before_decision_only(world):
    case = act(submit(world), world.citizen, "withdraw")
    assert case.status == Status.WITHDRAWN
    done = act(
        act(act(submit(world, item=world.item_immediate), world.clerk, "accept"), world.clerk, "approve"),
        world.clerk,
        "complete",
        delivery="window",
    )
    with pytest.raises(InvalidTransition):
        act(done, world.citizen, "withdraw")
    with pytest.raises(PermissionDenied):
        act(submit(world), world.citizen2, "withdraw")


def test_window_submission_identifies_applicant_on_the_spot(world):
    walk_in = make_ric(region="420103", born=date(1950, 5, 6), serial=77)
    case = services.case_submit(
        actor=world.clerk,
        item_code=world.item.code,
        form=good_form(**{"applicant.id_number": walk_in, "applicant.name": "赵大爷"}),
        channel="window",
        parties={"applicant": {"name": "赵大爷", "id_number": walk_in, "phone": "13700137000"}},
        on=MON,
    )
    assert case.channel == "window" and case.filed_by == world.clerk and case.hall == world.hall
    # a filing is no identity procedure: the new account is level 3, not 5 (docs/security.md)
    assert case.owner.display_name == "赵大爷" and case.owner.trust_level == 3
    assert not case.owner.has_usable_password()


def test_a_window_filing_does_not_raise_an_accounts_trust_level(world):
    before = world.citizen2.trust_level
    assert before < 5
    case = services.case_submit(
        actor=world.clerk,
        item_code=world.item.code,
        form=good_form(**{"applicant.id_number": world.citizen2.id_number, "applicant.name": "李娜"}),
        channel="window",
        parties={
            "applicant": {"name": "李娜", "id_number": world.citizen2.id_number, "phone": "13700137000"}
        },
        on=MON,
    )
    assert case.owner == world.citizen2
    world.citizen2.refresh_from_db()
    assert world.citizen2.trust_level == before


def test_an_online_form_cannot_name_another_persons_id_number(world):
    other = world.citizen2.id_number
    with pytest.raises(ValidationFailed) as exc:
        submit(world, form=good_form(**{"applicant.id_number": other}))
    assert "本人名义" in exc.value.fields["applicant.id_number"][0]
    assert not Case.objects.exists()


def test_online_filing_in_someone_elses_name_is_refused(world):
    other = world.citizen2.id_number
    with pytest.raises(PermissionDenied) as exc:
        submit(world, parties={"applicant": {"name": "随便", "id_number": other}})
    assert exc.value.code == "agent_not_authorised"
    assert not Case.objects.filter(owner=world.citizen2).exists()
    stranger = make_ric(serial=909)
    with pytest.raises(PermissionDenied):
        submit(world, parties={"applicant": {"name": "某人", "id_number": stranger}})
    assert not User.objects.filter(id_number_hash=id_number_hash(stranger)).exists()  # no account squatting
    # naming oneself is fine
    assert (
        submit(world, parties={"applicant": {"name": "张伟", "id_number": world.citizen.id_number}}).owner
        == world.citizen
    )


def test_agent_at_the_window_is_recorded(world):
    principal_id = make_ric(serial=303)
    agent_id = make_ric(serial=404)
    case = services.case_submit(
        actor=world.clerk,
        item_code=world.item.code,
        form=good_form(**{"applicant.id_number": principal_id, "applicant.name": "王芳"}),
        channel="window",
        parties={
            "applicant": {"name": "王芳", "id_number": principal_id},
            "agent": {"name": "赵六", "id_number": agent_id, "phone": "13500135000"},
        },
        on=MON,
    )
    roles = dict(case.parties.values_list("role", "name"))
    assert roles == {"applicant": "王芳", "agent": "赵六"}
    assert case.owner.display_name == "王芳" and case.filed_by == world.clerk
    with pytest.raises(ValidationFailed) as exc:
        services.case_submit(
            actor=world.clerk,
            item_code=world.item.code,
            form=good_form(),
            channel="window",
            parties={
                "applicant": {"name": "王芳", "id_number": principal_id},
                "agent": {"name": "<b>x</b>", "id_number": agent_id},
            },
        )
    assert "parties.agent.name" in exc.value.fields


def test_drafts_save_partial_forms(world):
    case = submit(world, draft=True, form={"applicant.name": "张伟"})
    assert case.status == Status.DRAFT
    case = services.case_update_draft(case=case, actor=world.citizen, form=good_form())
    case = act(case, world.citizen, "submit")
    assert case.status == Status.SUBMITTED


def test_bad_input_leaves_nothing_behind(world):
    before = (Case.objects.count(), CaseEvent.objects.count(), CaseParty.objects.count())
    bad = [
        dict(form=good_form(**{"applicant.id_number": "420102199001011230"})),
        dict(form={k: v for k, v in good_form().items() if k != "premises.address"}),
        dict(form=good_form(**{"unknown.field": "x"})),
        dict(form=good_form(**{"premises.area": "很大"})),
        dict(form=good_form(**{"premises.address": "<script>alert(1)</script>"})),
        dict(
            materials=[
                good_materials()[0],
                {
                    "code": "site_plan",
                    "name": "平面图.pdf",
                    "content_base64": good_materials()[1]["content_base64"],
                },
            ]
        ),
        dict(materials=[{"code": "id_card", "name": "a.pdf", "content_base64": "bm90IGEgcGRm"}]),
        dict(materials=[]),
    ]
    for kw in bad:
        with pytest.raises(ValidationFailed) as exc:
            submit(world, **kw)
        assert exc.value.fields, kw
    with pytest.raises(ValidationFailed) as exc:
        services.case_submit(
            actor=world.citizen, item_code="NO-SUCH-ITEM", form=good_form(), channel="online", on=MON
        )
    assert "item_code" in exc.value.fields
    assert (Case.objects.count(), CaseEvent.objects.count(), CaseParty.objects.count()) == before


def test_oversized_upload_is_refused(world, settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationFailed) as exc:
        submit(world)
    assert "materials.id_card" in exc.value.fields


def test_staff_reveal_of_personal_data_is_logged(world):
    case = act(submit(world), world.clerk, "accept")
    masked = selectors.case_form(case=case, viewer=world.reviewer)
    assert masked["applicant.id_number"].startswith("420102") and "*" in masked["applicant.id_number"]
    full = selectors.case_form(case=case, viewer=world.reviewer, reveal=True)
    assert full["applicant.id_number"] == good_form()["applicant.id_number"]
    assert PersonalDataView.objects.filter(viewer=world.reviewer, object_ref=case.number).exists()
    with pytest.raises(PermissionDenied):
        selectors.case_form(case=case, viewer=world.supervisor, reveal=True)


def test_department_succession_moves_open_cases(world):
    from yiwang.organizations.services import department_succeed

    open_case = act(submit(world), world.clerk, "accept")
    done = act(
        act(act(submit(world, item=world.item_immediate), world.clerk, "accept"), world.clerk, "approve"),
        world.clerk,
        "complete",
        delivery="window",
    )
    moved = department_succeed(
        department=world.dept, successor=world.dept2, on=date(2026, 12, 1), actor=world.platform_admin
    )
    assert moved == 1
    assert Case.objects.get(pk=open_case.pk).department == world.dept2
    assert Case.objects.get(pk=done.pk).department == world.dept
    assert Case.objects.get(pk=open_case.pk).events.filter(action="moved").exists()
    world.dept.refresh_from_db()
    assert world.dept.valid_until == date(2026, 11, 30) and world.dept.successor == world.dept2


def test_recompute_due_dates_records_the_change(world):
    case = act(submit(world), world.clerk, "accept")
    Case.objects.filter(pk=case.pk).update(due_date=date(2026, 11, 20), due_date_provisional=True)
    assert services.cases_recompute_due_dates(years={2026}, reason="测试", on=MON) == 1
    case.refresh_from_db()
    assert case.due_date == date(2026, 11, 9) and not case.due_date_provisional
    assert CaseRecord.objects.filter(case=case, kind="due_date_recomputed").count() == 1
    assert services.cases_recompute_due_dates(years={2026}, reason="测试", on=MON) == 0


# a day within the statutory limit: the extension is offered only then
@time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_allowed_actions_follow_role_scope_and_state(world):
    case = submit(world, on=services.today())
    assert selectors.allowed_actions(actor=world.clerk, case=case) == [
        "accept",
        "refuse",
        "request_supplement",
    ]
    assert selectors.allowed_actions(actor=world.citizen, case=case) == ["withdraw"]
    assert selectors.allowed_actions(actor=world.reviewer, case=case) == []
    case = act(case, world.clerk, "accept")
    assert set(selectors.allowed_actions(actor=world.reviewer, case=case)) == {
        "review",
        "request_extension",
        "return",
        "transfer",
        "start_special_procedure",
        "suspend",
    }
    assert "approve" not in selectors.allowed_actions(actor=world.approver, case=case)
    case = act(case, world.reviewer, "review")
    assert {"approve", "deny", "return", "extend"} <= set(
        selectors.allowed_actions(actor=world.approver, case=case)
    )
    assert selectors.allowed_actions(actor=world.citizen2, case=case) == []


def test_drafts_are_the_applicants_own(world):
    from yiwang.core.errors import NotFound

    case = submit(world, draft=True, form={"applicant.name": "张伟"})
    for user in (world.clerk, world.clerk_other_hall, world.reviewer, world.supervisor, world.platform_admin):
        with pytest.raises(NotFound):
            selectors.case_for_actor(actor=user, number=case.number)
        assert services.acting_roles(actor=user, case=case) == set()


def test_a_plain_value_that_looks_like_a_token_stays_plain(world):
    case = submit(
        world,
        form=good_form(**{"premises.address": "enc1.1.AAAA"}),
        parties={"subject": {"name": "张小宝", "id_number": make_ric(serial=808), "phone": ""}},
    )
    case = Case.objects.get(pk=case.pk)
    assert services.form_reveal(case.form)["premises.address"] == "enc1.1.AAAA"
    assert [p.name for p in case.parties.all()]  # readable, not a decryption error


def test_transfer_to_another_region_makes_it_visible_there(world):
    from yiwang.core.testing import make_uscc
    from yiwang.organizations.models import Department, Region
    from yiwang.organizations.services import staff_create

    huangshi = Region.objects.create(code="420200", name="黄石市", level="city")
    far = Department.objects.create(
        name="黄石市市场监督管理局", uscc=make_uscc("hs", region="420200"), region=huangshi
    )
    reviewer = staff_create(
        username="hs_reviewer",
        password="pass-1234-word",
        name="黄石审核",
        roles=[{"role": "reviewer", "department": far}],
    )
    case = act(submit(world), world.clerk, "accept")
    case = act(case, world.reviewer, "transfer", department=far.uscc, reason="属地管辖")
    assert case.region == huangshi
    assert selectors.case_for_actor(actor=reviewer, number=case.number) == case


def test_reaccepting_a_returned_case_keeps_extension_and_stops(world):
    case = act(submit(world), world.clerk, "accept")
    case = act(case, world.approver, "extend", reason="复杂")
    due = case.due_date
    case = act(case, world.reviewer, "return", reason="退回窗口补录")
    case = act(case, world.clerk, "accept", on=date(2026, 11, 4))
    assert case.due_date == due and case.accepted_on == MON


def test_a_stop_after_the_due_date_does_not_move_it(world):
    case = act(submit(world), world.clerk, "accept")  # due 9 Nov
    case = act(case, world.reviewer, "suspend", on=date(2026, 11, 16), reason="等待")
    case = act(case, world.reviewer, "resume", on=date(2026, 11, 20))
    assert case.due_date == date(2026, 11, 9)


def test_deemed_acceptance_blocks_a_late_refusal_and_starts_the_clock(world):
    from yiwang.cases.clock import clock_view

    case = submit(world)
    view = clock_view(case, today=date(2026, 11, 16))
    assert view.clock == "running" and view.due_date == date(2026, 11, 9) and view.warning_level == "red"
    with pytest.raises(InvalidTransition, match="视为"):
        act(case, world.clerk, "refuse", on=date(2026, 11, 16), reason="x")


def test_failed_submission_leaves_no_files(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bad = [good_materials()[0], {"code": "site_plan", "name": "x.png", "content_base64": "bm90IGFuIGltYWdl"}]
    with pytest.raises(ValidationFailed):
        submit(world, materials=bad)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_material_uploads_are_recorded_and_limited_by_state(world):
    from yiwang.core.testing import MINIMAL_PDF

    case = submit(world)
    with pytest.raises(InvalidTransition):  # the applicant adds files only when asked to
        services.case_material_add(
            case=case, actor=world.citizen, code="other", name="o.pdf", data=MINIMAL_PDF
        )
    services.case_material_add(case=case, actor=world.clerk, code="other", name="o.pdf", data=MINIMAL_PDF)
    case.refresh_from_db()
    assert case.events.filter(action="add_material").count() == 1 and case.version == 3


def test_draft_saves_are_version_checked_and_atomic(world):
    case = submit(world, draft=True, form={"applicant.name": "张伟"}, materials=[])
    v = case.version
    services.case_update_draft(case=case, actor=world.citizen, form=good_form(), version=v)
    with pytest.raises(StaleVersion):  # a second tab saving over the first
        services.case_update_draft(
            case=Case.objects.get(pk=case.pk), actor=world.citizen, form=good_form(), version=v
        )
    fresh = Case.objects.get(pk=case.pk)
    before = fresh.version
    with pytest.raises(ValidationFailed):  # submit without the required files: nothing of it is kept
        services.case_update_draft(
            case=fresh,
            actor=world.citizen,
            form=good_form(**{"premises.area": 99}),
            version=fresh.version,
            submit=True,
        )
    again = Case.objects.get(pk=case.pk)
    assert again.version == before and services.form_reveal(again.form)["premises.area"] == 80
    done = services.case_update_draft(
        case=again,
        actor=world.citizen,
        form=good_form(),
        version=again.version,
        materials=good_materials(),
        submit=True,
    )
    assert done.status == Status.SUBMITTED and done.materials.count() == 2
