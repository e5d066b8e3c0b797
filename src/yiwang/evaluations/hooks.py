"""Hooks through which higher apps take part in what ratings do (docs/architecture.md, "Hooks"):

- `rating_recorded`: called inside the transaction that records a rating (any channel), so a
  higher app may write an outbox message with it (`docking` reports ratings to the provincial
  platform: 数据上报). It must not talk to the network; an exception rolls the rating back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from yiwang.core.hooks import Hook

if TYPE_CHECKING:
    from .models import Evaluation


class RatingRecorded(Protocol):
    def __call__(self, *, evaluation: Evaluation) -> None: ...


rating_recorded: Hook[RatingRecorded] = Hook("evaluations.rating_recorded")


def recorded(*, evaluation: Evaluation) -> None:
    for fn in rating_recorded.functions():
        fn(evaluation=evaluation)
