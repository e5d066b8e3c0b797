"""The benchmark floor views and bench/loadgen.py's load generator (docs/benchmarks.md). Only that
they work and count errors: speed is measured by `make bench`, never asserted in tests."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
from django.urls import include, path

from yiwang.core import benchfloor

BENCH_DIR = Path(__file__).resolve().parents[4] / "bench"

# A URLconf with the floor mounted, as yiwang.urls does when YIWANG_BENCH_FLOOR is set.
urlpatterns = [path("bench/floor/", include("yiwang.core.benchfloor"))]


def _loadgen():
    spec = importlib.util.spec_from_file_location("yiwang_bench_loadgen", BENCH_DIR / "loadgen.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def floor_table(django_db_blocker):
    with django_db_blocker.unblock():
        benchfloor.ensure_table()
    yield
    with django_db_blocker.unblock():
        benchfloor.drop_table()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_floor_insert_then_read(client, floor_table):
    resp = client.post("/bench/floor/insert", data=b'{"payload": "x"}', content_type="application/json")
    assert resp.status_code == 201
    row_id = resp.json()["id"]
    assert isinstance(row_id, int)

    resp = client.get(f"/bench/floor/rows/{row_id}")
    assert resp.status_code == 200
    body = resp.json()
    assert body["id"] == row_id
    assert json.loads(body["payload"]) == {"payload": "x"}
    assert body["created_at"]

    assert client.get(f"/bench/floor/rows/{row_id + 1000}").status_code == 404
    assert client.get("/bench/floor/insert").status_code == 405


@pytest.mark.skipif(bool(os.environ.get("YIWANG_BENCH_FLOOR")), reason="floor mounted on purpose")
def test_floor_not_mounted_by_default():
    from django.urls import Resolver404, get_resolver, resolve

    # the project's root URLconf (settings.ROOT_URLCONF), as Django resolves it
    assert not any("bench/floor" in str(p.pattern) for p in get_resolver().url_patterns)
    with pytest.raises(Resolver404):
        resolve("/bench/floor/insert")


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls(__name__)
def test_load_generator_against_live_server(live_server, floor_table):
    loadgen = _loadgen()
    insert = loadgen.run_load(
        name="floor_insert",
        base_url=live_server.url,
        scenario={"method": "POST", "path": "/bench/floor/insert", "body": b'{"payload": "smoke"}'},
        concurrency=2,
        duration=1.0,
        warmup=0.2,
    )
    assert insert.errors == 0, insert.error_samples
    assert insert.requests > 0
    assert insert.p50_ms <= insert.p99_ms <= insert.max_ms

    read = loadgen.run_load(
        name="floor_read",
        base_url=live_server.url,
        scenario={"requests": [{"path": "/bench/floor/rows/1"}, {"path": "/bench/floor/rows/2"}]},
        concurrency=2,
        duration=0.5,
        warmup=0.1,
    )
    assert read.errors == 0, read.error_samples
    assert read.requests > 0

    missing = loadgen.run_load(
        name="errors_are_counted",
        base_url=live_server.url,
        scenario={"path": "/bench/floor/rows/999999999"},
        concurrency=1,
        duration=0.3,
        warmup=0.0,
    )
    assert missing.errors == missing.requests > 0
    assert missing.error_samples[0].startswith("404")
