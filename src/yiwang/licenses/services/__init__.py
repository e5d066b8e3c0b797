"""Licence writes, by topic:

- `license_types`: the catalogue of licence types, validity rules, the types a case results in;
- `issuance`: licences of completed cases (the caller names the holder and the revealed form)
  and existing licences brought in, signed as SD-JWT VC;
- `status`: suspension, reinstatement, revocation, expiry;
- `authorisations`: 授权用证 (grant, revoke) and the use log (用证记录);
- `presentations`: 加注件 (make, withdraw, uses when opened or verified);
- `imports`: 归集 from files and the repair queue (修复);
- `base`: what they share (parties, cleaning, holder check).

Ledger payloads are in `licenses.ledgering`; the issuer URL, status-list URI and presentation
links in `licenses.issuer`. Callers keep using `from yiwang.licenses import services` (or
`services.<name>`, `from yiwang.licenses.services import <name>`): every name they use is here.
"""

from ..issuer import SHANGHAI, issuer_url, presentation_path, presentation_url, status_list_uri
from ..ledgering import (
    authorisation_payload,
    authorisation_revoke_payload,
    commitment,
    ledger_payload,
    presentation_payload,
    presentation_withdraw_payload,
    use_payload,
)
from .authorisations import (
    MAX_AUTHORISATION_YEARS,
    MAX_ITEM_CODES,
    MAX_USE_FIELDS,
    license_authorisation_revoke,
    license_authorise,
    license_reference_use,
    license_use_record,
)
from .base import HolderParty, IssuingCase, party_hash
from .imports import license_import_file, license_repair_discard, license_repair_reissue, repair_values
from .issuance import (
    credential_claims,
    license_import,
    license_issue,
    license_issue_all,
    license_metadata,
    sign_credential,
)
from .license_types import (
    LICENSE_RESULT_TYPE,
    add_months,
    license_types_for_case,
    license_types_load,
    valid_until_for,
)
from .presentations import (
    MAX_PRESENTATION_DAYS,
    VIEW_RECORD_SECONDS,
    disclosable_names,
    license_present,
    license_presentation_withdraw,
    presentation_annotation,
    presentation_credential,
    presentation_use_record,
    record_verification,
)
from .status import license_set_status, licenses_expire

__all__ = [
    "LICENSE_RESULT_TYPE",
    "MAX_AUTHORISATION_YEARS",
    "MAX_ITEM_CODES",
    "MAX_PRESENTATION_DAYS",
    "MAX_USE_FIELDS",
    "SHANGHAI",
    "VIEW_RECORD_SECONDS",
    "HolderParty",
    "IssuingCase",
    "add_months",
    "authorisation_payload",
    "authorisation_revoke_payload",
    "commitment",
    "credential_claims",
    "disclosable_names",
    "issuer_url",
    "ledger_payload",
    "license_authorisation_revoke",
    "license_authorise",
    "license_import",
    "license_import_file",
    "license_issue",
    "license_issue_all",
    "license_metadata",
    "license_present",
    "license_presentation_withdraw",
    "license_reference_use",
    "license_repair_discard",
    "license_repair_reissue",
    "license_set_status",
    "license_types_for_case",
    "license_types_load",
    "license_use_record",
    "licenses_expire",
    "party_hash",
    "presentation_annotation",
    "presentation_credential",
    "presentation_path",
    "presentation_payload",
    "presentation_url",
    "presentation_use_record",
    "presentation_withdraw_payload",
    "record_verification",
    "repair_values",
    "sign_credential",
    "status_list_uri",
    "use_payload",
    "valid_until_for",
]
