"""Property-based fuzzing of the API from its own OpenAPI (schemathesis): every operation, a
bounded number of generated requests each, as anonymous, a citizen and a clerk — no response
may be a server error (issue 22, "checks that keep them closed")."""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from yiwang.accounts.services import api_token_issue

MAX_EXAMPLES = 5  # per operation; each example is sent as all three roles
SKIP = re.compile(r"/events$")  # event streams answer text/event-stream and never end


@pytest.fixture
def wsgi_schema(db):
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    application = get_wsgi_application()

    # as Django's test client does: the test's transaction outlives each request
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_no_operation_answers_a_server_error(wsgi_schema, world):
    roles = {
        "anonymous": {},
        "citizen": {"Authorization": f"Bearer {api_token_issue(user=world.citizen)[0]}"},
        "clerk": {"Authorization": f"Bearer {api_token_issue(user=world.clerk)[0]}"},
    }
    failures: list[tuple] = []
    operations = 0
    for result in wsgi_schema.get_all_operations():
        operation = result.ok()
        if SKIP.search(operation.path):
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def send(case):
            for role, headers in roles.items():
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(
                        (role, case.method, case.formatted_path, response.status_code, response.text[:200])
                    )

        send()
    assert operations > 40
    assert failures == []
