"""`Idempotency-Key` for create requests (API.md): the same key and body return the first answer,
never a second object. The record is written in the same transaction as the object it creates, so
a crash leaves neither; a concurrent duplicate waits on the unique index and then replays."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction

from . import rawinsert
from .errors import Conflict, ValidationFailed
from .models import IdempotencyRecord


def _body_hash(body: object) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _answer_store(record: IdempotencyRecord, status: int, response: dict) -> None:
    """The first answer on the record: one plain UPDATE (on every keyed create request)."""
    q = connection.ops.quote_name
    fields = [IdempotencyRecord._meta.get_field(n) for n in ("status_code", "response")]
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {q(IdempotencyRecord._meta.db_table)} SET {q(fields[0].column)} = %s, "  # noqa: S608
            f"{q(fields[1].column)} = %s WHERE {q('id')} = %s",
            [f.get_db_prep_save(v, connection) for f, v in zip(fields, (status, response), strict=True)]
            + [record.pk],
        )
    record.status_code, record.response = status, response


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
                (record,) = rawinsert.insert(
                    [IdempotencyRecord(owner_key=owner, scope=scope, key=key, request_hash=digest)]
                )
                status, response = handler()
                _answer_store(record, status, response)
                return status, response
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(owner_key=owner, scope=scope, key=key).first()
        if existing is not None:
            if existing.request_hash != digest:
                raise Conflict("该幂等键已用于内容不同的请求", code="idempotency_key_reused")
            if existing.status_code is not None:
                return existing.status_code, existing.response  # replay the first answer
    raise Conflict("同一幂等键的请求正在处理，请稍后重试", code="idempotency_in_progress")
