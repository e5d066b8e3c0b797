"""Hooks through which higher apps take part in what licences do, without licences importing
them (docs/architecture.md, "Hooks"):

- `license_changed`: called inside the transaction that issues a licence or changes its status
  (suspend, reinstate, revoke), so a higher app may write an outbox message with the change
  (`docking` pushes it to the provincial licence library: 归集, and reports it: 数据上报). The
  function must not talk to the network; it runs in the issuing transaction, and an exception
  rolls the issuance back.
- `external_license_find`: asked by `selectors.license_reference_check` when an identifier is not
  a licence of this platform: a higher app may look it up elsewhere (the provincial licence
  library; `federation`: a licence a paired city issued) for the applicant, and answers an
  `ExternalLicense` or None (None also for another holder's licence: not revealed). It raises
  `ExternalLookupFailed` when the other system cannot answer now. Every registered function is
  asked in registration order until one answers; a failing one does not stop the others.
- `external_license_used`: a licence found through `external_license_find` was used in an
  application (免提交): every registered function is called, and each records only the licences
  it found (by `ExternalLicense.source`, e.g. "province", "federation:420700") and ignores the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Protocol

from yiwang.core.hooks import Hook

if TYPE_CHECKING:
    from yiwang.accounts.models import User

    from .models import License


class LicenseChanged(Protocol):
    def __call__(self, *, license: License, event: str, ref: str) -> None: ...


# event: "issued" | "suspended" | "valid" (reinstated) | "revoked"; ref: unique per change
# (the ledger entry's id), so a receiver can make one message per change.
license_changed: Hook[LicenseChanged] = Hook("licenses.license_changed")


@dataclass(frozen=True)
class ExternalLicense:
    """A licence of another issuer, as another system (the provincial library) describes it:
    GB/T 36903 metadata, without the holder's identifier (the caller knows whose it is)."""

    identifier: str
    type_code: str
    type_name: str
    number: str
    issuer_name: str
    issuer_code: str
    holder_name: str
    holder_id_type: str
    issued_on: date | None
    valid_from: date | None
    valid_until: date | None
    status: str  # "valid" | "suspended" | "revoked" | "expired"
    source: str  # who answered, e.g. "province"
    lookup_ref: str  # the record of the exchange that found it (opaque here)
    metadata: dict = field(default_factory=dict)


class ExternalLookupFailed(Exception):
    """The other system could not answer (down, slow, a bad or unsigned answer): the caller asks
    the applicant to upload the material instead. The text is for operators (no personal data)."""


class ExternalLicenseFind(Protocol):
    def __call__(
        self, *, identifier: str, applicant: User, type_code: str, purpose: str, item_code: str
    ) -> ExternalLicense | None: ...


external_license_find: Hook[ExternalLicenseFind] = Hook("licenses.external_license_find")


class ExternalLicenseUsed(Protocol):
    def __call__(
        self, *, licence: ExternalLicense, user: User | None, purpose: str, case_number: str
    ) -> None: ...


external_license_used: Hook[ExternalLicenseUsed] = Hook("licenses.external_license_used")


def changed(*, license: License, event: str, ref: str) -> None:
    """Tell every registered app about a change (inside the caller's transaction)."""
    for fn in license_changed.functions():
        fn(license=license, event=event, ref=ref)
