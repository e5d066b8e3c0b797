"""Reads of 部门业务系统对接 for pages of higher apps (the staff case page)."""

from __future__ import annotations

from yiwang.cases.models import Case

from .models import DockedCase


def docked_case(case: Case) -> DockedCase | None:
    """The case's push to a department system with the system and the outbox message (one query),
    or None. Only accepted cases are ever pushed: others cost no query."""
    if not case.accepted_on:
        return None
    return DockedCase.objects.select_related("system", "outbox_message").filter(case_id=case.pk).first()
