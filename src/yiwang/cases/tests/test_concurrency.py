"""Two staff acting on one case at the same moment: exactly one wins, the other gets
stale_version — on SQLite and PostgreSQL, with real threads and real transactions."""

import threading

import pytest
from django.db import close_old_connections

from yiwang.cases import services
from yiwang.cases.models import Case, CaseEvent
from yiwang.core.errors import InvalidTransition, StaleVersion
from yiwang.core.testing import good_form, good_materials


@pytest.mark.django_db(transaction=True)
def test_two_staff_at_once_exactly_one_wins(world):
    case = services.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
    )
    case = services.case_apply_action(case=case, actor=world.clerk, action="accept")
    version = case.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(user, action, **kw):
        try:
            mine = Case.objects.get(pk=case.pk)  # both read the same version
            barrier.wait(timeout=10)
            services.case_apply_action(case=mine, actor=user, action=action, version=version, **kw)
            outcomes.append("ok")
        except (StaleVersion, InvalidTransition) as exc:
            outcomes.append(exc.code)
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=run, args=(world.reviewer, "review")),
        threading.Thread(
            target=run,
            args=(world.dept_admin, "transfer"),
            kwargs={"department": str(world.dept2.pk), "reason": "职责调整"},
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "stale_version"]
    case.refresh_from_db()
    assert case.version == version + 1
    assert CaseEvent.objects.filter(case=case, seq=version + 1).count() == 1
