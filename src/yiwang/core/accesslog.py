"""No personal data in the access log. The web servers write one line per request with the path
*and query string* — uvicorn to `uvicorn.access` (`make demo`, production's uvicorn workers),
gunicorn to `gunicorn.access` (when switched on, with the Referer), Django's runserver to
`django.server` — and query strings carry what people type: searches (`?q=…`), questions,
filters by name, ID or phone number. So on those loggers every query string is rewritten before
any handler sees the line:

- a value of a key on the allow-list (`SAFE_KEYS`: paging, sorting, state filters) is kept when it
  is a short ASCII token, with any ID or phone number in it masked (`core.masking`);
- every other value (free text, names, numbers, `next=` links) is replaced by `*`; an empty value
  stays empty, so the line still shows which parameters were sent;
- a key that is not a plain ASCII name is replaced by `*` as well.

Installed in `CoreConfig.ready()`: each web worker process runs it when the application is
imported, after the server has configured its loggers (filters survive a later `dictConfig`)."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode

from .masking import mask_personal_data

LOGGERS = ("uvicorn.access", "gunicorn.access", "django.server")
SAFE_KEYS = frozenset(
    {
        "page",
        "page_size",
        "per_page",
        "limit",
        "offset",
        "sort",
        "order",
        "ordering",
        "state",
        "status",
        "kind",
        "level",
        "tab",
        "view",
        "format",
        "lang",
    }
)
HIDDEN = "*"
SAFE_KEY = re.compile(r"[A-Za-z0-9_.\[\]-]{1,64}")
SAFE_VALUE = re.compile(r"[A-Za-z0-9_.,:-]{1,40}")
QUERY_IN_TEXT = re.compile(r"\?([^\s\"#]*)")


def mask_query(query: str) -> str:
    """A query string (without `?`) fit for the log: allow-listed tokens kept, the rest hidden."""
    if not query:
        return query
    out = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        safe_key = key if SAFE_KEY.fullmatch(key) else HIDDEN
        if not value:
            safe_value = ""
        elif key in SAFE_KEYS and SAFE_VALUE.fullmatch(value):
            safe_value = mask_personal_data(value)
        else:
            safe_value = HIDDEN
        out.append((mask_personal_data(safe_key), safe_value))
    return urlencode(out, safe=HIDDEN + ",:")


def mask_text(text: str) -> str:
    """Every `?query` in a request line, path or URL (a Referer) masked; the rest unchanged."""
    if "?" not in text:
        return text
    return QUERY_IN_TEXT.sub(lambda m: "?" + mask_query(m.group(1)), text)


class QueryMaskFilter(logging.Filter):
    """On an access logger: the query strings in the line's arguments masked (uvicorn and Django
    pass a tuple, gunicorn a dict of atoms with the bare query string under `q`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args:
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in args)
        elif isinstance(args, dict) and args:  # in place: gunicorn's dict answers unknown keys too
            for k, v in list(args.items()):
                if isinstance(v, str):
                    args[k] = mask_query(v) if k == "q" else mask_text(v)
        elif isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        return True


def install() -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryMaskFilter) for f in logger.filters):
            logger.addFilter(QueryMaskFilter())
