"""The wire to the provincial platform (licence library and data reporting): JSON over HTTP,
requests signed with RFC 9421 HTTP Message Signatures and Content-Digest (exchange.httpsig, the
key service's HTTP-signature key, key id `<city code>:yiwang-http-v<version>`), answers verified
against the province's Ed25519 key (`YIWANG_PROVINCE_KEY_ID` / `YIWANG_PROVINCE_PUBLIC_KEY`).

Every call is recorded (`ProvinceExchange`: kind, path, subject, status, outcome, error code,
duration, SHA-256 of both bodies) whatever happens, and raises `ProvinceError` unless the answer
is a signed 2xx JSON object no larger than `YIWANG_PROVINCE_MAX_ANSWER_BYTES`, received within
`YIWANG_PROVINCE_TIMEOUT` seconds in all. `ProvinceError.retryable` says whether trying again may
help (unreachable, slow, 5xx/429, a bad signature or a malformed answer: a proxy or a fault on
the way) or not (a signed 4xx refusal)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from yiwang.exchange import httpsig

from .models import ExchangeOutcome, ProvinceExchange

log = logging.getLogger("yiwang.docking")

ERRORS = {
    "not_configured": "未配置省级平台地址",
    "unreachable": "省级平台无法连接",
    "timeout": "省级平台应答超时",
    "oversized": "省级平台应答过大，已拒收",
    "server_error": "省级平台暂时故障",
    "throttled": "省级平台限流",
    "signature_invalid": "省级平台应答签名无效",
    "malformed": "省级平台应答格式有误",
    "refused": "省级平台拒收",
}


class ProvinceError(Exception):
    """A call that did not succeed. `code` (ERRORS), `retryable`, the exchange record. The text
    is shown to operators: no personal data in it."""

    def __init__(self, code: str, *, retryable: bool, detail: str = "", exchange=None):
        self.code = code
        self.retryable = retryable
        self.exchange = exchange
        super().__init__(f"{ERRORS.get(code, code)}{'：' + detail if detail else ''}")


@dataclass
class Answer:
    status: int
    data: dict
    exchange: ProvinceExchange


def configured() -> bool:
    return bool(settings.YIWANG_PROVINCE_URL)


def own_key() -> tuple[str, object]:
    key_id, private = httpsig.own_signing_key()
    return f"{settings.YIWANG_CITY}:{key_id}", private


def province_public_key(key_id: str) -> Ed25519PublicKey | None:
    if key_id != settings.YIWANG_PROVINCE_KEY_ID or not settings.YIWANG_PROVINCE_PUBLIC_KEY:
        return None
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(settings.YIWANG_PROVINCE_PUBLIC_KEY))
    except (ValueError, binascii.Error):
        return None


def item_library_answer_verify(*, status: int, headers: list[tuple[str, str]], body: bytes) -> str:
    """The `catalog.province_answer_verifier` (事项认领): an answer of the provincial item library
    must carry the province's RFC 9421 signature (key `YIWANG_PROVINCE_KEY_ID`, Content-Digest of
    the body) once `YIWANG_PROVINCE_PUBLIC_KEY` is configured; without a key the catalogue reads
    the answers unverified, as before. Returns "" or the SignatureError code."""
    if not settings.YIWANG_PROVINCE_PUBLIC_KEY:
        return ""
    try:
        httpsig.verify_response(status=status, headers=headers, body=body, public=province_public_key)
    except httpsig.SignatureError as exc:
        return exc.code
    return ""


def dumps(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest() if body else ""


def _read(response, *, limit: int, deadline: float) -> bytes:
    """The body, at most `limit` bytes, within the overall deadline (a server that trickles
    bytes slowly is cut off as surely as one that says nothing)."""
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        raise ProvinceError("oversized", retryable=True)
    chunks, size = [], 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ProvinceError("timeout", retryable=True)
        sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
        if sock is not None:
            sock.settimeout(max(0.05, left))
        chunk = response.read1(min(65536, limit + 1 - size)) if hasattr(response, "read1") else b""
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise ProvinceError("oversized", retryable=True)
    return b"".join(chunks)


def call(
    *,
    kind: str,
    path: str,
    payload: dict,
    subject: str = "",
    idempotency_key: str = "",
    message_id: int | None = None,
    attempt: int = 1,
    timeout: float | None = None,
    requester=None,
    purpose: str = "",
    basis: str = "",
) -> Answer:
    """POST `payload` to the province's `path`, signed; returns the verified answer or raises
    ProvinceError. Records the exchange either way (in the caller's transaction if any)."""
    started = time.monotonic()
    body = dumps(payload)
    record = ProvinceExchange(
        kind=kind,
        at=timezone.now(),
        path=path[:200],
        subject=subject[:120],
        idempotency_key=idempotency_key[:200],
        message_id=message_id,
        attempt=attempt,
        request_sha256=_sha(body),
        requester=requester,
        purpose=purpose[:200],
        basis=basis[:20],
    )

    def finish(outcome: str, *, status=None, code="", detail="", answer=b""):
        record.duration_ms = int((time.monotonic() - started) * 1000)
        record.http_status = status
        record.outcome = outcome
        record.error_code = code
        record.error = (ERRORS.get(code, code) + (f"：{detail}" if detail else ""))[:300] if code else ""
        record.response_sha256 = _sha(answer)
        record.save()
        log.info(
            "province %s %s subject_len=%s status=%s outcome=%s code=%s ms=%s",
            kind,
            path,
            len(subject),
            status,
            outcome,
            code,
            record.duration_ms,
        )
        return record

    def fail(code: str, *, retryable: bool, status=None, detail="", answer=b""):
        if kind == "license_lookup":  # a look-up is not retried: the applicant uploads instead
            outcome = ExchangeOutcome.FAILED
        else:
            outcome = ExchangeOutcome.RETRY if retryable else ExchangeOutcome.REFUSED
        rec = finish(
            outcome,
            status=status,
            code=code,
            detail=detail,
            answer=answer,
        )
        return ProvinceError(code, retryable=retryable, detail=detail, exchange=rec)

    base = settings.YIWANG_PROVINCE_URL.rstrip("/")
    if not base:
        raise fail("not_configured", retryable=True)
    url = base + path
    if not url.startswith(("http://", "https://")):
        raise fail("not_configured", retryable=False, detail="地址须为 http(s)")
    limit = int(settings.YIWANG_PROVINCE_MAX_ANSWER_BYTES)
    total = (
        min(float(settings.YIWANG_PROVINCE_TIMEOUT), timeout)
        if timeout
        else float(settings.YIWANG_PROVINCE_TIMEOUT)
    )
    deadline = started + max(0.1, total)
    key_id, private = own_key()
    headers = httpsig.sign_request(method="POST", url=url, body=body, key_id=key_id, private_key=private)
    headers["Accept"] = "application/json"
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - http(s) only
    try:
        try:
            response = urllib.request.urlopen(req, timeout=max(0.05, deadline - time.monotonic()))  # noqa: S310
        except urllib.error.HTTPError as e:
            response = e
        with response:
            status = response.status if hasattr(response, "status") else response.code
            answer_headers = dict(response.headers.items())
            answer = _read(response, limit=limit, deadline=deadline)
    except ProvinceError as exc:
        raise fail(exc.code, retryable=True) from exc
    except TimeoutError as exc:
        raise fail("timeout", retryable=True) from exc
    except (OSError, ValueError, urllib.error.URLError) as exc:
        if isinstance(getattr(exc, "reason", None), TimeoutError):
            raise fail("timeout", retryable=True) from exc
        raise fail("unreachable", retryable=True, detail=type(exc).__name__) from exc
    if status >= 500:
        raise fail("server_error", retryable=True, status=status, answer=answer)
    if status == 429:
        raise fail("throttled", retryable=True, status=status, answer=answer)
    try:
        httpsig.verify_response(
            status=status, headers=answer_headers.items(), body=answer, public=province_public_key
        )
    except httpsig.SignatureError as exc:
        raise fail(
            "signature_invalid", retryable=True, status=status, detail=exc.code, answer=answer
        ) from exc
    try:
        data = json.loads(answer.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise fail("malformed", retryable=True, status=status, answer=answer) from exc
    if not isinstance(data, dict):
        raise fail("malformed", retryable=True, status=status, answer=answer)
    if not 200 <= status < 300:
        code = str(data.get("code") or "")[:40]
        raise fail("refused", retryable=False, status=status, detail=code, answer=answer)
    rec = finish(ExchangeOutcome.OK, status=status, answer=answer)
    return Answer(status=status, data=data, exchange=rec)
