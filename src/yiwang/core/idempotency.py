"""`Idempotency-Key` for create requests (API.md): the same key and body return the first answer,
never a second object. The record is written in the same transaction as the object it creates, so
a crash leaves neither; a concurrent duplicate waits on the unique index and then replays."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction

from .errors import Conflict, ValidationFailed
from .models import IdempotencyRecord


def _body_hash(body: object) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def run_idempotent(
    *, owner: str, key: str | None, scope: str, body: object, handler: Callable[[], tuple[int, dict]]
) -> tuple[int, dict]:
    if not key:
        return handler()
    if len(key) > 255:
        raise ValidationFailed(fields={"Idempotency-Key": ["幂等键过长（最多255个字符）"]})
    digest = _body_hash(body)
    for _ in range(2):
        # The record first (the common case: a new key, no read before it); a key already used
        # fails the unique index — after the other request's commit, if it is still running.
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner_key=owner, scope=scope, key=key, request_hash=digest
                )
                status, response = handler()
                record.status_code, record.response = status, response
                record.save(update_fields=["status_code", "response"])
                return status, response
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(owner_key=owner, scope=scope, key=key).first()
        if existing is not None:
            if existing.request_hash != digest:
                raise Conflict("该幂等键已用于内容不同的请求", code="idempotency_key_reused")
            if existing.status_code is not None:
                return existing.status_code, existing.response  # replay the first answer
    raise Conflict("同一幂等键的请求正在处理，请稍后重试", code="idempotency_in_progress")
