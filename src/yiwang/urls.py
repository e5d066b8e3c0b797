import os

from django.contrib import admin
from django.urls import include, path

from .api import api
from .halls.live import hall_events

urlpatterns = [
    path("admin/", admin.site.urls),
    # server-sent events (an async view; ASGI workers): before the API router, which would 404 it
    path("api/v1/halls/<slug:code>/events", hall_events, name="hall_events"),
    path("api/", api.urls),
    path("", include("yiwang.workbench.urls")),
    path("", include("yiwang.notifications.urls")),
    path("", include("yiwang.evaluations.urls")),
    path("", include("yiwang.licenses.urls")),
    path("", include("yiwang.identity.urls")),
    path("", include("yiwang.catalog.urls")),
    path("", include("yiwang.exchange.urls")),
    path("", include("yiwang.federation.urls")),
    path("", include("yiwang.docking.urls_systems")),
    path("", include("yiwang.ledger.urls")),
    path("", include("yiwang.participation.urls")),
    path("", include("yiwang.knowledge.urls")),
    path("", include("yiwang.halls.urls")),
    path("", include("yiwang.halls.urls_live")),
    path("", include("yiwang.projects.urls")),
    path("", include("yiwang.training.urls")),
    path("", include("yiwang.supervision.urls")),
    path("", include("yiwang.bundles.urls")),
    path("", include("yiwang.portal.urls")),
]

if os.environ.get("YIWANG_BENCH_FLOOR"):  # benchmark floor views (bench/run.py), never in production
    urlpatterns.insert(0, path("bench/floor/", include("yiwang.core.benchfloor")))
