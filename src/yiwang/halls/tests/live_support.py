"""Helpers of the live tests: a real uvicorn server (ASGI) on loopback sharing the test database,
and a small server-sent-events client that records every event it receives."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from yiwang.core.testing import LoopbackServer, server_env

BIN = Path(sys.executable).parent
REDIS_TEST_URL = os.environ.get("YIWANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/8")


class Server(LoopbackServer):
    """`uvicorn yiwang.asgi:application` with `workers` processes, at this test's time, on this
    test's broadcast backend, polling often and sending heartbeats every second."""

    def __init__(
        self,
        name: str,
        log_dir: Path,
        *,
        workers: int = 1,
        extra_env: dict | None = None,
        static: bool = False,
    ):
        env = {
            "YIWANG_BROADCAST_URL": settings.YIWANG_BROADCAST_URL,
            "YIWANG_BROADCAST_POLL_SECONDS": "0.05",
            "YIWANG_SSE_HEARTBEAT_SECONDS": "1",
            **(extra_env or {}),
        }
        if static:  # pages for a browser: their JS and CSS, as `make demo` collects them
            subprocess.run(
                [str(BIN / "yiwang"), "collectstatic", "--no-input", "-v", "0"],
                env=server_env(**env),
                check=True,
                timeout=300,
            )
        super().__init__(name, log_dir, workers=workers, args=["--timeout-graceful-shutdown", "2"], env=env)

    def wait_ready(self, path: str = "/api/v1/halls", status: int = 200) -> None:
        super().wait_ready(path, status)


@dataclass
class SseEvent:
    id: str | None
    event: str
    data: dict
    received: float  # time.time() on arrival


@dataclass
class SseClient:
    """Reads one event stream in a thread; `events` fills as they arrive."""

    port: int
    path: str
    last_event_id: str | None = None
    events: list[SseEvent] = field(default_factory=list)
    comments: int = 0
    status: int | None = None
    content_type: str = ""

    def start(self) -> SseClient:
        self.opened = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.opened.wait(30), "stream did not open"
        return self

    def _run(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Accept": "text/event-stream"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        try:
            self.conn.request("GET", self.path, headers=headers)
            response = self.conn.getresponse()
        except OSError:
            self.opened.set()
            return
        self.status = response.status
        self.content_type = response.getheader("Content-Type", "")
        self.opened.set()
        block: dict[str, str] = {}
        try:
            while True:
                raw = response.fp.readline()
                if not raw:
                    return
                line = raw.decode().rstrip("\n")
                if line.startswith(":"):
                    self.comments += 1
                elif line == "":
                    if "event" in block or "data" in block:
                        self.events.append(
                            SseEvent(
                                block.get("id"),
                                block.get("event", "message"),
                                json.loads(block.get("data") or "{}"),
                                time.time(),
                            )
                        )
                    block = {}
                else:
                    name, _, value = line.partition(":")
                    block[name] = value[1:] if value.startswith(" ") else value
        except (OSError, ValueError):
            return

    def named(self, event: str) -> list[SseEvent]:
        return [e for e in self.events if e.event == event]

    def wait_for(self, event: str, count: int, timeout: float = 30) -> list[SseEvent]:
        deadline = time.monotonic() + timeout
        while len(self.named(event)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.named(event)

    def close(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()
