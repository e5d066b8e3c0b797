"""The bad-review work order: every step with actor and note, roles, order of steps, the
working-day deadline, 黄灯/红灯, escalation, appeals and the one reopening."""

from datetime import date

import pytest
from django.utils import timezone

from yiwang.core.errors import InvalidTransition, PermissionDenied, StaleVersion, ValidationFailed
from yiwang.evaluations import selectors, services
from yiwang.evaluations.models import Evaluation, HandlingLimit, WorkOrder
from yiwang.notifications.models import Notification
from yiwang.organizations.services import staff_create

from .conftest import MON, case_for


def bad_order(world, *, anonymous=False, user=None):
    case = case_for(world, user=user)
    ev = services._create(
        case=case,
        stage="complete",
        level="5",
        channel="web",
        rater=user or world.citizen,
        tags=["slow"],
        anonymous=anonymous,
        at=timezone.make_aware(timezone.datetime(2026, 11, 2, 10, 0)),
    )
    return WorkOrder.objects.get(evaluation=ev)


def act(order, user, action, on=MON, **kw):
    order = WorkOrder.objects.select_related("evaluation", "region").get(pk=order.pk)
    return services.order_apply_action(order=order, actor=user, action=action, on=on, **kw)


def test_deadline_is_five_working_days_by_default_and_configurable(world):
    order = bad_order(world)
    assert order.received_on == MON and order.due_date == date(2026, 11, 9)
    HandlingLimit.objects.create(region=world.city, limit_days=10)
    order2 = bad_order(world)
    assert order2.limit_days == 10 and order2.due_date == date(2026, 11, 16)


def test_full_procedure_with_actor_and_note(world):
    order = bad_order(world)
    order = act(order, world.dept_admin, "verify", note="调取录像，情况属实")
    order = act(order, world.dept_admin, "assign", unit=str(world.dept.pk))
    order = act(
        order, world.dept_admin, "dispose", disposal="rectify", deadline="2026-11-05", note="加强培训"
    )
    assert order.status == "rectifying" and order.handled_on is None
    order = act(order, world.dept_admin, "rectify", on=date(2026, 11, 4), note="已培训")
    assert order.status == "disposed" and order.handled_on == date(2026, 11, 4)
    order = act(order, world.citizen, "revisit", on=date(2026, 11, 5), result="satisfied")
    order = act(order, world.dept_admin, "close", on=date(2026, 11, 5), note="办结")
    assert order.status == "closed"
    steps = list(order.steps.order_by("seq").values_list("action", "actor__username", "note"))
    assert steps == [
        ("receive", None, "差评自动受理"),
        ("verify", "dept_admin", "调取录像，情况属实"),
        ("assign", "dept_admin", ""),
        ("dispose", "dept_admin", "加强培训"),
        ("rectify", "dept_admin", "已培训"),
        ("revisit", "citizen", ""),
        ("close", "dept_admin", "办结"),
    ]
    assert [s.seq for s in order.steps.all()] == list(range(1, 8))


def test_steps_out_of_order_and_wrong_roles(world):
    order = bad_order(world)
    with pytest.raises(InvalidTransition):
        act(order, world.dept_admin, "dispose", disposal="fixed", note="x")
    with pytest.raises(PermissionDenied):
        act(order, world.reviewer, "verify", note="x")  # not the department admin
    with pytest.raises(PermissionDenied):
        act(order, world.citizen2, "verify", note="x")
    with pytest.raises(ValidationFailed):
        act(order, world.dept_admin, "verify")  # note required
    with pytest.raises(ValidationFailed):
        act(order, world.dept_admin, "verify", note="<script>x</script>")
    with pytest.raises(ValidationFailed):
        act(order, world.dept_admin, "fly", note="x")
    order.refresh_from_db()
    assert order.status == "received" and order.version == 1 and order.steps.count() == 1


def test_concurrent_actions_never_overwrite(world):
    order = bad_order(world)
    stale = WorkOrder.objects.select_related("evaluation", "region").get(pk=order.pk)
    act(order, world.dept_admin, "verify", note="先到")
    with pytest.raises(StaleVersion):
        services.order_apply_action(order=stale, actor=world.supervisor, action="verify", note="后到", on=MON)
    with pytest.raises(StaleVersion):
        act(order, world.dept_admin, "assign", version=1)
    order.refresh_from_db()
    assert order.version == 2 and order.steps.count() == 2


def test_accepted_appeal_excludes_but_keeps_the_rating(world):
    order = bad_order(world)
    act(order, world.dept_admin, "verify", note="核实")
    with pytest.raises(PermissionDenied):
        act(order, world.supervisor, "appeal", note="恶意差评")  # the department appeals
    act(order, world.dept_admin, "appeal", note="申请人当天未到大厅，系误评")
    with pytest.raises(PermissionDenied):
        act(order, world.dept_admin, "appeal_accept", note="x")
    order = act(order, world.supervisor, "appeal_accept", note="经核实为误评")
    assert order.status == "void"
    ev = Evaluation.objects.get(pk=order.evaluation_id)
    assert ev.excluded and ev.level == "5"  # kept, never deleted


def test_rejected_appeal_goes_on_and_cannot_be_repeated(world):
    order = bad_order(world)
    act(order, world.dept_admin, "verify", note="核实")
    act(order, world.dept_admin, "appeal", note="误评")
    order = act(order, world.supervisor, "appeal_reject", note="证据不足")
    assert order.status == "verified"
    with pytest.raises(InvalidTransition):
        act(order, world.dept_admin, "appeal", note="再申诉")
    assert not Evaluation.objects.get(pk=order.evaluation_id).excluded


def test_unsatisfied_revisit_reopens_once_then_supervisor(world):
    order = bad_order(world)
    act(order, world.dept_admin, "verify", note="核实")
    act(order, world.dept_admin, "assign")
    act(order, world.dept_admin, "dispose", disposal="fixed", note="当场补办")
    order = act(order, world.citizen, "revisit", result="unsatisfied")
    assert order.status == "assigned" and order.reopen_count == 1 and order.handled_on is None
    act(order, world.dept_admin, "dispose", disposal="explain", note="无法律依据，已解释")
    order = act(order, world.dept_admin, "revisit", result="unsatisfied", note="电话回访")
    assert order.status == "supervising" and order.escalated_at is not None
    with pytest.raises(PermissionDenied):
        act(order, world.dept_admin, "close", note="x")
    order = act(order, world.supervisor, "close", note="督办结论：解释合理")
    assert order.status == "closed"


def test_real_name_needs_revisit_anonymous_may_close(world):
    order = bad_order(world)
    act(order, world.dept_admin, "verify", note="核实")
    act(order, world.dept_admin, "assign")
    act(order, world.dept_admin, "dispose", disposal="fixed", note="改")
    with pytest.raises(InvalidTransition):
        act(order, world.dept_admin, "close")
    anon = bad_order(world, anonymous=True)
    act(anon, world.dept_admin, "verify", note="核实")
    act(anon, world.dept_admin, "assign")
    act(anon, world.dept_admin, "dispose", disposal="fixed", note="改")
    assert act(anon, world.dept_admin, "close").status == "closed"


def test_assign_to_another_unit_moves_the_handling(world):
    admin2 = staff_create(
        username="dept_admin2",
        password="pass-1234-word",
        name="卫健管理员",
        roles=[{"role": "dept_admin", "department": world.dept2}],
    )
    order = bad_order(world)
    act(order, world.dept_admin, "verify", note="核实")
    with pytest.raises(PermissionDenied):
        act(order, admin2, "assign", unit=world.dept2.uscc)
    act(order, world.dept_admin, "assign", unit=world.dept2.uscc)
    with pytest.raises(PermissionDenied):
        act(order, world.dept_admin, "dispose", disposal="fixed", note="x")
    assert act(order, admin2, "dispose", disposal="fixed", note="已改").status == "disposed"


def test_warning_lights_and_escalation_once(world, django_capture_on_commit_callbacks):
    order = bad_order(world)  # due Mon 9 Nov
    assert selectors.order_warning(order, today=MON) == ("normal", 5)
    assert selectors.order_warning(order, today=date(2026, 11, 5)) == ("yellow", 2)
    assert selectors.order_warning(order, today=date(2026, 11, 10)) == ("red", -1)
    assert services.orders_escalate_overdue(on=date(2026, 11, 9)) == 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.orders_escalate_overdue(on=date(2026, 11, 10)) == 1
        assert services.orders_escalate_overdue(on=date(2026, 11, 11)) == 0
    # one send queued per message: the supervisor and the unit's admin, each once
    assert len(callbacks) == 2
    escalations = Notification.objects.filter(kind__startswith="evaluation.escalation")
    assert sorted(escalations.values_list("kind", "recipient_id")) == [
        ("evaluation.escalation", world.supervisor.pk),
        ("evaluation.escalation_unit", world.dept_admin.pk),
    ]
    order.refresh_from_db()
    assert order.escalated_at is not None and order.status == "received"
    assert order.steps.filter(action="escalate").count() == 1
    assert [
        o.pk for o in selectors.order_list(user=world.supervisor, warning="red", on=date(2026, 11, 10))
    ] == [order.pk]
    assert services.supervisors_for(order) == [world.supervisor]
