"""What a submission publishes after commit: one `case_changed` message, through a real kombu
broker (its in-memory transport), carrying ids only and its own log text."""

import pytest
from django.db import transaction

from yiwang.cases import tasks
from yiwang.celery import app


@pytest.fixture
def memory_broker():
    """Celery publishing for real to kombu's in-memory transport (the suite runs tasks eagerly)."""
    before = (app.conf.task_always_eager, app.conf.broker_url, app._pool, app.amqp._producer_pool)
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    app._pool = app.amqp._producer_pool = None  # pools of this broker, made on first use
    try:
        with app.connection_for_read() as conn:
            queue = conn.SimpleQueue("celery")
            queue.clear()
            yield queue
            queue.close()
    finally:  # the in-memory pools stay open: kombu keeps its producer pools per broker URL
        app.conf.task_always_eager, app.conf.broker_url, app._pool, app.amqp._producer_pool = before


@pytest.mark.django_db(transaction=True)
def test_one_message_after_commit_with_ids_and_its_log_text(world, submit_case, memory_broker):
    case = submit_case(world)
    message = memory_broker.get(timeout=2)
    headers = message.headers
    assert headers["task"] == "yiwang.cases.tasks.case_changed"
    kwargs = message.payload[1]
    assert kwargs["case_id"] == case.pk and kwargs["action"] == "submit" and len(kwargs["notice_ids"]) == 1
    assert headers["argsrepr"] == "()" and headers["kwargsrepr"] == repr(kwargs)
    message.ack()
    assert memory_broker.qsize() == 0  # one publish for the submission (the receipt sealed with it)


@pytest.mark.django_db(transaction=True)
def test_nothing_is_published_when_the_transaction_rolls_back(memory_broker):
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.case_changed_on_commit(case_id=1, action="submit", notice_ids=[1])
        raise RuntimeError
    assert memory_broker.qsize() == 0
    with transaction.atomic():
        tasks.case_changed_on_commit(case_id=2, action="accept")
    assert memory_broker.qsize() == 1
