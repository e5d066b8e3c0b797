"""Hooks the cases app offers to higher apps (docs/architecture.md, "Hooks").

`transitioned` is called *inside* the transaction of every case transition, right after the
step is recorded (status, event, ledger entry): a higher app that must send something because of
the change (a case pushed to a department's own business system once accepted — `docking`)
writes its outbox message here, so the message commits with the change or not at all. Functions
must not talk to the network and must be quick; an exception rolls the transition back.

Followers that only need to hear about a change after it committed use `cases.followers`."""

from __future__ import annotations

from typing import Protocol

from yiwang.accounts.models import User
from yiwang.core.hooks import Hook

from .models import Case


class CaseTransitioned(Protocol):
    def __call__(self, *, case: Case, action: str, actor: User | None) -> None: ...


transitioned: Hook[CaseTransitioned] = Hook("cases.transitioned")


def transition_recorded(*, case: Case, action: str, actor: User | None) -> None:
    for fn in transitioned.functions():
        fn(case=case, action=action, actor=actor)
