"""In Debian's chromium: a candidate takes an exam with the keyboard only — answers saved as they
go (by static/training/exam.js through the API), a reload keeps them, 交卷 shows the score — and
the training pages pass axe-core. Skipped without chromium (shared fixtures)."""

import datetime as dt

import pytest
from django.utils import timezone

from yiwang.core.testing import login, tab_to
from yiwang.training import services
from yiwang.training.models import Answer, Attempt, Question

from .conftest import bank


@pytest.mark.browser
def test_candidate_takes_an_exam_keyboard_only(live_server, transactional_db, world, page, axe):
    bank(1)
    now = timezone.now()
    exam = services.exam_create(
        title="窗口规范测验", rules=[{"topic": "law", "difficulty": 2, "count": 4}],
        opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=2), roles=["clerk"],
    )  # fmt: skip
    # only closed questions: deactivate the short one
    Question.objects.filter(kind="short").update(active=False)
    base = live_server.url
    login(page, base, "clerk")
    page.goto(f"{base}/workbench/training/")
    axe("training-index", portal=False)
    tab_to(page, f"#start-{exam.pk}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    attempt = Attempt.objects.get(user=world.clerk)
    axe("training-attempt", portal=False)
    first = attempt.paper[0]
    q = Question.objects.get(pk=first["q"])
    # Tab into the first question and choose with the keyboard.
    if q.kind == "fill":
        tab_to(page, f"#q{q.pk}-text")
        page.keyboard.type("32")
        page.keyboard.press("Tab")
    else:
        tab_to(page, f"#question-{q.pk} input")
        page.keyboard.press("Space")
    page.locator(f"#question-{q.pk}[data-saved='1']").wait_for()  # saved by exam.js (no eval: strict CSP)
    assert Answer.objects.filter(attempt=attempt, question=q).exclude(value=None).exists()
    page.reload()
    if q.kind == "fill":
        assert page.input_value(f"#q{q.pk}-text") == "32"
    else:
        assert page.locator(f"#question-{q.pk} input:checked").count() == 1
    tab_to(page, "#hand-in", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    attempt.refresh_from_db()
    assert attempt.status == "done" and page.locator("#score").is_visible()
    axe("training-result", portal=False)
    page.goto(f"{base}/workbench/training/certifications/")
    axe("training-certifications", portal=False)
