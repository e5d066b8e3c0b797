"""免提交: materials satisfied by e-licences instead of uploads. A referenced licence must be of
the material's licence type and usable by the applicant (own, or authorised by its holder; valid
signature, status and expiry) when the case is filed, released and accepted; each use is logged
by the licences app."""

from __future__ import annotations

from datetime import date

from yiwang.accounts.models import User
from yiwang.catalog.models import ItemVersion
from yiwang.core.errors import ValidationFailed
from yiwang.licenses import selectors as licenses
from yiwang.licenses.hooks import ExternalLicense
from yiwang.licenses.selectors import UsableLicense
from yiwang.licenses.services import license_reference_use

from ..models import Case, CaseLicenseRef


def _check_license_refs(
    refs: dict, *, version: ItemVersion, owner: User, on: date
) -> dict[str, UsableLicense]:
    """{material code: usable licence} for `refs` {material code: licence identifier}; one
    ValidationFailed naming every material whose licence cannot be used."""
    if not isinstance(refs, dict):
        raise ValidationFailed(fields={"license_refs": ["应为对象：材料编码 → 证照标识"]})
    by_code = {m.code: m for m in version.materials.all()}
    usable, errors = {}, {}
    for code, identifier in refs.items():
        material = by_code.get(code)
        if material is None or not material.license_type_code:
            errors[f"materials.{code}"] = ["该材料不能以电子证照代替"]
            continue
        try:
            usable[code] = licenses.license_reference_check(
                identifier=str(identifier),
                applicant=owner,
                type_code=material.license_type_code,
                on=on,
                item_code=version.item.code,
                purpose=f"免提交：{version.name}",
            )
        except ValidationFailed as exc:
            errors[f"materials.{code}"] = [f"{exc.message}，请上传{material.name}"]
    if errors:
        raise ValidationFailed(fields=errors)
    return usable


def _attach_license_refs(*, case: Case, actor: User, refs: dict[str, UsableLicense]) -> None:
    for code, use in refs.items():
        ext = use.external
        CaseLicenseRef.objects.create(
            case=case,
            material_code=code,
            license=use.license,
            via=use.via,
            external_identifier=ext.identifier if ext is not None else "",
            external=_snapshot(ext) if ext is not None else {},
        )
        license_reference_use(
            usable=use, user=actor, purpose=f"免提交：{case.item_version.name}", case_number=case.number
        )


def _snapshot(ext: ExternalLicense) -> dict:
    """What the other system said of the licence when it was checked (no holder identifier)."""
    day = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "type_code": ext.type_code,
        "type_name": ext.type_name,
        "number": ext.number,
        "issuer_name": ext.issuer_name,
        "issuer_code": ext.issuer_code,
        "valid_from": day(ext.valid_from),
        "valid_until": day(ext.valid_until),
        "status": ext.status,
        "source": ext.source,
        "lookup_ref": ext.lookup_ref,
    }


def _reverify_license_refs(case: Case, *, on: date) -> None:
    """At acceptance the clerk's check: every licence the application relies on is still usable
    (another issuer's is asked of the provincial library again)."""
    refs = {r.material_code: r.identifier for r in case.license_refs.select_related("license")}
    if refs:
        _check_license_refs(refs, version=case.item_version, owner=case.owner, on=on)
