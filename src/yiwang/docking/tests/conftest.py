from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from yiwang.core import outbox
from yiwang.core.models import OutboxMessage
from yiwang.docking import province as province_wire
from yiwang.licenses.tests.factories import licensed

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
