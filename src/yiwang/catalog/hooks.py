"""Hooks the catalogue offers to higher apps (docs/architecture.md, "Hooks")."""

from __future__ import annotations

from typing import Protocol

from yiwang.core.hooks import Hook


class ProvinceRequestSigner(Protocol):
    """Headers that sign a request to the provincial item library (catalog/province.py)."""

    def __call__(self, *, method: str, url: str, body: bytes) -> dict[str, str]: ...


# `exchange` registers its RFC 9421 signer (the platform's HTTP-signature key) in ready().
province_request_signer: Hook[ProvinceRequestSigner] = Hook("catalog.province_request_signer")
