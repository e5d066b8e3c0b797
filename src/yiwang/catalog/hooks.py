"""Hooks the catalogue offers to higher apps (docs/architecture.md, "Hooks")."""

from __future__ import annotations

from typing import Protocol

from yiwang.core.hooks import Hook


class ProvinceRequestSigner(Protocol):
    """Headers that sign a request to the provincial item library (catalog/province.py)."""

    def __call__(self, *, method: str, url: str, body: bytes) -> dict[str, str]: ...


# `exchange` registers its RFC 9421 signer (the platform's HTTP-signature key) in ready().
province_request_signer: Hook[ProvinceRequestSigner] = Hook("catalog.province_request_signer")


class ProvinceAnswerVerifier(Protocol):
    """Checks an answer of the provincial item library (catalog/province.py) before it is read:
    returns "" when it may be read, else why not (an error code such as `signature_missing`,
    `signature_invalid`, `unknown_key`); the catalogue then refuses the answer and the sync record
    keeps the reason."""

    def __call__(self, *, status: int, headers: list[tuple[str, str]], body: bytes) -> str: ...


# `docking` registers the check of the province's RFC 9421 answer signature against
# YIWANG_PROVINCE_PUBLIC_KEY (the key the licence and reporting wire verifies with) in ready().
province_answer_verifier: Hook[ProvinceAnswerVerifier] = Hook("catalog.province_answer_verifier")
