"""Account writes: registration of persons, legal persons and staff; API tokens; login throttling;
logging of unmasked personal-data views."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from yiwang.core import keys
from yiwang.core.errors import Conflict, NotAuthenticated, Throttled
from yiwang.core.formats import local_time
from yiwang.core.identifiers import identifier_clean
from yiwang.core.rawjoin import Join, RawJoin

from .models import (
    AccountKind,
    ApiToken,
    LoginAttempt,
    LoginChannel,
    LoginOutcome,
    OneTimeCode,
    PersonalDataView,
    TrustLevel,
    User,
)


def id_number_hash(id_number: str) -> str:
    return keys.lookup_hash(id_number, kind="id_number")


def phone_hash(phone: str) -> str:
    return keys.lookup_hash(phone, kind="phone") if phone else ""


def clean_id_number(value: str, *, field: str = "id_number") -> str:
    return identifier_clean("ric", value, field=field)


def clean_uscc(value: str, *, field: str = "uscc") -> str:
    return identifier_clean("uscc", value, field=field)


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


# --- login throttling and the login audit trail ------------------------------------------------
# Policy (docs/security.md, OWASP ASVS V2.2): every attempt through any door (page, API, admin —
# the admin reaches it through `auth.ThrottledBackend`) is one LoginAttempt row; the throttle
# counts those rows, with times it computes itself (no cache expiry can shorten a lock).
# - Per account: LOGIN_THROTTLE_ATTEMPTS failures within LOGIN_THROTTLE_WINDOW seconds (since the
#   last success or lift) lock the account until LOGIN_LOCK_SECONDS after the last failure; while
#   locked the password is not even checked. The holder lifts the lock with a code sent to the
#   phone on record (`unlock_code_issue` / `login_unlock`), a clerk or admin with `login_lock_lift`.
# - Per address: LOGIN_ADDRESS_FAILURES failed logins from one address within the window refuse
#   that address for the rest of the window. Only failures count, so a hall full of people behind
#   one NAT address who log in correctly is never refused.
def user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username).first() if username else None


def login_hash(username: str) -> str:
    return keys.lookup_hash(username.strip().lower(), kind="login")


def login_locked_until(*, username: str, now: datetime | None = None) -> datetime | None:
    """When the account's lock ends, or None if it is not locked: locked once
    LOGIN_THROTTLE_ATTEMPTS failures (since the last success or lift) fall within one window,
    until LOGIN_LOCK_SECONDS after the last of them."""
    now = now or timezone.now()
    lock = timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
    window = timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW)
    rows = LoginAttempt.objects.filter(login_hash=login_hash(username), at__gt=now - lock - window)
    reset = rows.filter(outcome__in=[LoginOutcome.OK, LoginOutcome.LIFTED]).order_by("-at").first()
    failures = rows.filter(outcome=LoginOutcome.FAILED)
    if reset is not None:
        failures = failures.filter(at__gt=reset.at)
    times = list(failures.order_by("-at").values_list("at", flat=True)[: settings.LOGIN_THROTTLE_ATTEMPTS])
    if len(times) < settings.LOGIN_THROTTLE_ATTEMPTS or times[0] - times[-1] > window:
        return None
    until = times[0] + lock
    return until if until > now else None


def address_limited(*, ip: str, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW)
    failures = LoginAttempt.objects.filter(ip=ip, at__gt=since, outcome=LoginOutcome.FAILED)
    return failures.count() >= settings.LOGIN_ADDRESS_FAILURES


def _channel(request: HttpRequest | None) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/admin/"):
        return LoginChannel.ADMIN
    if path.startswith("/api/"):
        return LoginChannel.API
    return LoginChannel.PAGE if request is not None else LoginChannel.OTHER


def _record(*, request, username: str, user: User | None, outcome: str, now: datetime) -> None:
    LoginAttempt.objects.create(
        at=now,
        channel=_channel(request),
        login_hash=login_hash(username),
        user=user,
        ip=client_ip(request) if request is not None else "unknown",
        outcome=outcome,
    )


def login_attempt(*, request: HttpRequest | None, username: str, password: str, backend) -> User | None:
    """One login attempt through any door: throttle, check, record. Returns the user or None; on
    a refusal by the throttle it marks the request (`request.login_refused`) so that the page and
    the API answer 429 and the admin shows its message."""
    now = timezone.now()
    ip = client_ip(request) if request is not None else "unknown"
    known = user_by_username(username)
    refused = None
    if address_limited(ip=ip, now=now):
        refused = LoginOutcome.LIMITED
    elif login_locked_until(username=username, now=now):
        refused = LoginOutcome.LOCKED
    if refused:
        _record(request=request, username=username, user=known, outcome=refused, now=now)
        if request is not None:
            request.login_refused = refused
        return None
    user = backend(request, username=username, password=password)
    if user is None or not user.is_active:
        _record(request=request, username=username, user=known, outcome=LoginOutcome.FAILED, now=now)
        return None
    _record(request=request, username=username, user=user, outcome=LoginOutcome.OK, now=now)
    return user


THROTTLE_MESSAGES = {
    LoginOutcome.LOCKED: "登录失败次数过多，账户已暂时锁定，请稍后再试，或通过短信验证码、窗口工作人员解除锁定",
    LoginOutcome.LIMITED: "登录失败次数过多，请稍后再试",
}


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
    user = authenticate(request, username=username, password=password)
    refused = getattr(request, "login_refused", None)
    if refused:
        raise Throttled(THROTTLE_MESSAGES[refused])
    if user is None:
        raise NotAuthenticated("用户名或密码错误", code="invalid_credentials")
    return user


@transaction.atomic
def login_lock_lift(*, user: User, by: User | None = None) -> None:
    """A clerk or admin (`by`), or the holder by a second factor (`by` None), lifts the lock."""
    LoginAttempt.objects.create(
        at=timezone.now(),
        channel=LoginChannel.OTHER,
        login_hash=login_hash(user.username),
        user=user,
        ip="",
        outcome=LoginOutcome.LIFTED,
        lifted_by=by,
    )


ONE_TIME_CODE_TRIES = 5
UNLOCK_CODE_TTL = timedelta(minutes=10)


@transaction.atomic
def one_time_code_issue(*, user: User, purpose: str, ttl: timedelta) -> str:
    """A fresh 6-digit code for `purpose` (the caller sends it through the notifications app);
    any unused code of the same purpose is retired."""
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    OneTimeCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(used_at=now)
    OneTimeCode.objects.create(
        user=user,
        purpose=purpose,
        code_hash=keys.lookup_hash(code, kind="one-time-code"),
        expires_at=now + ttl,
    )
    return code


@transaction.atomic
def one_time_code_use(*, user: User, purpose: str, code: str) -> bool:
    """True if `code` is the live code of `purpose` (then it is spent); a wrong code counts one of
    the five tries. The row is locked, so two concurrent guesses cannot both get a fresh try."""
    row = (
        OneTimeCode.objects.select_for_update()
        .filter(user=user, purpose=purpose, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-id")
        .first()
    )
    if row is None or row.tries >= ONE_TIME_CODE_TRIES:
        return False
    if not secrets.compare_digest(row.code_hash, keys.lookup_hash(code.strip(), kind="one-time-code")):
        OneTimeCode.objects.filter(pk=row.pk).update(tries=row.tries + 1)
        return False
    OneTimeCode.objects.filter(pk=row.pk).update(used_at=timezone.now())
    return True


def unlock_code_issue(*, user: User) -> str | None:
    """A code for the holder of a locked account with a phone on record (the caller sends it by
    SMS); None if there is nothing to send."""
    if not user.phone or login_locked_until(username=user.username) is None:
        return None
    return one_time_code_issue(user=user, purpose="unlock", ttl=UNLOCK_CODE_TTL)


@transaction.atomic
def login_unlock(*, username: str, code: str) -> bool:
    """The holder lifts the lock with the code: True if it matched (one use, five tries)."""
    user = User.objects.filter(username=username).first()
    if user is None or not one_time_code_use(user=user, purpose="unlock", code=code):
        return False
    login_lock_lift(user=user)
    return True


# --- API tokens ---------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    ApiToken.objects.create(user=user, token_hash=_token_hash(token), expires_at=expires_at)
    return token, expires_at


# The token with its user, in one plain statement (core.rawjoin: compiled once per database
# vendor; the model's converters, decryption included, apply): it runs on every API request, and
# building the ORM join (or a RawQuerySet's column mapping) cost more than the query.
_TOKEN_USER = RawJoin(
    ApiToken,
    [Join("user")],
    where='t0."token_hash" = %s AND t0."expires_at" > %s AND t1."is_active" = %s',
)


def api_token_user(token: str) -> User | None:
    """The active user of an unexpired token: one statement on the token's unique hash."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    found = _TOKEN_USER.first([_token_hash(token), now, True])
    return found.user if found is not None else None


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
