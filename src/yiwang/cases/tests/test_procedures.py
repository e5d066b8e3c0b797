"""容缺受理, 告知承诺制 and the 离婚冷静期 as procedures (cases/services/procedures.py, the rules
in cases/rules.py `_procedure_check`): each step recorded, ledgered and told to the applicant;
bad input refused with the contract's error and nothing changed. Dates are pinned (`on=`)."""

from datetime import date

import pytest

from yiwang.cases import selectors, services
from yiwang.cases.models import (
    Case,
    CaseEvent,
    ClockStop,
    Commitment,
    CoolingOff,
    Dishonesty,
    Notice,
    Status,
    StopKind,
    ToleratedMaterial,
    Verification,
)
from yiwang.cases.services.procedures import cooling_dates, procedures_sweep
from yiwang.catalog.models import ItemVersion
from yiwang.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from yiwang.core.testing import good_form, good_materials
from yiwang.ledger.models import PendingEntry
from yiwang.licenses.models import License, LicenseStatus
from yiwang.licenses.tests.factories import licensed
from yiwang.notifications.models import Notification

MON = date(2026, 11, 2)  # a Monday in a month without holidays


def submit(world, *, item=None, on=MON, **kw):
    return services.case_submit(
        actor=kw.pop("user", world.citizen),
        item_code=(item or world.item).code,
        form=good_form(),
        channel=kw.pop("channel", "online"),
        materials=kw.pop("materials", good_materials()),
        on=on,
        **kw,
    )


def act(case, user, action, on=MON, **kw):
    case = Case.objects.get(pk=case.pk)
    return services.case_apply_action(case=case, actor=user, action=action, on=on, **kw)


def only_id_card():
    return [m for m in good_materials() if m["code"] == "id_card"]


def snapshot(case):
    c = Case.objects.get(pk=case.pk)
    return (
        c.status,
        c.version,
        c.events.count(),
        c.notices.count(),
        PendingEntry.objects.count(),
        ToleratedMaterial.objects.count(),
        Notification.objects.count(),
    )


# --- 容缺受理 -----------------------------------------------------------------------------------------
def test_tolerated_acceptance_tracks_the_material_and_issues_its_notice(world):
    ItemVersion.objects.filter(item=world.item).update(tolerance_days=3)
    case = submit(world, materials=only_id_card())  # site_plan is tolerable on world.item
    case = act(case, world.clerk, "accept")
    row = ToleratedMaterial.objects.get(case=case)
    assert (row.material_code, row.due_on) == ("site_plan", date(2026, 11, 5))  # 3 working days
    notice = Notice.objects.get(case=case, kind="tolerance")
    assert notice.ledger_entry and notice.data["due_on"] == "2026-11-05"
    assert CaseEvent.objects.get(case=case, action="accept").data["tolerated"] == ["site_plan"]
    msg = Notification.objects.get(recipient=world.citizen, kind="case.tolerance_accepted")
    assert "经营场所平面图" in msg.body and "2026-11-05" in msg.body and msg.legal
    from yiwang.cases import notices

    html = notices.render_html(notice)
    assert "容缺受理告知书" in html and "经营场所平面图" in html and "2026-11-05" in html


def test_a_window_clerk_names_the_tolerated_material(world):
    case = submit(world, user=world.clerk, channel="window", materials=[], parties=_window_party(world))
    case = act(case, world.clerk, "accept", tolerated=["site_plan"])
    assert list(case.tolerated.values_list("material_code", flat=True)) == ["site_plan"]


def _window_party(world):
    form = good_form()
    return {"applicant": {"name": "张伟", "id_number": form["applicant.id_number"], "phone": "13800138000"}}


def test_a_material_that_is_not_tolerable_is_refused_and_nothing_changes(world):
    case = submit(world, user=world.clerk, channel="window", materials=[], parties=_window_party(world))
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as exc:
        act(case, world.clerk, "accept", tolerated=["id_card"])
    assert exc.value.fields["tolerated"] == ["“身份证明”不是可容缺材料，须补齐后受理"]
    with pytest.raises(ValidationFailed) as exc:
        act(case, world.clerk, "accept", tolerated=["nonexistent"])
    assert "本事项没有材料“nonexistent”" in exc.value.fields["tolerated"]
    assert snapshot(case) == before


def test_an_item_without_tolerance_refuses_any_tolerated_material(world):
    ItemVersion.objects.filter(item=world.item).update(tolerance_acceptance=False)
    case = submit(world, user=world.clerk, channel="window", materials=[], parties=_window_party(world))
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as exc:
        act(case, world.clerk, "accept", tolerated=["site_plan"])
    assert exc.value.fields["tolerated"] == ["“食品经营许可（新办）”不实行容缺受理，材料须齐全后受理"]
    assert snapshot(case) == before


def test_no_approval_while_a_tolerated_material_is_outstanding(world):
    case = submit(world, materials=only_id_card())
    act(case, world.clerk, "accept")
    act(case, world.reviewer, "review")
    with pytest.raises(InvalidTransition, match="容缺材料（经营场所平面图）尚未补交"):
        act(case, world.approver, "approve")
    assert "approve" not in selectors.allowed_actions(actor=world.approver, case=Case.objects.get(pk=case.pk))
    case = act(case, world.clerk, "tolerance_receive", on=date(2026, 11, 4), material="site_plan")
    assert ToleratedMaterial.objects.get(case=case).received_on == date(2026, 11, 4)
    case = act(case, world.approver, "approve", on=date(2026, 11, 4))
    assert case.status == Status.APPROVED


def test_receiving_a_material_not_outstanding_is_refused(world):
    case = submit(world, materials=only_id_card())
    act(case, world.clerk, "accept")
    with pytest.raises(ValidationFailed) as exc:
        act(case, world.clerk, "tolerance_receive", material="id_card")
    assert exc.value.fields["material"] == ["本件没有待补交的容缺材料“id_card”"]


def test_reminder_before_the_deadline_once(world):
    case = submit(world, materials=only_id_card())
    act(case, world.clerk, "accept")  # due 2026-11-09 (5 working days)
    assert procedures_sweep(on=date(2026, 11, 4)) == {"reminded": 0, "lapsed": 0}  # 3 days left
    assert procedures_sweep(on=date(2026, 11, 5)) == {"reminded": 1, "lapsed": 0}  # 2 left: 黄灯
    assert procedures_sweep(on=date(2026, 11, 6)) == {"reminded": 0, "lapsed": 0}  # once
    msg = Notification.objects.get(recipient=world.citizen, kind="case.tolerance_reminder")
    assert "2026-11-09" in msg.title
    assert ToleratedMaterial.objects.get(case=case).reminded_on == date(2026, 11, 5)
    assert (
        CaseEvent.objects.filter(case=case, action="tolerance_reminded", ledger_entry__isnull=False).count()
        == 1
    )


def test_lapse_suspends_the_decision_and_the_material_resumes_it(world):
    ItemVersion.objects.filter(item=world.item).update(tolerance_days=2)
    case = submit(world, materials=only_id_card())
    act(case, world.clerk, "accept")  # material due Wed 4 Nov, decision due Mon 9 Nov
    with pytest.raises(InvalidTransition, match="补交期限未届满"):
        act(case, world.reviewer, "tolerance_lapse", on=date(2026, 11, 4))  # the due day itself
    case = act(case, world.reviewer, "tolerance_lapse", on=date(2026, 11, 5))
    assert case.status == Status.ACCEPTED and case.clock_stopped
    assert ClockStop.objects.get(case=case).kind == StopKind.TOLERANCE
    assert Notice.objects.filter(case=case, kind="tolerance_lapsed").count() == 1
    assert Notification.objects.filter(recipient=world.citizen, kind="case.tolerance_lapsed").count() == 1
    with pytest.raises(InvalidTransition):  # once
        act(case, world.reviewer, "tolerance_lapse", on=date(2026, 11, 6))
    case = act(case, world.clerk, "tolerance_receive", on=date(2026, 11, 9), material="site_plan")
    assert not case.clock_stopped
    assert case.due_date == date(2026, 11, 11)  # 9 Nov + the working days stopped in (5, 9]: 6, 9
    ev = CaseEvent.objects.get(case=case, action="tolerance_receive")
    assert ev.data["resumed"] is True and ev.ledger_entry


def test_lapse_refuses_when_the_item_says_so(world):
    ItemVersion.objects.filter(item=world.item).update(tolerance_lapse="refuse")
    case = submit(world, materials=only_id_card())
    act(case, world.clerk, "accept")
    with pytest.raises(PermissionDenied, match="审批人"):
        act(case, world.reviewer, "tolerance_lapse", on=date(2026, 11, 10))
    case = act(case, world.approver, "tolerance_lapse", on=date(2026, 11, 10))
    assert case.status == Status.DENIED and case.decision == "deny"
    denial = Notice.objects.get(case=case, kind="denial")
    assert (
        "经营场所平面图" in denial.data["reason"] and denial.data["remedy"]["review_body"] == "武汉市人民政府"
    )


# --- 告知承诺制 -----------------------------------------------------------------------------------------
@pytest.fixture
def commitment_world(world):
    licensed(world)
    ItemVersion.objects.filter(item=world.item).update(
        commitment_system=True, commitment_replaces=["site_plan"], verification_days=10
    )
    return world


def test_commitment_route_stores_the_text_and_its_hash_in_the_ledger(commitment_world):
    w = commitment_world
    case = submit(w, materials=only_id_card(), route="commitment", commitment_accepted=True)
    c = Commitment.objects.get(case=case)
    assert "以本承诺代替经营场所平面图" in c.text and c.replaces == ["site_plan"]
    ev = CaseEvent.objects.get(case=case, action="submit")
    assert ev.data == {"route": "commitment", "commitment_sha256": c.sha256} and ev.ledger_entry
    entry = PendingEntry.objects.get(pk=ev.ledger_entry)
    assert entry.payload["data"]["commitment_sha256"] == c.sha256
    assert Notification.objects.filter(recipient=w.citizen, kind="case.commitment_accepted").count() == 1
    # the commitment replaces site_plan: accepted without 容缺, decided on the commitment
    act(case, w.clerk, "accept")
    assert not ToleratedMaterial.objects.filter(case=case).exists()


def test_commitment_route_on_an_item_without_it_is_refused(world):
    with pytest.raises(ValidationFailed) as exc:
        submit(world, route="commitment", commitment_accepted=True)
    assert exc.value.fields["route"] == ["“食品经营许可（新办）”不实行告知承诺制，请按一般程序提交材料"]
    assert Case.objects.count() == 0 and PendingEntry.objects.count() == 0


def test_commitment_must_be_accepted(commitment_world):
    with pytest.raises(ValidationFailed) as exc:
        submit(commitment_world, route="commitment")
    assert exc.value.fields["commitment_accepted"] == ["请阅读并同意告知承诺书"]
    assert Case.objects.count() == 0


def test_the_ordinary_route_still_needs_every_material(commitment_world):
    ItemVersion.objects.filter(item=commitment_world.item).update(tolerance_acceptance=False)
    with pytest.raises(ValidationFailed) as exc:
        submit(commitment_world, materials=only_id_card())
    assert exc.value.fields == {"materials.site_plan": ["请上传经营场所平面图"]}


def _decided_on_commitment(w, on=MON):
    case = submit(w, materials=only_id_card(), route="commitment", commitment_accepted=True, on=on)
    act(case, w.clerk, "accept", on=on)
    act(case, w.reviewer, "review", on=on)
    act(case, w.approver, "approve", on=on)
    return act(case, w.approver, "complete", on=on, delivery="electronic")


def test_approval_on_commitment_opens_the_verification(commitment_world):
    w = commitment_world
    case = _decided_on_commitment(w)
    v = Verification.objects.get(case=case)
    assert (v.status, v.due_on, v.department_id) == ("pending", date(2026, 11, 16), w.dept.pk)
    approval = Notice.objects.get(case=case, kind="approval")
    assert approval.data["verification_due"] == "2026-11-16"
    from yiwang.cases import notices

    assert "事后核查" in notices.render_html(approval)
    assert License.objects.filter(case=case, status=LicenseStatus.VALID).count() == 1


def test_verification_confirmed(commitment_world, api):
    w = commitment_world
    case = _decided_on_commitment(w)
    r = api(w.reviewer).post(
        f"/api/v1/cases/{case.number}/transitions", {"action": "verify_confirm", "note": "现场核查属实"}
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "completed" and body["verification"]["status"] == "confirmed"
    assert Notification.objects.filter(recipient=w.citizen, kind="case.verified").count() == 1
    r = api(w.reviewer).post(f"/api/v1/cases/{case.number}/transitions", {"action": "verify_confirm"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_false_commitment_revokes_decision_and_licences_and_records_dishonesty(commitment_world, api):
    w = commitment_world
    case = _decided_on_commitment(w)
    lic = License.objects.get(case=case)
    r = api(w.reviewer).post(
        f"/api/v1/cases/{case.number}/transitions", {"action": "verify_false", "finding": "经营场所不存在"}
    )
    assert r.status_code == 403  # revocation is the approver's
    r = api(w.approver).post(f"/api/v1/cases/{case.number}/transitions", {"action": "verify_false"})
    assert r.status_code == 422 and "finding" in r.json()["fields"]
    r = api(w.approver).post(
        f"/api/v1/cases/{case.number}/transitions", {"action": "verify_false", "finding": "经营场所不存在"}
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "revoked" and r.json()["verification"]["status"] == "false"
    lic.refresh_from_db()
    assert lic.status == LicenseStatus.REVOKED
    assert PendingEntry.objects.filter(kind="license.revoked").count() == 1
    d = Dishonesty.objects.get(case=case)
    assert (d.person, d.finding, d.recorded_on, d.recorded_by) == (
        w.citizen,
        "经营场所不存在",
        d.recorded_on,
        w.approver,
    )
    notice = Notice.objects.get(case=case, kind="revocation")
    assert notice.data["licenses"] == [lic.identifier]
    assert Notification.objects.filter(recipient=w.citizen, kind="case.revoked").count() == 1
    # a revocation is an adverse decision: the notice, the message and the API name the remedy
    from yiwang.cases import notices

    html = notices.render_html(notice)
    assert "自收到本决定之日起60日内向武汉市人民政府申请行政复议" in html
    assert "6个月内依法向武汉市有管辖权的人民法院提起行政诉讼" in html
    message = Notification.objects.get(recipient=w.citizen, kind="case.revoked")
    assert "60日内向武汉市人民政府申请行政复议" in message.body and "武汉市有管辖权的人民法院" in message.body
    assert r.json()["remedy"] == {
        "review_body": "武汉市人民政府",
        "review_days": 60,
        "court": "武汉市有管辖权的人民法院",
        "litigation_months": 6,
    }
    ev = CaseEvent.objects.get(case=case, action="verify_false")
    assert ev.to_status == "revoked" and ev.ledger_entry
    # who made a false commitment may not promise again (国办发〔2020〕42号)
    with pytest.raises(ValidationFailed) as exc:
        submit(w, materials=only_id_card(), route="commitment", commitment_accepted=True)
    assert "失信记录" in exc.value.fields["route"][0]
    assert submit(w).route == "ordinary"  # the ordinary route stays open


def test_no_verification_on_an_ordinary_decision(world, complete_case):
    case = complete_case(world, on=MON)
    with pytest.raises(InvalidTransition, match="不是按告知承诺制"):
        act(case, world.approver, "verify_false", finding="x")


# --- 离婚冷静期 -----------------------------------------------------------------------------------------
@pytest.fixture
def divorce(world):
    """world.item_immediate as a 离婚登记: 30 days of 冷静期, then 30 days to confirm."""
    ItemVersion.objects.filter(item=world.item_immediate).update(cooling_off_days=30, confirm_days=30)
    return world


def _divorce_case(w, on=MON):
    case = submit(w, item=w.item_immediate, on=on)
    return act(case, w.clerk, "accept", on=on)


def test_calendar_days_not_working_days(db):
    v = ItemVersion(cooling_off_days=30, confirm_days=30)
    # received Mon 2 Nov 2026: 冷静期 to Wed 2 Dec; confirmation to Fri 1 Jan 2027 (元旦) → Mon 4 Jan
    assert cooling_dates(MON, version=v) == (date(2026, 12, 2), date(2027, 1, 4))
    # received Fri 6 Nov: 6 Dec is a Sunday → Mon 7 Dec; then 30 days → Wed 6 Jan 2027
    assert cooling_dates(date(2026, 11, 6), version=v) == (date(2026, 12, 7), date(2027, 1, 6))


def test_accepting_starts_the_cooling_off(divorce):
    case = _divorce_case(divorce)
    co = CoolingOff.objects.get(case=case)
    assert (co.withdraw_until, co.confirm_until) == (date(2026, 12, 2), date(2027, 1, 4))
    assert case.clock_stopped and ClockStop.objects.get(case=case).kind == StopKind.COOLING_OFF
    assert Notice.objects.filter(case=case, kind="cooling_off").count() == 1
    assert Notification.objects.filter(recipient=divorce.citizen, kind="case.cooling_off").count() == 1


def test_both_parties_confirm_then_the_certificate_is_issued(divorce):
    w = divorce
    case = _divorce_case(w)
    with pytest.raises(InvalidTransition, match="届满后"):
        act(case, w.clerk, "confirm_divorce", on=date(2026, 12, 2), party="applicant")
    with pytest.raises(ValidationFailed) as exc:
        act(case, w.clerk, "confirm_divorce", on=date(2026, 12, 3), party="spouse")
    assert "party" in exc.value.fields
    act(case, w.clerk, "confirm_divorce", on=date(2026, 12, 3), party="applicant")
    with pytest.raises(InvalidTransition, match="已于2026-12-03确认"):
        act(case, w.clerk, "confirm_divorce", on=date(2026, 12, 4), party="applicant")
    with pytest.raises(InvalidTransition, match="双方当事人"):
        act(case, w.clerk, "approve", on=date(2026, 12, 4))
    case = act(case, w.clerk, "confirm_divorce", on=date(2026, 12, 7), party="other")
    assert not case.clock_stopped and CoolingOff.objects.get(case=case).outcome == "confirmed"
    assert case.due_date == date(2026, 12, 8)  # 即办件: 1 working day after the confirmation
    case = act(case, w.clerk, "approve", on=date(2026, 12, 7))
    case = act(case, w.clerk, "complete", on=date(2026, 12, 7), delivery="window")
    assert case.status == Status.COMPLETED


def test_either_party_withdraws_during_the_cooling_off(divorce):
    w = divorce
    case = _divorce_case(w)
    case = act(case, w.clerk, "cooling_off_withdraw", on=date(2026, 11, 20), party="other")
    assert case.status == Status.WITHDRAWN and not case.clock_stopped
    assert CoolingOff.objects.get(case=case).outcome == "withdrawn"
    assert Notification.objects.filter(recipient=w.citizen, kind="case.cooling_off_ended").count() == 1


def test_no_withdrawal_after_the_cooling_off(divorce):
    w = divorce
    case = _divorce_case(w)
    before = snapshot(case)
    with pytest.raises(InvalidTransition, match="冷静期已于2026-12-02届满"):
        act(case, w.clerk, "cooling_off_withdraw", on=date(2026, 12, 3), party="other")
    assert snapshot(case) == before


def test_unconfirmed_application_lapses(divorce):
    w = divorce
    case = _divorce_case(w)
    act(case, w.clerk, "confirm_divorce", on=date(2026, 12, 3), party="applicant")
    assert procedures_sweep(on=date(2027, 1, 4)) == {"reminded": 0, "lapsed": 0}  # last day
    assert procedures_sweep(on=date(2027, 1, 5)) == {"reminded": 0, "lapsed": 1}
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.WITHDRAWN and CoolingOff.objects.get(case=case).outcome == "lapsed"
    ev = CaseEvent.objects.get(case=case, action="cooling_off_lapsed")
    assert ev.actor is None and ev.ledger_entry
    assert (
        Notice.objects.get(case=case, kind="cooling_off_ended")
        .data["reason"]
        .startswith("双方未在2027-01-04前")
    )
    assert procedures_sweep(on=date(2027, 1, 6)) == {"reminded": 0, "lapsed": 0}
    with pytest.raises(InvalidTransition):
        act(case, w.clerk, "confirm_divorce", on=date(2027, 1, 5), party="other")


def test_confirmation_after_the_period_is_refused(divorce):
    w = divorce
    case = _divorce_case(w)
    with pytest.raises(InvalidTransition, match="确认期限已于2027-01-04届满"):
        act(case, w.clerk, "confirm_divorce", on=date(2027, 1, 5), party="applicant")


# --- API --------------------------------------------------------------------------------------------
def test_api_submission_with_the_commitment_route(commitment_world, api):
    w = commitment_world
    c = api(w.citizen)
    body = {
        "item_code": w.item.code,
        "form": good_form(),
        "materials": only_id_card(),
        "route": "commitment",
        "commitment_accepted": True,
    }
    r = c.post("/api/v1/cases", body)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["route"] == "commitment" and len(out["commitment"]["sha256"]) == 64
    r = api(w.citizen).get(f"/api/v1/items/{w.item.code}")
    assert r.status_code == 200
    assert r.json()["commitment_text"] == Commitment.objects.get(case__number=out["number"]).text


def test_api_commitment_route_on_an_item_without_it_is_422(world, api):
    body = {
        "item_code": world.item.code,
        "form": good_form(),
        "route": "commitment",
        "commitment_accepted": True,
    }
    r = api(world.citizen).post("/api/v1/cases", body)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert "告知承诺制" in r.json()["fields"]["route"][0]
    assert Case.objects.count() == 0


def test_api_tolerated_not_tolerable_is_422(world, api):
    case = submit(world, user=world.clerk, channel="window", materials=[], parties=_window_party(world))
    r = api(world.clerk).post(
        f"/api/v1/cases/{case.number}/transitions", {"action": "accept", "tolerated": ["id_card"]}
    )
    assert r.status_code == 422 and r.json()["fields"]["tolerated"] == [
        "“身份证明”不是可容缺材料，须补齐后受理"
    ]
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED
