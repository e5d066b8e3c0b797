"""Skill competition: written rounds as exams, practical rounds scored by judges against a rubric
(no judge from the candidate's department or window), rankings, qualification, certificates."""

import pytest
import time_machine

from yiwang.accounts.tests.factories import StaffFactory
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.organizations.tests.factories import StaffRoleFactory
from yiwang.training import selectors, services
from yiwang.training.models import Entry, Question

from .conftest import T0

pytestmark = pytest.mark.django_db

RUBRIC = [
    {"criterion": "受理规范", "max": 40},
    {"criterion": "一次告知", "max": 30},
    {"criterion": "文明用语", "max": 30},
]


def _competition(exam):
    return services.competition_create(
        year=2026,
        title="2026年政务服务技能竞赛",
        rounds=[
            {"level": "community", "kind": "written", "exam": exam, "qualify": 2},
            {"level": "street", "kind": "practical", "rubric": RUBRIC, "qualify": 1},
            {"level": "district", "kind": "practical", "rubric": RUBRIC, "qualify": 1},
            {"level": "city", "kind": "practical", "rubric": RUBRIC},
        ],
    )


def _right(q: Question):
    return q.answer[0] if q.kind == "fill" else q.answer


def test_written_round_ranks_and_qualifies_the_top(world, exam):
    comp = _competition(exam)
    community = comp.rounds.get(level="community")
    with time_machine.travel(T0, tick=False):
        for k, n_right in enumerate([3, 7, 5, 2]):
            u = StaffFactory(username=f"c{k}")
            StaffRoleFactory(user=u, role="clerk", window=world.window)
            services.entry_add(
                round=community, user=u, team="江岸区" if k % 2 else "武昌区", window=world.window
            )
            a = services.attempt_start(user=u, exam=exam)
            closed = [Question.objects.get(pk=p["q"]) for p in a.paper]
            closed = [q for q in closed if q.kind != "short"]
            for q in closed[:n_right]:
                services.answer_save(attempt_id=a.pk, user=u, question_id=q.pk, value=_right(q))
            services.attempt_submit(attempt_id=a.pk, user=u)
    entries = {e.user.username: e for e in services.round_close(round=community)}
    assert [entries[f"c{k}"].rank for k in range(4)] == [3, 1, 2, 4]
    assert [entries[f"c{k}"].qualified for k in range(4)] == [False, True, True, False]
    assert entries["c1"].score == 7 and entries["c1"].certificate_no
    street = comp.rounds.get(level="street")
    assert set(street.entries.values_list("user__username", flat=True)) == {"c1", "c2"}
    assert selectors.team_ranking(community)[0]["team"] == "江岸区"


def test_practical_round_judges_conflicts_and_final_certificates(world):
    comp = services.competition_create(
        year=2026, title="技能竞赛", rounds=[{"level": "district", "kind": "practical", "rubric": RUBRIC, "qualify": 1},
                                            {"level": "city", "kind": "practical", "rubric": RUBRIC}],
    )  # fmt: skip
    district = comp.rounds.get(level="district")
    a = services.entry_add(
        round=district, user=world.clerk, team="市民之家", department=world.dept, window=world.window
    )
    b = services.entry_add(
        round=district, user=world.clerk_other_hall, team="江岸区", window=world.window_other_hall
    )
    judge_outside = StaffFactory(username="judge1")
    StaffRoleFactory(user=judge_outside, role="reviewer", department=world.dept2)
    # world.reviewer works in world.dept: conflict with entry a.
    with pytest.raises(PermissionDenied) as exc:
        services.judge_score(
            judge=world.reviewer, entry=a, scores={"受理规范": 30, "一次告知": 20, "文明用语": 20}
        )
    assert exc.value.code == "conflict_of_interest"
    with pytest.raises(ValidationFailed):
        services.judge_score(
            judge=judge_outside, entry=a, scores={"受理规范": 41, "一次告知": 20, "文明用语": 20}
        )
    services.judge_score(
        judge=judge_outside, entry=a, scores={"受理规范": 38, "一次告知": 28, "文明用语": 29}
    )
    services.judge_score(
        judge=world.reviewer, entry=b, scores={"受理规范": 30, "一次告知": 20, "文明用语": 20}
    )
    services.judge_score(
        judge=judge_outside, entry=b, scores={"受理规范": 32, "一次告知": 22, "文明用语": 22}
    )
    services.round_close(round=district)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.rank, a.score, a.qualified) == (1, 95, True)
    assert (b.rank, b.score, b.qualified) == (2, 73, False)
    city = comp.rounds.get(level="city")
    assert list(city.entries.values_list("user_id", flat=True)) == [world.clerk.pk]
    assert [t["team"] for t in selectors.team_ranking(district)] == ["市民之家", "江岸区"]
    final = services.entry_add(round=city, user=world.clerk, team="市民之家")
    services.judge_score(
        judge=judge_outside, entry=final, scores={"受理规范": 39, "一次告知": 29, "文明用语": 29}
    )
    services.round_close(round=city)
    final = Entry.objects.get(round=city, user=world.clerk)
    assert final.rank == 1 and final.certificate_no.startswith("JS2026-CIT-01") and not final.qualified


def test_ties_share_a_rank(world):
    comp = services.competition_create(
        year=2026, title="赛", rounds=[{"level": "city", "kind": "practical", "rubric": RUBRIC}]
    )
    rnd = comp.rounds.get()
    judge = StaffFactory(username="j")
    for u in (world.clerk, world.clerk_other_hall, world.approver2):
        e = services.entry_add(round=rnd, user=u, team="队")
        services.judge_score(
            judge=judge,
            entry=e,
            scores={"受理规范": 30, "一次告知": 20, "文明用语": 20 if u != world.approver2 else 10},
        )
    ranks = sorted(e.rank for e in services.round_close(round=rnd))
    assert ranks == [1, 1, 3]
