import pytest

from yiwang.workdays import selectors


@pytest.fixture(autouse=True)
def _fresh_memo():
    """Each test starts like a fresh process (the shared cache lives in the test database)."""
    selectors.clear_local_memo()
    yield
    selectors.clear_local_memo()


@pytest.fixture
def case_services(monkeypatch):
    """`yiwang.cases.services`: the unit tests here record calls to its recompute hook;
    test_integration_cases.py runs the real one."""
    import yiwang.cases.services as module

    return module


@pytest.fixture
def recompute_calls(monkeypatch, case_services):
    """Replace cases' recompute with a recorder."""
    calls: list[dict] = []

    def fake(*, years, reason, **kwargs):
        calls.append({"years": set(years), "reason": reason})
        return 3

    monkeypatch.setattr(case_services, "cases_recompute_due_dates", fake, raising=False)
    return calls
