"""Exchange writes, by topic:

- `catalogue`: the data resource catalogue and local register rows;
- `agreements`: sharing agreements — request, the provider CDO's decision, revocation;
- `consent`: the data subject's consent requests and decisions;
- `gateway`: the query gateway (`query_run`) every cross-department lookup goes through;
- `prefill`: values for canonical bases through the gateway (一件事 免填写).

Rule tables (agreements, consent, the gateway's refusal reasons) are in `exchange.rules`; who a
staff member acts for is read by `exchange.selectors`. Callers keep using
`from yiwang.exchange import services` (or `services.<name>`): every name they use is here.
"""

from ..rules import MAX_AGREEMENT_DAYS, REASONS
from ..selectors import cdo_department_ids, staff_department_ids, subject_hash_of, user_subject_hash
from .agreements import (
    AGREEMENTS,
    agreement_decide,
    agreement_request,
    agreement_revoke,
    agreement_valid_q,
)
from .catalogue import known_bases, register_put, resource_save
from .consent import CONSENTS, consent_decide, consent_request
from .gateway import Caller, QueryResult, caller_for_staff, caller_for_system, nonce_cleanup, query_run
from .prefill import PrefillResult, PrefillValue, prefill_lookup

__all__ = [
    "AGREEMENTS",
    "CONSENTS",
    "MAX_AGREEMENT_DAYS",
    "REASONS",
    "Caller",
    "PrefillResult",
    "PrefillValue",
    "QueryResult",
    "agreement_decide",
    "agreement_request",
    "agreement_revoke",
    "agreement_valid_q",
    "caller_for_staff",
    "caller_for_system",
    "cdo_department_ids",
    "consent_decide",
    "consent_request",
    "known_bases",
    "nonce_cleanup",
    "prefill_lookup",
    "query_run",
    "register_put",
    "resource_save",
    "staff_department_ids",
    "subject_hash_of",
    "user_subject_hash",
]
