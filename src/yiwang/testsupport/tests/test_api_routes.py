"""The API's routes grouped by segment (yiwang.urls._grouped) resolve every path to the operation
ninja registered for it, and reverse by the same names: the grouping changes how many patterns a
request tries, nothing else."""

import re

from django.urls import get_resolver, resolve, reverse

from yiwang.api import api
from yiwang.urls import _grouped


def _sample(route: str) -> str:
    """A concrete path for a route: each converter filled with a value it accepts."""
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "7" if m.group(1) == "int" else "N7", route)


def test_every_api_route_resolves_to_its_own_operation():
    patterns, _, _ = api.urls
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
    grouped, _, _ = _grouped(api.urls)
    top = len(grouped)
    assert top < 60, top  # ~33 segments and the routes that end at v1/<segment>
    largest = max(len(getattr(g, "url_patterns", [])) for g in grouped)
    assert largest <= 25, largest
    # the project's URLconf uses the grouped form
    api_include = next(r for r in get_resolver().url_patterns if getattr(r, "namespace", None) == "api")
    assert len(api_include.url_patterns) == top
