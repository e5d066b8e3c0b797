"""What the gateway asks the apps above it (core.hooks; docs/architecture.md).

A department's query for case handling must name a case its caller may act on whose parties
include the subject (issue 22, defect 1). Cases sit above the exchange, so `cases` registers the
check in its AppConfig.ready(); with nothing registered every such query is refused.
"""

from __future__ import annotations

from typing import Protocol

from yiwang.accounts.models import User
from yiwang.core.hooks import Hook


class CaseBinding(Protocol):
    def __call__(
        self,
        *,
        actor: User | None,
        department_id: int,
        case_number: str,
        subject_hash: str,
        exists_only: bool,
    ) -> str:
        """ "" if the query may be bound to the case, else a refusal reason: `case_not_found`
        (no such case, or one the actor may not see), `case_not_actionable` (another
        department's, or one the actor does not handle), `subject_not_party`. With
        `exists_only`, "" also when no case has that number (an outside system's own case)."""
        ...


case_binding: Hook[CaseBinding] = Hook("exchange.case_binding")
