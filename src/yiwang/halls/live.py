"""The live side of a hall: the public event stream (SSE), the full-screen display page and its
spoken announcements (docs/halls.md, "Screens").

- `GET /api/v1/halls/{code}/events` — `text/event-stream`, public, no personal data. Events: `call`
  `{"number", "window", "at"}` (a call or a recall), `queue` (the waiting counts changed:
  `{business code: count}`), `state` (the snapshot `display_state` on a fresh connection, no id),
  `reset` (catch-up impossible: reload the snapshot). Each event with an id carries an `id:` line;
  a reconnecting client sends `Last-Event-ID` (or `?last_event_id=`) and gets exactly the events
  after it. A comment line every `YIWANG_SSE_HEARTBEAT_SECONDS` keeps proxies from closing the
  stream. An async view: served by the ASGI workers (uvicorn), one process holds thousands.
- `GET /halls/{code}/display/?key=…` — the display page (no login; a display key of this hall; any
  other key → 404). Static JS (`halls/display.js`) speaks each call in Mandarin.
- `GET /halls/speech.wav?number=A012&window=5` — the announcement rendered offline by espeak-ng
  (`-v cmn`), cached per phrase under `YIWANG_HOME/speech/`. Used when the browser has no zh-CN
  voice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yiwang.core import broadcast
from yiwang.core.errors import NotFound
from yiwang.organizations.models import ServiceHall

from . import devices, selectors

log = logging.getLogger("yiwang.halls.live")

NUMBER_RE = re.compile(r"^[A-Z]{1,2}\d{1,4}$")
WINDOW_RE = re.compile(r"^[0-9A-Za-z]{1,8}$")
DIGITS = "零一二三四五六七八九"


def channel(code: str) -> str:
    """The broadcast channel of a hall (halls.services publishes calls to it)."""
    return f"hall:{code}"


# --- announcements ----------------------------------------------------------------------------------
def phrase(number: str, window: str) -> str:
    """What the screen shows: 请 A012 号到 5 号窗口办理."""
    return f"请 {number} 号到 {window} 号窗口办理"


def spoken(number: str, window: str) -> str:
    """What is spoken: the ticket's digits one by one (A零一二), the window as a number."""
    letters = "".join(c for c in number if c.isalpha())
    digits = "".join(DIGITS[int(c)] for c in number if c.isdigit())
    return f"请 {letters} {digits} 号，到 {window} 号窗口办理"


def espeak_path() -> str | None:
    return shutil.which(settings.YIWANG_ESPEAK)


def speech_file(number: str, window: str) -> Path:
    """The WAV of one announcement, rendered once by espeak-ng's Mandarin voice and cached."""
    if not NUMBER_RE.match(number) or not WINDOW_RE.match(window):
        raise ValueError("bad number or window")
    text = spoken(number, window)
    folder = Path(settings.YIWANG_HOME) / "speech"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (hashlib.sha256(f"cmn:{text}".encode()).hexdigest()[:32] + ".wav")
    if target.exists():
        return target
    exe = espeak_path()
    if exe is None:
        raise FileNotFoundError("espeak-ng")
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".wav")
    os.close(fd)
    try:
        subprocess.run(
            [exe, "-v", "cmn", "-s", "150", "-w", tmp, text], check=True, timeout=20, capture_output=True
        )
        os.replace(tmp, target)  # atomic: two processes rendering the same phrase both end well
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


@require_GET
def speech_wav(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("number", "").strip().upper()
    window = request.GET.get("window", "").strip()
    try:
        path = speech_file(number, window)
    except ValueError:
        return JsonResponse(
            {
                "code": "validation_error",
                "message": "号码或窗口号格式有误",
                "fields": {"number": ["格式有误"]},
            },
            status=422,
        )
    except (FileNotFoundError, subprocess.SubprocessError):
        log.warning("speech rendering unavailable (espeak-ng)")
        return JsonResponse(
            {"code": "speech_unavailable", "message": "语音合成不可用", "fields": {}}, status=503
        )
    response = FileResponse(path.open("rb"), content_type="audio/wav")
    response["Cache-Control"] = "public, max-age=86400, immutable"
    return response


# --- the event stream -------------------------------------------------------------------------------
def _sse(event: str, data: dict, event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def coalesced(events: list[broadcast.Event]) -> list[broadcast.Event]:
    """The events of one write with every `queue` event but the last left out: each carries the
    hall's whole waiting counts, so the last supersedes the others (a burst of 40 calls is 40 `call`
    events and one `queue`, not 80 events to each of hundreds of screens). Order is kept, and the
    batch's last event is always kept, so the client's Last-Event-ID moves to the end."""
    last_queue = max((i for i, ev in enumerate(events) if ev.event == "queue"), default=None)
    return [ev for i, ev in enumerate(events) if ev.event != "queue" or i == last_queue]


def _not_found() -> JsonResponse:
    return JsonResponse({"code": "not_found", "message": "大厅不存在", "fields": {}}, status=404)


def _hall_and_state(code: str, fresh: bool, close: bool) -> tuple[ServiceHall | None, dict | None]:
    """The hall and (for a fresh screen) its display state, then the database connection of this
    thread is closed: a stream lives for hours and must not hold a connection (250 screens would
    be 250 PostgreSQL connections); the broadcast reader shares one per process."""
    try:
        hall = ServiceHall.objects.filter(code=code).first()
        state = selectors.display_state(hall) if hall is not None and fresh else None
        return hall, state
    finally:
        if close and not connection.in_atomic_block:  # under ASGI: this request's own thread
            connection.close()


async def hall_events(request: HttpRequest, code: str) -> HttpResponse:
    if request.method != "GET":
        return JsonResponse({"code": "method_not_allowed", "message": "仅支持 GET", "fields": {}}, status=405)
    last = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or None
    fresh = broadcast.parse_event_id(last) is None
    # Under WSGI (a sync server such as the test live server) a stream that never ends would hold
    # a thread for ever: send the snapshot and what is pending, then end; the client reconnects
    # after `retry` with its Last-Event-ID. The ASGI workers keep the stream open.
    finite = not isinstance(request, ASGIRequest)
    if fresh:  # the events after this id reach the screen, whatever its snapshot already shows
        last = await broadcast.latest_id(channel(code))
    hall, state = await sync_to_async(_hall_and_state)(code, fresh, not finite)
    if hall is None:
        return _not_found()
    heartbeat = float(settings.YIWANG_SSE_HEARTBEAT_SECONDS)
    if finite:
        heartbeat = 0.05

    async def stream():
        yield f"retry: 2000\n: {hall.code}\n\n"
        subscription = broadcast.subscribe(channel(hall.code), last, heartbeat=heartbeat, batch=True)
        try:
            if state is not None:
                # a fresh screen: the state now (read after `latest_id`; calls in between come
                # again as events — the page keys calls by number, window and time)
                yield _sse("state", state)
            async for events in subscription:
                if events is None:
                    if finite:
                        return
                    yield ": ping\n\n"
                else:  # everything ready in one write (a burst of calls)
                    yield "".join(event.sse() for event in coalesced(events))
        except broadcast.ClosedSubscription:
            return  # the client reconnects with Last-Event-ID and catches up
        except asyncio.CancelledError:
            raise
        finally:
            await subscription.aclose()

    response = StreamingHttpResponse(stream(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


# --- the display page -------------------------------------------------------------------------------
@require_GET
def display_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        hall = selectors.hall_by_code(code)
        screen = devices.display_key_check(hall=hall, key=request.GET.get("key"))
    except NotFound:
        return render(request, "404.html", {"message": "显示屏不存在或密钥无效。"}, status=404)
    state = selectors.display_state(hall)
    names = {b.code: b.name for b in selectors.business_types(hall)}
    response = render(
        request,
        "halls/display.html",
        {
            "hall": hall,
            "screen": screen,
            "state": state,
            "waiting": [(code, names.get(code, code), n) for code, n in state["waiting"].items()],
            "names_json": names,
        },
    )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the key in the URL stays on the screen
    return response
