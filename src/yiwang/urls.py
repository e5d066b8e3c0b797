import os

from django.contrib import admin
from django.urls import include, path

from .api import api
from .halls.live import hall_events


def _grouped(urls: tuple[list, str, str]) -> tuple[list, str, str]:
    """The API's ~200 routes, those under `v1/<segment>/` in one nested include per segment.
    Django tries a path against the patterns in order: a request to /api/v1/identity/verify tried
    ~160 of them on every call (issue 22, the request's cost); now a few dozen prefixes, then the
    segment's own routes. Literal segments cannot match each other's paths, so the order that
    matters — within a segment — is kept; names stay in the API's namespace."""
    patterns, app_name, namespace = urls
    groups: dict[str, list] = {}
    out: list = []
    for p in patterns:
        route = str(p.pattern)
        parts = route.split("/", 2)
        if len(parts) == 3 and parts[0] == "v1" and parts[1] and "<" not in parts[1] and parts[2]:
            prefix = f"v1/{parts[1]}/"
            if prefix not in groups:
                groups[prefix] = []
                out.append(path(prefix, include(groups[prefix])))
            groups[prefix].append(path(parts[2], p.callback, p.default_args, name=p.name))
        else:
            out.append(p)
    return out, app_name, namespace


urlpatterns = [
    path("admin/", admin.site.urls),
    # server-sent events (an async view; ASGI workers): before the API router, which would 404 it
    path("api/v1/halls/<slug:code>/events", hall_events, name="hall_events"),
    path("api/", _grouped(api.urls)),
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
