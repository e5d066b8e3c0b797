"""Unified identity (统一身份认证): login through the province's OpenID Connect provider.

The relying party, on Authlib (the authorization-code session with PKCE) and joserfc (ID token
signatures and claims):

1. `login_begin` makes a fresh `state`, `nonce` and PKCE `code_verifier`, keeps them in the
   browser's server-side session and returns the provider's authorization URL (S256 challenge).
2. `login_complete` (the callback) takes the pending request out of the session (one use),
   checks `state`, exchanges the code at the token endpoint with the verifier (client_secret_basic),
   verifies the ID token — signature by the provider's published keys, `iss`, `aud`, `exp`/`iat`
   with YIWANG_OIDC_LEEWAY, `nonce` — reads the userinfo (same `sub`), and finds the account:
   the (issuer, sub) link; else the ID-number claim's lookup hash → an existing person account
   (then linked); else a new person account (no password: it logs in only through the provider)
   — both only for a claimed trust level of at least YIWANG_OIDC_MATCH_MIN_TRUST (3: the ID
   number was checked against the population database; a self-declared one links nothing).
   The account's trust level is raised to the provider's claim (2–5), never lowered (a level
   earned at a hall stays). One transaction; one LoginAttempt row (channel 统一身份认证) for
   every outcome, the failures counting towards the per-address throttle.
3. `logout_url` sends the browser to the provider's end_session_endpoint with the ID token as
   hint, so leaving Yiwang also leaves the provincial session.

Discovery and keys are cached in Django's cache (shared by every process, YIWANG_OIDC_JWKS_TTL);
a token signed under an unknown `kid` makes one refetch of the keys (the provider rotated), no
more — a kid still unknown after it is refused.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from joserfc import jws, jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

from yiwang.core import keys
from yiwang.core.errors import DomainError, NotAuthenticated, PermissionDenied, Throttled

from . import services
from .models import AccountKind, LoginAttempt, LoginChannel, LoginOutcome, OidcIdentity, TrustLevel, User

SESSION_KEY = "oidc_pending"
ID_TOKEN_KEY = "oidc_id_token"  # noqa: S105 — a session key name
PENDING_TTL = 600  # seconds a started login may take at the provider
MAX_DOCUMENT = 256 * 1024  # largest discovery / key set / userinfo answer accepted
CALLBACK_PATH = "/login/oidc/callback/"


class OidcError(NotAuthenticated):
    """The provider's answer could not be trusted or the login could not finish (401)."""

    code = "oidc_failed"


class ProviderUnavailable(DomainError):
    status = 502
    code = "oidc_unavailable"


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""


def enabled() -> bool:
    return bool(settings.YIWANG_OIDC_ISSUER and settings.YIWANG_OIDC_CLIENT_ID)


def redirect_uri() -> str:
    return settings.YIWANG_BASE_URL.rstrip("/") + CALLBACK_PATH


def _cache_key(kind: str) -> str:
    return "oidc:" + kind + ":" + hashlib.sha256(settings.YIWANG_OIDC_ISSUER.encode()).hexdigest()[:16]


def _get_json(url: str, *, headers: dict | None = None) -> dict:
    try:
        r = requests.get(url, headers=headers, timeout=settings.YIWANG_OIDC_TIMEOUT, stream=True)
        body = r.raw.read(MAX_DOCUMENT + 1, decode_content=True)
    except requests.RequestException as exc:
        raise ProviderUnavailable("统一身份认证平台暂时无法访问，请稍后再试或使用账号密码登录") from exc
    if len(body) > MAX_DOCUMENT:
        raise ProviderUnavailable("统一身份认证平台的应答过大，已拒绝")
    if r.status_code == 401:
        raise OidcError("统一身份认证平台拒绝了本次访问，请重新登录")
    if r.status_code != 200:
        raise ProviderUnavailable("统一身份认证平台暂时无法访问，请稍后再试或使用账号密码登录")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ProviderUnavailable("统一身份认证平台的应答格式错误") from exc
    if not isinstance(data, dict):
        raise ProviderUnavailable("统一身份认证平台的应答格式错误")
    return data


def provider() -> Provider:
    """The provider's endpoints from its discovery document (cached); its `issuer` must be the
    configured one exactly (OpenID Connect Discovery §4.3)."""
    key = _cache_key("discovery")
    meta = cache.get(key)
    if meta is None:
        issuer = settings.YIWANG_OIDC_ISSUER.rstrip("/")
        meta = _get_json(issuer + "/.well-known/openid-configuration")
        if meta.get("issuer", "").rstrip("/") != issuer:
            raise ProviderUnavailable("统一身份认证平台的配置与登记的签发方不一致")
        cache.set(key, meta, settings.YIWANG_OIDC_JWKS_TTL)
    try:
        return Provider(
            issuer=meta["issuer"],
            authorization_endpoint=meta["authorization_endpoint"],
            token_endpoint=meta["token_endpoint"],
            jwks_uri=meta["jwks_uri"],
            userinfo_endpoint=meta.get("userinfo_endpoint", ""),
            end_session_endpoint=meta.get("end_session_endpoint", ""),
        )
    except KeyError as exc:
        raise ProviderUnavailable("统一身份认证平台的配置不完整") from exc


def provider_keys(*, refresh: bool = False) -> KeySet:
    """The provider's public signing keys (cached; `refresh` fetches them anew)."""
    key = _cache_key("jwks")
    data = None if refresh else cache.get(key)
    if data is None:
        data = _get_json(provider().jwks_uri)
        cache.set(key, data, settings.YIWANG_OIDC_JWKS_TTL)
    try:
        return KeySet.import_key_set(data)
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise ProviderUnavailable("统一身份认证平台的公钥格式错误") from exc


def _algorithms() -> list[str]:
    return [a.strip() for a in settings.YIWANG_OIDC_ALGORITHMS.split(",") if a.strip()]


def id_token_verify(id_token: str, *, nonce: str) -> dict:
    """The ID token's claims once its signature, issuer, audience, times and nonce check out.
    An unknown `kid` refetches the key set once (the provider rotated its keys)."""
    try:
        kid = jws.extract_compact(id_token.encode()).headers().get("kid")
    except (JoseError, ValueError) as exc:
        raise OidcError("统一身份认证的身份令牌格式错误", code="oidc_bad_token") from exc
    keys = provider_keys()
    if kid is not None and not any(k.kid == kid for k in keys):
        keys = provider_keys(refresh=True)
        if not any(k.kid == kid for k in keys):
            raise OidcError("统一身份认证的身份令牌签名无法验证", code="oidc_bad_signature")
    try:
        token = jwt.decode(id_token, keys, algorithms=_algorithms())
    except (JoseError, ValueError) as exc:
        raise OidcError("统一身份认证的身份令牌签名无法验证", code="oidc_bad_signature") from exc
    registry = jwt.JWTClaimsRegistry(
        leeway=settings.YIWANG_OIDC_LEEWAY,
        iss={"essential": True, "value": provider().issuer},
        aud={"essential": True, "value": settings.YIWANG_OIDC_CLIENT_ID},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(token.claims)
    except ExpiredTokenError as exc:
        raise OidcError("统一身份认证的身份令牌已过期，请重新登录", code="oidc_expired") from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        claim = getattr(exc, "claim", "")
        raise OidcError(
            "统一身份认证的身份令牌不是签发给本平台的，或与本次登录不符",
            code=f"oidc_claim_{claim}".rstrip("_"),
        ) from exc
    except JoseError as exc:
        raise OidcError("统一身份认证的身份令牌无效", code="oidc_bad_token") from exc
    aud = token.claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and token.claims.get("azp") != settings.YIWANG_OIDC_CLIENT_ID:
        raise OidcError("统一身份认证的身份令牌不是签发给本平台的", code="oidc_claim_azp")
    return token.claims


def _session(**kw) -> OAuth2Session:
    return OAuth2Session(
        client_id=settings.YIWANG_OIDC_CLIENT_ID,
        client_secret=settings.YIWANG_OIDC_CLIENT_SECRET,
        scope=settings.YIWANG_OIDC_SCOPES,
        redirect_uri=redirect_uri(),
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 — a method name, not a secret
        **kw,
    )


def login_begin(*, request: HttpRequest, next_url: str = "") -> str:
    """Start a login: remember state, nonce and verifier in this browser's session, return the
    provider's authorization URL."""
    if not enabled():
        raise PermissionDenied("本平台未接入统一身份认证", code="oidc_disabled")
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    url, _ = _session().create_authorization_url(
        provider().authorization_endpoint, state=state, nonce=nonce, code_verifier=verifier
    )
    request.session[SESSION_KEY] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_url,
        "at": time.time(),
    }
    return url


def _trust(claims: dict) -> int:
    """The provider's trust level, 2–5; anything else counts as the lowest (自行注册)."""
    value = claims.get(settings.YIWANG_OIDC_TRUST_CLAIM)
    try:
        level = int(value)
    except (TypeError, ValueError):
        return TrustLevel.SELF_DECLARED
    return level if TrustLevel.SELF_DECLARED <= level <= TrustLevel.CERTIFICATE else TrustLevel.SELF_DECLARED


def _record(*, request: HttpRequest, issuer: str, sub: str, user: User | None, outcome: str) -> None:
    LoginAttempt.objects.create(
        at=timezone.now(),
        channel=LoginChannel.OIDC,
        # the provider's subject, not the account's login name: a provincial login neither counts
        # towards nor lifts a password lock (accounts.services throttle)
        login_hash=services.login_hash(f"oidc:{issuer}:{sub}"),
        user=user,
        ip=services.client_ip(request),
        outcome=outcome,
    )


@transaction.atomic
def account_for_claims(*, issuer: str, claims: dict) -> User:
    """The account these verified claims belong to: linked by (issuer, sub); else the person
    account with the same ID number (by its lookup hash), then linked; else a new person account.
    Raises the trust level to the claim, never lowers it."""
    sub = str(claims["sub"])
    trust = _trust(claims)
    now = timezone.now()
    link = OidcIdentity.objects.select_related("user").filter(issuer=issuer, subject=sub).first()
    if link is not None:
        user = link.user
    else:
        if trust < settings.YIWANG_OIDC_MATCH_MIN_TRUST:
            # a self-declared ID number proves nothing: it may neither take over an account with
            # that number nor claim the number for a new one (the real holder could not register)
            raise OidcError(
                "您的统一身份认证账户尚未完成实名核验，无法关联或开通本平台账户；"
                "请先在统一身份认证平台完成实名认证，或使用账号密码登录",
                code="oidc_trust_too_low",
            )
        raw = claims.get(settings.YIWANG_OIDC_ID_NUMBER_CLAIM)
        if not raw:
            raise OidcError("统一身份认证未提供身份证号码，无法确认账户", code="oidc_no_id_number")
        try:
            id_number = services.clean_id_number(str(raw))
        except DomainError as exc:
            raise OidcError("统一身份认证提供的身份证号码无效", code="oidc_bad_id_number") from exc
        digest = services.id_number_hash(id_number)
        user = User.objects.filter(id_number_hash=digest).first()
        if user is None:
            user = _person_create(claims=claims, id_number=id_number, digest=digest, trust=trust)
        elif user.kind != AccountKind.PERSON:
            raise OidcError("该身份证号码对应的不是个人账户，请使用账号密码登录", code="oidc_not_person")
        try:
            with transaction.atomic():
                link = OidcIdentity.objects.create(issuer=issuer, subject=sub, user=user, created_at=now)
        except IntegrityError:  # the same person's other login linked it a moment ago
            link = OidcIdentity.objects.select_related("user").get(issuer=issuer, subject=sub)
            user = link.user
    if not user.is_active:
        raise OidcError("该账户已停用", code="account_inactive")
    if trust > (user.trust_level or 0):
        User.objects.filter(pk=user.pk).update(trust_level=trust)
        user.trust_level = trust
    OidcIdentity.objects.filter(pk=link.pk).update(last_login_at=now, trust_level=trust)
    return user


def _person_create(*, claims: dict, id_number: str, digest: str, trust: int) -> User:
    phone = str(claims.get(settings.YIWANG_OIDC_PHONE_CLAIM) or "")[:20]
    user = User(
        username=f"sfrz-{digest[:16]}",
        kind=AccountKind.PERSON,
        display_name=str(claims.get(settings.YIWANG_OIDC_NAME_CLAIM) or "")[:100],
        id_number=id_number,
        id_number_hash=digest,
        phone=phone,
        phone_hash=services.phone_hash(phone),
        trust_level=trust,
    )
    user.set_unusable_password()  # logs in only through the provider (until the holder sets one)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # created by a concurrent login of the same person
        user = User.objects.get(id_number_hash=digest)
    return user


def login_complete(*, request: HttpRequest, params: dict[str, str]) -> tuple[User, str]:
    """The callback: check, exchange, verify, find the account. Returns (user, next URL);
    raises OidcError (401), Throttled (429) or ProviderUnavailable (502)."""
    if not enabled():
        raise PermissionDenied("本平台未接入统一身份认证", code="oidc_disabled")
    issuer = settings.YIWANG_OIDC_ISSUER.rstrip("/")
    pending = request.session.pop(SESSION_KEY, None)  # one use, whatever happens next
    if services.address_limited(ip=services.client_ip(request)):
        _record(request=request, issuer=issuer, sub="", user=None, outcome=LoginOutcome.LIMITED)
        raise Throttled(services.THROTTLE_MESSAGES[LoginOutcome.LIMITED])
    sub = ""
    try:
        if params.get("error"):
            raise OidcError("统一身份认证未完成（已取消或被拒绝），请重新登录", code="oidc_denied")
        if (
            not pending
            or not params.get("state")
            or not secrets.compare_digest(str(pending["state"]), params["state"])
        ):
            raise OidcError("登录请求已失效或与本次登录不符，请重新登录", code="oidc_state")
        if time.time() - float(pending["at"]) > PENDING_TTL:
            raise OidcError("登录请求已超时，请重新登录", code="oidc_state")
        if not params.get("code"):
            raise OidcError("统一身份认证未返回授权码", code="oidc_no_code")
        prov = provider()
        try:
            token = _session(state=pending["state"]).fetch_token(
                prov.token_endpoint,
                grant_type="authorization_code",
                code=params["code"],
                code_verifier=pending["verifier"],
                timeout=settings.YIWANG_OIDC_TIMEOUT,
            )
        except OAuthError as exc:
            if exc.error == "invalid_client":  # our registration, not the person's login
                raise ProviderUnavailable(
                    "统一身份认证接入配置有误，请使用账号密码登录并联系平台管理员", code="oidc_invalid_client"
                ) from exc
            raise OidcError("统一身份认证的授权码无效或已使用，请重新登录", code="oidc_bad_code") from exc
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable("统一身份认证平台暂时无法访问，请稍后再试或使用账号密码登录") from exc
        if not token.get("id_token"):
            raise OidcError("统一身份认证未返回身份令牌", code="oidc_bad_token")
        claims = id_token_verify(token["id_token"], nonce=pending["nonce"])
        sub = str(claims["sub"])
        if prov.userinfo_endpoint and token.get("access_token"):
            info = _get_json(
                prov.userinfo_endpoint, headers={"Authorization": f"Bearer {token['access_token']}"}
            )
            if str(info.get("sub")) != sub:
                raise OidcError("统一身份认证的用户信息与身份令牌不符", code="oidc_userinfo_sub")
            claims = {**info, **claims}  # the signed token wins where both say something
        user = account_for_claims(issuer=issuer, claims=claims)
    except OidcError:
        _record(request=request, issuer=issuer, sub=sub, user=None, outcome=LoginOutcome.FAILED)
        raise
    _record(request=request, issuer=issuer, sub=sub, user=user, outcome=LoginOutcome.OK)
    id_token_remember(request=request, id_token=token["id_token"])
    return user, str(pending.get("next") or "")


def id_token_remember(*, request: HttpRequest, id_token: str) -> None:
    """Keep the ID token for the logout hint — encrypted: a provider may put personal data
    (even the ID number) in it, and sessions are stored in the database or Redis."""
    request.session[ID_TOKEN_KEY] = keys.encrypt(id_token, context=ID_TOKEN_KEY)


def id_token_recall(*, request: HttpRequest) -> str | None:
    sealed = request.session.get(ID_TOKEN_KEY)
    if not sealed:
        return None
    try:
        return keys.decrypt(sealed, context=ID_TOKEN_KEY)
    except keys.KeyError_:  # an unreadable hint only means logging out without it
        return None


def logout_url(*, id_token: str | None, return_to: str) -> str | None:
    """Where to send the browser to end the provincial session too (RP-initiated logout), or
    None when there is nothing to end there."""
    if not id_token or not enabled():
        return None
    try:
        endpoint = provider().end_session_endpoint
    except DomainError:
        return None
    if not endpoint:
        return None
    query = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": return_to,
        "client_id": settings.YIWANG_OIDC_CLIENT_ID,
    }
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(query)
