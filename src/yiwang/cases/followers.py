"""Apps that follow case changes (e.g. a 一件事 bundle waiting for its department cases) register
a function here in their AppConfig.ready(). `tasks.case_changed` calls each after a transition
commits; followers take ids, are idempotent, and must tolerate being called again by a sweep."""

from __future__ import annotations

from collections.abc import Callable

_FOLLOWERS: list[Callable[..., None]] = []


def register(fn: Callable[..., None]) -> None:
    if fn not in _FOLLOWERS:
        _FOLLOWERS.append(fn)


def notify(*, case_id: int, action: str) -> None:
    for fn in list(_FOLLOWERS):
        fn(case_id=case_id, action=action)
