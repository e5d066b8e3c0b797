"""Shared revisions and the per-process memos keyed by them (lifted from the working-day
calendar, which uses it for its year tables).

A revision is one row of `core.Revision` whose random token changes, inside the writer's
transaction, on every write to what it names. A reader takes the current tokens (one short
statement for any number of names) and looks its value up in a process memo under those tokens:
a change committed by any process is seen by every process at its next read, and nothing is ever
invalidated. Two ways to change a token:

- `revision_bump(name)` in the writing service's transaction (the working-day calendar: its rows
  are written only through `workdays.services`);
- a database trigger on the tables the memoised values are read from (`trigger_install`, in a
  migration): every INSERT, UPDATE, DELETE (and TRUNCATE on PostgreSQL) of those tables gives the
  name a new token in the same transaction, whoever writes — services, the admin, a queryset
  `update()`, a bulk import, raw SQL in a shell. The catalogue (items, item versions) and the
  organisations (departments, regions) use triggers: many paths write them.

A request that will read several names at different moments may read them together first
(`tokens_read_once`): one statement instead of one per reader — for blocks that write none of the
tables behind those names (a `revision_bump` inside the block is seen; a trigger's bump is not).
"""

from __future__ import annotations

import pickle
import threading
import uuid
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection

from .models import Revision

INITIAL = "0"  # no row yet: nothing has ever been written

_SQL: dict[tuple[str, int], str] = {}
# the tokens read by the innermost `tokens_read_once` block of this thread/task, if any
_read_once: ContextVar[dict[str, str] | None] = ContextVar("revision_tokens_read_once", default=None)


def revision_tokens(*names: str) -> tuple[str, ...]:
    """The current token of each name, in order (plain SQL: read on hot request paths; inside a
    `tokens_read_once` block that read them all, the tokens it read)."""
    held = _read_once.get()
    if held is not None and all(n in held for n in names):
        return tuple(held[n] for n in names)
    key = (connection.vendor, len(names))
    sql = _SQL.get(key)
    if sql is None:
        q = connection.ops.quote_name
        marks = ", ".join(["%s"] * len(names))
        sql = _SQL[key] = f"SELECT name, token FROM {q(Revision._meta.db_table)} WHERE name IN ({marks})"  # noqa: S608
    with connection.cursor() as cur:
        cur.execute(sql, list(names))
        found = dict(cur.fetchall())
    return tuple(found.get(n) or INITIAL for n in names)


def revision_token(name: str) -> str:
    return revision_tokens(name)[0]


@contextmanager
def tokens_read_once(*names: str) -> Iterator[None]:
    """Read the tokens of `names` now, in one statement, and let the block's readers of them use
    these (a submission reads the catalogue's and the calendar's, for its check and its answer).
    Only around code that writes none of the tables whose triggers bump these names: a
    `revision_bump` in the block updates what it holds, a trigger cannot (`trigger_tables` names
    those tables; the submission's test checks its writes against them)."""
    held = dict(_read_once.get() or {})
    held.update(zip(names, revision_tokens(*names), strict=True))
    reset = _read_once.set(held)
    try:
        yield
    finally:
        _read_once.reset(reset)


def revision_bump(name: str) -> str:
    """Give `name` a new random token, within the caller's transaction (so a rolled-back write
    leaves the old token, and concurrent bumps of one name wait for each other's commit)."""
    token = uuid.uuid4().hex
    if not Revision.objects.filter(pk=name).update(token=token):
        Revision.objects.update_or_create(pk=name, defaults={"token": token})
    held = _read_once.get()
    if held is not None and name in held:
        held[name] = token
    return token


class RevisionMemo:
    """A bounded per-process memo of values keyed by (the tokens of `names`, a key). `get` reads
    the tokens (one statement) unless the caller passes them. Values are stored pickled and each
    hit returns a fresh copy, so a caller may change what it gets (model instances, their caches)
    without touching other requests' copies."""

    def __init__(self, *names: str, max_entries: int = 512):
        self.names = names
        self.max_entries = max_entries
        self._data: dict[Hashable, bytes] = {}
        self._lock = threading.Lock()

    def tokens(self) -> tuple[str, ...]:
        return revision_tokens(*self.names)

    def get(self, key: Hashable, compute: Callable[[], Any], *, tokens: Sequence[str] | None = None) -> Any:
        tokens = tuple(tokens) if tokens is not None else self.tokens()
        full = (tokens, key)
        blob = self._data.get(full)
        if blob is not None:
            return pickle.loads(blob)  # noqa: S301 -- our own bytes, never from outside
        value = compute()
        # remember it only if nothing changed while it was computed (a concurrent write)
        if self.tokens() == tokens:
            blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            with self._lock:
                if len(self._data) >= self.max_entries:
                    self._data.clear()
                self._data[full] = blob
        return value

    def clear(self) -> None:
        """Forget this process's entries (tests; never needed for correctness)."""
        with self._lock:
            self._data.clear()


# --- triggers -------------------------------------------------------------------------------------
# PostgreSQL: one function for every name (passed as the trigger's argument), statement-level
# triggers (a bulk write bumps once). SQLite: row-level triggers, the token from randomblob().
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION yiwang_revision_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO core_revision (name, token, changed_at)
    VALUES (TG_ARGV[0], md5(random()::text || clock_timestamp()::text), now())
    ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token, changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def function_install(schema_editor) -> None:
    """The PostgreSQL trigger function (core's migration; nothing on SQLite)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_PG_FUNCTION)


def function_remove(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS yiwang_revision_bump()")


def _check(text: str) -> str:
    if not text.replace("_", "").replace(".", "").isalnum():
        raise ValueError(f"not a plain identifier: {text!r}")
    return text


def trigger_install(schema_editor, *, table: str, name: str) -> None:
    """Bump revision `name` on every write to `table` (call from a migration's RunPython)."""
    table, name = _check(table), _check(name)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for event in ("INSERT OR UPDATE OR DELETE", "TRUNCATE"):
            suffix = "t" if event == "TRUNCATE" else "w"
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_rev_{suffix}" AFTER {event} ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION yiwang_revision_bump('{name}')"
            )
    elif vendor == "sqlite":
        for event in ("INSERT", "UPDATE", "DELETE"):
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_rev_{event.lower()}" AFTER {event} ON "{table}" FOR EACH ROW '  # noqa: S608 -- identifiers checked by _check
                "BEGIN INSERT INTO core_revision (name, token, changed_at) "
                f"VALUES ('{name}', lower(hex(randomblob(16))), datetime('now')) "
                "ON CONFLICT (name) DO UPDATE SET token = excluded.token, changed_at = excluded.changed_at; END"
            )
    else:  # pragma: no cover - the two databases the platform runs on
        raise NotImplementedError(vendor)


def trigger_tables() -> dict[str, set[str]]:
    """Revision name → the tables whose writes bump it by trigger, as installed in this database
    (read from its catalogue, not from the migrations): what a `tokens_read_once` block must not
    write (the submission's test checks its writes against it)."""
    found: dict[str, set[str]] = {}
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT c.relname, t.tgargs FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'yiwang_revision_bump'"
            )
            rows = [(table, bytes(args).split(b"\x00")[0].decode()) for table, args in cur.fetchall()]
        else:
            cur.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            marker = "INSERT INTO core_revision (name, token, changed_at) VALUES ('"
            rows = [
                (table, sql.split(marker, 1)[1].split("'", 1)[0])
                for table, sql in cur.fetchall()
                if marker in sql
            ]
    for table, name in rows:
        found.setdefault(name, set()).add(table)
    return found


def trigger_remove(schema_editor, *, table: str) -> None:
    table = _check(table)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for suffix in ("w", "t"):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_rev_{suffix}" ON "{table}"')
    elif vendor == "sqlite":
        for event in ("insert", "update", "delete"):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_rev_{event}"')
