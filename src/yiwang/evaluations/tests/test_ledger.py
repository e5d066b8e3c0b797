"""Ratings and bad-review work-order steps in the ledger: one entry per rating and per step, in
the same transaction, without the rater; `yiwang ledger verify` re-derives them and catches an
edited rating or step."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from yiwang.core.errors import Conflict
from yiwang.evaluations import services
from yiwang.evaluations.models import Evaluation, WorkOrderStep
from yiwang.ledger import services as ledger
from yiwang.ledger.models import PendingEntry

from .conftest import MON, case_for
from .test_work_orders import act, bad_order


def test_rating_and_steps_have_entries_without_the_rater(world, completed):
    before = PendingEntry.objects.filter(kind__startswith="evaluation.").count()
    services.evaluation_submit(
        case=completed, actor=world.citizen, stage="complete", level="2", channel="web", comment="很好"
    )
    entries = list(PendingEntry.objects.filter(kind__startswith="evaluation.").order_by("pk"))
    assert before == 0 and [e.kind for e in entries] == ["evaluation.rated"]
    payload = entries[0].payload
    assert payload["level"] == "2" and payload["case"] == completed.number and "rater" not in payload
    text = bytes(entries[0].entry).decode()
    assert completed.number not in text and "张伟" not in text


def test_work_order_steps_are_ledgered(world):
    order = bad_order(world)
    act(order, world.dept_admin, "verify", note="已核实")
    kinds = list(
        PendingEntry.objects.filter(kind__startswith="evaluation.")
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["evaluation.rated", "evaluation.order.receive", "evaluation.order.verify"]


def test_a_refused_rating_writes_no_entry(world, completed):
    services.evaluation_submit(
        case=completed, actor=world.citizen, stage="complete", level="2", channel="web"
    )
    before = PendingEntry.objects.count()
    with pytest.raises(Conflict):
        services.evaluation_submit(
            case=completed, actor=world.citizen, stage="complete", level="1", channel="web"
        )
    assert PendingEntry.objects.count() == before


def test_ledger_verify_passes_and_catches_an_edited_rating(world):
    order = bad_order(world)
    act(order, world.dept_admin, "verify", note="已核实")
    case = case_for(world, user=world.citizen2, on=MON)
    services.evaluation_submit(case=case, actor=world.citizen2, stage="complete", level="1", channel="web")
    ledger.sequencer_run()
    call_command("ledger", "verify")
    ev = Evaluation.objects.get(pk=order.evaluation_id)
    with connection.cursor() as cur:
        cur.execute("UPDATE evaluations_evaluation SET level = %s WHERE id = %s", ["1", ev.pk])
    with pytest.raises(CommandError, match=r"evaluation\.rated"):
        call_command("ledger", "verify")


def test_ledger_verify_catches_an_edited_step(world):
    order = bad_order(world)
    act(order, world.dept_admin, "verify", note="已核实")
    ledger.sequencer_run()
    call_command("ledger", "verify")
    step = WorkOrderStep.objects.get(order=order, action="verify")
    with connection.cursor() as cur:
        cur.execute("UPDATE evaluations_workorderstep SET note = %s WHERE id = %s", ["事后篡改", step.pk])
    with pytest.raises(CommandError, match=r"evaluation\.order\.verify"):
        call_command("ledger", "verify")


def test_an_accepted_appeal_keeps_the_rating_entry_valid(world):
    order = bad_order(world)
    act(order, world.dept_admin, "verify", note="已核实")
    act(order, world.dept_admin, "appeal", note="恶意差评")
    act(order, world.supervisor, "appeal_accept", note="申诉成立")
    ledger.sequencer_run()
    call_command("ledger", "verify")
    assert Evaluation.objects.get(pk=order.evaluation_id).excluded
