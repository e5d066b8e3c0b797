"""A case's form as stored: the sensitive elements (catalog's element registry) encrypted with
the field-encryption key (core.keys), everything else as typed. Writes protect, reads reveal."""

from __future__ import annotations

from yiwang.catalog import selectors as catalog
from yiwang.core import keys


def form_protect(form: dict) -> dict:
    """Encrypt the sensitive elements of a form for storage."""
    sensitive = catalog.sensitive_element_ids(form.keys())
    return {
        k: (keys.encrypt(str(v), context=k) if k in sensitive and v not in (None, "") else v)
        for k, v in form.items()
    }


def form_reveal(stored: dict) -> dict:
    """Decrypt the sensitive elements (only those: a plain value that merely looks like a token
    stays what it is)."""
    sensitive = catalog.sensitive_element_ids(stored.keys())
    return {
        k: (keys.decrypt(v, context=k) if k in sensitive and keys.is_encrypted(v) else v)
        for k, v in stored.items()
    }
