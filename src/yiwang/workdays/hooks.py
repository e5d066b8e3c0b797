"""What happens elsewhere when the calendar changes (core.hooks; docs/architecture.md).

The calendar sits below everything that counts working days, so a State Council notice entered
or deleted here cannot recompute due dates itself: the apps that keep due dates register a
function in their AppConfig.ready() (`due_dates_recompute.register("cases", fn)`). Each is called
inside the notice's transaction with the changed years and the reason to record, and returns
how many of its records' due dates changed; the notice keeps the total (`recomputed_cases`).
"""

from __future__ import annotations

from typing import Protocol

from yiwang.core.hooks import Hook


class DueDatesRecompute(Protocol):
    def __call__(self, *, years: set[int], reason: str) -> int: ...


due_dates_recompute: Hook[DueDatesRecompute] = Hook("workdays.due_dates_recompute")
