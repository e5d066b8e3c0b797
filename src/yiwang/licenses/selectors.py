"""Licence reads: the holder's own licences and wallet, verification, licences usable in an
application (免提交), presentations and uses, the import batches and repair queue (no writes)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.core import keys
from yiwang.core.errors import ValidationFailed
from yiwang.core.masking import mask_id_number

from . import hooks, sdjwt, signing, statuslist
from .hooks import ExternalLicense
from .issuer import SHANGHAI, issuer_url, presentation_path, presentation_url, status_list_uri
from .models import (
    ImportBatch,
    License,
    LicenseAuthorisation,
    LicensePresentation,
    LicenseRepair,
    LicenseStatus,
    LicenseUse,
)

log = logging.getLogger("yiwang.licenses")


def holder_hash(user: User) -> str | None:
    if user.kind == AccountKind.LEGAL and user.uscc:
        return keys.lookup_hash(user.uscc, kind="uscc")
    if user.kind == AccountKind.PERSON and user.id_number:
        from yiwang.accounts.services import id_number_hash

        return id_number_hash(user.id_number)
    return None


def licenses_for_holder(*, user: User) -> QuerySet[License]:
    """The licences a citizen or business holds (matched by ID number / credit code, so a
    licence issued before the account existed is found too). Staff hold none here."""
    h = holder_hash(user)
    if not h:
        return License.objects.none()
    return License.objects.filter(holder_id_hash=h).select_related("type").order_by("-issued_on", "-id")


def license_for_holder(*, user: User, identifier: str) -> License | None:
    return licenses_for_holder(user=user).filter(identifier=identifier).first()


def effective_status(lic: License, *, today: date | None = None) -> str:
    today = today or timezone.localdate()
    if lic.status == LicenseStatus.VALID and lic.valid_until and lic.valid_until < today:
        return LicenseStatus.EXPIRED
    return lic.status


# Immutable facts of a licence by status index (type code, issuer name and code): safe to keep per
# process like key material; never the status, which is read from the status list.
_facts: dict[int, tuple[str, str, str]] = {}
_FACTS_MAX = 200_000


def _license_facts(idx: int) -> tuple[str, str, str] | None:
    hit = _facts.get(idx)
    if hit is None:
        row = (
            License.objects.filter(status_index=idx)
            .values_list("type__code", "issuer_name", "issuer_uscc")
            .first()
        )
        if row is None:
            return None
        hit = tuple(row)
        if not transaction.get_connection().in_atomic_block:  # only what is committed
            if len(_facts) >= _FACTS_MAX:
                _facts.clear()
            _facts[idx] = hit
    return hit


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).astimezone(SHANGHAI).isoformat(timespec="seconds")


def license_verify(*, credential: str, now: datetime | None = None) -> dict:
    """Verify a licence credential (SD-JWT VC, issuance form or a presentation): signature with
    the issuer key version it names, disclosure digests, validity period and status list.
    Never raises for a bad credential: the verdict and its reasons say what is wrong."""
    out: dict = {
        "valid": False,
        "status": None,
        "reasons": [],
        "issuer": None,
        "expires_at": None,
        "disclosed": {},
        "annotation": None,
    }
    try:
        parsed = sdjwt.parse(credential)
    except sdjwt.SdJwtError as exc:
        out["reasons"] = [exc.code]
        return out
    alg = parsed.header.get("alg")
    if parsed.header.get("typ") != sdjwt.TYP or not isinstance(parsed.header.get("kid"), str):
        out["reasons"] = ["malformed"]
        return out
    if alg not in signing.ALGS:
        out["reasons"] = ["unsupported_alg"]
        return out
    try:
        version = signing.kid_version(parsed.header["kid"], alg)
        key = signing.public_key(alg, version)
    except signing.BadKid:
        out["reasons"] = ["unknown_key"]
        return out
    except keys.KeyError_:
        out["reasons"] = ["unknown_key"]
        return out
    if parsed.payload.get("iss") != issuer_url():
        out["reasons"] = ["unknown_issuer"]
        return out
    if not sdjwt.verify_signature(parsed, key):
        out["reasons"] = ["bad_signature"]
        return out
    reasons = sdjwt.resolve_disclosures(parsed)
    payload = parsed.payload
    now_ts = (now or timezone.now()).timestamp()
    exp, nbf = payload.get("exp"), payload.get("nbf")
    if (exp is not None and not isinstance(exp, int)) or (nbf is not None and not isinstance(nbf, int)):
        reasons.append("malformed")
    status = LicenseStatus.VALID
    if isinstance(exp, int):
        out["expires_at"] = _iso(exp)
        if now_ts > exp:
            status = LicenseStatus.EXPIRED
            reasons.append("expired")
    if isinstance(nbf, int) and now_ts < nbf:
        reasons.append("not_yet_valid")
    ref = payload.get("status")
    ref = ref.get("status_list") if isinstance(ref, dict) else None
    ref = ref if isinstance(ref, dict) else {}
    idx = ref.get("idx")
    lic = None
    if ref.get("uri") != status_list_uri() or not isinstance(idx, int):
        reasons.append("unknown_status_list")
    else:
        lic = _license_facts(idx)
        if lic is None or payload.get("vct") != f"urn:yiwang:license:{lic[0]}":
            reasons.append("unknown_license")
            lic = None
        elif statuslist.lookup(idx) != 0:
            now_status = License.objects.filter(status_index=idx).values_list("status", flat=True).first()
            status = now_status if now_status in statuslist.INVALID else LicenseStatus.REVOKED
            reasons.append(status)
    jti = payload.get("jti")
    if jti is not None or "annotation" in payload:
        # a 加注件: bound to its presentation record, which the holder may have withdrawn
        pres = None
        if isinstance(jti, str) and 0 < len(jti) <= 40 and isinstance(payload.get("annotation"), dict):
            pres = (
                LicensePresentation.objects.filter(public_id=jti)
                .values("withdrawn_at", "license__status_index")
                .first()
            )
        if pres is None or pres["license__status_index"] != idx:
            reasons.append("unknown_presentation")
        else:
            out["annotation"] = {**payload["annotation"], "id": jti}
            if pres["withdrawn_at"] is not None:
                reasons.append("withdrawn")
    out["status"] = status
    out["issuer"] = {
        "iss": payload.get("iss"),
        "key_version": version,
        "kid": parsed.header["kid"],
        "alg": alg,
    }
    if lic is not None:
        out["type_code"] = lic[0]  # for pages (labels of the type's fields); not in the API answer
        out["issuer"].update(name=lic[1], code=lic[2])
    if (
        "malformed" not in reasons
        and "disclosure_mismatch" not in reasons
        and "duplicate_disclosure" not in reasons
    ):
        out["disclosed"] = parsed.disclosed
    out["reasons"] = sorted(set(reasons))
    out["valid"] = not reasons
    return out


# --- use in applications (免提交) -----------------------------------------------------------------
@dataclass(frozen=True)
class UsableLicense:
    license: License | None  # None for a licence of another issuer (`external`)
    via: str  # "own" | "authorised" | "external" (found by a hooks.external_license_find app)
    authorisation: LicenseAuthorisation | None = None
    external: ExternalLicense | None = None

    @property
    def identifier(self) -> str:
        return self.license.identifier if self.license is not None else self.external.identifier


def _valid_on(on: date) -> Q:
    return Q(status=LicenseStatus.VALID, valid_from__lte=on) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


def _authorisation_active(on: date) -> Q:
    return Q(revoked_at__isnull=True, valid_from__lte=on, valid_until__gte=on)


def _items_allow(a: LicenseAuthorisation, item_code: str) -> bool:
    """An authorisation limited to items covers only those items (and nothing when no item is named)."""
    return not a.item_codes or (bool(item_code) and item_code in a.item_codes)


def licenses_usable(
    *, applicant: User, type_codes: Iterable[str], on: date | None = None, item_code: str = ""
) -> dict[str, list[UsableLicense]]:
    """type code -> the valid licences (status valid, within validity on `on`) the applicant holds,
    then those a holder authorised to the applicant (authorisation not revoked and valid on `on`;
    one limited to items only when `item_code` is one of them). Every requested code is a key."""
    codes = [c for c in dict.fromkeys(type_codes) if isinstance(c, str)]
    out: dict[str, list[UsableLicense]] = {c: [] for c in codes}
    h = holder_hash(applicant) if applicant is not None and applicant.is_authenticated else None
    if not codes or not h:
        return out
    on = on or timezone.localdate()
    base = License.objects.filter(_valid_on(on), type__code__in=codes).select_related("type")
    for lic in base.filter(holder_id_hash=h).order_by("-issued_on", "-id"):
        out[lic.type.code].append(UsableLicense(license=lic, via="own"))
    seen: set[int] = set()
    auths = (
        LicenseAuthorisation.objects.filter(
            _authorisation_active(on),
            grantee_id_hash=h,
            license__in=base.exclude(holder_id_hash=h),
        )
        .select_related("license__type")
        .order_by("-license__issued_on", "-license_id", "-created_at", "-id")
    )
    for a in auths:
        if a.license_id in seen or not _items_allow(a, item_code):
            continue
        seen.add(a.license_id)
        out[a.license.type.code].append(UsableLicense(license=a.license, via="authorised", authorisation=a))
    return out


def licenses_authorised_to(*, user: User, on: date | None = None) -> list[UsableLicense]:
    """Licences other holders authorised this user to use (active authorisations of licences
    that are valid on `on`), one row per authorisation."""
    h = holder_hash(user) if user is not None and user.is_authenticated else None
    if not h:
        return []
    on = on or timezone.localdate()
    auths = (
        LicenseAuthorisation.objects.filter(
            _authorisation_active(on), grantee_id_hash=h, license__in=License.objects.filter(_valid_on(on))
        )
        .exclude(license__holder_id_hash=h)
        .select_related("license__type")
        .order_by("-created_at", "-id")
    )
    return [UsableLicense(license=a.license, via="authorised", authorisation=a) for a in auths]


def authorisations_for_license(*, license: License) -> QuerySet[LicenseAuthorisation]:
    return LicenseAuthorisation.objects.filter(license=license).order_by("-created_at", "-id")


def authorisation_for_holder(*, user: User, pk: int) -> LicenseAuthorisation | None:
    h = holder_hash(user)
    if not h:
        return None
    return (
        LicenseAuthorisation.objects.select_related("license__type")
        .filter(pk=pk, license__holder_id_hash=h)
        .first()
    )


UNUSABLE_MESSAGE = "未找到您可使用的该电子证照（证照不存在，或未获持证主体授权）"


def credential_matches(lic: License) -> bool:
    """The stored credential verifies against the issuer key version it names, and says what the
    licence row says (type, status-list index, identifier)."""
    try:
        parsed = sdjwt.parse(lic.credential)
        if parsed.header.get("typ") != sdjwt.TYP:
            return False
        version = signing.kid_version(parsed.header.get("kid"), parsed.header.get("alg"))
        key = signing.public_key(parsed.header.get("alg"), version)
    except (sdjwt.SdJwtError, keys.KeyError_, signing.UnsupportedAlg, signing.BadKid):
        return False
    if version != lic.key_version or not sdjwt.verify_signature(parsed, key):
        return False
    if sdjwt.resolve_disclosures(parsed):
        return False
    p = parsed.payload
    ref = (p.get("status") or {}).get("status_list") or {}
    return (
        p.get("iss") == issuer_url()
        and p.get("vct") == f"urn:yiwang:license:{lic.type.code}"
        and ref.get("idx") == lic.status_index
        and parsed.disclosed.get("identifier") == lic.identifier
    )


def license_reference_check(
    *,
    identifier: str,
    applicant: User,
    type_code: str,
    on: date | None = None,
    item_code: str = "",
    purpose: str = "",
) -> UsableLicense:
    """Check that the applicant may use the licence `identifier` as a material of type
    `type_code` on `on` (own, or authorised for `item_code`), that it is valid then, and that its
    stored credential verifies. Raises ValidationFailed with code license_unusable (not found,
    or someone else's without a usable authorisation: one message, existence not revealed),
    license_wrong_type, license_expired, license_revoked or license_suspended.

    An identifier that is no licence of this platform is asked of the apps registered in
    `hooks.external_license_find` (the provincial licence library, for the applicant's own
    licences; `purpose` goes with the question): `license_lookup_failed` when it cannot answer."""
    on = on or timezone.localdate()
    lic = None
    if isinstance(identifier, str) and 0 < len(identifier) <= 120:
        lic = License.objects.select_related("type").filter(identifier=identifier.strip()).first()
    h = holder_hash(applicant) if applicant is not None and applicant.is_authenticated else None
    if lic is None and h and isinstance(identifier, str) and 0 < len(identifier.strip()) <= 120:
        return _external_reference_check(
            identifier=identifier.strip(),
            applicant=applicant,
            type_code=type_code,
            on=on,
            item_code=item_code,
            purpose=purpose,
        )
    if lic is None or not h:
        raise ValidationFailed(UNUSABLE_MESSAGE, code="license_unusable")
    usable = None
    if lic.holder_id_hash == h:
        usable = UsableLicense(license=lic, via="own")
    else:
        for a in LicenseAuthorisation.objects.filter(
            _authorisation_active(on), license=lic, grantee_id_hash=h
        ).order_by("-created_at", "-id"):
            if _items_allow(a, item_code):
                a.license = lic
                usable = UsableLicense(license=lic, via="authorised", authorisation=a)
                break
    if usable is None:
        raise ValidationFailed(UNUSABLE_MESSAGE, code="license_unusable")
    if lic.type.code != type_code:
        raise ValidationFailed(
            f"该证照是“{lic.type.name}”，不是本材料需要的证照类型", code="license_wrong_type"
        )
    if lic.status == LicenseStatus.REVOKED:
        raise ValidationFailed("该证照已注销，不能使用", code="license_revoked")
    if lic.status == LicenseStatus.SUSPENDED:
        raise ValidationFailed("该证照已暂停使用，不能使用", code="license_suspended")
    if lic.status == LicenseStatus.EXPIRED or (lic.valid_until and lic.valid_until < on):
        raise ValidationFailed("该证照已过有效期，不能使用", code="license_expired")
    if lic.valid_from > on:
        raise ValidationFailed("该证照尚未生效，不能使用", code="license_unusable")
    if not credential_matches(lic):
        log.warning("license %s: stored credential does not verify", lic.identifier)
        raise ValidationFailed(
            "该证照的电子签名核验未通过，暂不能使用，请联系发证机关", code="license_unusable"
        )
    return usable


def _external_reference_check(
    *, identifier: str, applicant: User, type_code: str, on: date, item_code: str, purpose: str
) -> UsableLicense:
    # every registered app is asked in turn until one answers (the first answer wins); one that
    # cannot answer now does not keep the others from being asked, but if none answered, the
    # applicant is told the check could not be made (not that the licence does not exist).
    found, failed = None, None
    for fn in hooks.external_license_find.functions():
        try:
            found = fn(
                identifier=identifier,
                applicant=applicant,
                type_code=type_code,
                purpose=purpose,
                item_code=item_code,
            )
        except hooks.ExternalLookupFailed as exc:
            log.warning("external licence lookup failed: %s", exc)
            failed = failed or exc
            continue
        if found is not None:
            break
    if found is None and failed is not None:
        raise ValidationFailed(
            "暂时无法向省级电子证照库核验该证照，请稍后再试或上传材料", code="license_lookup_failed"
        ) from failed
    if found is None or found.identifier != identifier:
        raise ValidationFailed(UNUSABLE_MESSAGE, code="license_unusable")
    if found.type_code != type_code:
        raise ValidationFailed(
            f"该证照是“{found.type_name}”，不是本材料需要的证照类型", code="license_wrong_type"
        )
    if found.status == LicenseStatus.REVOKED:
        raise ValidationFailed("该证照已注销，不能使用", code="license_revoked")
    if found.status == LicenseStatus.SUSPENDED:
        raise ValidationFailed("该证照已暂停使用，不能使用", code="license_suspended")
    if found.status == LicenseStatus.EXPIRED or (found.valid_until and found.valid_until < on):
        raise ValidationFailed("该证照已过有效期，不能使用", code="license_expired")
    if found.status != LicenseStatus.VALID or (found.valid_from and found.valid_from > on):
        raise ValidationFailed(UNUSABLE_MESSAGE, code="license_unusable")
    return UsableLicense(license=None, via="external", external=found)


# --- presentations and uses ---------------------------------------------------------------------
def presentations_for_license(*, license: License) -> QuerySet[LicensePresentation]:
    return LicensePresentation.objects.filter(license=license).order_by("-created_at", "-id")


def presentation_for_holder(*, user: User, pk: int) -> LicensePresentation | None:
    h = holder_hash(user)
    if not h:
        return None
    return (
        LicensePresentation.objects.select_related("license__type")
        .filter(pk=pk, license__holder_id_hash=h)
        .first()
    )


def presentation_by_link(*, public_id: str) -> LicensePresentation | None:
    if not isinstance(public_id, str) or not 0 < len(public_id) <= 40:
        return None
    return LicensePresentation.objects.select_related("license__type").filter(public_id=public_id).first()


def presentation_state(p: LicensePresentation, *, now: datetime | None = None) -> str:
    if p.withdrawn_at is not None:
        return "withdrawn"
    if p.expires_at <= (now or timezone.now()):
        return "expired"
    return "active"


def uses_for_license(*, license: License) -> QuerySet[LicenseUse]:
    return LicenseUse.objects.filter(license=license).select_related("authorisation").order_by("-at", "-id")


# --- the holder's wallet (我的证照) ------------------------------------------------------------------
USES_SHOWN = 50
DEFAULT_PRESENTED = ("name", "valid_until")  # the fields a new 加注件 offers checked


def wallet_card(*, license: License, today: date, made: int | None = None) -> dict:
    """One licence in its holder's wallet: status and whether it may be used, its disclosable
    fields (a 公民身份号码 masked), its 加注件 — the one just made (`made`, while active) with its
    link's QR code and credential, shown once —, its use authorisations and its latest uses."""
    from . import presenters, qr

    parsed = sdjwt.parse(license.credential)
    sdjwt.resolve_disclosures(parsed)
    type_fields = license.type.metadata_fields
    presentations = []
    for p in presentations_for_license(license=license):
        s = presentation_state(p)
        row = {"p": p, "state": s, "label": presenters.PRESENTATION_STATUS[s], "url": presentation_url(p)}
        if p.pk == made and s == "active":
            row["made"] = True
            row["qr"] = qr.svg(row["url"], title=f"加注件链接二维码：{p.recipient}")
            row["credential"] = p.credential
        row["path"] = presentation_path(p)
        row["field_labels"] = "、".join(presenters.label(f, type_fields) for f in p.fields)
        presentations.append(row)
    authorisations = []
    for a in authorisations_for_license(license=license):
        state = presenters.authorisation_state(a, today=today)
        authorisations.append(
            {
                "a": a,
                "state": state,
                "label": presenters.AUTHORISATION_STATUS[state],
                "grantee_id": presenters.masked_party_id(a.grantee_id_type, a.grantee_id),
                "id_type": presenters.ID_TYPES.get(a.grantee_id_type, ""),
            }
        )
    uses = [
        {**presenters.use_out(u), "at_text": timezone.localtime(u.at).strftime("%Y-%m-%d %H:%M")}
        for u in uses_for_license(license=license)[:USES_SHOWN]
    ]
    status = effective_status(license, today=today)
    return {
        "license": license,
        "status": presenters.STATUS.get(status, ""),
        "usable": status == LicenseStatus.VALID,
        "fields": [
            (
                name,
                presenters.label(name, type_fields),
                mask_id_number(value) if name == "holder_id" and license.holder_id_type == "111" else value,
                name in DEFAULT_PRESENTED,
            )
            for name, value in parsed.disclosed.items()
        ],
        "presentations": presentations,
        "authorisations": authorisations,
        "uses": uses,
    }


# --- 归集 / 修复 --------------------------------------------------------------------------------------
def import_batches_for(*, user: User) -> QuerySet[ImportBatch]:
    """Import batches a staff member may see: their own, or all for a platform admin and for
    department admins / approvers those with rows of their departments."""
    from . import importing

    allowed = importing.allowed_departments(user)
    qs = ImportBatch.objects.select_related("created_by").order_by("-created_at", "-id")
    if allowed is None:
        return qs
    return qs.filter(Q(created_by=user) | Q(repairs__department_id__in=allowed)).distinct()


def repairs_for(*, user: User, status: str | None = None) -> QuerySet[LicenseRepair]:
    """The repair queue as a staff member sees it (same visibility as the batches)."""
    from . import importing

    allowed = importing.allowed_departments(user)
    qs = LicenseRepair.objects.select_related("batch", "department", "license").order_by(
        "status", "-batch_id", "row_number"
    )
    if allowed is not None:
        qs = qs.filter(Q(batch__created_by=user) | Q(department_id__in=allowed))
    if status:
        qs = qs.filter(status=status)
    return qs


def repair_for(*, user: User, pk: int) -> LicenseRepair | None:
    return repairs_for(user=user).filter(pk=pk).first()
