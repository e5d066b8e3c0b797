"""Suite-wide fixtures. Tests run on SQLite by default and on PostgreSQL when DATABASE_URL is set,
at the machine's date or at any other (`--at=YYYY-MM-DD` / YIWANG_TEST_AT: yiwang/testclock.py).
The shared fixtures (`world`, `api`, `browser`, `page`, `axe`, …) live in yiwang.testsupport."""

import pytest

pytest_plugins = ["yiwang.testclock", "yiwang.testsupport.fixtures"]


@pytest.fixture(autouse=True)
def _fast_and_eager():
    from yiwang.core.testing import fast_and_eager

    with fast_and_eager():
        yield


@pytest.fixture(autouse=True)
def _fresh_process_memos():
    """Each test starts like a fresh process: no memoised keys, registry, calendar or search index."""
    from yiwang.catalog import selectors as catalog
    from yiwang.core import keys
    from yiwang.knowledge import index as knowledge_index
    from yiwang.workdays import selectors as workdays

    def clear():
        keys.clear_cache()
        catalog._memo = None
        workdays.clear_local_memo()
        knowledge_index.forget()  # the search index's copy (each test database has its own row)

    clear()
    yield
    clear()
