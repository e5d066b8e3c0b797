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


def is_safe_link(value: str) -> bool:
    """Links people may click (blank forms, samples): http(s) or site paths, never `javascript:`."""
    v = value.strip().lower()
    return v == "" or v.startswith(("https://", "http://")) or (v.startswith("/") and not v.startswith("//"))


def safe_link_validator(value: str) -> None:
    """Model-field validator (admin) for such links."""
    from django.core.exceptions import ValidationError

    if not is_safe_link(value or ""):
        raise ValidationError("应为 http(s) 链接或站内路径")


def is_digits(value: object) -> bool:
    """ASCII digits only. `str.isdigit()` is also true for "²" or "①", which `int()` rejects."""
    return isinstance(value, str) and value.isascii() and value.isdigit()


def as_int(value: object, default: int | None = None) -> int | None:
    """An integer from form or query text (optional sign, ASCII digits, at most 18 of them), else `default`."""
    text = str(value or "").strip()
    body = text[1:] if text[:1] in "+-" else text
    return int(text) if is_digits(body) and len(body) <= 18 else default
