"""WSGI entry point (gunicorn sync workers; docs/operations.md). The URL configuration — and with
it every app's views and API schemas — is loaded here, when the server boots, not by the first
request: otherwise each fresh worker spends seconds on its first request, and after a restart
every request already waiting pays for it (docs/benchmarks.md, online exam)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 — load every URLconf, view and API schema now
