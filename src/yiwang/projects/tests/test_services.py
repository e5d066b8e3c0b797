"""Each stage's rules and permissions, the duplicate detector, the acceptance precondition,
uploads with content sniffing, budget tracking, the ledger entries and the reminders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from yiwang.core.errors import InvalidTransition, PermissionDenied, StaleVersion, ValidationFailed
from yiwang.exchange.models import DataResource, SharingType
from yiwang.ledger.models import PendingEntry
from yiwang.notifications.models import Notification
from yiwang.projects import selectors, services
from yiwang.projects.models import Step

from .conftest import ON, PDF, file_project

pytestmark = pytest.mark.django_db


def _approve(w, p, note="同意立项"):
    return services.project_transition(actor=w.bureau, project=p, action="approve", note=note, on=ON)


def test_filing_records_a_ledgered_step_and_a_working_day_deadline(pw):
    p = file_project(pw)
    assert p.code.startswith("XM2026") and p.stage == "filed" and p.department == pw.dept
    assert p.stage_due == date(2026, 3, 30)  # 20 working days after Monday 2 March
    step = Step.objects.get(project=p)
    assert step.action == "file" and step.ledger_entry
    assert PendingEntry.objects.filter(pk=step.ledger_entry, kind="projects.step.file").exists()
    assert [s.name for s in p.systems.all()] == ["智慧养老服务平台系统"]


def test_only_department_staff_file(pw):
    with pytest.raises(PermissionDenied):
        file_project(pw, actor=pw.evaluator_user)
    with pytest.raises(ValidationFailed):
        services.project_file(actor=pw.dept_admin, name="x", purpose="y", budget=[], on=ON)


def test_only_the_bureau_approves_and_approval_without_experts_only_warns(pw):
    p = file_project(pw)
    for user in (pw.dept_admin, pw.reviewer2, pw.evaluator_user):
        with pytest.raises(PermissionDenied) as exc:
            services.project_transition(actor=user, project=p, action="approve", note="同意", on=ON)
        assert exc.value.code == "not_bureau"
    p, warnings = _approve(pw, p)
    assert p.stage == "approved" and warnings and "可行性" in warnings[0]
    step = Step.objects.get(project=p, action="approve")
    assert step.role == "bureau" and step.data["missing_reviews"]
    assert PendingEntry.objects.filter(pk=step.ledger_entry, kind="projects.step.approve").exists()
    assert Notification.objects.filter(recipient=pw.dept_admin, kind="projects.decided").exists()
    with pytest.raises(InvalidTransition):
        _approve(pw, p)


def test_with_every_review_approval_has_no_warning(pw):
    p = file_project(pw)
    for kind in ("feasibility", "necessity", "budget", "path", "sharing", "security"):
        services.review_add(actor=pw.bureau, project=p, kind=kind, passed=True, opinion="符合要求")
    with pytest.raises(PermissionDenied):
        services.review_add(actor=pw.dept_admin, project=p, kind="budget", passed=True, opinion="自评")
    p, warnings = _approve(pw, p)
    assert warnings == [] and p.reviews.count() == 6
    assert all(r.ledger_entry for r in p.reviews.all())


def test_a_department_never_approves_its_own_project(pw):
    p = file_project(pw, actor=pw.bureau_owner, name="政务数据中台")
    assert p.department == pw.bureau_dept
    assert "bureau" not in selectors.roles_for(pw.bureau, p)
    with pytest.raises(PermissionDenied):
        services.project_transition(actor=pw.bureau, project=p, action="approve", note="同意", on=ON)


def test_rejection_needs_a_reason_and_stale_versions_lose(pw):
    p = file_project(pw)
    with pytest.raises(ValidationFailed):
        services.project_transition(actor=pw.bureau, project=p, action="reject", note="", on=ON)
    with pytest.raises(StaleVersion):
        services.project_transition(
            actor=pw.bureau, project=p, action="reject", note="重复", version=0, on=ON
        )
    p, _ = services.project_transition(
        actor=pw.bureau, project=p, action="reject", note="与已有系统重复", on=ON
    )
    assert p.stage == "rejected" and p.stage_due is None


def test_duplicate_detector_names_similar_systems_and_shared_resources(pw):
    p = file_project(
        pw,
        name="食品经营许可审批系统升级改造",
        systems=[{"name": "食品经营许可审批平台", "functions": "食品经营许可 受理 审批 发证"}],
        resources=[{"code": "scjg.food_license", "role": "uses"}],
        functions="食品经营许可 受理 审批 发证",
    )
    hit = next(d for d in p.duplicates if d["code"] == pw.existing.code)
    assert hit["kind"] == "system"
    text = "；".join(hit["reasons"])
    assert "名称相似" in text and "scjg.food_license" in text and "功能重叠" in text
    other = file_project(pw, name="智慧养老服务平台")
    assert not any(d["code"] == pw.existing.code for d in other.duplicates)
    again = file_project(pw, name="智慧养老服务平台（二期）")
    assert any(d["kind"] == "project" and d["code"] == other.code for d in again.duplicates)


def test_name_similarity_uses_bigrams_and_words():
    assert selectors.name_similarity("食品经营许可审批系统", "食品经营许可审批平台") >= 0.5
    assert selectors.name_similarity("智慧养老服务平台", "城市停车诱导系统") < 0.2


def _to_building(pw):
    p = file_project(pw)
    p, _ = _approve(pw, p)
    p, _ = services.project_transition(actor=pw.dept_admin, project=p, action="start", on=ON)
    return p


def test_confirmation_precondition_systems_resources_and_security_evidence(pw):
    p = _to_building(pw)
    assert p.systems.get().status == "building"
    with pytest.raises(ValidationFailed) as exc:
        services.project_transition(actor=pw.bureau, project=p, action="confirm", note="确认", on=ON)
    problems = exc.value.fields["action"]
    assert exc.value.code == "precondition_failed"
    assert any("尚未在数据一本账登记" in x for x in problems)
    assert any("mz.elderly_service 尚未编目" in x for x in problems)
    assert any("等保测评报告" in x for x in problems) and any("密码应用" in x for x in problems)
    # catalogued but not shared still blocks
    res = DataResource.objects.create(
        code="mz.elderly_service", name="养老服务信息", department=pw.dept, subject_kind="person",
        sharing_type=SharingType.NONE, source_system="养老系统", legal_basis="《老年人权益保障法》",
    )  # fmt: skip
    services.system_register(actor=pw.dept_admin, system=p.systems.get(), resource_codes=[res.code])
    services.document_upload(actor=pw.dept_admin, project=p, kind="mlps", name="等保测评.pdf", data=PDF)
    services.document_upload(actor=pw.dept_admin, project=p, kind="crypto", name="密评.pdf", data=PDF)
    with pytest.raises(ValidationFailed) as exc:
        services.project_transition(actor=pw.bureau, project=p, action="confirm", note="确认", on=ON)
    assert exc.value.fields["action"] == ["承诺的数据资源 mz.elderly_service 未按承诺共享"]
    DataResource.objects.filter(pk=res.pk).update(sharing_type=SharingType.CONDITIONAL)
    with pytest.raises(PermissionDenied):  # only the bureau confirms
        services.project_transition(actor=pw.dept_admin, project=p, action="confirm", note="确认", on=ON)
    p, _ = services.project_transition(
        actor=pw.bureau, project=p, action="confirm", note="具备验收条件", on=ON
    )
    assert p.stage == "confirmed"
    # resources are checked again at 验收
    DataResource.objects.filter(pk=res.pk).update(active=False)
    services.document_upload(actor=pw.dept_admin, project=p, kind="acceptance", name="验收.pdf", data=PDF)
    with pytest.raises(ValidationFailed) as exc:
        services.project_transition(actor=pw.dept_admin, project=p, action="accept", note="通过", on=ON)
    assert "尚未编目" in exc.value.fields["action"][0]
    DataResource.objects.filter(pk=res.pk).update(active=True)
    p, _ = services.project_transition(
        actor=pw.dept_admin, project=p, action="accept", note="验收通过", on=ON
    )
    assert p.stage == "accepted" and p.systems.get().status == "running"


def test_uploads_are_sniffed(pw):
    p = file_project(pw)
    with pytest.raises(ValidationFailed) as exc:
        services.document_upload(
            actor=pw.dept_admin, project=p, kind="plan", name="方案.pdf", data=b"MZ\x90\x00evil"
        )
    assert "不支持" in exc.value.fields["file"][0]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    with pytest.raises(ValidationFailed) as exc:
        services.document_upload(actor=pw.dept_admin, project=p, kind="plan", name="方案.pdf", data=png)
    assert "不符" in exc.value.fields["file"][0]
    with pytest.raises(PermissionDenied):
        services.document_upload(actor=pw.reviewer2, project=p, kind="plan", name="方案.pdf", data=PDF)
    d = services.document_upload(actor=pw.dept_admin, project=p, kind="plan", name="方案.pdf", data=PDF)
    assert d.content_type == "application/pdf" and d.stage == "filed"


def test_budget_contracts_payments_and_changes(pw):
    p = _to_building(pw)
    with pytest.raises(ValidationFailed):
        services.contract_add(
            actor=pw.dept_admin, project=p, name="开发", supplier="甲公司", year=2026, amount="1200000",
            signed_on=ON,
        )  # fmt: skip
    c = services.contract_add(
        actor=pw.dept_admin,
        project=p,
        name="开发",
        supplier="甲公司",
        year=2026,
        amount="800000",
        signed_on=ON,
    )
    services.payment_add(actor=pw.dept_admin, contract=c, amount="300000", paid_on=ON)
    with pytest.raises(ValidationFailed):
        services.payment_add(actor=pw.dept_admin, contract=c, amount="600000", paid_on=ON)
    change = services.change_request(
        actor=pw.dept_admin, project=p, description="增加适老化改造", year=2026, budget_delta="300000"
    )
    with pytest.raises(PermissionDenied):
        services.change_decide(actor=pw.dept_admin, change=change, approve=True, reason="自批")
    services.change_decide(actor=pw.bureau, change=change, approve=True, reason="同意")
    assert change.ledger_entry
    services.contract_add(
        actor=pw.dept_admin,
        project=p,
        name="适老化",
        supplier="乙公司",
        year=2026,
        amount="400000",
        signed_on=ON,
    )
    [row] = selectors.budget_rows(p)
    assert (row.approved, row.contracted, row.paid) == (
        Decimal("1300000"),
        Decimal("1200000"),
        Decimal("300000"),
    )
    city = selectors.budget_rows()
    assert city[0].approved == Decimal("1300000")


def _to_self_evaluated(pw):
    p = _to_building(pw)
    DataResource.objects.create(
        code="mz.elderly_service", name="养老服务信息", department=pw.dept, subject_kind="person",
        sharing_type=SharingType.CONDITIONAL, source_system="养老系统", legal_basis="《老年人权益保障法》",
    )  # fmt: skip
    services.system_register(
        actor=pw.dept_admin, system=p.systems.get(), resource_codes=["mz.elderly_service"]
    )
    for kind in ("mlps", "crypto", "acceptance", "self_evaluation"):
        services.document_upload(actor=pw.dept_admin, project=p, kind=kind, name=f"{kind}.pdf", data=PDF)
    p, _ = services.project_transition(actor=pw.bureau, project=p, action="confirm", note="确认", on=ON)
    p, _ = services.project_transition(actor=pw.dept_admin, project=p, action="accept", note="通过", on=ON)
    p, _ = services.project_transition(actor=pw.dept_admin, project=p, action="self_evaluate", on=ON)
    return p


def test_only_the_named_third_party_scores_its_own_evaluation(pw):
    p = _to_self_evaluated(pw)
    assert p.stage == "self_evaluated"
    scores = {"goals": 35, "sharing": 25, "cost": 20}
    with pytest.raises(PermissionDenied):  # not yet named
        services.evaluation_submit(
            actor=pw.evaluator_user, project=p, scores=scores, conclusion="良好", on=ON
        )
    with pytest.raises(PermissionDenied):
        services.evaluator_assign(actor=pw.dept_admin, project=p, evaluator=pw.evaluator)
    services.evaluator_assign(actor=pw.bureau, project=p, evaluator=pw.evaluator)
    for user in (pw.evaluator2_user, pw.bureau, pw.dept_admin):
        with pytest.raises(PermissionDenied) as exc:
            services.evaluation_submit(actor=user, project=p, scores=scores, conclusion="良好", on=ON)
        assert exc.value.code in ("not_evaluator", "forbidden")
    with pytest.raises(ValidationFailed):
        services.evaluation_submit(
            actor=pw.evaluator_user, project=p, scores={**scores, "goals": 50}, conclusion="良好", on=ON
        )
    e = services.evaluation_submit(
        actor=pw.evaluator_user, project=p, scores=scores, conclusion="良好", on=ON
    )
    p.refresh_from_db()
    assert e.total == Decimal("80.00") and p.stage == "post_evaluated"
    assert Step.objects.get(project=p, action="post_evaluate").role == "evaluator"
    p, _ = services.project_transition(actor=pw.bureau, project=p, action="operate", on=ON)
    assert p.stage == "operating"


def test_reminders_on_the_working_day_clock_once_per_light_to_whoever_acts(pw):
    p = file_project(pw)
    assert services.reminders_send(on=date(2026, 3, 2)) == 0
    assert services.reminders_send(on=date(2026, 3, 26)) == 1  # two working days left: yellow
    services.reminders_send(on=date(2026, 3, 26))
    due = Notification.objects.filter(kind="projects.stage_due")
    # 立项审批 is the bureau's to do: its reviewers are reminded, not the filer
    assert due.filter(recipient=pw.bureau).count() == 1 and not due.filter(recipient=p.filed_by).exists()
    services.reminders_send(on=date(2026, 4, 1))  # red
    assert due.filter(recipient=pw.bureau).count() == 2
    p, _ = _approve(pw, p)  # now the department must start: 20 working days from 2 March
    services.reminders_send(on=date(2026, 3, 27))
    assert due.filter(recipient=p.filed_by).count() == 1


def test_ledger_verify_passes_and_catches_an_edited_decision(pw):
    from django.core.management import CommandError, call_command
    from django.db import connection

    from yiwang.ledger import services as ledger

    p = file_project(pw)
    services.review_add(actor=pw.bureau, project=p, kind="feasibility", passed=True, opinion="可行")
    _approve(pw, p)
    services.quality_raise(actor=pw.reviewer2, resource=pw.res_license, description="值有误", on=ON)
    kinds = set(PendingEntry.objects.filter(kind__startswith="projects.").values_list("kind", flat=True))
    assert kinds == {"projects.step.file", "projects.review", "projects.step.approve", "projects.quality"}
    ledger.sequencer_run()
    call_command("ledger", "verify")
    step = Step.objects.get(project=p, action="approve")
    with connection.cursor() as cur:
        cur.execute("UPDATE projects_step SET note = %s WHERE id = %s", ["事后篡改", step.pk])
    with pytest.raises(CommandError, match=r"projects\.step\.approve"):
        call_command("ledger", "verify")
