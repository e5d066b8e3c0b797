"""Overdue bad-review work orders: the supervisors and the unit's admins are told exactly once,
through the configured channel (SMTP through Django's email backend here), however often the
hourly sweep runs."""

from datetime import date

from django.core import mail

from yiwang.evaluations import services, tasks

from .test_work_orders import bad_order


def test_overdue_order_notified_exactly_once(world, settings, django_capture_on_commit_callbacks):
    settings.YIWANG_EVALUATION_NOTIFIER = "yiwang.evaluations.notify.EmailChannel"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for user, address in ((world.supervisor, "sup@example.cn"), (world.dept_admin, "admin@example.cn")):
        user.email = address
        user.save(update_fields=["email"])
    order = bad_order(world)  # due Mon 9 Nov
    with django_capture_on_commit_callbacks(execute=True):
        assert services.orders_escalate_overdue(on=date(2026, 11, 9)) == 0
    assert mail.outbox == []
    for day in (10, 11, 12):
        with django_capture_on_commit_callbacks(execute=True):
            services.orders_escalate_overdue(on=date(2026, 11, day))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.orders_escalate.delay()  # the beat entry's task, run again later
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@example.cn", "sup@example.cn"]
    sup = next(m for m in mail.outbox if m.to == ["sup@example.cn"])
    assert order.number in sup.subject and "超期未办结" in sup.subject
    assert order.steps.filter(action="escalate").count() == 1
