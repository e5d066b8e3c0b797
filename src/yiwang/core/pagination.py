"""Page-number pagination for list endpoints (API.md: `?page=1&page_size=50`, max 200 →
`{"items", "count", "page", "page_size"}`). Out-of-range values are a 422, not a silent clamp."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import F, OrderBy, Q, QuerySet, Value
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
    if isinstance(queryset, OrderedUnion):
        return _paginate_union(request_or_params, queryset, serializer, page=page, page_size=page_size)
    count = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
    start = (page - 1) * page_size
    objects = list(queryset[start : start + page_size]) if start < count else []
    return {"items": [serializer(o) for o in objects], "count": count, "page": page, "page_size": page_size}


def _paginate_union(params, items: OrderedUnion, serializer, *, page: int, page_size: int) -> dict:
    """A page of an OrderedUnion: by number (OFFSET), or — with `after`, a cursor from an earlier
    answer's `next_after` — the page_size rows after that row (a seek: as cheap deep in the list
    as on its first page). The count is exact (`OrderedUnion.count`). One row more is read to
    know whether there is a next page; `next_after` is its cursor, or null at the end."""
    if isinstance(params, HttpRequest):
        params = params.GET
    raw = (params or {}).get("after") or ""
    if raw:
        try:
            values = cursor_decode(raw, items)
        except ValueError as exc:
            raise ValidationFailed("分页参数有误", fields={"after": ["翻页位置无效"]}) from exc
        rows = items.seek(values)[0 : page_size + 1]
    else:
        start = (page - 1) * page_size
        rows = items[start : start + page_size + 1]
    more, rows = len(rows) > page_size, rows[:page_size]
    return {
        "items": [serializer(o) for o in rows],
        "count": items.count(),
        "page": page,
        "page_size": page_size,
        "next_after": cursor_encode(items.key_values(rows[-1])) if more else None,
    }


# --- long lists: a capped count, and one ordered list read as a union of index-ordered reads ---
# docs/benchmarks.md, "The case paths at 10 million cases": a staff queue over a department's
# whole backlog (tens of thousands of cases) must cost about the same as a short one.

QUEUE_COUNT_CAP = 1000


@contextmanager
def unprepared(using: str) -> Iterator[None]:
    """Statements in this block are sent unprepared, so PostgreSQL plans each for its own values.
    With `DB_PREPARE_THRESHOLD` set, psycopg prepares a statement after a few runs, and PostgreSQL
    may then switch it to a generic plan, made without the values. For a list over `cases_case`
    that is ruinous: one department's backlog is 78,000 cases, another's 30, and a region's
    `path LIKE 'p%'` cannot use the index range without its pattern (a count took 9.3 s instead
    of 393 ms at 10 M cases: docs/benchmarks.md). Turning generic plans off for everything
    (`plan_cache_mode = force_custom_plan` per connection) would cost every request its planning
    again (a case detail's database CPU 0.42 → 1.53 ms), and SET/RESET around each read two more
    round trips; psycopg's `prepare_threshold` is the connection's own attribute, so it is set
    aside here, in the process, for the block. OrderedUnion's reads (the long lists) run in one.
    Nothing changes without prepared statements or on SQLite; nested blocks are free."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        yield
        return
    conn.ensure_connection()
    raw = conn.connection
    threshold = raw.prepare_threshold
    if threshold is None:
        yield
        return
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = threshold


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

    def __init__(
        self,
        base: QuerySet,
        branches: list[QuerySet],
        order_by: tuple,
        *,
        counted: list[QuerySet] | None = None,
    ) -> None:
        if not branches:
            raise ValueError("OrderedUnion needs at least one branch")
        self.base = base
        self.branches = branches
        self.order_by = order_by
        self.counted = counted

    def _ids(self, limit: int | None, *, ordered: bool = True) -> QuerySet:
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
        with unprepared(self.base.db):
            return self._rows(k)

    def _rows(self, k: slice | int) -> list:
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
        """Exact. With `counted` — querysets that split the union into disjoint parts (each part's
        rows minus those of the parts before it), so each is counted in its own index and the
        counts add up — one statement of summed counts; else a COUNT of the union's ids (which
        reads and de-duplicates them all)."""
        with unprepared(self.base.db):
            if not self.counted:
                return self._ids(None).count()
            return self._counted_sum(None)

    def _counted_sum(self, limit: int | None) -> int:
        """Σ over the disjoint `counted` parts of min(limit, the part's rows), in one statement.
        Each part selects a constant, not the id, so PostgreSQL can count it from an index that
        carries the part's columns alone (an index-only scan, no table page read)."""
        sql, params = [], []
        for qs in self.counted:
            rows = qs.order_by().annotate(one=Value(1)).values("one")
            if limit is not None:
                rows = rows[:limit]
            part_sql, part_params = rows.query.get_compiler(using=qs.db).as_sql()
            sql.append(f"(SELECT COUNT(*) FROM ({part_sql}) AS part)")  # noqa: S608 -- compiled by the ORM
            params.extend(part_params)
        with connections[self.base.db].cursor() as cur:
            cur.execute("SELECT " + " + ".join(sql), params)
            return int(cur.fetchone()[0])

    # --- seek (keyset) pagination: the rows after (or before) a given row, by its sort keys ---
    def _keys(self) -> list[tuple[str, bool, bool, bool]]:
        """(column, descending, NULLs last, nullable) of each sort key. A nullable key must say
        where its NULLs go (F(…).asc(nulls_last=True)), so both databases agree."""
        model, keys = self.base.model, []
        for o in self.order_by:
            if isinstance(o, str):
                name, desc, nulls_last = o.lstrip("-"), o.startswith("-"), None
            elif isinstance(o, OrderBy) and isinstance(o.expression, F):
                name, desc = o.expression.name, o.descending
                nulls_last = True if o.nulls_last else False if o.nulls_first else None
            else:
                raise ValueError(f"OrderedUnion cannot seek on {o!r}")
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            if field.null and nulls_last is None:
                raise ValueError(f"{name} is nullable: order it with nulls_last or nulls_first")
            keys.append((field.attname, desc, bool(nulls_last), field.null))
        return keys

    def key_values(self, row) -> list:
        """A row's sort keys (what `seek` and a cursor take)."""
        return [getattr(row, name) for name, *_ in self._keys()]

    def seek(self, values: list, *, reverse: bool = False) -> OrderedUnion:
        """The rows after the row whose sort keys are `values`, in order — or, with reverse, the
        rows before it, nearest first (a previous page, read backwards). Each branch gets the
        seek as a filter: `(k1 > v1) OR (k1 = v1 AND k2 > v2) OR …` with NULLs where the order
        puts them, and `k1 ≥ v1` alone too, which an index on k1 takes as the start of its range
        (so a page far down the list reads a page's rows, not all those before it)."""
        keys = self._keys()
        if len(values) != len(keys):
            raise ValueError("a cursor has one value per sort key")
        if reverse:  # read backwards: every key's direction and its NULLs' place turned round
            keys = [(name, not desc, not nulls_last, nullable) for name, desc, nulls_last, nullable in keys]
        seek, tie = Q(pk__in=[]), Q()
        for (name, desc, nulls_last, nullable), v in zip(keys, values, strict=True):
            if v is None:
                beyond = None if nulls_last else Q(**{f"{name}__isnull": False})
                same = Q(**{f"{name}__isnull": True})
            else:
                beyond = Q(**{f"{name}__{'lt' if desc else 'gt'}": v})
                if nullable and nulls_last:
                    beyond |= Q(**{f"{name}__isnull": True})
                same = Q(**{name: v})
            if beyond is not None:
                seek |= tie & beyond
            tie &= same
        name, desc, nulls_last, nullable = keys[0]
        if values[0] is not None and not (nullable and nulls_last):
            seek &= Q(**{f"{name}__{'lte' if desc else 'gte'}": values[0]})
        elif values[0] is None and nulls_last:
            seek &= Q(**{f"{name}__isnull": True})
        order = _order_by(keys) if reverse else self.order_by
        return OrderedUnion(self.base, [b.filter(seek) for b in self.branches], order)

    def count_upto(self, n: int) -> int:
        """min(n, count()): with `counted`, each disjoint part counted up to n (the parts' sum
        stops being exact only past n); else the union of each branch's first n ids."""
        with unprepared(self.base.db):
            if self.counted:
                return min(n, self._counted_sum(n))
            return min(n, self._ids(n, ordered=False).count())


def _order_by(keys: list[tuple[str, bool, bool, bool]]) -> tuple:
    """An order_by for OrderedUnion's (column, descending, NULLs last, nullable) keys."""
    order = []
    for name, desc, nulls_last, nullable in keys:
        nulls = ({"nulls_last": True} if nulls_last else {"nulls_first": True}) if nullable else {}
        order.append(F(name).desc(**nulls) if desc else F(name).asc(**nulls))
    return tuple(order)


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
    shows "超过 {cap} 件"), `num_pages` is None — not counted — and `page_range` raises
    (templates show the page number and previous/next links, not "page n of m"), any page number ≥ 1 is accepted, a page reads one row
    more to know whether there is a next one, and `get_page` falls back to the first page for a
    number past the end (a hand-made URL, or rows gone since): finding the last page would count
    every row. A page deep in a long list still costs its offset (OFFSET pagination): `seek_page`
    reaches it by cursors instead."""

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

    @cached_property
    def num_pages(self) -> int | None:
        """None beyond the cap: the pages were not counted (Django's would say the list ends
        at the cap's page)."""
        return None if self.capped else Paginator.num_pages.func(self)

    @property
    def page_range(self) -> range:
        if self.capped:
            raise TypeError("the pages of a list beyond its cap are not counted (CappedPaginator)")
        return super().page_range

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        if self.capped:
            raise TypeError("the pages of a list beyond its cap are not counted (CappedPaginator)")
        return super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)

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


# --- cursors and seek pages: deep pages of a long list as cheap as its first ---
def cursor_encode(values: list) -> str:
    """An opaque, URL-safe cursor for a row's sort keys (OrderedUnion.key_values)."""
    text = json.dumps(
        [v.isoformat() if isinstance(v, date | datetime) else v for v in values], separators=(",", ":")
    )
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_decode(cursor: str, items: OrderedUnion) -> list:
    """The sort keys of a cursor for `items`; ValueError for anything that is not one."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("not a cursor") from exc
    keys = items._keys()
    if not isinstance(raw, list) or len(raw) != len(keys):
        raise ValueError("not a cursor of this list")
    meta, values = items.base.model._meta, []
    for (name, *_), v in zip(keys, raw, strict=True):
        field = next(f for f in meta.concrete_fields if f.attname == name)
        if v is None and not field.null:
            raise ValueError(f"{name} cannot be empty")
        if v is not None and not isinstance(v, str | int):
            raise ValueError(f"{name}: not a value")
        try:
            value = None if v is None else field.to_python(v)
        except (ValidationError, TypeError, ValueError) as exc:
            raise ValueError(f"{name}: not a value") from exc
        if v is not None and (value is None or isinstance(value, date) != isinstance(v, str)):
            raise ValueError(f"{name}: not a value")  # dates as text, numbers as numbers
        values.append(value)
    return values


class SeekPage:
    """A page of an OrderedUnion reached by a cursor (`?after=` the last row of the page before,
    or `?before=` the first row of the page after): what `templates/core/_pager.html` reads of a
    Page, with the links' queries (`previous_query`, `next_query`) carrying the cursors. The page
    number is the one the link carried (where the reader came from), not counted."""

    def __init__(self, rows: list, number: int, paginator: CappedPaginator, *, previous: bool, more: bool):
        self.object_list, self.number, self.paginator = rows, number, paginator
        self._previous, self._more = previous, more
        items = paginator.object_list
        self.previous_query = self.next_query = ""
        if previous and rows:
            if number <= 2:  # the first page is the plain list, whatever came since
                self.previous_query = urlencode({"page": 1})
            else:
                cursor = cursor_encode(items.key_values(rows[0]))
                self.previous_query = urlencode({"before": cursor, "page": number - 1})
        if more and rows:
            self.next_query = urlencode(
                {"after": cursor_encode(items.key_values(rows[-1])), "page": number + 1}
            )

    def __len__(self) -> int:
        return len(self.object_list)

    def has_previous(self) -> bool:
        return bool(self.previous_query)

    def has_next(self) -> bool:
        return bool(self.next_query)

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def seek_page(items: OrderedUnion, per_page: int, params: Mapping[str, Any], *, cap: int | None = None):
    """A page of `items` for a list page: `?after=…` / `?before=…` (the cursors its own 上一页 /
    下一页 links carry: a seek, so page 200 costs what page 2 does) or, without one, `?page=n`
    by CappedPaginator (the first page, and old or hand-made page links: OFFSET). Its links
    always carry cursors (SeekPage.previous_query / next_query; on a CappedPaginator page too).
    A bad cursor, or one past the end, gives the first page."""
    paginator = CappedPaginator(items, per_page, cap=cap)
    try:
        number = max(1, int(params.get("page") or 1))
    except (TypeError, ValueError):
        number = 1
    for name, reverse in (("after", False), ("before", True)):
        raw = params.get(name)
        if not raw:
            continue
        try:
            values = cursor_decode(raw, items)
        except ValueError:
            break
        rows = items.seek(values, reverse=reverse)[0 : per_page + 1]
        extra, rows = len(rows) > per_page, rows[:per_page]
        if not rows:
            break
        if reverse:  # read backwards: nearest first
            rows.reverse()
            if not extra:
                number = 1
            return SeekPage(rows, max(number, 2) if extra else 1, paginator, previous=extra, more=True)
        return SeekPage(rows, max(number, 2), paginator, previous=True, more=extra)
    cursor = params.get("after") or params.get("before")
    page = paginator.get_page(1 if cursor else params.get("page"))
    rows = list(page.object_list)
    return SeekPage(rows, page.number, paginator, previous=page.has_previous(), more=page.has_next())
