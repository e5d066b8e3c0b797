"""Typed hook registries: how a lower app lets higher apps take part in what it does without
importing them (docs/architecture.md, "The layers").

A lower app declares a registry next to the code that calls it, typed by a Protocol of the
function it expects::

    # workdays/hooks.py
    class DueDatesRecompute(Protocol):
        def __call__(self, *, years: set[int], reason: str) -> int: ...

    due_dates_recompute: Hook[DueDatesRecompute] = Hook("workdays.due_dates_recompute")

A higher app registers in its ``AppConfig.ready()`` under a name of its own::

    hooks.due_dates_recompute.register("cases", cases_recompute_due_dates)

Registering a second function under a name already taken raises ``HookError`` (a silent
overwrite would drop somebody's work); ``replace=True`` says it is meant (tests). The lower app
calls every registered function in registration order with ``hook.functions()`` or looks one up
by name with ``hook.get(name)``; ``hook.lookup_prefix(kind)`` finds the longest registered name
that prefixes ``kind`` (ledger re-derivation by entry kind).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

F = TypeVar("F", bound=Callable)


class HookError(RuntimeError):
    """A programming error in the wiring of hooks (raised at start-up, never to users)."""


class Hook(Generic[F]):
    """An ordered registry of named functions of one signature."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._fns: dict[str, F] = {}

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {', '.join(self._fns) or 'empty'}>"

    def register(self, name: str, fn: F, *, replace: bool = False) -> F:
        """Add `fn` under `name`. The same function under the same name again is a no-op (a
        `ready()` that runs twice); another function under a taken name raises HookError."""
        if not callable(fn):
            raise HookError(f"{self.name}: {name!r} is not callable")
        current = self._fns.get(name)
        if current is not None and current is not fn and not replace:
            raise HookError(f"{self.name}: {name!r} is already registered ({current!r})")
        self._fns[name] = fn
        return fn

    def unregister(self, name: str) -> None:
        self._fns.pop(name, None)

    def get(self, name: str) -> F | None:
        return self._fns.get(name)

    def names(self) -> list[str]:
        return list(self._fns)

    def functions(self) -> list[F]:
        return list(self._fns.values())

    def __iter__(self) -> Iterator[F]:
        return iter(self.functions())

    def __len__(self) -> int:
        return len(self._fns)

    def lookup_prefix(self, key: str) -> F | None:
        """The function registered under the longest name that is a prefix of `key`."""
        best: tuple[str, F] | None = None
        for name, fn in self._fns.items():
            if key.startswith(name) and (best is None or len(name) > len(best[0])):
                best = (name, fn)
        return best[1] if best else None

    @contextmanager
    def registered(self, name: str, fn: F) -> Iterator[F]:
        """Register for the duration of a block (tests), restoring what was there before."""
        before = self._fns.get(name)
        self._fns[name] = fn
        try:
            yield fn
        finally:
            if before is None:
                self._fns.pop(name, None)
            else:
                self._fns[name] = before
