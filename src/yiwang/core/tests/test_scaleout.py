"""What several app servers must share (docs/operations.md, "Scale-out"): the deployment check on
the secrets every machine must have alike, the shared upload folder setting, and gunicorn's
settings that would collide between two servers on one machine."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

from django.core import checks

from yiwang.core.checks import shared_secret_problems

PG = "django.db.backends.postgresql"
SRC = Path(__file__).resolve().parents[3]


def test_server_database_without_shared_secrets_fails_the_deploy_check():
    problems = shared_secret_problems(environ={}, engine=PG)
    assert [p.split(" ", 1)[0] for p in problems] == ["DJANGO_SECRET_KEY", "YIWANG_MASTER_KEY"]
    assert shared_secret_problems(environ={"DJANGO_SECRET_KEY": "x"}, engine=PG) == [problems[1]]
    both = {"DJANGO_SECRET_KEY": "x", "YIWANG_MASTER_KEY": "eA=="}
    assert shared_secret_problems(environ=both, engine=PG) == []


def test_embedded_mode_needs_no_shared_secrets():
    assert shared_secret_problems(environ={}, engine="django.db.backends.sqlite3") == []


def test_the_check_is_registered_for_deploy_only():
    registered = checks.registry.registry.get_checks(include_deployment_checks=True)
    assert any(c.__name__ == "shared_secrets" for c in registered)
    assert not any(c.__name__ == "shared_secrets" for c in checks.registry.registry.get_checks())


def test_gunicorn_servers_on_one_machine_do_not_share_a_control_socket():
    # gunicorn >= 24 opens ~/.gunicorn/gunicorn.ctl by default: a second server took it over
    # (read as a file: core's tests may not import the project wiring)
    conf = runpy.run_path(str(SRC / "yiwang" / "gunicorn_conf.py"))
    assert conf["control_socket_disable"] is True


def test_media_root_comes_from_the_shared_folder_setting(tmp_path):
    env = {**os.environ, "YIWANG_HOME": str(tmp_path / "home"), "YIWANG_MEDIA_ROOT": str(tmp_path / "nfs")}
    env.pop("DATABASE_URL", None)
    code = "import django; django.setup(); from django.conf import settings; print(settings.MEDIA_ROOT)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "PYTHONPATH": str(SRC), "DJANGO_SETTINGS_MODULE": "yiwang.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == str((tmp_path / "nfs").resolve())
