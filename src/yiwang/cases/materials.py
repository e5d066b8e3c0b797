"""Uploaded materials: content sniffing (PDF, JPEG, PNG, OFD) and size limits."""

from __future__ import annotations

import hashlib
import io
import zipfile

import filetype
from django.conf import settings

from yiwang.core.errors import ValidationFailed

ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "application/ofd": "ofd"}


def sniff(data: bytes) -> str | None:
    """The real content type of an upload, whatever its name or declared type says."""
    kind = filetype.guess(data[:8192])
    if kind is not None and kind.mime in ("application/pdf", "image/jpeg", "image/png"):
        return kind.mime
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                if "OFD.xml" in zf.namelist():
                    return "application/ofd"
        except zipfile.BadZipFile:
            return None
    return None


def check_size(*, field: str, size: int) -> None:
    if size > settings.UPLOAD_MAX_BYTES:
        limit_mb = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        raise ValidationFailed(fields={field: [f"文件超过{limit_mb}MB大小限制"]})


def check_upload(*, field: str, name: str, data: bytes) -> tuple[str, str]:
    """Returns (content type, sha256) or raises 422 naming the field."""
    if not data:
        raise ValidationFailed(fields={field: ["文件为空"]})
    check_size(field=field, size=len(data))
    content_type = sniff(data)
    if content_type is None:
        raise ValidationFailed(fields={field: ["文件类型不支持，仅接受PDF、JPEG、PNG或OFD文件"]})
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    expected = ALLOWED[content_type]
    if ext and ext not in (expected, "jpeg" if expected == "jpg" else expected):
        raise ValidationFailed(fields={field: [f"文件内容与扩展名不符（实际为{expected.upper()}）"]})
    return content_type, hashlib.sha256(data).hexdigest()
