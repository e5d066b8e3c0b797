"""What licences write to the ledger (全程留痕) and how `yiwang ledger verify` re-derives it:
issuance, status changes, use authorisations and their revocation, presentations (加注件) and
their withdrawal, uses. Entries name a licence only by HMAC(licence.ledger_salt, identifier)
(`commitment`); payloads carry no personal data."""

from __future__ import annotations

from yiwang.core.formats import local_time
from yiwang.ledger import rederive
from yiwang.ledger import services as ledger

from .models import License, LicenseAuthorisation, LicensePresentation, LicenseUse


def commitment(lic: License) -> str:
    return ledger.subject_commitment(salt=bytes.fromhex(lic.ledger_salt), subject_id=lic.identifier)


def ledger_payload(lic: License) -> dict:
    return {
        "identifier": lic.identifier,
        "type": lic.type.code,
        "issuer": lic.issuer_uscc,
        "issued_on": lic.issued_on.isoformat(),
        "valid_until": lic.valid_until.isoformat() if lic.valid_until else None,
        "key_version": lic.key_version,
        "status_index": lic.status_index,
    }


def authorisation_payload(a: LicenseAuthorisation) -> dict:
    """What the ledger attests for a grant: no grantee identity, only its kind."""
    return {
        "identifier": a.license.identifier,
        "authorisation": a.pk,
        "grantee_id_type": a.grantee_id_type,
        "purpose": a.purpose,
        "item_codes": a.item_codes,
        "valid_from": a.valid_from.isoformat(),
        "valid_until": a.valid_until.isoformat(),
    }


def authorisation_revoke_payload(a: LicenseAuthorisation) -> dict:
    return {"identifier": a.license.identifier, "authorisation": a.pk, "revoked_at": local_time(a.revoked_at)}


def use_payload(use: LicenseUse) -> dict:
    """What the ledger attests for a use: no person, only ids, channel, purpose, fields, case."""
    return {
        "identifier": use.license.identifier,
        "use": use.pk,
        "channel": use.channel,
        "purpose": use.purpose,
        "fields": use.fields,
        "case": use.case_number,
        "authorisation": use.authorisation_id,
        "presentation": use.presentation_id,
        "at": local_time(use.at),
    }


def presentation_payload(p: LicensePresentation) -> dict:
    return {
        "identifier": p.license.identifier,
        "presentation": p.pk,
        "purpose": p.purpose,
        "recipient": p.recipient,
        "fields": p.fields,
        "made_at": local_time(p.created_at),
        "expires_at": local_time(p.expires_at),
    }


def presentation_withdraw_payload(p: LicensePresentation) -> dict:
    return {
        "identifier": p.license.identifier,
        "presentation": p.pk,
        "withdrawn_at": local_time(p.withdrawn_at),
    }


# --- re-derivation -------------------------------------------------------------------------------
def _rederive_issued(row) -> dict | None:
    lic = License.objects.select_related("type").filter(ledger_entry=row.pending_id).first()
    return ledger_payload(lic) if lic else None


def _rederive_authorised(row) -> dict | None:
    a = LicenseAuthorisation.objects.select_related("license").filter(ledger_entry=row.pending_id).first()
    return authorisation_payload(a) if a else None


def _rederive_authorisation_revoked(row) -> dict | None:
    a = (
        LicenseAuthorisation.objects.select_related("license")
        .filter(revoke_ledger_entry=row.pending_id)
        .first()
    )
    return authorisation_revoke_payload(a) if a else None


def _rederive_used(row) -> dict | None:
    use = LicenseUse.objects.select_related("license").filter(ledger_entry=row.pending_id).first()
    return use_payload(use) if use else None


def _rederive_presented(row) -> dict | None:
    p = LicensePresentation.objects.select_related("license").filter(ledger_entry=row.pending_id).first()
    return presentation_payload(p) if p else None


def _rederive_presentation_withdrawn(row) -> dict | None:
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
