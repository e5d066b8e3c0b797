from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from yiwang.core import outbox
from yiwang.core.models import OutboxMessage
from yiwang.docking import province as province_wire
from yiwang.exchange import httpsig
from yiwang.licenses.tests.factories import licensed

from .deptsim import DepartmentSystemSim
from .province_server import Province, configure


@pytest.fixture
def world(world):
    return licensed(world)


@pytest.fixture
def province(db, settings):
    """The province on loopback, started, with the platform pointed at it; stopped afterwards."""
    key_id, private = province_wire.own_key()
    p = Province(city_keys={key_id: private.public_key()}).start()
    configure(p, settings)
    settings.YIWANG_OUTBOX_MAX_ATTEMPTS = 5
    yield p
    p.stop()


def deliver(*, now: datetime | None = None, topic: str | None = None) -> dict[str, int]:
    """Send what is due (as the outbox sweep does), each key in order; outcome counts. `topic`:
    only messages of that topic."""
    counts: dict[str, int] = {}
    queue = list(outbox.outbox_due(now=now))
    if topic is not None:
        mine = set(OutboxMessage.objects.filter(topic=topic).values_list("pk", flat=True))
        queue = [pk for pk in queue if pk in mine]
    while queue:
        result = outbox.outbox_deliver(message_id=queue.pop(0), now=now)
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
        queue.extend(result.unblocked)
    return counts


def later(hours: float = 2) -> datetime:
    """A time past every retry's backoff (the cap is an hour by default)."""
    return timezone.now() + timedelta(hours=hours)


@pytest.fixture
def sim(transactional_db):
    """The department system on loopback (stopped at the end)."""
    key_id, sk = httpsig.own_signing_key()
    pub = sk.public_key()
    made = DepartmentSystemSim(platform_public=lambda k: pub if k == key_id else None)
    yield made
    made.stop()


@pytest.fixture
def dept_system(world, sim, live_server, settings):
    """World.item handled in the department's own system, which calls back to the live server."""
    from yiwang.docking.services import systems

    settings.YIWANG_BASE_URL = live_server.url
    return systems.department_system_register(
        code="scjg-food",
        name="食品经营许可审批系统",
        department=world.dept,
        endpoint=sim.url,
        key_id=sim.key_id,
        public_key=sim.public_key_b64,
        items=[world.item],
    )
