"""Page-number pagination for list endpoints (API.md: `?page=1&page_size=50`, max 200 →
`{"items", "count", "page", "page_size"}`). Out-of-range values are a 422, not a silent clamp."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from .errors import ValidationFailed

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_params(request_or_params: HttpRequest | Mapping[str, Any] | None) -> tuple[int, int]:
    """(page, page_size) from a request's query string or a mapping; raises ValidationFailed."""
    if request_or_params is None:
        params: Mapping[str, Any] = {}
    elif isinstance(request_or_params, HttpRequest):
        params = request_or_params.GET
    else:
        params = request_or_params
    fields: dict[str, list[str]] = {}

    def read(name: str, default: int) -> int:
        raw = params.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except (TypeError, ValueError):
            fields.setdefault(name, []).append("应为整数")
            return default

    page, page_size = read("page", 1), read("page_size", DEFAULT_PAGE_SIZE)
    if page < 1:
        fields.setdefault("page", []).append("页码应从 1 开始")
    if page_size < 1:
        fields.setdefault("page_size", []).append("每页条数至少为 1")
    elif page_size > MAX_PAGE_SIZE:
        fields.setdefault("page_size", []).append(f"每页条数不能超过 {MAX_PAGE_SIZE}")
    if fields:
        raise ValidationFailed("分页参数有误", fields=fields)
    return page, page_size


def paginate(
    request_or_params: HttpRequest | Mapping[str, Any] | QuerySet | list | None,
    queryset: QuerySet | list | None = None,
    serializer: Callable[[Any], Any] | None = None,
    *,
    page: int | None = None,
    page_size: int | None = None,
    serialize: Callable[[Any], Any] | None = None,
) -> dict:
    """One page of `queryset`, each object passed through `serializer`. Two queries: the count
    and the page (plus whatever the queryset's prefetches add, independent of the page size).

    `paginate(request, queryset, serializer)`; the keyword form
    `paginate(queryset, page=1, page_size=50, serialize=fn)` is accepted too."""
    if queryset is None and isinstance(request_or_params, QuerySet | list):
        queryset, request_or_params = request_or_params, {}
        if page is not None:
            request_or_params["page"] = page
        if page_size is not None:
            request_or_params["page_size"] = page_size
    serializer = serializer or serialize
    if queryset is None or serializer is None:
        raise TypeError("paginate() needs a queryset and a serializer")
    page, page_size = page_params(request_or_params)
    count = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
    start = (page - 1) * page_size
    objects = list(queryset[start : start + page_size]) if start < count else []
    return {"items": [serializer(o) for o in objects], "count": count, "page": page, "page_size": page_size}
