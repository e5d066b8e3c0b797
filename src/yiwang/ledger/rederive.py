"""Re-deriving entries from the records they attest.

Each app registers, per entry-kind prefix, a function that recomputes an entry's payload from
the live record, in its `ledgering.py` (called from its AppConfig.ready()):
`rederive.registry.register("case.", fn)` with fn(entry_row) -> dict (or None when the record is
gone). `yiwang ledger verify` compares that payload's salted hash with the entry's; the longest
registered prefix of an entry's kind wins. The ledger itself knows no domain.
"""

from __future__ import annotations

from typing import Any, Protocol

from yiwang.core.hooks import Hook


class Rederive(Protocol):
    def __call__(self, row: Any, /) -> dict | None: ...


registry: Hook[Rederive] = Hook("ledger.rederive")


def register(kind_prefix: str, fn: Rederive) -> None:
    registry.register(kind_prefix, fn)


def unregister(kind_prefix: str) -> None:
    registry.unregister(kind_prefix)


def lookup(kind: str) -> Rederive | None:
    return registry.lookup_prefix(kind)
