"""List pagination of API.md: `?page=1&page_size=50` (max 200) ->
`{"items": [...], "count": N, "page": 1, "page_size": 50}`."""

from __future__ import annotations

from collections.abc import Callable

from .errors import ValidationFailed

MAX_PAGE_SIZE = 200


def paginate(queryset, *, page: int = 1, page_size: int = 50, serialize: Callable) -> dict:
    problems = {}
    if page < 1:
        problems["page"] = ["页码应从1开始"]
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        problems["page_size"] = [f"每页条数应在1到{MAX_PAGE_SIZE}之间"]
    if problems:
        raise ValidationFailed(fields=problems)
    count = queryset.count()
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size])
    return {"items": [serialize(r) for r in rows], "count": count, "page": page, "page_size": page_size}
