from django.http import HttpRequest
from ninja import Router, Schema

from yiwang.core.errors import NotAuthenticated
from yiwang.core.formats import local_time

from . import services
from .auth import api_auth

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: str


class MeOut(Schema):
    username: str
    name: str
    kind: str
    trust_level: int
    roles: list[str]


@router.post("/token", response=TokenOut, auth=None)
def token_issue(request: HttpRequest, body: TokenIn):
    user = services.login_check(request=request, username=body.username, password=body.password)
    token, expires_at = services.api_token_issue(user=user)
    return {"token": token, "expires_at": local_time(expires_at)}


@router.get("/me", response=MeOut, auth=api_auth)
def me(request: HttpRequest):
    user = request.auth
    if user is None:
        raise NotAuthenticated("请先登录")
    return {
        "username": user.username,
        "name": str(user),
        "kind": user.kind,
        "trust_level": user.trust_level,
        "roles": sorted({r.role for r in user.staff_roles.all()}),
    }
