"""Ledger API (mounted at /api/v1/ledger): public checkpoints, proofs, entries, receipt checks,
and the C2SP tlog-witness endpoint for other logs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from yiwang.core import keys
from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.core.models import KeyPurpose

from . import note, selectors, services

router = Router(tags=["全程留痕"])
MAX_ENTRIES = 1000


def _text(body: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> HttpResponse:
    return HttpResponse(body.encode(), status=status, content_type=content_type)


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("请求参数有误", fields={field: [message]})


@router.get("/checkpoint", auth=None, summary="最新检查点（C2SP signed note）")
def checkpoint(request: HttpRequest):
    cp = selectors.latest_checkpoint()
    if cp is None:
        raise NotFound("日志尚无检查点", code="no_checkpoint")
    return _text(selectors.checkpoint_with_cosignatures(cp))


@router.get("/key", auth=None, summary="日志验证公钥（signed-note verifier key）")
def key(request: HttpRequest):
    km = keys.active_key(KeyPurpose.LEDGER_CHECKPOINT)
    return _text(note.verifier_key(services.origin(), km.public) + "\n")


class InclusionOut(Schema):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str]


@router.get("/proofs/inclusion", auth=None, response=InclusionOut, summary="包含性证明")
def proof_inclusion(request: HttpRequest, index: int, size: int):
    current = selectors.tree_size()
    if not 0 < size <= current:
        raise _bad("size", f"树大小应在 1 至 {current} 之间")
    if not 0 <= index < size:
        raise _bad("index", "条目序号应小于树大小")
    return {
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": note.b64(selectors.leaf_hash_at(index=index) or b""),
        "hashes": [note.b64(h) for h in selectors.proof_inclusion(index=index, size=size)],
    }


class ConsistencyOut(Schema):
    old_size: int
    new_size: int
    hashes: list[str]


@router.get("/proofs/consistency", auth=None, response=ConsistencyOut, summary="一致性证明")
def proof_consistency(request: HttpRequest, old: int, new: int):
    current = selectors.tree_size()
    if not 0 <= new <= current:
        raise _bad("new", f"新树大小应在 0 至 {current} 之间")
    if not 0 <= old <= new:
        raise _bad("old", "旧树大小不能大于新树大小")
    hashes = selectors.proof_consistency(old=old, new=new)
    return {"old_size": old, "new_size": new, "hashes": [note.b64(h) for h in hashes]}


class EntryOut(Schema):
    index: int
    leaf_hash: str
    entry: str


class EntriesOut(Schema):
    items: list[EntryOut]


@router.get("/entries", auth=None, response=EntriesOut, summary="条目（end 不含）")
def entries(request: HttpRequest, start: int, end: int):
    if start < 0:
        raise _bad("start", "起始序号不能为负")
    if end <= start or end - start > MAX_ENTRIES:
        raise _bad("end", f"end 应大于 start，且一次最多 {MAX_ENTRIES} 条")
    rows = selectors.entries_range(start=start, end=end)
    return {
        "items": [
            {
                "index": r["index"],
                "leaf_hash": note.b64(bytes(r["leaf_hash"])),
                "entry": note.b64(bytes(r["entry"])),
            }
            for r in rows
        ]
    }


class ReceiptIn(Schema):
    index: int
    checkpoint: str
    hashes: list[str] = []
    tree_size: int | None = None
    entry: str | None = None
    leaf_hash: str | None = None


class VerifyOut(Schema):
    valid: bool
    code: str
    message: str
    key_version: int | None = None
    tree_size: int | None = None
    witnesses: list[str] = []
    witnessed: bool = False


@router.post("/verify-receipt", auth=None, response=VerifyOut, summary="核验存证回执")
def verify_receipt(request: HttpRequest, body: ReceiptIn):
    if body.entry is None and body.leaf_hash is None:
        raise _bad("entry", "需提供 entry 或 leaf_hash")
    return services.receipt_check(receipt=body.dict())


@router.get("/witness/key", auth=None, summary="本实例作为见证方的联署验证公钥（cosignature/v1）")
def witness_key(request: HttpRequest):
    return _text(services.witness_key() + "\n")


@router.post("/witness/add-checkpoint", auth=None, summary="C2SP tlog-witness：为其他日志联署检查点")
def witness_add_checkpoint(request: HttpRequest):
    try:
        line = services.witness_add_checkpoint(body=request.body)
    except services.WitnessError as exc:
        if exc.status == 409 and exc.size is not None:
            return _text(f"{exc.size}\n", status=409, content_type="text/x.tlog.size")
        error = DomainError(exc.message, code=exc.code)  # the API's error body, with the witness's status
        error.status = exc.status
        raise error from exc
    return _text(line)
