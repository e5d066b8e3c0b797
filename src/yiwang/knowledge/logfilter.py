"""Personal data typed into a question never reaches the logs: the web server's access log
(uvicorn's `uvicorn.access` logger, one line per request with the path *and query string*) would
otherwise write `GET /api/v1/knowledge/ask?q=…420102199001011234…` as it came. The filter masks
ID and phone numbers (`services.personal_data_mask`) in the query string of the knowledge base's
paths before any handler sees the line. Installed in `KnowledgeConfig.ready()` (each web worker
process runs it when the application is imported)."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode

PATHS = ("/api/v1/knowledge/", "/knowledge/", "/workbench/knowledge/", "/kiosk/ask/")
LOGGERS = ("uvicorn.access",)


def mask_path(path: str) -> str:
    """`path?query` with personal data masked in the query's values (the path unchanged)."""
    from .services import personal_data_mask

    base, sep, query = path.partition("?")
    if not sep or not base.startswith(PATHS):
        return path
    pairs = parse_qsl(query, keep_blank_values=True)
    masked = [(k, personal_data_mask(v)) for k, v in pairs]
    if masked == pairs:
        return path
    return f"{base}?{urlencode(masked)}"


class QueryMaskFilter(logging.Filter):
    """On an access logger: the request line's path (uvicorn's third argument) masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], mask_path(args[2]), *args[3:])
        return True


def install() -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryMaskFilter) for f in logger.filters):
            logger.addFilter(QueryMaskFilter())
