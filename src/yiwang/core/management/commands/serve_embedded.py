"""`yiwang serve_embedded`: the web server (uvicorn, ASGI: long-lived server-sent-event streams of
the hall screens need asynchronous workers; sync views run in a thread per request) plus a Celery
worker with the beat scheduler embedded, on the database broker — everything `make demo` needs, no
external service."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with its background worker and scheduler (embedded mode)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="web server only")

    def handle(self, *args, host, port, web_workers, no_worker, **opts):
        bindir = os.path.dirname(sys.executable)
        env = {**os.environ, "YIWANG_HOME": str(settings.YIWANG_HOME)}
        procs: list[subprocess.Popen] = []
        if not no_worker:
            procs.append(
                subprocess.Popen(
                    [
                        os.path.join(bindir, "celery"),
                        "-A",
                        "yiwang",
                        "worker",
                        "--beat",
                        "--pool",
                        "threads",
                        "--concurrency",
                        "2",
                        "--loglevel",
                        "INFO",
                        "--schedule",
                        settings.CELERY_BEAT_SCHEDULE_FILENAME,
                    ],
                    env=env,
                )
            )
        procs.append(
            subprocess.Popen(
                [
                    os.path.join(bindir, "uvicorn"),
                    "yiwang.asgi:application",
                    "--host",
                    host,
                    "--port",
                    str(port),
                    "--workers",
                    str(web_workers),
                    "--lifespan",
                    "off",
                    "--timeout-graceful-shutdown",
                    "5",
                    "--no-server-header",  # no product/version banner for scanners
                ],
                env=env,
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"一网通办 serving on http://{host}:{port}/  (admin: /admin/, API docs: /api/docs)"
            )
        )

        def stop(*_):
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
            raise SystemExit(0)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while True:
            for p in procs:
                if p.poll() is not None:
                    self.stderr.write(f"process {p.args[0]} exited with {p.returncode}; stopping")
                    stop()
            time.sleep(1)
