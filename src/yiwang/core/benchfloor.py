"""The benchmark floor (bench/run.py, docs/benchmarks.md): the cheapest Django views that still do
one database write or one primary-key read through the same server, middleware and database as
the real endpoints. The real endpoints are reported as a ratio of these.

Mounted under /bench/floor/ only when YIWANG_BENCH_FLOOR is set (see yiwang.urls); never in a
normal deployment. No authentication on purpose: the floor measures the platform's fixed cost
(server, Django, one round trip to the database), not the application's.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

TABLE = "bench_floor"


def ensure_table() -> None:
    """Create the floor table with raw SQL if it is missing (it is not a model: no migration)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} "
                "(id bigserial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL)"
            )
        else:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} "
                "(id integer PRIMARY KEY AUTOINCREMENT, payload text NOT NULL, created_at text NOT NULL)"
            )


def drop_table() -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {TABLE}")


def _now_sql() -> str:
    return "now()" if connection.vendor == "postgresql" else "datetime('now')"


@csrf_exempt
@require_POST
def floor_insert(request: HttpRequest) -> JsonResponse:
    """Insert one row (the request body, at most 4 KiB, as payload) and return its id."""
    payload = request.body[:4096].decode("utf-8", "replace")
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {TABLE} (payload, created_at) VALUES (%s, {_now_sql()}) RETURNING id",  # noqa: S608
            [payload],
        )
        row_id = cur.fetchone()[0]
    return JsonResponse({"id": row_id}, status=201)


@require_GET
def floor_read(request: HttpRequest, row_id: int) -> JsonResponse:
    """Read one row by primary key."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, payload, created_at FROM {TABLE} WHERE id = %s", [row_id])  # noqa: S608
        row = cur.fetchone()
    if row is None:
        return JsonResponse({"code": "not_found", "message": "记录不存在"}, status=404)
    return JsonResponse({"id": row[0], "payload": row[1], "created_at": str(row[2])})


urlpatterns = [
    path("insert", floor_insert, name="bench-floor-insert"),
    path("rows/<int:row_id>", floor_read, name="bench-floor-read"),
]
