"""Two processes moving one bundle on at the same moment (two followers, or a follower and the
sweep): the held item is released exactly once and neither fails — SQLite and PostgreSQL, real
threads and transactions."""

import threading

import pytest
from django.db import close_old_connections

from yiwang.bundles import services
from yiwang.cases.models import Case, CaseEvent

from .conftest import build_newborn, finish, newborn_form, pdf


@pytest.mark.django_db(transaction=True)
def test_two_advances_at_once_release_the_held_item_once(world):
    newborn = build_newborn(world)
    bcase = services.bundle_case_submit(
        actor=world.citizen,
        bundle_code="newborn",
        answers={"insured": "yes"},
        form={k: v for k, v in newborn_form(world).items()},
        channel="online",
        materials=[pdf("delivery_record"), pdf("id_card")],
    )
    birth = bcase.children.get(item_code=newborn.birth.code).case
    hukou = bcase.children.get(item_code=newborn.hukou.code).case
    finish(birth, world, reviewer=world.reviewer2, approver=world.approver2)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def run():
        try:
            barrier.wait(timeout=10)
            services.bundle_case_advance(bundle_case_id=bcase.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert Case.objects.get(pk=hukou.pk).status == "submitted"
    assert CaseEvent.objects.filter(case=hukou, action="release").count() == 1
