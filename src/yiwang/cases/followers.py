"""Apps that follow case changes (a 一件事 bundle waiting for its department cases, ratings
inviting the applicant once a case is completed) register a function here in their
AppConfig.ready(): `followers.registry.register("bundles", fn)`. `tasks.case_changed` calls each
after a transition commits; followers take ids, are idempotent, and must tolerate being called
again by a sweep. A second function under a taken name is an error (core.hooks)."""

from __future__ import annotations

from typing import Protocol

from yiwang.core.hooks import Hook


class CaseFollower(Protocol):
    def __call__(self, *, case_id: int, action: str) -> None: ...


registry: Hook[CaseFollower] = Hook("cases.followers")


def register(name: str, fn: CaseFollower) -> None:
    registry.register(name, fn)


def notify(*, case_id: int, action: str) -> None:
    for fn in registry.functions():
        fn(case_id=case_id, action=action)
