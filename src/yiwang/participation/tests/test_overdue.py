"""A proposal without a first department answer after its deadline: the department's admins and
the region's supervisors are told exactly once per deadline, through the pluggable channel."""

from datetime import timedelta

from django.core import mail

from yiwang.participation import services, tasks
from yiwang.participation.models import OverdueNotice, Proposal

from .conftest import propose


def _mail(settings, world):
    settings.YIWANG_PARTICIPATION_NOTIFIER = "yiwang.evaluations.notify.EmailChannel"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for user, address in (
        (world.dept_admin, "admin@example.cn"),
        (world.supervisor, "sup@example.cn"),
        (world.dept2_admin, "other@example.cn"),
    ):
        user.email = address
        user.save(update_fields=["email"])


def test_overdue_answer_notified_once_per_deadline(world, settings, django_capture_on_commit_callbacks):
    _mail(settings, world)
    late = propose(world)
    answered = propose(world, title="建议增加自助终端")
    services.proposal_answer(actor=world.dept_admin, proposal=answered, action="review", body="研究中")
    held = propose(world, title="有人诈骗", body="警惕诈骗")
    assert held.moderation == "held"
    due = late.answer_due
    with django_capture_on_commit_callbacks(execute=True):
        assert services.proposals_notify_overdue(on=due) == 0  # the deadline day itself is in time
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.proposals_notify_overdue(on=due + timedelta(days=1)) == 1
        assert services.proposals_notify_overdue(on=due + timedelta(days=2)) == 0
        tasks.proposals_overdue.delay()
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@example.cn", "sup@example.cn"]
    assert late.number in mail.outbox[0].subject and "超过答复期限" in mail.outbox[0].subject
    notice = OverdueNotice.objects.get()
    assert (notice.proposal_id, notice.deadline, notice.recipients) == (late.pk, due, 2)

    # a new deadline (e.g. set again by the department) is notified once more, exactly once
    new_due = due + timedelta(days=7)
    Proposal.objects.filter(pk=late.pk).update(answer_due=new_due)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.proposals_notify_overdue(on=new_due + timedelta(days=1)) == 1
        assert services.proposals_notify_overdue(on=new_due + timedelta(days=3)) == 0
    assert len(mail.outbox) == 4 and OverdueNotice.objects.count() == 2


def test_answered_late_is_not_notified(world, settings, django_capture_on_commit_callbacks):
    _mail(settings, world)
    p = propose(world)
    services.proposal_answer(actor=world.dept_admin, proposal=p, action="reply", body="已收到")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.proposals_notify_overdue(on=p.answer_due + timedelta(days=30)) == 0
    assert mail.outbox == [] and not OverdueNotice.objects.exists()


def test_log_channel_by_default(world, caplog, django_capture_on_commit_callbacks):
    p = propose(world)
    with (
        caplog.at_level("INFO", logger="yiwang.evaluations"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.proposals_notify_overdue(on=p.answer_due + timedelta(days=1)) == 1
    lines = [r.getMessage() for r in caplog.records if "notify user" in r.getMessage()]
    assert len(lines) == 2 and all(p.number in line for line in lines)
