"""Authentication: bearer tokens (API.md), the web session (pages calling the API), and the one
authentication backend every login door goes through (pages, API tokens, the admin)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
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


class ThrottledBackend(ModelBackend):
    """Django's password check behind the login throttle and audit trail: the admin's login form,
    the login page and the token endpoint all call `authenticate()`, so one throttle and one
    record cover them all (`services.login_attempt`)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        return services.login_attempt(
            request=request, username=str(username), password=password, backend=super().authenticate
        )
