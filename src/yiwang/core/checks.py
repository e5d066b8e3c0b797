"""Deployment check (`yiwang check --deploy`): settings that must be the same on every machine of
a multi-server installation (docs/operations.md, "Production").

In embedded mode the Django secret key and the master key are generated once under YIWANG_HOME;
on several web machines each would generate its own, and a session, CSRF token or signed value
made on one would be refused by the others (and keys wrapped by one would not unwrap on another).
So with a server database (DATABASE_URL) both must come from the environment."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, Tags, register


def shared_secret_problems(environ=None, engine: str | None = None) -> list[str]:
    environ = os.environ if environ is None else environ
    engine = engine or settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        return []  # embedded mode: one machine
    problems = []
    if not environ.get("DJANGO_SECRET_KEY"):
        problems.append(
            "DJANGO_SECRET_KEY is not set: each web machine would generate its own under YIWANG_HOME "
            "and refuse the sessions and CSRF tokens of the others"
        )
    if not environ.get("YIWANG_MASTER_KEY"):
        problems.append(
            "YIWANG_MASTER_KEY is not set: each machine would generate its own master key under "
            "YIWANG_HOME and could not unwrap the keys another one stored"
        )
    return problems


@register(Tags.security, deploy=True)
def shared_secrets(app_configs, **kwargs) -> list[Error]:
    return [Error(p, id="core.E101") for p in shared_secret_problems()]
