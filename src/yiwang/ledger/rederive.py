"""Re-deriving entries from the records they attest.

Apps register, per kind prefix, a function that recomputes an entry's payload from the live
record: `rederive.register("case.", fn)` with fn(entry_row) -> dict (or None when the record is
gone). `yiwang ledger verify` compares that payload's salted hash with the entry's.
"""

from __future__ import annotations

from collections.abc import Callable

_registry: dict[str, Callable] = {}


def register(kind_prefix: str, fn: Callable) -> None:
    _registry[kind_prefix] = fn


def unregister(kind_prefix: str) -> None:
    _registry.pop(kind_prefix, None)


def lookup(kind: str) -> Callable | None:
    best = None
    for prefix, fn in _registry.items():
        if kind.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, fn)
    return best[1] if best else None
