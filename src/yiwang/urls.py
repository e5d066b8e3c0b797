import os

from django.contrib import admin
from django.urls import URLResolver, include, path
from django.urls.resolvers import RoutePattern

from .api import api
from .halls.live import hall_events


class _SegmentResolver(URLResolver):
    """The API's include: its ~200 routes, those under `v1/<segment>/` in one nested include per
    segment, and a path dispatched to its segment's include in one look-up. Django tries a path
    against the patterns in order: a request to /api/v1/identity/verify tried ~160 of them on
    every call, and with the segments as includes still ~30 before its own (issue 22, the
    request's cost). Here a path tries only its segment's include and the routes no segment owns,
    in their order; literal segments cannot match each other's paths, so that order is the one
    that matters. Reversing reads every pattern, as Django does; names stay in the API's
    namespace."""

    def __init__(self, route: str, urls: tuple[list, str, str]) -> None:
        patterns, app_name, namespace = urls
        groups: dict[str, list] = {}
        out: list = []
        for p in patterns:
            parts = str(p.pattern).split("/", 2)
            if len(parts) == 3 and parts[0] == "v1" and parts[1] and "<" not in parts[1] and parts[2]:
                prefix = f"v1/{parts[1]}/"
                if prefix not in groups:
                    groups[prefix] = []
                    out.append(path(prefix, include(groups[prefix])))
                groups[prefix].append(path(parts[2], p.callback, p.default_args, name=p.name))
            else:
                out.append(p)
        pattern = RoutePattern(route, is_endpoint=False)
        super().__init__(pattern, out, app_name=app_name, namespace=namespace)
        own = {str(p.pattern): p for p in out if str(p.pattern) in groups}
        self._by_segment = {
            prefix: URLResolver(
                pattern,
                [p for p in out if str(p.pattern) not in own or p is own[prefix]],
                app_name=app_name,
                namespace=namespace,
            )
            for prefix in groups
        }

    def resolve(self, url_path: str):
        match = self.pattern.match(str(url_path))
        if match:
            parts = match[0].split("/", 2)
            narrow = self._by_segment.get(f"{parts[0]}/{parts[1]}/") if len(parts) == 3 else None
            if narrow is not None:
                return narrow.resolve(url_path)
        return super().resolve(url_path)


urlpatterns = [
    path("admin/", admin.site.urls),
    # server-sent events (an async view; ASGI workers): before the API router, which would 404 it
    path("api/v1/halls/<slug:code>/events", hall_events, name="hall_events"),
    _SegmentResolver("api/", api.urls),
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
