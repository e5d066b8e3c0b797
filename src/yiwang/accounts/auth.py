"""API authentication: bearer tokens (API.md) and the web session (pages calling the API)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from . import services


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = services.api_token_user(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """Session cookie auth with CSRF enforced (ninja checks CSRF for cookie auth)."""


api_auth = [BearerToken(), Session()]
