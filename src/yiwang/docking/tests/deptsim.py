"""A department business system on loopback, playing the other side of 部门业务系统对接 in tests:
a real HTTP server that receives the platform's pushes, verifies their RFC 9421 signatures
(Content-Digest included) with the platform's public key, answers with its own signed reply, and
sends signed callbacks to the platform's callback endpoint. It can be stopped and started again on
the same port (a system that is down), refuse, fail with 500, answer slowly or answer too much. The server thread never touches the
test database: the platform's public key is resolved up front."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures.structures import CaseInsensitiveDict

from yiwang.exchange import httpsig


class DepartmentSystemSim:
    def __init__(self, *, platform_public, key_id: str = "gongan-hj-v1", prefix: str = "GA"):
        self.platform_public = platform_public  # key id -> Ed25519PublicKey | None
        self.key_id = key_id
        self.key = Ed25519PrivateKey.generate()
        self.prefix = prefix
        self.mode = "ok"  # ok | refuse | error | slow | oversized
        self.delay = 2.0
        self.received: list[dict] = []  # verified pushes (bodies)
        self.errors: list[str] = []
        self.seen_nonces: set[str] = set()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.start()

    # --- the server ----------------------------------------------------------------------
    def start(self) -> None:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    msg = httpsig.RequestMessage(
                        "POST",
                        f"http://{self.headers['Host']}{self.path}",
                        CaseInsensitiveDict(dict(self.headers.items())),
                    )
                    res = httpsig._verify(
                        msg,
                        body=body,
                        public=sim.platform_public,
                        required=httpsig.REQUEST_COMPONENTS,
                        max_age=httpsig.MAX_AGE,
                    )
                    if res.nonce in sim.seen_nonces:
                        raise ValueError("replayed")
                    sim.seen_nonces.add(res.nonce)
                except Exception as exc:
                    sim.errors.append(repr(exc))
                    return self._send(401, {"code": "signature_invalid"})
                if sim.mode == "slow":
                    time.sleep(sim.delay)
                if sim.mode == "oversized":
                    return self._send(200, {"status": "received", "padding": "x" * (128 * 1024)})
                if sim.mode == "error":
                    return self._send(500, {"code": "boom"})
                if sim.mode == "refuse":
                    return self._send(400, {"code": "item_unknown", "message": "本系统不办理该事项"})
                data = json.loads(body)
                if self.headers.get("Idempotency-Key") != data.get("id"):
                    return self._send(400, {"code": "idempotency_key"})
                first = next((r for r in sim.received if r["id"] == data["id"]), None)
                if first is None:
                    sim.received.append(data)
                number = data["case"]["number"]
                return self._send(200, {"status": "received", "remote_number": f"{sim.prefix}-{number}"})

            def _send(self, status, obj):
                raw = json.dumps(obj, ensure_ascii=False).encode()
                headers = httpsig.sign_response(
                    status=status, body=raw, key_id=sim.key_id, private_key=sim.key
                )
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/yiwang/cases"

    @property
    def public_key_b64(self) -> str:
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()

    # --- callbacks to the platform --------------------------------------------------------
    def callback(
        self,
        url: str,
        data: dict | bytes,
        *,
        key: Ed25519PrivateKey | None = None,
        tamper: bool = False,
        unsigned: bool = False,
    ) -> tuple[int, dict, dict]:
        body = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
        headers = {}
        if not unsigned:
            headers = httpsig.sign_request(
                method="POST", url=url, body=body, key_id=self.key_id, private_key=key or self.key
            )
        else:
            headers = {"Content-Type": "application/json"}
        if tamper:
            body = body.replace(b'"seq"', b'"seq" ', 1)
        self.last_sent = (body, headers)
        return self.post(url, body, headers)

    def post(self, url: str, body: bytes, headers: dict) -> tuple[int, dict, dict]:
        """Send exactly these bytes and headers (a replay sends `last_sent` again)."""
        req = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"{}"), dict(r.headers.items())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}"), dict(e.headers.items())


def new_id() -> str:
    return base64.urlsafe_b64encode(os.urandom(9)).decode()
