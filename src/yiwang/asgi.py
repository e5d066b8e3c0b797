"""ASGI entry point: the project under uvicorn workers (gunicorn `-k uvicorn.workers.UvicornWorker`
or `uvicorn yiwang.asgi:application`). Long-lived server-sent-event streams (hall screens) need an
asynchronous worker: one process holds thousands of them; sync views run in threads as before.
The URL configuration is loaded at boot, not by the first request (see yiwang.wsgi)."""

import os

from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
application = get_asgi_application()
get_resolver().url_patterns  # noqa: B018 — load every URLconf, view and API schema now
