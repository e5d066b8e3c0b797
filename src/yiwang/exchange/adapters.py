"""Provider adapters: where the gateway reads a resource's data.

- local registers (`RegisterRecord`): real tables in this database, the subject found by its keyed
  lookup hash, sensitive values encrypted with the key service (bound to resource and element);
- HTTP systems of departments or provincial/national vertical systems: a signed POST (RFC 9421)
  to `<base_url>/query`, a per-attempt timeout, retries with exponential backoff on timeouts,
  connection errors and 5xx, a response size limit (an oversized answer is refused whole), a
  signed response (a wrong signature is refused whole), and a circuit breaker whose state lives
  in the database (`CircuitBreaker`), so every process sees the same open circuit.

Settings (environment, read at call time): YIWANG_EXCHANGE_RETRIES (2), YIWANG_EXCHANGE_BACKOFF
(0.2 s, doubled each retry), YIWANG_EXCHANGE_MAX_RESPONSE (262144 bytes),
YIWANG_EXCHANGE_BREAKER_FAILURES (5 failed queries open the circuit), YIWANG_EXCHANGE_BREAKER_SECONDS
(30 s before one trial call).
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import time
import urllib.parse
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from yiwang.core import keys

from . import httpsig
from .models import CircuitBreaker, DataResource, ExternalSystem, RegisterRecord

log = logging.getLogger("yiwang.exchange")


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def retries() -> int:
    return int(_env_float("YIWANG_EXCHANGE_RETRIES", 2))


def backoff() -> float:
    return _env_float("YIWANG_EXCHANGE_BACKOFF", 0.2)


def max_response() -> int:
    return int(_env_float("YIWANG_EXCHANGE_MAX_RESPONSE", 256 * 1024))


def breaker_threshold() -> int:
    return int(_env_float("YIWANG_EXCHANGE_BREAKER_FAILURES", 5))


def breaker_seconds() -> float:
    return _env_float("YIWANG_EXCHANGE_BREAKER_SECONDS", 30)


class ProviderError(Exception):
    """The provider could not answer. `code` is the machine reason, `message` the Chinese one."""

    MESSAGES = {
        "provider_timeout": "数据提供部门系统响应超时，请稍后再试",
        "provider_unavailable": "数据提供部门系统暂时无法访问，请稍后再试",
        "provider_error": "数据提供部门系统返回错误",
        "provider_bad_response": "数据提供部门系统返回的内容无法识别",
        "provider_signature_invalid": "数据提供部门系统的应答签名无效，已拒收",
        "provider_response_too_large": "数据提供部门系统的应答超过允许大小，已拒收",
        "circuit_open": "数据提供部门系统连续故障，已暂停调用，请稍后再试",
        "provider_not_configured": "该数据资源未配置提供系统",
    }
    RETRYABLE = {"provider_timeout", "provider_unavailable", "provider_error"}

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code} {detail}".strip())
        self.code = code
        self.message = self.MESSAGES.get(code, "数据提供部门系统故障")


# --- local registers ----------------------------------------------------------------------------
def _context(resource_code: str, element: str) -> str:
    return f"exchange:{resource_code}:{element}"


def register_encode(*, resource: DataResource, values: dict, sensitive: set[str]) -> dict:
    return {
        k: keys.encrypt(str(v), context=_context(resource.code, k))
        if k in sensitive and v not in (None, "")
        else v
        for k, v in values.items()
    }


def register_read(*, resource: DataResource, subject_hash: str, elements: list[str]) -> dict | None:
    """The subject's row (one plain SELECT on the unique (resource, subject_hash) index; the ORM's
    query building cost more than the read), sensitive values decrypted."""
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {q('values')} FROM {q(RegisterRecord._meta.db_table)} "  # noqa: S608
            f"WHERE {q('resource_id')} = %s AND {q('subject_hash')} = %s",
            [resource.pk, subject_hash],
        )
        row = cur.fetchone()
    if row is None:
        return None
    values = json.loads(row[0]) if isinstance(row[0], (str, bytes)) else row[0]
    out = {}
    for code in elements:
        if code in values:
            value = values[code]
            out[code] = (
                keys.decrypt(value, context=_context(resource.code, code))
                if keys.is_encrypted(value)
                else value
            )
    return out


# --- circuit breaker ----------------------------------------------------------------------------
def breaker_name(system: ExternalSystem) -> str:
    return f"system:{system.pk}"


def breaker_enter(name: str) -> None:
    """Raise `circuit_open` while the circuit is open. Once the open period is over, exactly one
    caller (a conditional UPDATE, across processes) gets the trial call; the others wait."""
    now = timezone.now()
    row = CircuitBreaker.objects.filter(name=name).values("failures", "opened_until").first()
    if row is None or row["opened_until"] is None:
        return
    if row["opened_until"] > now:
        raise ProviderError("circuit_open", name)
    claimed = CircuitBreaker.objects.filter(name=name, opened_until__lte=now).update(
        opened_until=now + timedelta(seconds=breaker_seconds())
    )
    if not claimed:
        raise ProviderError("circuit_open", name)


def breaker_success(name: str) -> None:
    CircuitBreaker.objects.filter(name=name).exclude(failures=0, opened_until=None).update(
        failures=0, opened_until=None
    )


def breaker_failure(name: str) -> None:
    if not CircuitBreaker.objects.filter(name=name).exists():
        try:
            with transaction.atomic():
                CircuitBreaker.objects.create(name=name)
        except IntegrityError:
            pass
    CircuitBreaker.objects.filter(name=name).update(failures=F("failures") + 1)
    opened = CircuitBreaker.objects.filter(name=name, failures__gte=breaker_threshold()).update(
        opened_until=timezone.now() + timedelta(seconds=breaker_seconds())
    )
    if opened:
        log.warning("exchange circuit %s open", name)


# --- HTTP providers -----------------------------------------------------------------------------
def _system_public_key(system: ExternalSystem):
    def resolve(key_id: str):
        if key_id != system.key_id:
            return None
        return Ed25519PublicKey.from_public_bytes(bytes(system.public_key))

    return resolve


def _once(system: ExternalSystem, url: str, body: bytes) -> dict:
    key_id, private_key = httpsig.own_signing_key()
    headers = httpsig.sign_request(method="POST", url=url, body=body, key_id=key_id, private_key=private_key)
    parts = urllib.parse.urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(parts.hostname, parts.port, timeout=system.timeout_seconds)
    limit = max_response()
    try:
        conn.request(
            "POST", parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers
        )
        resp = conn.getresponse()
        length = resp.getheader("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            raise ProviderError("provider_response_too_large", length)
        data = resp.read(limit + 1)
        if len(data) > limit:
            raise ProviderError("provider_response_too_large", f">{limit}")
        status, resp_headers = resp.status, resp.getheaders()
    except TimeoutError as exc:
        raise ProviderError("provider_timeout", str(exc)) from exc
    except (ConnectionError, OSError, http.client.HTTPException) as exc:
        raise ProviderError("provider_unavailable", type(exc).__name__) from exc
    finally:
        conn.close()
    if status >= 500:
        raise ProviderError("provider_error", str(status))
    try:
        httpsig.verify_response(
            status=status, headers=resp_headers, body=data, public=_system_public_key(system)
        )
    except httpsig.SignatureError as exc:
        raise ProviderError("provider_signature_invalid", exc.code) from exc
    if status != 200:
        raise ProviderError("provider_bad_response", str(status))
    try:
        answer = json.loads(data)
    except ValueError as exc:
        raise ProviderError("provider_bad_response", "json") from exc
    if not isinstance(answer, dict):
        raise ProviderError("provider_bad_response", "shape")
    return answer


def http_read(
    *,
    resource: DataResource,
    subject: dict,
    elements: list[str],
    purpose: str,
    consumer_uscc: str,
    request_id: str,
) -> dict | None:
    """Ask the resource's system; returns the element values, or None when the subject is unknown
    there. Raises ProviderError after the retries are spent (or at once for a bad signature or an
    oversized answer, which retrying would not cure)."""
    system = resource.system
    if system is None or not system.base_url or not system.active:
        raise ProviderError("provider_not_configured", resource.code)
    name = breaker_name(system)
    breaker_enter(name)
    url = system.base_url.rstrip("/") + "/query"
    body = json.dumps(
        {
            "request_id": request_id,
            "resource": resource.code,
            "subject": subject,
            "elements": elements,
            "purpose": purpose,
            "consumer": consumer_uscc,
        },
        ensure_ascii=False,
    ).encode()
    attempts = 1 + max(retries(), 0)
    last: ProviderError | None = None
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff() * (2 ** (attempt - 1)))
        try:
            answer = _once(system, url, body)
        except ProviderError as exc:
            last = exc
            log.info("exchange provider %s attempt %d: %s", system.pk, attempt + 1, exc.code)
            if exc.code not in ProviderError.RETRYABLE:
                break
            continue
        if answer.get("request_id") != request_id:
            last = ProviderError("provider_bad_response", "request_id")
            break
        breaker_success(name)
        if not answer.get("found"):
            return None
        data = answer.get("data")
        if not isinstance(data, dict):
            raise ProviderError("provider_bad_response", "data")
        return {k: data[k] for k in elements if k in data}
    assert last is not None
    breaker_failure(name)
    raise last


def public_key_b64(system: ExternalSystem) -> str:
    return base64.b64encode(bytes(system.public_key)).decode()
