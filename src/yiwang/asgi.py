"""ASGI entry point: the project under uvicorn workers (gunicorn `-k uvicorn.workers.UvicornWorker`
or `uvicorn yiwang.asgi:application`). Long-lived server-sent-event streams (hall screens) need an
asynchronous worker: one process holds thousands of them; sync views run in threads as before.

The GIL switch interval is lowered (`YIWANG_ASGI_SWITCH_INTERVAL_MS`, 0.5 ms instead of Python's
5 ms): the event loop releases the GIL on every socket write to a stream, and while a sync view's
thread is busy each re-acquisition waited up to the interval — one event written to a process's
125 screens could wait 125 × 5 ms (docs/benchmarks.md, hall screens).
The URL configuration is loaded at boot, not by the first request (see yiwang.wsgi)."""

import os
import sys

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
application = get_asgi_application()
if settings.YIWANG_ASGI_SWITCH_INTERVAL_MS > 0:
    sys.setswitchinterval(settings.YIWANG_ASGI_SWITCH_INTERVAL_MS / 1000)
get_resolver().url_patterns  # noqa: B018 — load every URLconf, view and API schema now
