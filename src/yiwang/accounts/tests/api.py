"""A test client speaking the API as one user (Bearer token), JSON in and out. It needs only
accounts, so every app at or above accounts may import it; the suite-wide `api` fixture
(testsupport) hands it out by name."""

from __future__ import annotations

from django.test import Client

from yiwang.accounts.services import api_token_issue


class Api:
    """A test client speaking the API as one user (Bearer token), JSON in and out."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            token, _ = api_token_issue(user=user)
            self.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path, body=None, headers=None):
        return self.client.post(
            path, body or {}, content_type="application/json", headers={**self.headers, **(headers or {})}
        )

    def put(self, path, body=None):
        return self.client.put(path, body or {}, content_type="application/json", headers=self.headers)
