# ruff: noqa: S608 -- DDL built from constant table and column names only, no input
"""Database triggers that mark the days a change touches for the incremental summaries
(summaries.py): on cases, ratings (评价) and their work orders, PostgreSQL and SQLite. They only
append to `supervision_summarymark` (no unique key: concurrent writers never wait on each other),
in the transaction of the change. Installed by migration 0002; a bulk load may disable them
(`ALTER TABLE … DISABLE TRIGGER USER`) and call `summaries.rebuild()` afterwards.

The refresh reads cases by completion time and day of receipt: those indexes are the cases app's
own (`Case.Meta.indexes`)."""

from __future__ import annotations

MARK = "supervision_summarymark"
CASE_COLUMNS = (
    "status",
    "received_on",
    "completed_at",
    "due_date",
    "channel",
    "region_id",
    "department_id",
    "item_version_id",
)
RATING_COLUMNS = (
    "case_id",
    "rated_on",
    "level",
    "excluded",
    "region_id",
    "department_id",
    "anonymous",
    "channel",
)
ORDER_COLUMNS = ("evaluation_id", "handled_on", "due_date", "revisited_on")


def _case_marks(row: str) -> str:
    return (
        f"INSERT INTO {MARK} (day, at) SELECT {row}.received_on, {row}.completed_at "
        f"WHERE {row}.received_on IS NOT NULL OR {row}.completed_at IS NOT NULL;"
    )


def _rating_marks(row: str) -> str:
    return (
        f"INSERT INTO {MARK} (day, at) VALUES ({row}.rated_on, NULL);"
        f"INSERT INTO {MARK} (day, at) SELECT NULL, c.completed_at FROM cases_case c "
        f"WHERE c.id = {row}.case_id AND c.completed_at IS NOT NULL;"
    )


def _order_marks(row: str) -> str:
    return f"INSERT INTO {MARK} (day, at) SELECT e.rated_on, NULL FROM evaluations_evaluation e WHERE e.id = {row}.evaluation_id;"


TABLES = (
    ("case", "cases_case", CASE_COLUMNS, _case_marks),
    ("rating", "evaluations_evaluation", RATING_COLUMNS, _rating_marks),
    ("order", "evaluations_workorder", ORDER_COLUMNS, _order_marks),
)


def _changed(columns, op: str) -> str:
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns)


def postgresql_sql() -> list[str]:
    out = []
    for name, table, columns, marks in TABLES:
        fn = f"supervision_mark_{name}"
        out.append(
            f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' THEN {marks('OLD')} END IF; "
            f"IF TG_OP <> 'DELETE' THEN {marks('NEW')} END IF; "
            "RETURN NULL; END $$"
        )
        out.append(f"DROP TRIGGER IF EXISTS {fn}_iud ON {table}")
        out.append(
            f"CREATE TRIGGER {fn}_iud AFTER INSERT OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}()"
        )
        out.append(f"DROP TRIGGER IF EXISTS {fn}_upd ON {table}")
        out.append(
            f"CREATE TRIGGER {fn}_upd AFTER UPDATE ON {table} FOR EACH ROW "
            f"WHEN ({_changed(columns, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {fn}()"
        )
    return out


def sqlite_sql() -> list[str]:
    out = []
    for name, table, columns, marks in TABLES:
        fn = f"supervision_mark_{name}"
        out += [f"DROP TRIGGER IF EXISTS {fn}_{op}" for op in ("ins", "upd", "del")]
        out.append(f"CREATE TRIGGER {fn}_ins AFTER INSERT ON {table} BEGIN {marks('NEW')} END")
        out.append(f"CREATE TRIGGER {fn}_del AFTER DELETE ON {table} BEGIN {marks('OLD')} END")
        out.append(
            f"CREATE TRIGGER {fn}_upd AFTER UPDATE ON {table} WHEN {_changed(columns, 'IS NOT')} "
            f"BEGIN {marks('OLD')} {marks('NEW')} END"
        )
    return out


def drop_sql(vendor: str) -> list[str]:
    out = []
    for name, table, _c, _m in TABLES:
        fn = f"supervision_mark_{name}"
        if vendor == "postgresql":
            out += [f"DROP TRIGGER IF EXISTS {fn}_{op} ON {table}" for op in ("iud", "upd")]
            out.append(f"DROP FUNCTION IF EXISTS {fn}()")
        else:
            out += [f"DROP TRIGGER IF EXISTS {fn}_{op}" for op in ("ins", "upd", "del")]
    return out


def _run(schema_editor, statements) -> None:
    with schema_editor.connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def triggers_install(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, postgresql_sql())
    elif vendor == "sqlite":
        _run(schema_editor, sqlite_sql())


def triggers_drop(apps, schema_editor) -> None:
    _run(schema_editor, drop_sql(schema_editor.connection.vendor))
