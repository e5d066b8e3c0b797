"""One plain SELECT of a row and the rows its foreign keys point to, built into model instances
(with the relations cached, as `select_related` would) — for the few hottest reads, where the
ORM's query compilation and its generic row building cost more than the query (docs/benchmarks.md,
issue 22). The statement is written once per (vendor, shape) and reused; values go through the
same converters as the ORM's (JSON, decryption, SQLite's timestamps), so the instances are the
ones the ORM would have built, with the columns left out deferred (they load on first access)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, models


@dataclass(frozen=True)
class Join:
    """`attr`: the foreign key on the main model; `fields`: the related model's fields to read
    (None: all concrete fields)."""

    attr: str
    fields: tuple[str, ...] | None = None


class RawJoin:
    def __init__(
        self,
        model: type[models.Model],
        joins: Sequence[Join],
        where: str,
        extra: dict[str, str] | None = None,
    ):
        """`where`: SQL over the main table aliased `t0` (e.g. ``t0."number" = %s``); `extra`:
        attribute name → SQL expression selected as well and set on the main instance (its
        parameters come before the WHERE's)."""
        self.model = model
        self.joins = list(joins)
        self.where = where
        self.extra = dict(extra or {})
        self._compiled: dict[str, tuple[str, list]] = {}

    def _parts(self):
        q = connection.ops.quote_name
        parts = []  # (model, fields, attr, column slice)
        main_fields = list(self.model._meta.concrete_fields)
        cols = [f"t0.{q(f.column)}" for f in main_fields]
        parts.append((self.model, main_fields, None))
        joins_sql = []
        for i, join in enumerate(self.joins, start=1):
            fk = self.model._meta.get_field(join.attr)
            rel = fk.related_model
            wanted = set(join.fields or ())
            fields = [  # in the model's order: `Model.from_db` matches values to fields by it
                f
                for f in rel._meta.concrete_fields
                if join.fields is None or f.primary_key or f.name in wanted
            ]
            cols += [f"t{i}.{q(f.column)}" for f in fields]
            kind = "LEFT JOIN" if fk.null else "JOIN"
            joins_sql.append(
                f"{kind} {q(rel._meta.db_table)} t{i} ON t{i}.{q(fk.target_field.column)} = t0.{q(fk.column)}"
            )
            parts.append((rel, fields, join.attr))
        cols += [f"({expr})" for expr in self.extra.values()]
        sql = (
            f"SELECT {', '.join(cols)} FROM {q(self.model._meta.db_table)} t0 "  # noqa: S608
            + " ".join(joins_sql)
            + f" WHERE {self.where}"
        )
        converters = []
        for model, fields, _attr in parts:
            row_conv = []
            for f in fields:
                col = f.get_col(model._meta.db_table)
                conv = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                row_conv.append((col, conv))
            converters.append(row_conv)
        return sql, [
            (model, fields, attr, conv) for (model, fields, attr), conv in zip(parts, converters, strict=True)
        ]

    def _compiled_parts(self):
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self._parts()
        return compiled

    def first(self, params: Sequence) -> models.Model | None:
        sql, parts = self._compiled_parts()
        with connection.cursor() as cur:
            cur.execute(sql, list(params))
            row = cur.fetchone()
        return None if row is None else self._build(parts, row)

    def all(self, params: Sequence) -> list[models.Model]:
        """Every row, in the order the `where` (which may end in ``ORDER BY``) gives."""
        sql, parts = self._compiled_parts()
        with connection.cursor() as cur:
            cur.execute(sql, list(params))
            rows = cur.fetchall()
        return [self._build(parts, row) for row in rows]

    def _build(self, parts, row) -> models.Model:
        db = connection.alias
        pos = 0
        main = None
        for model, fields, attr, conv in parts:
            values = list(row[pos : pos + len(fields)])
            pos += len(fields)
            for i, (col, funcs) in enumerate(conv):
                for fn in funcs:
                    values[i] = fn(values[i], col, connection)
            if attr is None:
                main = model.from_db(db, [f.attname for f in fields], values)
            elif values[0] is None:  # a nullable foreign key with no row
                main._meta.get_field(attr).set_cached_value(main, None)
            else:
                related = model.from_db(db, [f.attname for f in fields], values)
                main._meta.get_field(attr).set_cached_value(main, related)
        for name, value in zip(self.extra, row[pos:], strict=True):
            setattr(main, name, value)
        return main
