from datetime import UTC, datetime

import pytest

from yiwang.identity import selectors

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # a fixed instant: tests pass `now`


@pytest.fixture(autouse=True)
def _fresh_identity_memo():
    selectors.clear_memo()
    yield
    selectors.clear_memo()
