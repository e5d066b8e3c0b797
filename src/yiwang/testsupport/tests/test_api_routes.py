"""The API's routes grouped by segment (yiwang.urls `_SegmentResolver`) resolve every path to the
operation ninja's own flat list resolves it to, and reverse by the same names: the grouping changes
how many patterns a request tries, nothing else. (The URLconf is read through Django's resolver:
testsupport imports no project wiring.)"""

import re

import pytest
from django.urls import Resolver404, get_resolver, resolve, reverse


def _sample(route: str) -> str:
    """A concrete path for a route: each converter filled with a value it accepts."""
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "7" if m.group(1) == "int" else "N7", route)


def _api_include():
    return next(r for r in get_resolver().url_patterns if getattr(r, "namespace", None) == "api")


def _ninja_flat_patterns() -> list:
    """Ninja's own list of the API's routes (one per operation, in its order), from the NinjaAPI
    the root route's view is bound to."""
    root = next(p for p in _api_include().url_patterns if getattr(p, "name", None) == "api-root")
    patterns, _, _ = root.callback.keywords["api"].urls
    return patterns


def test_every_api_route_resolves_to_its_own_operation():
    patterns = _ninja_flat_patterns()
    assert len(patterns) > 150
    first: dict[str, str] = {}  # route → the name ninja's flat list resolves it to (its first)
    routes_of: dict[str, set[str]] = {}
    for p in patterns:
        first.setdefault(str(p.pattern), p.name)
        routes_of.setdefault(p.name, set()).add(str(p.pattern))
    # a name is one route (reverse would otherwise pick one of two operations)
    assert {n: r for n, r in routes_of.items() if len(r) > 1} == {}
    for p in patterns:
        path = "/api/" + _sample(str(p.pattern))
        match = resolve(path)
        assert match.url_name == first[str(p.pattern)], (path, match.url_name)
        assert match.namespace == "api"
        if "<" not in str(p.pattern):
            assert reverse(f"api:{p.name}") == path


def test_a_request_tries_a_few_dozen_patterns_not_every_route():
    top = _api_include().url_patterns
    assert len(top) < 60, len(top)  # ~33 segments and the routes that end at v1/<segment>
    largest = max(len(getattr(g, "url_patterns", [])) for g in top)
    assert largest <= 25, largest
    assert len(_ninja_flat_patterns()) > 3 * len(top)


def test_a_path_tries_only_its_own_segment():
    """A path under `v1/<segment>/` is tried against that segment's routes and the routes no
    segment owns, not every segment before it: an unknown route's 404 lists what was tried."""
    top = [str(p.pattern) for p in _api_include().url_patterns]
    segments = [r for r in top if r.startswith("v1/") and r.endswith("/") and r.count("/") == 2]
    assert "v1/exchange/" in segments and "v1/cases/" in segments
    with pytest.raises(Resolver404) as caught:
        resolve("/api/v1/exchange/no-such-route")
    tried = {str(t[1].pattern) for t in caught.value.args[0]["tried"] if len(t) > 1}
    assert "v1/exchange/" in tried
    assert not (set(segments) - {"v1/exchange/"}) & tried
    # a path of no segment still tries every pattern (and the routes of /api/ itself resolve)
    with pytest.raises(Resolver404) as caught:
        resolve("/api/v2/anything")
    assert {str(t[1].pattern) for t in caught.value.args[0]["tried"] if len(t) > 1} >= set(segments)
