"""Account writes: registration of persons, legal persons and staff; API tokens; login throttling;
logging of unmasked personal-data views."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from yiwang.core import keys
from yiwang.core.errors import Conflict, NotAuthenticated, Throttled, ValidationFailed
from yiwang.core.formats import local_time
from yiwang.core.identifiers import ValidationError as StdnumError
from yiwang.core.identifiers import validate_ric, validate_uscc

from .models import AccountKind, ApiToken, PersonalDataView, TrustLevel, User


def id_number_hash(id_number: str) -> str:
    return keys.lookup_hash(id_number, kind="id_number")


def phone_hash(phone: str) -> str:
    return keys.lookup_hash(phone, kind="phone") if phone else ""


def clean_id_number(value: str, *, field: str = "id_number") -> str:
    try:
        return validate_ric(value)
    except StdnumError as exc:
        raise ValidationFailed(fields={field: ["公民身份号码格式或校验位有误"]}) from exc


def clean_uscc(value: str, *, field: str = "uscc") -> str:
    try:
        return validate_uscc(value)
    except StdnumError as exc:
        raise ValidationFailed(fields={field: ["统一社会信用代码格式或校验位有误"]}) from exc


def _save_new(user: User, password: str) -> User:
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict("该用户名或证件号码已注册", code="account_exists") from exc
    return user


@transaction.atomic
def person_register(
    *,
    username: str,
    password: str,
    name: str,
    id_number: str,
    phone: str = "",
    trust_level: int = TrustLevel.SELF_DECLARED,
) -> User:
    id_number = clean_id_number(id_number)
    user = User(
        username=username,
        kind=AccountKind.PERSON,
        display_name=name,
        id_number=id_number,
        id_number_hash=id_number_hash(id_number),
        phone=phone,
        phone_hash=phone_hash(phone),
        trust_level=trust_level,
    )
    return _save_new(user, password)


@transaction.atomic
def legal_register(
    *,
    username: str,
    password: str,
    name: str,
    uscc: str,
    legal_representative: str,
    phone: str = "",
    trust_level: int = TrustLevel.VERIFIED,
) -> User:
    code = clean_uscc(uscc)
    user = User(
        username=username,
        kind=AccountKind.LEGAL,
        display_name=name,
        uscc=code,
        legal_representative=legal_representative,
        phone=phone,
        phone_hash=phone_hash(phone),
        trust_level=trust_level,
    )
    return _save_new(user, password)


@transaction.atomic
def staff_create(*, username: str, password: str, name: str, is_admin: bool = False) -> User:
    """A staff account without roles: `organizations.services.staff_create` creates staff with
    their roles (roles belong to the organisations, a layer above the accounts)."""
    return _save_new(
        User(
            username=username,
            kind=AccountKind.STAFF,
            display_name=name,
            trust_level=TrustLevel.CERTIFICATE,
            is_staff=is_admin,
            is_superuser=is_admin,
        ),
        password,
    )


# --- login throttling (shared through the cache, so it holds across processes) --------------------
def _throttle_keys(username: str, ip: str) -> list[str]:
    h = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:user:{h}", f"login-fail:ip:{ip}"]


def login_throttled(*, username: str, ip: str) -> bool:
    limit = settings.LOGIN_THROTTLE_ATTEMPTS
    user_key, ip_key = _throttle_keys(username, ip)
    return (cache.get(user_key) or 0) >= limit or (cache.get(ip_key) or 0) >= limit * 4


def _login_failed(*, username: str, ip: str) -> None:
    for key in _throttle_keys(username, ip):
        if not cache.add(key, 1, settings.LOGIN_THROTTLE_WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, settings.LOGIN_THROTTLE_WINDOW)


def client_ip(request: HttpRequest) -> str:
    """The caller's address. Behind the reverse proxy (YIWANG_BEHIND_PROXY) that is the last
    address the proxy appended to X-Forwarded-For, not the proxy's own."""
    if settings.YIWANG_BEHIND_PROXY:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def login_check(*, request: HttpRequest, username: str, password: str) -> User:
    """Authenticate with throttling: raises Throttled (429) or NotAuthenticated (401)."""
    ip = client_ip(request)
    if login_throttled(username=username, ip=ip):
        raise Throttled("登录失败次数过多，请稍后再试")
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        _login_failed(username=username, ip=ip)
        raise NotAuthenticated("用户名或密码错误", code="invalid_credentials")
    cache.delete(_throttle_keys(username, ip)[0])
    return user


# --- API tokens ---------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    ApiToken.objects.create(user=user, token_hash=_token_hash(token), expires_at=expires_at)
    return token, expires_at


def api_token_user(token: str) -> User | None:
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_token_hash(token), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    return row.user if row else None


@transaction.atomic
def api_token_revoke(*, token: str) -> None:
    ApiToken.objects.filter(token_hash=_token_hash(token)).delete()


# --- personal data ------------------------------------------------------------------------------
def pii_view_payload(view: PersonalDataView) -> dict:
    return {
        "viewer": view.viewer_id,
        "object_type": view.object_type,
        "object_ref": view.object_ref,
        "field": view.field,
        "reason": view.reason,
        "at": local_time(view.at),
    }


@transaction.atomic
def personal_data_view_log(
    *, viewer: User, object_type: str, object_ref: str, field: str, subject: str, reason: str = ""
) -> PersonalDataView:
    """A staff member saw personal data unmasked: kept in the database and witnessed in the
    ledger (`subject` is the record's ledger commitment, never the person)."""
    from yiwang.ledger.services import entry_append

    view = PersonalDataView.objects.create(
        viewer=viewer, object_type=object_type, object_ref=str(object_ref), field=field, reason=reason
    )
    entry = entry_append(
        kind="pii.view", subject=subject, payload=pii_view_payload(view), actor_role="staff", at=view.at
    )
    PersonalDataView.objects.filter(pk=view.pk).update(ledger_entry=entry.pk)
    return view


def _rederive_pii_view(row) -> dict | None:
    view = PersonalDataView.objects.filter(ledger_entry=row.pending_id).first()
    return pii_view_payload(view) if view else None


def ledger_register() -> None:
    from yiwang.ledger import rederive

    rederive.register("pii.", _rederive_pii_view)
