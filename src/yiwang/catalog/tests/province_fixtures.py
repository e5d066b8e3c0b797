"""Standard items as a provincial item library publishes them, built from the real 广安区 item list
(/work/shared/data → catalog/tests/data/items-sichuan-guang-an-district.csv: names, basic codes and
the unpadded type codes provinces use), and a provincial library on loopback: a real HTTP server
serving `/items/changes?since=…&limit=…` from a change log the test appends to, its answers signed
by `sign(status, body) -> headers` when one is given (the province's RFC 9421 key: the docking
tests pass exchange.httpsig's signer, which this app may not import)."""

from __future__ import annotations

import csv
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from yiwang.catalog.item_list import parse_implementation_code

LIST = Path(__file__).parent / "data" / "items-sichuan-guang-an-district.csv"


def standard_items(n: int = 12) -> list[dict]:
    """`n` standard items in the province's JSON fields (one per basic code, legal basis and
    limits written by the project: the list carries names and codes only)."""
    out, seen = [], set()
    with LIST.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            basic, _ = parse_implementation_code(row["implementation_code"])
            if basic in seen or len(basic) > 40:
                continue
            seen.add(basic)
            out.append(
                {
                    "basicCode": basic,
                    "itemName": row["item_name"],
                    "itemType": row["item_type_code"],
                    "serviceObject": "1,2",
                    "useLevel": ["3", "4"],
                    "powerSource": "1",
                    "setBasis": f"《{row['item_name'][:8]}管理办法》第十条",
                    "acceptCondition": "申请材料齐全、符合法定形式",
                    "legalLimit": 20,
                    "version": 1,
                    "updateTime": "2026-11-02 09:30:00",
                    "status": "在用",
                    "deptName": row["department"],  # a field of the province's own: ignored
                }
            )
            if len(out) == n:
                break
    return out


class ProvincialLibrary:
    """The province's API on 127.0.0.1. `log` is the change log (the cursor is an index into it,
    as an opaque string); `mode` makes the next answers misbehave: "malformed", "huge", "slow",
    "500", "invalid" (a bad item), "tampered" (the body changed after signing), or a number of 500s
    to answer before serving again."""

    def __init__(
        self, items: list[dict] | None = None, *, sign: Callable[[int, bytes], dict[str, str]] | None = None
    ):
        self.log: list[dict] = list(items or [])
        self.sign = sign
        self.mode: str = ""
        self.failures_left = 0
        self.requests: list[dict] = []
        self.delay = 0.0
        library = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                library.requests.append(
                    {"path": parts.path, "target": self.path, "headers": list(self.headers.items())}
                )
                if parts.path != "/items/changes":
                    self._send(404, b'{"error":"not found"}')
                    return
                query = parse_qs(parts.query)
                since = int((query.get("since") or ["0"])[0] or 0)
                limit = int((query.get("limit") or ["200"])[0])
                if library.failures_left:
                    library.failures_left -= 1
                    self._send(503, b'{"error":"busy"}')
                    return
                if library.mode == "slow":
                    time.sleep(library.delay or 1.0)
                if library.mode == "500":
                    self._send(500, b'{"error":"boom"}')
                    return
                if library.mode == "malformed":
                    self._send(200, b'{"items": [ {"basicCode": ')
                    return
                if library.mode == "huge":
                    self._send(200, b'{"items": [], "pad": "' + b"x" * 3_000_000 + b'"}')
                    return
                page = library.log[since : since + limit]
                if library.mode == "invalid" and page:
                    page = [*page[:-1], {**page[-1], "itemType": "99"}]
                body = {
                    "items": page,
                    "next_cursor": str(since + len(page)),
                    "has_more": since + len(page) < len(library.log),
                }
                self._send(200, json.dumps(body, ensure_ascii=False).encode())

            def _send(self, status: int, body: bytes):
                signed = library.sign(status, body) if library.sign else {}
                if library.mode == "tampered":
                    body = body.replace(b'"legalLimit": 20', b'"legalLimit": 60')
                try:
                    self.send_response(status)
                    for name, value in signed.items():
                        if name.lower() != "content-type":
                            self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ProvincialLibrary:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
