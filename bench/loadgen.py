"""A small closed-loop HTTP load generator (standard library only; no Django import).

`run_load()` starts `concurrency` worker processes. Each keeps one persistent HTTP/1.1 connection
(http.client reconnects by itself when the server closes it, as gunicorn's sync workers do after
every response) and sends requests back to back for `warmup + duration` seconds. Only requests
*started* after the warm-up count. Every non-2xx answer and every transport error is an error.

A scenario is a picklable dict, so workers can be forked without sharing state:
    {"method": "POST", "path": "/api/v1/cases", "body": b"...",
     "headers": {"Authorization": "Bearer ..."}, "idempotency": True}
or, to spread requests, a list of such dicts under "requests" (each worker starts at its own
offset and cycles). With "idempotency": True each request gets a fresh Idempotency-Key. With
"partition": True worker i sends only requests[i::concurrency], in order (one-time requests such
as e-ID codes: no two workers send the same one; make the list long enough for the run).
"""

from __future__ import annotations

import http.client
import multiprocessing as mp
import os
import statistics
import time
import uuid
from array import array
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    name: str
    concurrency: int
    duration: float
    requests: int
    errors: int
    throughput: float  # successful requests per second
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    error_samples: list[str]

    def as_dict(self) -> dict:
        return asdict(self)


def _percentile(sorted_values, q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def _worker(
    index: int,
    base_url: str,
    scenario: dict,
    start_at: float,
    warm_until: float,
    stop_at: float,
    out,
    concurrency: int = 1,
) -> None:
    parts = urlsplit(base_url)
    prefix = parts.path.rstrip("/")
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
    requests = scenario.get("requests") or [scenario]
    if scenario.get("partition"):
        requests = requests[index::concurrency] or requests
        position = 0
    else:
        position = index * 7919 % len(requests)
    latencies = array("d")
    errors = 0
    samples: list[str] = []
    seq = 0
    token = uuid.uuid4().hex
    while time.time() < start_at:
        time.sleep(0.001)
    while True:
        t0 = time.time()
        if t0 >= stop_at:
            break
        req = requests[position]
        position = (position + 1) % len(requests)
        headers = dict(req.get("headers") or {})
        body = req.get("body")
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        if req.get("idempotency") or scenario.get("idempotency"):
            seq += 1
            headers["Idempotency-Key"] = f"bench-{token}-{index}-{seq}"
        status = 0
        detail = ""
        try:
            conn.request(req.get("method", "GET"), prefix + req["path"], body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
            if not 200 <= status < 300:
                detail = f"{status} {data[:200]!r}"
        except (OSError, http.client.HTTPException) as exc:
            detail = f"{type(exc).__name__}: {exc}"
            conn.close()
        elapsed = time.time() - t0
        if t0 >= warm_until:
            if detail:
                errors += 1
                if len(samples) < 3:
                    samples.append(detail)
            else:
                latencies.append(elapsed)
    conn.close()
    out.put((latencies.tobytes(), errors, samples))


def run_load(
    *,
    name: str,
    base_url: str,
    scenario: dict,
    concurrency: int = 8,
    duration: float = 15.0,
    warmup: float = 3.0,
) -> LoadResult:
    """Drive `scenario` against `base_url` with `concurrency` processes; return the measurements."""
    ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
    out = ctx.Queue()
    start_at = time.time() + 0.3
    warm_until = start_at + warmup
    stop_at = warm_until + duration
    procs = [
        ctx.Process(
            target=_worker,
            args=(i, base_url, scenario, start_at, warm_until, stop_at, out, concurrency),
            daemon=True,
        )
        for i in range(concurrency)
    ]
    for p in procs:
        p.start()
    latencies = array("d")
    errors = 0
    samples: list[str] = []
    for _ in procs:
        raw, errs, smp = out.get(timeout=warmup + duration + 120)
        chunk = array("d")
        chunk.frombytes(raw)
        latencies.extend(chunk)
        errors += errs
        samples.extend(smp)
    for p in procs:
        p.join(timeout=10)
    ordered = sorted(latencies)
    ms = [v * 1000 for v in ordered]
    return LoadResult(
        name=name,
        concurrency=concurrency,
        duration=duration,
        requests=len(ms) + errors,
        errors=errors,
        throughput=len(ms) / duration,
        p50_ms=statistics.median(ms) if ms else float("nan"),
        p90_ms=_percentile(ms, 0.90),
        p99_ms=_percentile(ms, 0.99),
        max_ms=ms[-1] if ms else float("nan"),
        error_samples=samples[:5],
    )
