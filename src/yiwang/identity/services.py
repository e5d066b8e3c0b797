"""电子身份码 writes and the code itself: issue a short-lived signed code for a person, check a
code once at a hall window or kiosk, revoke a person's outstanding codes (挂失).

Issuing is stateless apart from the person's reference row (created once): a code is signed by
the key service's identity-code key and carries the reference encrypted, so a person who keeps
the page open does not write a row a minute. Checking writes one IdentityCheck per attempt and,
for an accepted code, one ledger entry (`identity.verified`) in the same transaction."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.core import keys, rawinsert
from yiwang.core.errors import DomainError, PermissionDenied, ValidationFailed
from yiwang.core.models import KeyPurpose

from . import codec, ledgering, selectors
from .models import IdentityCheck, IdentityReference, Outcome

log = logging.getLogger("yiwang.identity")

TTL_ENV = "YIWANG_IDENTITY_CODE_TTL"
DEFAULT_TTL = 60
MIN_TTL, MAX_TTL = 15, 600
CLOCK_SKEW = 30  # seconds a code may come from the future (servers' clocks differ a little)

MESSAGES = {
    Outcome.REPLAYED: "该身份码已被使用过，请持码人刷新后重新出示",
    Outcome.EXPIRED: "该身份码已过期，请持码人刷新后重新出示",
    Outcome.REVOKED: "该身份码已被持码人挂失作废，请持码人重新获取",
    Outcome.FORGED: "该身份码无效（签名核验未通过），请核实持码人身份",
}


class CodeRejected(DomainError):
    """A well-formed code that does not pass: 422 with code replayed|expired|forged|revoked."""

    status = 422


def code_ttl() -> int:
    """Lifetime of a new code in seconds: YIWANG_IDENTITY_CODE_TTL (default 60, 15-600)."""
    try:
        value = int(os.environ.get(TTL_ENV, DEFAULT_TTL))
    except ValueError:
        value = DEFAULT_TTL
    return min(max(value, MIN_TTL), MAX_TTL)


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def ensure_holder(user: User) -> None:
    if user.kind not in (AccountKind.PERSON, AccountKind.LEGAL) or not user.is_active:
        raise PermissionDenied("只有自然人和法人用户可以出示电子身份码")


def ensure_verifier(user: User) -> selectors.VerifierPlace:
    """Staff of a government department or public institution, or anyone staffing a hall window
    (a water company's window in a hall included) or a hall's self-service device, may verify
    codes; a public-service company's back-office staff may not (docs/security.md, "Decisions").
    Returns where the verifier checks (their first window's hall and window)."""
    if user.kind != AccountKind.STAFF or not user.is_active:
        raise PermissionDenied("只有工作人员和大厅自助设备可以核验电子身份码")
    place = selectors.verifier_place(user=user)
    if not place.may_verify:
        raise PermissionDenied(
            "公共服务企业的工作人员只能在政务服务大厅窗口核验电子身份码", code="not_a_verifier"
        )
    return place


# --- issue ---------------------------------------------------------------------------------------
@transaction.atomic
def reference_create(*, user: User) -> IdentityReference:
    """The person's active reference, created when there is none (first code, or after 挂失)."""
    try:
        with transaction.atomic():
            return IdentityReference.objects.create(user=user, ref=os.urandom(codec.REF_LEN).hex())
    except IntegrityError:  # another request created it first
        return IdentityReference.objects.get(user=user, revoked_at__isnull=True)


@dataclass(frozen=True)
class IssuedCode:
    code: str
    issued_at: datetime
    expires_at: datetime
    ttl: int
    key_version: int


def code_issue(*, user: User, now: datetime | None = None, ttl: int | None = None) -> IssuedCode:
    """A fresh code for `user` (natural or legal person). Writes nothing once the person has a
    reference, so it is safe to call on every page view and every refresh."""
    ensure_holder(user)
    ref = selectors.active_reference(user=user) or reference_create(user=user).ref
    issued = _ts(now or timezone.now())
    ttl = code_ttl() if ttl is None else ttl
    sign_key = keys.active_key(KeyPurpose.IDENTITY_CODE)
    enc_key = keys.active_key(KeyPurpose.FIELD_ENCRYPTION)
    code = codec.encode(
        sign_key=sign_key.private_key(),
        sign_version=sign_key.version,
        enc_key=enc_key.secret,
        enc_version=enc_key.version,
        ref=bytes.fromhex(ref),
        issued_at=issued,
        ttl=ttl,
    )
    return IssuedCode(
        code=code,
        issued_at=_dt(issued),
        expires_at=_dt(issued + ttl),
        ttl=ttl,
        key_version=sign_key.version,
    )


# --- revoke --------------------------------------------------------------------------------------
@transaction.atomic
def codes_revoke(*, user: User, now: datetime | None = None) -> int:
    """挂失: every code issued so far stops working at once (their reference is retired). Returns
    the number of references retired (0 when the person had no outstanding codes)."""
    ensure_holder(user)
    n = IdentityReference.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
    log.info("identity codes revoked user=%s refs=%s", user.pk, n)
    return n


# --- verify --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Judgement:
    outcome: str
    parsed: codec.Parsed
    reference: IdentityReference | None = None


def _judge(parsed: codec.Parsed, now_ts: int) -> Judgement:
    """Everything but the one-time rule: signature (any key version, retired ones only for
    codes issued before their retirement), format, time, the reference."""
    if parsed.fmt != codec.FORMAT or not keys.verify(
        KeyPurpose.IDENTITY_CODE, parsed.sign_version, parsed.signed, parsed.signature
    ):
        return Judgement(Outcome.FORGED, parsed)
    if parsed.sign_version != keys.active_key(KeyPurpose.IDENTITY_CODE).version:
        retired = selectors.signing_key_retired_at(version=parsed.sign_version)
        if retired is not None and parsed.issued_at > _ts(retired) + CLOCK_SKEW:
            return Judgement(Outcome.FORGED, parsed)  # signed with a key after it was retired
    if parsed.issued_at > now_ts + CLOCK_SKEW or not (1 <= parsed.ttl <= MAX_TTL):
        return Judgement(Outcome.FORGED, parsed)
    try:
        enc_key = keys.get_key(KeyPurpose.FIELD_ENCRYPTION, parsed.enc_version)
    except keys.KeyError_:
        return Judgement(Outcome.FORGED, parsed)
    ref = codec.unseal(enc_key=enc_key.secret, parsed=parsed)
    reference = selectors.reference_by_ref(ref=ref.hex()) if ref else None
    if reference is None:
        return Judgement(Outcome.FORGED if ref is None else Outcome.REVOKED, parsed)
    if now_ts >= parsed.expires_at:
        return Judgement(Outcome.EXPIRED, parsed, reference)
    if reference.revoked_at is not None or not reference.user.is_active:
        return Judgement(Outcome.REVOKED, parsed, reference)
    return Judgement(Outcome.VALID, parsed, reference)


@transaction.atomic
def code_verify(*, code: str, verifier: User, now: datetime | None = None) -> IdentityCheck:
    """Check a code once and log the check (who, where, when, verdict). Returns the check
    whatever the verdict — a rejected code is logged too, for the person to see — and raises
    only for a caller who may not verify (PermissionDenied) or text that is no code at all
    (ValidationFailed). Exactly one of concurrent checks of one code is `valid`: the accepted
    check inserts the code's nonce under a unique constraint; the others find it taken (no row
    written, their ledger entry taken back) and are `replayed`."""
    place = ensure_verifier(verifier)
    try:
        parsed = codec.parse(code)
    except codec.Malformed as exc:
        raise ValidationFailed(
            "身份码格式有误", fields={"code": ["不是电子身份码，请重新扫描或粘贴"]}
        ) from exc
    now = now or timezone.now()
    judged = _judge(parsed, _ts(now))
    signed_ok = judged.outcome != Outcome.FORGED
    fields = {
        "person": judged.reference.user if judged.reference else None,
        "verifier": verifier,
        "hall": place.hall,
        "window": place.window,
        "at": now,
        "key_version": parsed.sign_version if signed_ok else None,
        "code_issued_at": _dt(parsed.issued_at) if signed_ok else None,
    }
    if judged.outcome == Outcome.VALID:
        check = IdentityCheck(outcome=Outcome.VALID, nonce=parsed.nonce.hex(), **fields)
        # the entry and the one-time insert stand or fall together: a nonce already taken writes
        # no row (ON CONFLICT DO NOTHING, no savepoint) and its entry is taken back
        entry = ledgering.record_check(check)
        if rawinsert.insert([check], unless_taken="nonce"):
            log.info("identity code verified check=%s verifier=%s", check.pk, verifier.pk)
            return check
        ledgering.unrecord_check(check, entry)
        outcome = Outcome.REPLAYED
    else:
        outcome = judged.outcome
    check = IdentityCheck.objects.create(outcome=outcome, **fields)
    log.info("identity code rejected check=%s outcome=%s verifier=%s", check.pk, outcome, verifier.pk)
    return check


def rejection(check: IdentityCheck) -> CodeRejected:
    return CodeRejected(MESSAGES[Outcome(check.outcome)], code=check.outcome)


def outcome_message(outcome: str) -> str:
    return MESSAGES.get(outcome, "核验通过")
