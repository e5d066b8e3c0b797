"""Suite-wide fixtures. Tests run on SQLite by default and on PostgreSQL when DATABASE_URL is set."""

import pytest


@pytest.fixture(autouse=True)
def _fast_and_eager(settings):
    # Argon2 is the production hasher (tested in accounts); tests use a fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from yiwang.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    from yiwang.core import keys

    keys.clear_cache()
    yield
    keys.clear_cache()
