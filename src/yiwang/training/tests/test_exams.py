"""Exams: papers drawn by rules and shuffled per candidate, timed on the server, answers saved one
by one (and kept across a lost connection), answers after the end refused, marking and retakes."""

import datetime as dt
import random
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction

from yiwang.core.errors import Conflict, NotFound
from yiwang.training import selectors, services
from yiwang.training.models import Answer, Attempt, Question

from .conftest import T0

pytestmark = pytest.mark.django_db


def _right(q: Question):
    if q.kind == "fill":
        return q.answer[0]
    return q.answer if q.kind != "short" else "申请人承诺后当场办理"


def test_paper_drawn_by_rules_and_shuffled_per_candidate(world, exam):
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        a = services.attempt_start(user=world.clerk, exam=exam)
        world.clerk_other_hall.staff_roles.update(role="clerk")
        b = services.attempt_start(user=world.clerk_other_hall, exam=exam)
    assert len(a.paper) == len(b.paper) == 10
    ids = [p["q"] for p in a.paper]
    assert set(ids) <= set(Question.objects.filter(topic="law", difficulty=2).values_list("pk", flat=True))
    assert len(set(ids)) == 10
    for p in a.paper:  # every option present, in some order
        q = Question.objects.get(pk=p["q"])
        assert sorted(p["o"]) == sorted(o["value"] for o in q.options)
    assert a.ends_at == T0 + dt.timedelta(minutes=31)


def test_exam_not_open_to_other_roles_or_before_it_opens(world, exam):
    with time_machine.travel(T0 - dt.timedelta(minutes=1), tick=False), pytest.raises(NotFound):
        services.attempt_start(user=world.clerk, exam=exam)
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False), pytest.raises(NotFound):
        services.attempt_start(user=world.reviewer, exam=exam)


def test_answers_saved_as_the_candidate_goes_and_refused_after_the_end(world, exam):
    with time_machine.travel(T0, tick=False) as clock:
        a = services.attempt_start(user=world.clerk, exam=exam)
        first = a.paper[0]["q"]
        q = Question.objects.get(pk=first)
        services.answer_save(attempt_id=a.pk, user=world.clerk, question_id=first, value=_right(q))
        services.answer_save(
            attempt_id=a.pk, user=world.clerk, question_id=first, value=_right(q)
        )  # again: one row
        assert Answer.objects.filter(attempt=a).count() == 1
        # A lost connection: the candidate comes back and gets the same attempt with the answer.
        clock.shift(dt.timedelta(minutes=10))
        again = services.attempt_start(user=world.clerk, exam=exam)
        assert again.pk == a.pk and Answer.objects.get(attempt=a, question_id=first).value is not None
        # The server's clock: at the end, no more answers.
        clock.move_to(a.ends_at)
        with pytest.raises(Conflict) as exc:
            services.answer_save(attempt_id=a.pk, user=world.clerk, question_id=a.paper[1]["q"], value="x")
        assert exc.value.code == "exam_over"
        assert Answer.objects.filter(attempt=a).count() == 1
        # The sweep hands it in; the saved answer counts.
        assert services.attempts_sweep() == 1
    a.refresh_from_db()
    assert a.submitted_at == a.ends_at and a.status in ("marking", "done")


def test_another_candidate_cannot_write_into_an_attempt(world, exam):
    with time_machine.travel(T0, tick=False):
        a = services.attempt_start(user=world.clerk, exam=exam)
        with pytest.raises(NotFound):
            services.answer_save(attempt_id=a.pk, user=world.reviewer, question_id=a.paper[0]["q"], value="A")


def test_auto_marking_short_answer_queue_and_retake(world, exam):
    with time_machine.travel(T0, tick=False):
        a = services.attempt_start(user=world.clerk, exam=exam)
        shorts = []
        for p in a.paper:
            q = Question.objects.get(pk=p["q"])
            services.answer_save(attempt_id=a.pk, user=world.clerk, question_id=q.pk, value=_right(q))
            shorts += [q] if q.kind == "short" else []
        a = services.attempt_submit(attempt_id=a.pk, user=world.clerk)
        with pytest.raises(Conflict):
            services.answer_save(attempt_id=a.pk, user=world.clerk, question_id=a.paper[0]["q"], value="A")
    closed = Answer.objects.filter(attempt=a).exclude(question__kind="short")
    assert all(x.score == x.question.points for x in closed)
    if shorts:
        assert a.status == "marking" and a.score is None
        for x in Answer.objects.filter(attempt=a, question__kind="short"):
            services.answer_mark(marker=world.supervisor, answer=x, score=1)
        a.refresh_from_db()
    assert a.status == "done" and a.score == a.max_score == Decimal(10) and a.passed is True


def test_wrong_answers_fail_and_retakes_run_out(world, exam):
    with time_machine.travel(T0, tick=False):
        for n in (1, 2):
            a = services.attempt_start(user=world.clerk, exam=exam)
            assert a.number == n
            a = services.attempt_submit(attempt_id=a.pk, user=world.clerk)
            assert a.status == "done" and a.score == 0 and a.passed is False
        with pytest.raises(Conflict) as exc:
            services.attempt_start(user=world.clerk, exam=exam)
    assert exc.value.code == "no_attempts_left"
    assert Attempt.objects.filter(user=world.clerk).count() == 2


def test_fill_in_marking_ignores_spaces_and_case(world, exam):
    q = Question.objects.filter(kind="fill").first()
    assert services.auto_mark(q, " 3 2 ") == 1
    assert services.auto_mark(q, "33") == 0
    m = Question.objects.filter(kind="multiple").first()
    assert services.auto_mark(m, ["B", "A"]) == 1 and services.auto_mark(m, ["A"]) == 0


def test_paper_drawn_from_several_rules_in_one_query(world, exam, django_assert_num_queries):
    services.question_create(
        kind="true_false",
        text="判断：窗口人员须持证上岗。",
        topic="window",
        difficulty=1,
        answer=True,
        points=3,
    )
    services.question_create(
        kind="true_false",
        text="判断：好差评分五个等级。",
        topic="window",
        difficulty=1,
        answer=True,
        points=3,
    )
    exam.rules = [
        {"topic": "law", "difficulty": 2, "count": 4},
        {"topic": "window", "difficulty": 1, "count": 2},
    ]
    exam.save()
    with django_assert_num_queries(1):  # every rule's pool in one query, the maximum score with it
        paper, max_score, _drawn = services._draw(exam, random.Random(7))
    topics = [Question.objects.get(pk=p["q"]).topic for p in paper]
    assert sorted(topics) == ["law"] * 4 + ["window"] * 2
    assert max_score == sum(Question.objects.get(pk=p["q"]).points for p in paper) == 4 + 6
    # a start: the roles, the attempts so far, the pools, the INSERT (a savepoint around it in a
    # caller's transaction, as here); the paper shown needs no further query
    with django_assert_num_queries(6):
        a = services.attempt_start(user=world.clerk, exam=exam, now=T0)
        out = selectors.paper_out(a)
    assert a.max_score == 10 and len(a.paper) == 6
    assert [q["id"] for q in out] == [p["q"] for p in a.paper] and all(q["answer"] is None for q in out)
    assert [[o["value"] for o in q["options"]] for q in out] == [p["o"] for p in a.paper]


def test_saving_again_keeps_one_row_with_the_later_value(world, exam, django_assert_num_queries):
    a = services.attempt_start(user=world.clerk, exam=exam, now=T0)
    # a text answer: 10 of the bank's 15 questions always include a fill or a short one (9 others)
    q = Question.objects.get(pk=next(p["q"] for p in a.paper if p["k"] in ("fill", "short")))
    with django_assert_num_queries(2):  # the paper, then one statement (checks, locks, upserts)
        services.answer_save(attempt_id=a.pk, user=world.clerk, question_id=q.pk, value="31", now=T0)
    services.answer_save(
        attempt_id=a.pk, user=world.clerk, question_id=q.pk, value=" 32 ", now=T0 + dt.timedelta(minutes=1)
    )
    row = Answer.objects.get(attempt=a, question=q)
    assert row.value == "32" and row.saved_at == T0 + dt.timedelta(minutes=1)


@pytest.mark.django_db(transaction=True)
def test_a_save_waits_for_a_hand_in_in_flight_and_is_refused_after_it(world, exam):
    """The hand-in and a save never interleave: a save arriving while the hand-in's transaction
    holds the attempt waits for it, then finds the attempt closed (no answer lands in a marked
    attempt). PostgreSQL: the save locks the attempt row; SQLite: the database's write lock."""
    a = services.attempt_start(user=world.clerk, exam=exam, now=T0)
    q = Question.objects.get(pk=a.paper[0]["q"])
    holding, release, result = threading.Event(), threading.Event(), {}

    def hand_in():
        try:
            with transaction.atomic():
                Attempt.objects.filter(pk=a.pk).update(status="marking", submitted_at=T0)
                holding.set()
                release.wait(20)
        finally:
            connection.close()

    def save():
        try:
            services.answer_save(
                attempt_id=a.pk,
                user=world.clerk,
                question_id=q.pk,
                value=_right(q),
                now=T0 + dt.timedelta(minutes=1),
            )
            result["saved"] = True
        except Conflict as exc:
            result["code"] = exc.code
        finally:
            connection.close()

    first = threading.Thread(target=hand_in)
    first.start()
    assert holding.wait(20)
    second = threading.Thread(target=save)
    second.start()
    second.join(1.0)
    assert second.is_alive()  # waiting for the hand-in
    release.set()
    first.join(20)
    second.join(20)
    assert result == {"code": "attempt_closed"}
    assert not Answer.objects.filter(attempt=a).exists()
