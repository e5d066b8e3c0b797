"""A real HTTP server on loopback playing the provincial platform (licence library and data
reporting endpoint) for the docking tests: it verifies each request's RFC 9421 signature against
the city's public key and refuses unsigned, forged and replayed requests (401), stores each
record once per Idempotency-Key (a repeated key gets the first answer again), answers look-ups
from its library, and signs its answers with its own Ed25519 key. `mode` makes it misbehave:
"down" (not listening), "server_error" (503), "bad_signature" (signed with another key),
"malformed" (signed, not JSON), "oversized" (signed, larger than allowed), "slow" (answers after
`slow_seconds`), "refuse" (a signed 422), "accept_then_fail" (stores the record, then answers 503:
a lost answer). It keeps no database connection: it runs beside the test's transaction."""

from __future__ import annotations

import base64
import datetime
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from yiwang.exchange import httpsig

KEY_ID = "province-test"


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class Province:
    def __init__(self, *, city_keys: dict[str, Ed25519PublicKey]):
        self.city_keys = city_keys
        self.key = Ed25519PrivateKey.generate()
        self.other_key = Ed25519PrivateKey.generate()  # "bad_signature" signs with this one
        self.mode = "ok"
        self.slow_seconds = 2.0
        self.lock = threading.Lock()
        self.stored: dict[str, dict] = {}  # Idempotency-Key -> {"path", "body", "answer"}
        self.requests: list[dict] = []  # every request that reached a handler (path, key, verdict)
        self.library: list[dict] = []  # licences the library holds (seeded + pushed)
        self.nonces: set[str] = set()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0

    # --- life cycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def public_key_b64(self) -> str:
        return base64.b64encode(raw_public(self.key.public_key())).decode()

    def start(self) -> Province:
        province = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                province._handle(self)

            def do_GET(self):
                province._reply(self, 405, {"code": "method_not_allowed"})

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self.server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # --- what arrived -------------------------------------------------------------------------
    def bodies(self, path: str) -> list[dict]:
        """The records stored at `path`, once each, in arrival order."""
        with self.lock:
            return [s["body"] for s in self.stored.values() if s["path"] == path]

    def arrivals(self, path: str) -> int:
        """How many signed requests reached `path` (repeats included)."""
        with self.lock:
            return sum(1 for r in self.requests if r["path"] == path and r["verdict"] == "signed")

    # --- handling -------------------------------------------------------------------------------
    def _reply(self, h: BaseHTTPRequestHandler, status: int, data, *, raw: bytes | None = None, key=None):
        body = raw if raw is not None else json.dumps(data, ensure_ascii=False).encode()
        headers = httpsig.sign_response(status=status, body=body, key_id=KEY_ID, private_key=key or self.key)
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _verify(self, h: BaseHTTPRequestHandler, body: bytes) -> str:
        url = f"http://{h.headers.get('Host')}{h.path}"
        msg = httpsig.RequestMessage(
            method="POST", url=url, headers=httpsig.CaseInsensitiveDict(dict(h.headers))
        )
        try:
            result = httpsig._verify(
                msg,
                body=body,
                public=self.city_keys.get,
                required=httpsig.REQUEST_COMPONENTS,
                max_age=datetime.timedelta(seconds=300),
            )
        except httpsig.SignatureError as exc:
            return exc.code
        nonce = f"{result.parameters.get('keyid')}:{result.nonce}"
        with self.lock:
            if not result.nonce or nonce in self.nonces:
                return "replayed"
            self.nonces.add(nonce)
        return "signed"

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length)
        verdict = self._verify(h, body)
        idem = h.headers.get("Idempotency-Key", "")
        with self.lock:
            self.requests.append({"path": h.path, "key": idem, "verdict": verdict})
        if verdict != "signed":
            return self._reply(h, 401, {"code": verdict, "message": "签名无效"})
        mode = self.mode
        if mode == "slow":
            time.sleep(self.slow_seconds)
        if mode == "server_error":
            return self._reply(h, 503, {"code": "unavailable"})
        if mode == "bad_signature":
            return self._reply(h, 200, {"status": "accepted", "receipt": "forged"}, key=self.other_key)
        if mode == "malformed":
            return self._reply(h, 200, None, raw=b"<html>gateway</html>")
        if mode == "oversized":
            return self._reply(h, 200, {"status": "accepted", "pad": "x" * (2 * 1024 * 1024)})
        if mode == "refuse":
            return self._reply(h, 422, {"code": "bad_record", "message": "字段不合规"})
        data = json.loads(body)
        if h.path == "/licenses/query":
            return self._reply(h, 200, {"items": self._query(data)})
        with self.lock:
            first = self.stored.get(idem)
            if first is None:
                answer = {"status": "accepted", "receipt": f"P{len(self.stored) + 1:06d}"}
                self.stored[idem] = {"path": h.path, "body": data, "answer": answer}
                if h.path == "/licenses" and data.get("op") == "issue":
                    self.library.append(data["license"])
            else:
                answer = {**first["answer"], "status": "duplicate"}
        if mode == "accept_then_fail":
            return self._reply(h, 503, {"code": "unavailable"})
        return self._reply(h, 200, answer)

    def _query(self, q: dict) -> list[dict]:
        with self.lock:
            items = [
                lic
                for lic in self.library
                if lic.get("holder_id") == q.get("holder_id")
                and lic.get("type_code") == q.get("type_code")
                and (not q.get("identifier") or lic.get("identifier") == q.get("identifier"))
            ]
        return items


def configure(province: Province, settings_fixture, *, timeout: float = 1.5) -> None:
    """Point the platform at `province` (pytest-django's `settings` fixture)."""
    settings_fixture.YIWANG_PROVINCE_URL = province.url
    settings_fixture.YIWANG_PROVINCE_KEY_ID = KEY_ID
    settings_fixture.YIWANG_PROVINCE_PUBLIC_KEY = province.public_key_b64
    settings_fixture.YIWANG_PROVINCE_TIMEOUT = timeout
    settings_fixture.YIWANG_PROVINCE_MAX_ANSWER_BYTES = 64 * 1024
    assert province.url == settings.YIWANG_PROVINCE_URL
