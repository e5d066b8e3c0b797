"""群众提/议/谈/评: the proposal flow with public answers on the working-day clock, one support per
person, moderation holds with reasons, rate limits, result ratings, and bad input."""

from datetime import date

import pytest

from yiwang.core.errors import (
    Conflict,
    InvalidTransition,
    PermissionDenied,
    StaleVersion,
    Throttled,
    ValidationFailed,
)
from yiwang.participation import selectors, services
from yiwang.participation.models import Comment, Moderation, Proposal, ResultRating, Status, Support

from .conftest import propose


def test_flow_submitted_to_done_with_public_answers(world):
    p = propose(world)
    assert p.number.startswith("JY") and p.status == Status.SUBMITTED and p.department == world.dept
    assert p.answer_due == services.workdays.add_workdays(p.submitted_on, services.ANSWER_LIMIT_DAYS).date
    assert p.target_name == "食品经营许可（新办）"
    for action, to in [
        ("review", "under_review"),
        ("accept", "accepted"),
        ("start", "in_progress"),
        ("complete", "done"),
    ]:
        p = Proposal.objects.get(pk=p.pk)
        a = services.proposal_answer(actor=world.dept_admin, proposal=p, action=action, body=f"{action} 说明")
        assert a.to_status == to
    p = Proposal.objects.get(pk=p.pk)
    assert p.status == Status.DONE and p.answered_on is not None and p.answers.count() == 4
    assert p.version == 5


def test_decline_needs_a_reason_and_ends_the_proposal(world):
    p = propose(world)
    with pytest.raises(ValidationFailed) as exc:
        services.proposal_answer(actor=world.dept_admin, proposal=p, action="decline", body="  ")
    assert "reason" in exc.value.fields
    assert Proposal.objects.get(pk=p.pk).status == Status.SUBMITTED
    services.proposal_answer(actor=world.dept_admin, proposal=p, action="decline", body="缺乏法律依据")
    p = Proposal.objects.get(pk=p.pk)
    with pytest.raises(InvalidTransition):
        services.proposal_answer(actor=world.dept_admin, proposal=p, action="start", body="x")
    with pytest.raises(InvalidTransition):
        services.support_add(actor=world.citizen2, proposal=p)


def test_step_out_of_order_and_stale_version_change_nothing(world):
    p = propose(world)
    with pytest.raises(InvalidTransition):
        services.proposal_answer(actor=world.dept_admin, proposal=p, action="complete", body="完成")
    with pytest.raises(StaleVersion):
        services.proposal_answer(actor=world.dept_admin, proposal=p, action="review", body="x", version=7)
    p = Proposal.objects.get(pk=p.pk)
    assert p.status == Status.SUBMITTED and p.version == 1 and p.answers.count() == 0


def test_only_the_responsible_department_answers(world):
    p = propose(world)
    for actor in (world.dept2_admin, world.citizen, world.reviewer2):
        with pytest.raises(PermissionDenied):
            services.proposal_answer(actor=actor, proposal=p, action="review", body="x")
    assert Proposal.objects.get(pk=p.pk).answers.count() == 0


def test_answer_deadline_lights(world):
    p = propose(world)
    due = p.answer_due
    assert selectors.answer_warning(p, today=p.submitted_on)[0] == "normal"
    assert selectors.answer_warning(p, today=due)[0] == "yellow"
    assert selectors.answer_warning(p, today=date.fromordinal(due.toordinal() + 1))[0] == "red"
    services.proposal_answer(actor=world.dept_admin, proposal=p, action="reply", body="已收到，正在研究")
    p = Proposal.objects.get(pk=p.pk)
    assert p.status == Status.SUBMITTED and selectors.answer_warning(
        p, today=due.replace(year=due.year + 1)
    ) == (
        "normal",
        None,
    )


def test_one_support_per_person_and_not_ones_own(world):
    p = propose(world)
    services.support_add(actor=world.citizen2, proposal=p)
    with pytest.raises(Conflict):
        services.support_add(actor=world.citizen2, proposal=p)
    with pytest.raises(Conflict):
        services.support_add(actor=world.citizen, proposal=p)
    with pytest.raises(PermissionDenied):
        services.support_add(actor=world.clerk, proposal=p)
    assert Support.objects.filter(proposal=p).count() == 1
    assert Proposal.objects.get(pk=p.pk).support_count == 1


def test_sensitive_words_hold_posts_and_comments_until_moderated(world):
    p = propose(world, body="门口有人办假证，请整治")
    assert p.moderation == Moderation.HELD
    assert not selectors.proposals_visible(user=None).filter(pk=p.pk).exists()
    assert selectors.proposals_visible(user=world.citizen).filter(pk=p.pk).exists()  # the author
    assert not selectors.proposals_visible(user=world.citizen2).filter(pk=p.pk).exists()
    with pytest.raises(InvalidTransition):
        services.comment_add(actor=world.citizen2, proposal=p, body="同意")
    with pytest.raises(PermissionDenied):
        services.proposal_moderate(actor=world.citizen2, proposal=p, action="publish", reason="ok")
    with pytest.raises(ValidationFailed):
        services.proposal_moderate(actor=world.supervisor, proposal=p, action="publish", reason="")
    services.proposal_moderate(
        actor=world.supervisor, proposal=p, action="publish", reason="反映问题属实，可公开"
    )
    p = Proposal.objects.get(pk=p.pk)
    assert p.moderation == Moderation.PUBLISHED and p.moderated_by == world.supervisor
    c = services.comment_add(actor=world.citizen2, proposal=p, body="这里有赌博广告")
    assert c.moderation == Moderation.HELD and Proposal.objects.get(pk=p.pk).comment_count == 0
    assert not selectors.comments_visible(user=None, proposal=p).exists()
    services.comment_moderate(actor=world.supervisor, comment=c, action="reject", reason="含违规广告")
    assert Comment.objects.get(pk=c.pk).moderation == Moderation.REJECTED
    with pytest.raises(InvalidTransition):
        services.comment_moderate(actor=world.supervisor, comment=c, action="publish", reason="x")


def test_rate_limits_per_person(world, monkeypatch):
    monkeypatch.setattr(services, "PROPOSALS_PER_DAY", 2)
    monkeypatch.setattr(services, "COMMENTS_PER_HOUR", 1)
    p = propose(world)
    propose(world, title="第二条")
    with pytest.raises(Throttled):
        propose(world, title="第三条")
    assert Proposal.objects.filter(author=world.citizen).count() == 2
    propose(world, user=world.citizen2, title="别人的")  # per person
    services.comment_add(actor=world.citizen2, proposal=p, body="一")
    with pytest.raises(Throttled):
        services.comment_add(actor=world.citizen2, proposal=p, body="二")


@pytest.mark.parametrize(
    "title,body,field",
    [("<script>alert(1)</script>", "x", "title"), ("t", "a" * 10_000, "body"), ("", "x", "title")],
)
def test_bad_text_is_refused(world, title, body, field):
    with pytest.raises(ValidationFailed) as exc:
        propose(world, title=title, body=body)
    assert field in exc.value.fields and Proposal.objects.count() == 0


def test_bad_targets_are_refused(world):
    with pytest.raises(ValidationFailed):
        propose(world, item_code="NOPE")
    with pytest.raises(ValidationFailed):
        propose(world, item_code=None, target="hall")
    with pytest.raises(ValidationFailed):
        propose(world, item_code=None, target="process")  # no department
    p = propose(world, item_code=None, target="hall", hall_id=world.hall.pk, department=world.dept2.pk)
    assert p.department == world.dept2 and p.target_name == world.hall.name


def test_result_ratings_by_proposer_and_supporters_once_done(world):
    p = propose(world)
    services.support_add(actor=world.citizen2, proposal=p)
    with pytest.raises(InvalidTransition):
        services.result_rate(actor=world.citizen, proposal=p, level="1")
    for action in ("accept", "complete"):
        services.proposal_answer(
            actor=world.dept_admin, proposal=Proposal.objects.get(pk=p.pk), action=action, body="好"
        )
    p = Proposal.objects.get(pk=p.pk)
    services.result_rate(actor=world.citizen, proposal=p, level="1", comment="很方便")
    services.result_rate(actor=world.citizen2, proposal=p, level="4")
    with pytest.raises(Conflict):
        services.result_rate(actor=world.citizen2, proposal=p, level="2")
    with pytest.raises(PermissionDenied):
        services.result_rate(actor=world.company, proposal=p, level="1")
    with pytest.raises(ValidationFailed):
        services.result_rate(actor=world.citizen, proposal=p, level="9")
    assert sorted(ResultRating.objects.filter(proposal=p).values_list("level", flat=True)) == ["1", "4"]


def test_department_publishes_drafts_for_discussion(world):
    d = services.draft_publish(
        actor=world.dept_admin, department=world.dept.pk, title="食品经营许可流程调整（征求意见稿）",
        body="拟将现场核查改为告知承诺。", target="process",
    )  # fmt: skip
    assert d.number.startswith("CA") and d.status == Status.UNDER_REVIEW and d.answer_due is None
    with pytest.raises(PermissionDenied):
        services.draft_publish(actor=world.dept2_admin, department=world.dept.pk, title="x", body="y")
    with pytest.raises(PermissionDenied):
        services.draft_publish(actor=world.citizen, department=world.dept.pk, title="x", body="y")
    services.comment_add(actor=world.citizen2, proposal=d, body="赞成，减少跑动")
    services.support_add(actor=world.citizen2, proposal=d)
    assert Proposal.objects.get(pk=d.pk).support_count == 1


def test_experiences_are_published_without_workflow(world):
    e = propose(world, kind="experience", title="办营业执照半天搞定", body="窗口一次告知，很顺利。")
    assert e.status == Status.PUBLISHED and e.answer_due is None and e.number.startswith("TY")
    with pytest.raises(InvalidTransition):
        services.support_add(actor=world.citizen2, proposal=e)
    services.proposal_answer(actor=world.dept_admin, proposal=e, action="reply", body="感谢反馈")
    with pytest.raises(InvalidTransition):
        services.proposal_answer(
            actor=world.dept_admin, proposal=Proposal.objects.get(pk=e.pk), action="accept", body="x"
        )
