"""The training demo: ≥ 100 questions, an exam open to `clerk` not yet taken, `clerk` certified
(so the city hall's 持证上岗 rule does not lock the demo's window), one expired certificate, a past
exam taken by demo staff with statistics, a competition with rankings; a second run adds nothing."""

import pytest
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.demo.services import demo_load
from yiwang.demo.training import COMPETITION, OPEN_EXAM, PAST_EXAM
from yiwang.demo.training import demo_load as training_load
from yiwang.organizations.models import StaffRole
from yiwang.organizations.services import staff_role_grant
from yiwang.training import selectors
from yiwang.training.models import Attempt, Certification, Competition, Exam, Question, QuestionStat


@pytest.mark.django_db
def test_training_demo():
    demo_load(password="demo-pass-1234")
    clerk = User.objects.get(username="clerk")
    today = timezone.localdate()
    assert Question.objects.count() >= 100
    assert {k for k in Question.objects.values_list("kind", flat=True)} == {
        "single",
        "multiple",
        "true_false",
        "fill",
        "short",
    }
    exam = Exam.objects.get(title=OPEN_EXAM)
    assert exam in selectors.exams_open(user=clerk)
    assert not Attempt.objects.filter(exam=exam, user=clerk).exists()
    assert selectors.certified(clerk, on=today)
    assert not selectors.certified(User.objects.get(username="clerk2"), on=today)  # expired
    assert Certification.objects.filter(valid_until__lt=today).count() == 1
    past = Exam.objects.get(title=PAST_EXAM)
    assert Attempt.objects.filter(exam=past, status="done").count() == 7
    assert QuestionStat.objects.filter(exam=past).exists()
    comp = Competition.objects.get(title=COMPETITION)
    street = comp.rounds.get(level="street")
    assert street.closed and selectors.round_ranking(street)[0].rank == 1
    assert comp.rounds.get(level="district").entries.count() == 2
    # The demo's window stays usable: clerk (certified) may be assigned again; clerk2 (expired) may not.
    window = StaffRole.objects.filter(user=clerk, window__isnull=False).first().window
    staff_role_grant(user=clerk, role="clerk", window=window)
    assert training_load() == {"questions": 0, "certifications": 0, "courses": 0, "competition": comp.pk}
