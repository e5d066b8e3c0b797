"""Question statistics (Moodle's facility and discrimination indices) flag questions to review."""

import datetime as dt

import pytest
import time_machine

from yiwang.accounts.tests.factories import StaffFactory
from yiwang.organizations.tests.factories import StaffRoleFactory
from yiwang.training import services
from yiwang.training.models import Question, QuestionStat

from .conftest import T0

pytestmark = pytest.mark.django_db


def test_facility_and_discrimination(world):
    qs = [
        services.question_create(
            kind="true_false", text=f"判断题{i}", topic="rating", difficulty=1, answer=True
        )
        for i in range(4)
    ]
    exam = services.exam_create(
        title="好差评测验", rules=[{"topic": "rating", "difficulty": 1, "count": 4}], opens_at=T0,
        closes_at=T0 + dt.timedelta(days=1),
    )  # fmt: skip
    # Candidate k answers questions 0..k-1 right (so question 0 is easy and discriminates a little,
    # question 3 is hard); question 2 is "wrong-keyed": only the weakest get it right.
    plan = {0: [2], 1: [0, 2], 2: [0, 1], 3: [0, 1, 3], 4: [0, 1, 3]}
    with time_machine.travel(T0, tick=False):
        for k, right in plan.items():
            user = StaffFactory(username=f"cand{k}")
            StaffRoleFactory(user=user, role="clerk", window=world.window)
            a = services.attempt_start(user=user, exam=exam)
            for q in qs:
                services.answer_save(
                    attempt_id=a.pk,
                    user=user,
                    question_id=q.pk,
                    value="true" if qs.index(q) in right else "false",
                )
            services.attempt_submit(attempt_id=a.pk, user=user)
    stats = {s.question_id: s for s in services.exam_statistics(exam=exam)}
    assert stats[qs[0].pk].facility == pytest.approx(4 / 5)
    assert stats[qs[3].pk].facility == pytest.approx(2 / 5)
    assert stats[qs[0].pk].discrimination > 0.3
    assert stats[qs[2].pk].discrimination < 0  # the strongest got it wrong
    assert "区分度为负" in stats[qs[2].pk].flag
    assert Question.objects.get(pk=qs[2].pk).needs_review is True
    assert QuestionStat.objects.filter(exam=exam).count() == 4


def test_flags():
    assert services.flag_for(0.99, 0.5).startswith("过易")
    assert services.flag_for(0.01, None).startswith("过难")
    assert services.flag_for(0.6, 0.1) == "区分度偏低"
    assert services.flag_for(0.6, 0.45) == ""
