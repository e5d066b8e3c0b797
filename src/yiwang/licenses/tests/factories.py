"""Licence test data other apps' tests reuse: the licence-type catalogue loaded and the test
world's item (食品经营许可（新办）) issuing a licence on completion."""

from __future__ import annotations

from datetime import date

from yiwang.catalog.models import ItemVersion
from yiwang.licenses.services import license_types_load

MON = date(2026, 11, 2)  # a Monday: the licence tests' cases run on it


def licensed(world):
    """The test world with licence types loaded and world.item's result a licence (type 10)."""
    license_types_load()
    ItemVersion.objects.filter(item=world.item).update(
        results=[{"name": "食品经营许可证", "type": "10"}, {"name": "准予许可决定书", "type": "20"}]
    )
    return world
