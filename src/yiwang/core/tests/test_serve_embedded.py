"""`yiwang serve_embedded` (what `make demo` runs): a real uvicorn (ASGI, no Server banner) and a real Celery worker on the
SQLite broker, started as subprocesses on loopback; a task sent through the broker is executed,
and SIGTERM stops everything."""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from yiwang.core.testing import free_port

BIN = Path(sys.executable).parent


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_embedded_server_serves_and_runs_tasks(tmp_path):
    home = tmp_path / "home"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(YIWANG_HOME=str(home), DJANGO_SETTINGS_MODULE="yiwang.settings")
    yiwang = str(BIN / "yiwang")
    subprocess.run([yiwang, "migrate", "--no-input", "-v", "0"], env=env, check=True, timeout=120)
    subprocess.run([yiwang, "createcachetable"], env=env, check=True, timeout=60)
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [yiwang, "serve_embedded", "--port", str(port), "--web-workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    served: dict[str, str] = {}
    try:

        def up() -> bool:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/calendar/due-date?start=2026-11-02&days=5", timeout=2
                ) as r:
                    served.update(r.headers.items())
                    return r.status == 200 and b"2026-11-09" in r.read()
            except OSError:
                return False

        assert _wait_for(up, 60), (tmp_path / "serve.log").read_text()[-3000:]
        # no product banner (uvicorn's own `server: uvicorn` is switched off)
        assert "server" not in {k.lower() for k in served}, served
        logtext = lambda: (tmp_path / "serve.log").read_text()  # noqa: E731
        assert _wait_for(lambda: "ready." in logtext(), 60), logtext()[-3000:]
        subprocess.run(
            [
                yiwang,
                "shell",
                "-c",
                "from yiwang.cases.tasks import case_changed; case_changed.delay(case_id=4242, action='probe')",
            ],
            env=env,
            check=True,
            timeout=60,
        )
        assert _wait_for(lambda: "case 4242 changed: probe" in logtext(), 60), logtext()[-3000:]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        log.close()
    assert proc.returncode == 0
    leftovers = (
        subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True).stdout.strip()
        if shutil.which("pgrep")
        else ""
    )
    assert leftovers == ""
