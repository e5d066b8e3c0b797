"""Event kinds and their message templates: one registry, keyed by kind.

Each kind names its category (what a person switches channels for), whether it is a legal notice
(受理, 补正, decisions, completion: never switched off, always in the inbox plus the channels the
instance requires), whether it is time-critical (SMS sent even in quiet hours), the context keys a
caller must give, and Chinese templates (Django template syntax, no autoescape: plain text).

The account kinds live in `texts.py` (accounts sits below this app); every other app registers its
own category and kinds in its `AppConfig.ready()` with `kinds_register` (the specs in its
cases/kinds.py, halls/texts.py, …)::

    from yiwang.notifications.kinds import Category, EventKind, kinds_register

    kinds_register(
        Category("halls", "预约叫号", "预约提醒、即将叫号"),
        kinds=[EventKind(kind="halls.turn_near", category="halls", label="即将叫号", critical=True,
                         title="您的号码 {{ number }} 即将叫到", body="…", required=("number",))],
    )

Registering another spec under a taken kind (or category) raises `HookError`, as for hooks.
Templates must not print sensitive elements (ID numbers, phone numbers, addresses): the inbox row
stores the rendered text.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.template import Context, Engine
from django.utils import timezone

from yiwang.core.hooks import HookError

TITLE_MAX = 200


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class EventKind:
    kind: str
    category: str
    label: str
    title: str
    body: str
    legal: bool = False
    critical: bool = False
    required: tuple[str, ...] = ()
    sms: str = ""  # SMS text; default: the title and the link


_categories: dict[str, Category] = {}
_kinds: dict[str, EventKind] = {}


def category_register(category: Category, *, replace: bool = False) -> Category:
    current = _categories.get(category.code)
    if current is not None and current != category and not replace:
        raise HookError(f"notification category {category.code!r} is already registered")
    _categories[category.code] = category
    return category


def kind_register(spec: EventKind, *, replace: bool = False) -> EventKind:
    """Add an event kind. The same spec again is a no-op; another spec under a taken kind raises."""
    if spec.category not in _categories:
        raise HookError(f"event kind {spec.kind!r}: unknown category {spec.category!r}")
    current = _kinds.get(spec.kind)
    if current is not None and current != spec and not replace:
        raise HookError(f"event kind {spec.kind!r} is already registered")
    for source in (spec.title, spec.body, spec.sms):
        _compile(source)  # a template syntax error fails at start-up, not at the first event
    _kinds[spec.kind] = spec
    return spec


def kinds_register(*categories: Category, kinds: Iterable[EventKind] = ()) -> None:
    """An app's messages, from its `AppConfig.ready()`: its categories (if it has its own), then its
    kinds. Running it again with the same specs changes nothing."""
    for category in categories:
        category_register(category)
    for spec in kinds:
        kind_register(spec)


def kind_unregister(kind: str) -> None:
    """Tests only."""
    _kinds.pop(kind, None)


def kind_get(kind: str) -> EventKind:
    spec = _kinds.get(kind)
    if spec is None:
        raise HookError(f"unknown event kind {kind!r}")
    return spec


def kind_find(kind: str) -> EventKind | None:
    return _kinds.get(kind)


def kinds() -> list[EventKind]:
    return list(_kinds.values())


def categories() -> list[Category]:
    return list(_categories.values())


def category_get(code: str) -> Category | None:
    return _categories.get(code)


# --- rendering ---------------------------------------------------------------------------------
_engine = Engine(autoescape=False)  # plain text; the page escapes when it shows the message


@functools.lru_cache(maxsize=512)
def _compile(source: str):
    return _engine.from_string(source)


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def _plain(value):
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def render(spec: EventKind, context: Mapping) -> Rendered:
    """The title and body of a message. A missing required key is a programming error."""
    missing = [k for k in spec.required if k not in context]
    if missing:
        raise ValueError(f"event kind {spec.kind}: context lacks {', '.join(missing)}")
    ctx = Context({k: _plain(v) for k, v in context.items()}, autoescape=False)
    title = " ".join(_compile(spec.title).render(ctx).split())[:TITLE_MAX]
    body = _compile(spec.body).render(ctx).strip()
    return Rendered(title=title, body=body)


def render_sms(spec: EventKind | None, *, title: str, body: str, url: str) -> str:
    """The SMS text (without the signature): the kind's own SMS template, else title and link."""
    if spec is not None and spec.sms:
        ctx = Context({"title": title, "body": body, "url": url}, autoescape=False)
        return " ".join(_compile(spec.sms).render(ctx).split())
    return f"{title}。详情：{url}" if url else f"{title}。请登录一网通办查看。"
