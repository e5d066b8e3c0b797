"""Exams: papers drawn by rules and shuffled per candidate, timed on the server, answers saved one
by one (and kept across a lost connection), answers after the end refused, marking and retakes."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from yiwang.core.errors import Conflict, NotFound
from yiwang.training import services
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
