"""The crash test's reduced form (issue 22): bench/crash.py kill -9s a gunicorn worker, the Celery
worker and the whole app server while citizens submit applications and bundle applications, then
checks that no acknowledged submission is lost or doubled, the tasks resume (ledger integrated,
notices sealed) and `yiwang ledger verify` passes. The database starts as a copy of this test
database (already migrated): PostgreSQL `<test database>_crash`, SQLite a file in tmp_path.
The full run: `python bench/crash.py` (docs/security.md)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

BENCH = Path(__file__).resolve().parents[4] / "bench" / "crash.py"


@pytest.mark.django_db(transaction=True)
def test_kill_9_loses_no_acknowledged_submission_and_tasks_resume(tmp_path):
    db = connection.settings_dict
    connection.close()  # the copy (pg_dump, or SQLite backup) sees every committed row
    # paced: on a quiet machine 3 clients submit ~28 a second, and the embedded SQLite broker hands
    # its worker ~2 tasks a second — the drain would measure the broker's backlog, not a crash
    args = ["--seconds", "15", "--kills", "3", "--clients", "3", "--citizens", "6", "--pause", "2"]
    args += ["--drain-seconds", "150", "--home", str(tmp_path / "home"), "--template", str(db["NAME"])]
    if connection.vendor == "postgresql":
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        args += ["--database-url", f"postgres://{db['USER']}@{host}/{db['NAME']}_crash"]
    run = subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=900, check=False
    )
    assert run.stdout.strip(), run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert report["kills"] == ["gunicorn worker", "celery worker", "gunicorn master and workers"]
    assert report["acknowledged"] > 0
    assert report["acknowledged_cases_lost"] == [] and report["acknowledged_bundles_lost"] == []
    assert report["replay_mismatches"] == [] and report["duplicate_cases"] == 0
    assert report["cases_in_database"] == report["cases_expected"]
    assert report["ledger_pending_after_drain"] == 0 and report["notices_unsealed_after_drain"] == 0
    assert report["ledger_verify_ok"], report["ledger_verify"]
    assert report["ok"] and run.returncode == 0, report
