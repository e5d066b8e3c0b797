from contextlib import ExitStack

import pytest

from yiwang.workdays import hooks, selectors


@pytest.fixture(autouse=True)
def _fresh_memo():
    """Each test starts like a fresh process (the shared cache lives in the test database)."""
    selectors.clear_local_memo()
    yield
    selectors.clear_local_memo()


@pytest.fixture
def recompute_with():
    """Replace what cases registered in `hooks.due_dates_recompute` for one test: the unit tests
    here record calls to it; test_integration_cases.py runs the real one."""
    with ExitStack() as stack:
        yield lambda fn: stack.enter_context(hooks.due_dates_recompute.registered("cases", fn))


@pytest.fixture
def recompute_calls(recompute_with):
    """Replace cases' recompute with a recorder."""
    calls: list[dict] = []

    def fake(*, years, reason, **kwargs):
        calls.append({"years": set(years), "reason": reason})
        return 3

    recompute_with(fake)
    return calls
