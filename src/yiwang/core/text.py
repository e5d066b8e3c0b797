"""Checks on free text from people."""

from __future__ import annotations

import re

from .errors import ValidationFailed

MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|<\s*script|javascript\s*:|on[a-z]+\s*=\s*['\"]", re.IGNORECASE)


def has_markup(value: str) -> bool:
    return bool(MARKUP.search(value))


def reject_markup(*, field: str, value: str) -> None:
    """Free text may not carry HTML or script (pages escape anyway; this keeps it out of records)."""
    if value and has_markup(value):
        raise ValidationFailed(fields={field: ["内容不能包含HTML标记或脚本"]})
