"""The SMS gateway adapter against a real HTTP server on the loopback interface: the request it
receives (JSON body, API key header, idempotency reference), 5xx and time-outs retried, 4xx failed
for good, an unreachable gateway retried — and the phone number never in a log line or the
delivery log."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from yiwang.notifications import services
from yiwang.notifications.models import Delivery
from yiwang.notifications.sms import HttpJsonGateway

from .conftest import NOW, PHONE, accepted


class Gateway:
    """A loopback HTTP server that records each request and answers with `status`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.delay = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                if outer.delay:
                    time.sleep(outer.delay)
                body = b'{"ok": true}' if outer.status < 300 else b'{"error": "nope"}'
                try:
                    self.send_response(outer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (time-out test)
                    pass

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.closed = False

    def close(self):
        if not self.closed:
            self.closed = True
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def gateway(settings):
    g = Gateway()
    settings.YIWANG_SMS_URL = g.url
    settings.YIWANG_SMS_API_KEY = "k-123"
    settings.YIWANG_SMS_API_KEY_HEADER = "X-Api-Key"
    settings.YIWANG_SMS_TIMEOUT = 2
    settings.YIWANG_NOTIFICATION_CATEGORY_CHANNELS = "case=sms"
    yield g
    g.close()


def _sms(n) -> Delivery:
    return Delivery.objects.get(notification=n, channel="sms")


def _no_phone_anywhere(caplog):
    assert PHONE not in caplog.text
    for r in caplog.records:
        assert PHONE not in r.getMessage() and PHONE not in str(r.args)
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM notifications_delivery")
        assert PHONE not in repr(cur.fetchall())
    for d in Delivery.objects.all():
        assert PHONE not in repr(vars(d))


def test_sent_through_the_gateway(citizen, gateway, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level("DEBUG"), django_capture_on_commit_callbacks(execute=True):
        n = accepted(citizen)
    d = _sms(n)
    assert (d.status, d.attempts, d.last_error) == ("sent", 1, "")
    [req] = gateway.requests
    assert req["path"] == "/sms/send"
    assert req["headers"]["X-Api-Key"] == "k-123"
    assert req["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert req["headers"]["Idempotency-Key"] == f"yiwang-{d.pk}"
    body = json.loads(req["body"])
    assert body == {
        "to": PHONE,
        "text": "【一网通办】办件 CP2026111000000001 已受理。详情：https://zwfw.example.gov.cn/my/cases/CP2026111000000001/",
        "ref": f"yiwang-{d.pk}",
        "kind": "case.accepted",
    }
    _no_phone_anywhere(caplog)


def test_server_error_is_retried_then_sent(citizen, gateway, caplog):
    gateway.status = 503
    d = _sms(accepted(citizen))
    with caplog.at_level("DEBUG"):
        assert services.delivery_send(delivery_id=d.pk, now=NOW) == "pending"
        d.refresh_from_db()
        assert (d.attempts, d.last_error) == (1, "sms_http_503") and d.next_attempt > NOW
        gateway.status = 200
        assert services.delivery_send(delivery_id=d.pk, now=d.next_attempt) == "sent"
    assert len(gateway.requests) == 2
    # the gateway may deduplicate: both attempts carry the same reference
    assert {json.loads(r["body"])["ref"] for r in gateway.requests} == {f"yiwang-{d.pk}"}
    _no_phone_anywhere(caplog)


def test_server_errors_until_dead(citizen, gateway, caplog):
    gateway.status = 500
    d = _sms(accepted(citizen))
    with caplog.at_level("DEBUG"):
        results = []
        for _ in range(3):  # YIWANG_NOTIFICATION_MAX_ATTEMPTS = 3 in these tests
            d.refresh_from_db()
            results.append(services.delivery_send(delivery_id=d.pk, now=d.next_attempt))
    assert results == ["pending", "pending", "dead"]
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_error) == ("dead", 3, "sms_http_500")
    _no_phone_anywhere(caplog)


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_client_error_fails_for_good(citizen, gateway, caplog, status):
    gateway.status = status
    d = _sms(accepted(citizen))
    with caplog.at_level("DEBUG"):
        assert services.delivery_send(delivery_id=d.pk, now=NOW) == "failed"
    d.refresh_from_db()
    assert (d.status, d.last_error) == ("failed", f"sms_http_{status}")
    assert services.deliveries_send_due(now=NOW.replace(year=2027)) == 0
    _no_phone_anywhere(caplog)


def test_too_many_requests_is_retried(gateway):
    gateway.status = 429
    out = HttpJsonGateway().send(to=PHONE, text="x", ref="r", kind="k")
    assert (out.status, out.code) == ("retry", "sms_http_429")


def test_time_out_is_retried(gateway):
    gateway.delay = 1.0
    out = HttpJsonGateway(timeout=0.2).send(to=PHONE, text="x", ref="r", kind="k")
    assert (out.status, out.code) == ("retry", "sms_timeout")


def test_unreachable_gateway_is_retried(citizen, gateway, settings, caplog):
    port = gateway.server.server_address[1]
    gateway.close()  # nothing listens on the port any more
    settings.YIWANG_SMS_URL = f"http://127.0.0.1:{port}/sms/send"
    d = _sms(accepted(citizen))
    with caplog.at_level("DEBUG"):
        assert services.delivery_send(delivery_id=d.pk, now=NOW) == "pending"
    d.refresh_from_db()
    assert d.last_error == "sms_unreachable"
    _no_phone_anywhere(caplog)


def test_account_without_phone_and_unconfigured_gateway(db, gateway, settings):
    from .conftest import make_user

    nophone = make_user("nophone")
    d = _sms(accepted(nophone))
    assert services.delivery_send(delivery_id=d.pk, now=NOW) == "failed"
    d.refresh_from_db()
    assert d.last_error == "no_phone" and gateway.requests == []
    assert HttpJsonGateway(url="").send(to=PHONE, text="x", ref="r", kind="k").code == "sms_not_configured"
    assert (
        HttpJsonGateway(url="file:///etc/passwd").send(to=PHONE, text="x", ref="r", kind="k").code
        == "sms_bad_url"
    )
