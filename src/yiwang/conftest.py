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
        catalog.item_version_memo_clear()
        workdays.clear_local_memo()
        knowledge_index.forget()  # the search index's copy (each test database has its own row)

    clear()
    yield
    clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After the worker's last test, before its test database is dropped: end the sessions still
    on it. A browser test's connection can outlive the code that opened it (opened in another
    context than the one that closes connections), and PostgreSQL then refuses to drop the database
    ("is being accessed by other users") and leaves it behind. Nothing runs after this point."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    import psycopg

    db = connection.settings_dict
    connection.close()
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with django_db_blocker.unblock(), psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [db["NAME"]],
        )
