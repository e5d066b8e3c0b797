"""New rows of one model written in one plain INSERT — for the hottest write paths (a case
submission writes six kinds of rows), where the ORM's statement compilation (`SQLInsertCompiler`,
`prepare_value` per value) cost more than the statement (docs/benchmarks.md, issue 22).

The values are the ones `bulk_create` would write: each field's `pre_save` (auto_now_add, file
names) and `get_db_prep_save` (encryption of encrypted fields, JSON, the database's date format),
and the primary keys the database assigns are set on the instances (``RETURNING``, PostgreSQL
and SQLite ≥ 3.35). No signals are sent — as with `bulk_create`; the models written this way have
no receivers. The statement text is built once per (model, row count, database vendor)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

# per field: the one value type whose `get_db_prep_save(pre_save(…))` is the value itself — or, for
# integer fields, the database adapter's typed integer (psycopg 3: Int2/Int4/Int8) — and that adapter
Plain = tuple[models.Field, type | None, Callable[[int], int] | None]
_SQL: dict[tuple[type[models.Model], int, str, str | None], tuple[str, list[Plain]]] = {}

_AS_IS: dict[type[models.Field], type] = {
    models.CharField: str,
    models.TextField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.BooleanField: bool,
}


def _plain(
    field: models.Field, connection: BaseDatabaseWrapper
) -> tuple[type | None, Callable[[int], int] | None]:
    """The value type `field` writes without its prep chain, and what the chain still does to it:
    only for the exact field classes above (a subclass may encrypt or convert) and foreign keys to
    an integer key. An integer field's value goes through the database's integer adapter
    (`ops.adapt_integerfield_value`: PostgreSQL gets a typed integer, SQLite the int itself)."""
    if type(field) is models.ForeignKey:
        target = field.target_field
        if type(target) in (models.AutoField, models.BigAutoField):
            return int, None  # an auto key's prep validates, never adapts
        return (
            (int, _int_adapter(target, connection)) if type(target) is models.IntegerField else (None, None)
        )
    plain = _AS_IS.get(type(field))
    return plain, (_int_adapter(field, connection) if plain is int else None)


def _int_adapter(field: models.Field, connection: BaseDatabaseWrapper) -> Callable[[int], int]:
    return functools.partial(connection.ops.adapt_integerfield_value, internal_type=field.get_internal_type())


def _statement(
    connection: BaseDatabaseWrapper, model: type[models.Model], n: int, unless_taken: str | None = None
) -> tuple[str, list[Plain]]:
    key = (model, n, connection.vendor, unless_taken)
    found = _SQL.get(key)
    if found is None:
        q = connection.ops.quote_name
        pk = model._meta.pk
        fields = [
            f for f in model._meta.concrete_fields if f is not pk or not isinstance(f, models.AutoField)
        ]
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        skip = (
            f" ON CONFLICT ({q(model._meta.get_field(unless_taken).column)}) DO NOTHING"
            if unless_taken
            else ""
        )
        found = _SQL[key] = (
            f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608
            f"VALUES {', '.join([one] * n)}{skip} RETURNING {q(pk.column)}",
            [(f, *_plain(f, connection)) for f in fields],
        )
    return found


def insert(objs: Sequence[models.Model], *, unless_taken: str | None = None) -> list[models.Model]:
    """INSERT `objs` (new instances of one model, their primary key unset) in one statement;
    returns them with their primary keys set, as saved instances.

    `unless_taken` names a unique field: a row whose value is already taken is not written and
    nothing is raised (``ON CONFLICT (…) DO NOTHING``: no savepoint needed to go on after it) —
    for one row only, which then comes back in an empty list."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    if any(type(o) is not model or o.pk is not None for o in objs):
        raise ValueError("rawinsert: new instances of one model, without primary keys")
    if unless_taken and len(objs) != 1:
        raise ValueError("rawinsert: unless_taken is for one row")
    connection = connections[DEFAULT_DB_ALIAS]  # resolved once (each use of the proxy looks it up)
    sql, fields = _statement(connection, model, len(objs), unless_taken)
    params = []
    for obj in objs:
        for f, plain, adapt in fields:
            if plain is not None:
                value = getattr(obj, f.attname)
                if value is None and plain is not bool:
                    params.append(None)
                    continue
                if type(value) is plain:
                    params.append(value if adapt is None else adapt(value))
                    continue
            params.append(f.get_db_prep_save(f.pre_save(obj, add=True), connection))
    with connection.cursor() as cur:
        cur.execute(sql, params)
        ids = [row[0] for row in cur.fetchall()]
    if unless_taken and not ids:
        return []
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
