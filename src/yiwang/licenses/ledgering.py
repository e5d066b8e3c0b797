"""How `yiwang ledger verify` re-derives licence entries (issuance, use authorisations and their
revocation, presentations and their withdrawal, uses) from the live records. Entries name a
licence only by HMAC(licence.ledger_salt, identifier); payloads carry no personal data."""

from __future__ import annotations

from yiwang.ledger import rederive


def _rederive_issued(row) -> dict | None:
    from .models import License
    from .services import ledger_payload

    lic = License.objects.select_related("type").filter(ledger_entry=row.pending_id).first()
    return ledger_payload(lic) if lic else None


def _rederive_authorised(row) -> dict | None:
    from .models import LicenseAuthorisation
    from .services import authorisation_payload

    a = LicenseAuthorisation.objects.select_related("license").filter(ledger_entry=row.pending_id).first()
    return authorisation_payload(a) if a else None


def _rederive_authorisation_revoked(row) -> dict | None:
    from .models import LicenseAuthorisation
    from .services import authorisation_revoke_payload

    a = (
        LicenseAuthorisation.objects.select_related("license")
        .filter(revoke_ledger_entry=row.pending_id)
        .first()
    )
    return authorisation_revoke_payload(a) if a else None


def _rederive_used(row) -> dict | None:
    from .models import LicenseUse
    from .services import use_payload

    use = LicenseUse.objects.select_related("license").filter(ledger_entry=row.pending_id).first()
    return use_payload(use) if use else None


def _rederive_presented(row) -> dict | None:
    from .models import LicensePresentation
    from .services import presentation_payload

    p = LicensePresentation.objects.select_related("license").filter(ledger_entry=row.pending_id).first()
    return presentation_payload(p) if p else None


def _rederive_presentation_withdrawn(row) -> dict | None:
    from .models import LicensePresentation
    from .services import presentation_withdraw_payload

    p = (
        LicensePresentation.objects.select_related("license")
        .filter(withdraw_ledger_entry=row.pending_id)
        .first()
    )
    return presentation_withdraw_payload(p) if p else None


def register() -> None:
    rederive.register("license.presented", _rederive_presented)
    rederive.register("license.presentation_withdrawn", _rederive_presentation_withdrawn)
    rederive.register("license.issued", _rederive_issued)
    rederive.register("license.authorised", _rederive_authorised)
    rederive.register("license.authorisation_revoked", _rederive_authorisation_revoked)
    rederive.register("license.used", _rederive_used)
