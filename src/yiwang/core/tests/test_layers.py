"""The app graph has no cycle (docs/architecture.md, "The layers").

`lint-imports` (in `make test`) checks the layers contract of pyproject.toml; these tests prove
what the contract implies, on the same graph: grimp counts every import, those inside functions
and under TYPE_CHECKING included. No import is ignored."""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp
import pytest
from django.conf import settings

PYPROJECT = Path(__file__).resolve().parents[4] / "pyproject.toml"


@pytest.fixture(scope="module")
def contract() -> dict:
    assert PYPROJECT.exists(), "the layer tests read the contracts from the checkout's pyproject.toml"
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["type"] == "layers")


def _layer_names(contract: dict) -> set[str]:
    names = set()
    for layer in contract["layers"]:
        for part in layer.replace(":", "|").split("|"):
            names.add(part.strip().strip("()"))
    return names


def _app_graph(contract: dict) -> dict[str, set[str]]:
    """{child of yiwang: the children of yiwang it imports}, from every module's imports."""
    graph = grimp.build_graph("yiwang", cache_dir=None)  # TYPE_CHECKING imports count too
    assert not contract.get("ignore_imports"), "the layers contract ignores no import"
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        parts = module.split(".")
        if len(parts) < 2:
            continue
        targets = edges.setdefault(parts[1], set())
        for imported in graph.find_modules_directly_imported_by(module):
            other = imported.split(".")
            if len(other) >= 2 and other[0] == "yiwang" and other[1] != parts[1]:
                targets.add(other[1])
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_apps(contract):
    edges = _app_graph(contract)
    assert "cases" in edges and "workdays" in edges["cases"]  # the graph is really there
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_app_has_a_layer(contract):
    apps = {app.split(".")[1] for app in settings.INSTALLED_APPS if app.startswith("yiwang.")}
    assert apps - _layer_names(contract) == set()
    assert contract.get("exhaustive") is True  # every other module under yiwang/ too
