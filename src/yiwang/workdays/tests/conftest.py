import pytest

from yiwang.workdays import selectors


@pytest.fixture(autouse=True)
def _fresh_memo():
    """Each test starts like a fresh process (the shared cache lives in the test database)."""
    selectors.clear_local_memo()
    yield
    selectors.clear_local_memo()
