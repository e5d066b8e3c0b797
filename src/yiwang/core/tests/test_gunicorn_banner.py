"""gunicorn as production runs it (`-c python:yiwang.gunicorn_conf`) sends no `Server` header
(issue 22, defect 8; uvicorn runs with --no-server-header, see core/tests/test_serve_embedded.py)."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from yiwang.core.testing import free_port


def test_gunicorn_sends_no_server_banner(tmp_path):
    port = free_port()
    env = {**os.environ, "YIWANG_HOME": str(tmp_path), "WEB_CONCURRENCY": "1"}
    env.pop("DATABASE_URL", None)  # the answer's headers are the point, not the data
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "python:yiwang.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "yiwang.wsgi:application"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline, headers = time.time() + 120, None
        while headers is None and time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/no-such-thing", timeout=10) as r:
                    headers = r.headers
            except urllib.error.HTTPError as e:
                headers = e.headers
            except OSError:
                time.sleep(0.3)
        assert headers is not None, "gunicorn did not answer"
        assert "Server" not in headers and "Date" in headers
    finally:
        proc.terminate()
        proc.wait(timeout=30)
