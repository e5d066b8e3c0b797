"""core.pagination.unprepared: with prepared statements on PostgreSQL (DB_PREPARE_THRESHOLD), the
list reads of OrderedUnion are never prepared, so PostgreSQL plans each for its own values (a
prepared statement may be given a generic plan, ruinous for a skewed backlog: docs/benchmarks.md).
Other statements are prepared as before; nothing is sent for it; on SQLite nothing changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.core.models import Revision
from yiwang.core.pagination import OrderedUnion, unprepared

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def union(db):
    for name in ("a1", "a2", "b1", "b2", "b3"):
        Revision.objects.create(name=name, token=name)
    rows = Revision.objects.all()
    return OrderedUnion(
        rows, [rows.filter(name__startswith="a"), rows.filter(name__startswith="b")], ("name",)
    )


@pytest.fixture
def prepare_at_once(db):
    """This connection preparing every statement from its second run (the units say 5)."""
    if not POSTGRES:
        pytest.skip("psycopg's prepared statements: PostgreSQL's")
    connection.ensure_connection()
    raw = connection.connection
    saved = raw.prepare_threshold
    raw.prepare_threshold = 1
    yield raw
    raw.prepare_threshold = saved


def _prepared_statements() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements")
        return [r[0] for r in cur.fetchall()]


def test_list_reads_are_not_prepared_other_statements_are(prepare_at_once, union):
    for _ in range(4):
        with CaptureQueriesContext(connection) as ctx:
            assert [r.name for r in union[1:4]] == ["a2", "b1", "b2"]
            assert union.count() == 5 and union.count_upto(3) == 3
            assert [r.name for r in union.seek(["b1"])[0:5]] == ["b2", "b3"]
        assert len(ctx.captured_queries) == 4  # nothing added around them
        assert list(Revision.objects.filter(name="a1").values_list("token", flat=True)) == ["a1"]
    prepared = _prepared_statements()
    assert any('"core_revision"."name" = $1' in s for s in prepared)  # the plain read: prepared
    assert not [s for s in prepared if "UNION" in s.upper() or "COUNT" in s.upper()]
    assert prepare_at_once.prepare_threshold == 1  # set back after each read
    with unprepared("default"):
        assert prepare_at_once.prepare_threshold is None
        with unprepared("default"):
            assert prepare_at_once.prepare_threshold is None
        assert prepare_at_once.prepare_threshold is None  # the inner block left the outer's
    assert prepare_at_once.prepare_threshold == 1


def test_a_failed_block_sets_it_back(prepare_at_once):
    with pytest.raises(ZeroDivisionError), unprepared("default"):
        1 / 0  # noqa: B018
    assert prepare_at_once.prepare_threshold == 1


def test_reads_are_the_same_without_prepared_statements(union):
    """On SQLite, or PostgreSQL without a threshold, the block changes nothing."""
    with unprepared("default"), CaptureQueriesContext(connection) as ctx:
        assert union.count() == 5 and [r.name for r in union[0:2]] == ["a1", "a2"]
    assert len(ctx.captured_queries) == 2
