import pytest
from django.db import transaction

from yiwang.ledger import services


@pytest.fixture
def append():
    """Append one entry in its own transaction, as a caller's change would."""

    def _append(kind="sample.accepted", subject_id="case-1", payload=None, **kw):
        with transaction.atomic():
            return services.entry_append(
                kind=kind,
                subject=services.subject_commitment(salt=b"s" * 16, subject_id=subject_id),
                payload=payload if payload is not None else {"status": "accepted"},
                **kw,
            )

    return _append
