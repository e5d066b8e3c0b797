"""No personal data from query strings in the access log (core/accesslog.py): a real uvicorn
server writes its request lines for pages and API paths, and the lines of gunicorn and Django's
runserver (their own call formats) are masked the same way."""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode

import pytest

from yiwang.core.accesslog import QueryMaskFilter, mask_query, mask_text
from yiwang.core.testing import free_port

ID_NUMBER = "420102199001011234"
PHONE = "13800138000"
NAME = "张三丰"
PERSONAL = (ID_NUMBER, PHONE, NAME, quote(NAME), quote(NAME).lower())


def _clean(line: str) -> bool:
    return not any(p in line for p in PERSONAL)


@pytest.mark.django_db(transaction=True)
def test_uvicorn_access_lines_of_pages_and_api_paths_carry_no_personal_data(caplog):
    import uvicorn
    from django.core.handlers.asgi import ASGIHandler

    application = ASGIHandler()  # yiwang.asgi's application without django.setup() (which resets logging)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    question = f"我叫{NAME}，身份证{ID_NUMBER}，电话{PHONE}"
    paths = [
        "/?" + urlencode({"q": question, "page": "2"}),
        "/knowledge/?" + urlencode({"q": question}),
        "/api/v1/knowledge/ask?" + urlencode({"q": question, "limit": "5"}),
        "/api/v1/items?" + urlencode({"q": NAME, "department": ID_NUMBER, "page": "1", "sort": "name"}),
        "/api/v1/exchange/resources?" + urlencode({"applicant": NAME, "phone": PHONE, "id": ID_NUMBER}),
        "/participation/?" + urlencode({"q": PHONE, "state": NAME, "next": f"/knowledge/?q={ID_NUMBER}"}),
        f"/no-such-page/?{ID_NUMBER}={PHONE}",
    ]
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        try:
            for path in paths:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).close()
                except urllib.error.HTTPError as exc:  # a 401 or 404 is logged all the same
                    exc.close()
        finally:
            server.should_exit = True
            thread.join(timeout=30)
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert len(lines) == len(paths)
    for line in lines:
        assert _clean(line), line
    home, _knowledge, ask, items, _resources, participation, unknown = lines
    assert '"GET /?q=*&page=2 HTTP/1.1" 200' in home
    assert "/api/v1/knowledge/ask?q=*&limit=5 " in ask
    assert "/api/v1/items?q=*&department=*&page=1&sort=name " in items
    assert "/participation/?q=*&state=*&next=* " in participation  # a name in an allow-listed key too
    assert "/no-such-page/?420102********1234=* " in unknown  # keys are masked as well


def test_gunicorn_and_runserver_access_lines_are_masked_too():
    """gunicorn logs a dict of atoms (request line `r`, bare query `q`, Referer `f`), Django's
    runserver a tuple with the request line; a line without arguments is masked as it stands."""
    query = urlencode({"q": NAME, "phone": PHONE, "page": "3"})
    filt = QueryMaskFilter()

    atoms = {
        "r": f"GET /items/?{query} HTTP/1.1",
        "q": query,
        "f": f"https://x.example/?id={ID_NUMBER}",
        "s": "200",
    }
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '"%(r)s" %(s)s "%(f)s" %(q)s', (), None
    )
    record.args = atoms
    assert filt.filter(record)
    assert (
        record.getMessage()
        == '"GET /items/?q=*&phone=*&page=3 HTTP/1.1" 200 "https://x.example/?id=*" q=*&phone=*&page=3'
    )

    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /knowledge/?{query} HTTP/1.1", 200, 512),
        None,
    )
    assert filt.filter(record)
    assert record.getMessage() == '"GET /knowledge/?q=*&phone=*&page=3 HTTP/1.1" 200 512'

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, f"GET /x?{query}", None, None)
    assert filt.filter(record) and _clean(record.getMessage())


def test_allow_listed_values_are_kept_only_as_short_tokens_with_numbers_masked():
    assert (
        mask_query("page=2&sort=-created&state=open&limit=20") == "page=2&sort=-created&state=open&limit=20"
    )
    assert mask_query(f"page={ID_NUMBER}") == "page=420102********1234"  # masked even where allowed
    assert mask_query(f"status={quote('已受理')}") == "status=*"  # not an ASCII token
    assert mask_query("q=&page=") == "q=&page="  # which parameters came, not what they said
    assert mask_text("GET /cases/ HTTP/1.1") == "GET /cases/ HTTP/1.1"
    assert mask_text(f"/a?q={PHONE} /b?page=1") == "/a?q=* /b?page=1"


def test_every_access_logger_has_the_filter_after_start_up():
    for name in ("uvicorn.access", "gunicorn.access", "django.server"):
        assert any(isinstance(f, QueryMaskFilter) for f in logging.getLogger(name).filters)
