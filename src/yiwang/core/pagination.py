"""Page-number pagination for list endpoints (API.md: `?page=1&page_size=50`, max 200 →
`{"items", "count", "page", "page_size"}`). Out-of-range values are a 422, not a silent clamp."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

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


# --- long lists: a capped count, and one ordered list read as a union of index-ordered reads ---
# docs/benchmarks.md, "The case paths at 10 million cases": a staff queue over a department's
# whole backlog (tens of thousands of cases) must cost about the same as a short one.

QUEUE_COUNT_CAP = 1000


class OrderedUnion:
    """The rows of `base` that are in any of `branches` (querysets over the same model), in
    `order_by` order: the same rows in the same order as `base.filter(q1 | q2 | …)` ordered so,
    provided `order_by` ends with a unique column (the tie-breaker) — but read without the OR,
    which keeps PostgreSQL from walking an index in order (it would sort every matching row, or
    walk another index and filter, for a page of 30).

    A slice `[start:stop]` (a page) reads each branch in `order_by` order, limited to `stop` rows
    (each branch walks its own index and stops), unites their ids (a row of several branches
    counts once) and reads those ≤ n × stop rows from `base`, ordered and sliced again (past the
    first page, the slice is taken from the ids and sort keys alone, so only the page's rows are
    read whole): one query.
    The first `stop` rows of the union are among the first `stop` of each branch, so nothing is
    lost. `count()` is exact (the union's ids, counted); `count_upto(n)` counts at most n (for
    CappedPaginator). Works on SQLite too, which allows no LIMIT in a compound's part: there each
    part is wrapped as `pk IN (…)`."""

    ordered = True  # Paginator's check

    def __init__(self, base: QuerySet, branches: list[QuerySet], order_by: tuple) -> None:
        if not branches:
            raise ValueError("OrderedUnion needs at least one branch")
        self.base = base
        self.branches = branches
        self.order_by = order_by

    def _ids(self, limit: int | None, *, ordered: bool = True) -> QuerySet:
        from django.db import connections

        wrap = not connections[self.base.db].features.supports_slicing_ordering_in_compound
        parts = []
        for branch in self.branches:
            ids = branch.order_by(*self.order_by) if ordered and limit is not None else branch.order_by()
            ids = ids.values("pk")
            if limit is not None:
                ids = ids[:limit]
                if wrap:
                    ids = branch.model._base_manager.filter(pk__in=ids).order_by().values("pk")
            parts.append(ids)
        return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]

    def __getitem__(self, k: slice | int) -> list:
        if isinstance(k, int):
            rows = self[k : k + 1]
            if not rows:
                raise IndexError(k)
            return rows[0]
        if k.step not in (None, 1) or (k.start or 0) < 0 or (k.stop is not None and k.stop < 0):
            raise ValueError("OrderedUnion takes a plain non-negative slice")
        start, stop = k.start or 0, k.stop
        if stop is not None and stop <= start:
            return []
        ids = self._ids(stop)
        if start:  # a deeper page: the union's rows sorted narrowly (ids and sort keys), then only
            # the page's rows read whole (with base's joins and annotations), not all stop of them
            model = self.base.model
            ids = model._base_manager.filter(pk__in=ids).order_by(*self.order_by).values("pk")[start:stop]
        rows = self.base.filter(pk__in=ids).order_by(*self.order_by)
        return list(rows if start else rows[:stop])

    def count(self) -> int:
        return self._ids(None).count()

    def count_upto(self, n: int) -> int:
        return min(n, self._ids(n, ordered=False).count())


class CappedPage(Page):
    """A page of a CappedPaginator beyond its cap: whether a next page exists was read with the
    page (one row more), not from a total."""

    def __init__(self, object_list, number, paginator, *, more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class CappedPaginator(Paginator):
    """A Paginator whose count stops at `cap` + 1: `SELECT count(*) FROM (… LIMIT cap + 1)`, not a
    COUNT over the whole list. Up to `cap` rows it is Django's Paginator (`capped` is False, the
    count and the page numbers exact). Beyond it `capped` is True, `count` is cap + 1 (a page
    shows "超过 {cap} 件"), `num_pages` is unknown (templates show the page number and
    previous/next links, not "page n of m"), any page number ≥ 1 is accepted, a page reads one row
    more to know whether there is a next one, and `get_page` falls back to the first page for a
    number past the end (a hand-made URL, or rows gone since): finding the last page would count
    every row. A page deep in a long list still costs its offset (OFFSET pagination)."""

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = QUEUE_COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        n = self.cap + 1
        objects = self.object_list
        if hasattr(objects, "count_upto"):
            return objects.count_upto(n)
        if isinstance(objects, QuerySet):
            return objects.order_by()[:n].count()
        return min(n, len(objects))

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    def validate_number(self, number):
        if not self.capped:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        if not self.capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number):
        try:
            number = self.validate_number(number)
        except PageNotAnInteger:
            number = 1
        except EmptyPage:
            number = 1 if self.capped else self.num_pages  # below 1 when capped
        try:
            return self.page(number)
        except EmptyPage:  # past the end of a capped list: the first page (finding the last one
            return self.page(1)  # would count every row, which is what the cap avoids)
