"""The whole demo (`make demo`'s data) loaded once per test module that asks for it, instead of once
per test: a load takes 15–50 s, and the modules below ask for it a dozen times."""

from __future__ import annotations

import pytest
from django.db import transaction

from yiwang.core.testing import fast_and_eager
from yiwang.demo.services import demo_load


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The demo loaded inside a transaction that is rolled back after the module's last test; each
    test runs in a savepoint within it (the `db` fixture), so a test's own writes are undone as
    usual. Only for modules whose tests all use `db`: a transactional test (`transaction=True`,
    `live_server`) would run inside this transaction."""
    with django_db_blocker.unblock(), fast_and_eager():
        outer = transaction.atomic()
        outer.__enter__()
        try:  # (a failed load is rolled back the same way)
            yield demo_load(password="demo-pass-1234")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
