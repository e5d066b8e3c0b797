"""Consent (本人授权): a query that needs the data subject's consent opens a pending request; the
subject grants or refuses it, and may withdraw a grant, which stops the very next query.

Decisions go through the one workflow mechanism (`core.workflow`, rule table
`rules.CONSENT_RULES`): a conditional UPDATE on `version` and the expected state, and the
immutable record of the step is its ledger entry (`exchange.consent.granted|refused|withdrawn`).
"""

from __future__ import annotations

import os

from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.workflow import Step, Workflow
from yiwang.organizations.models import Department

from .. import ledgering
from ..models import Consent, ConsentStatus, DataResource, SubjectKind
from ..rules import CONSENT_RULES, SUBJECT
from ..selectors import user_subject_hash


def _record_step(consent: Consent, step: Step) -> None:
    ledgering.record_consent(consent, withdrawal=step.action == "withdraw")


CONSENTS: Workflow[Consent] = Workflow(model=Consent, rules=CONSENT_RULES, record=_record_step, noun="授权")


def _own_consent(*, user: User, consent_id: int) -> Consent:
    h = user_subject_hash(user)
    c = Consent.objects.select_related("resource", "consumer").filter(pk=consent_id, subject_hash=h).first()
    if not h or c is None:
        raise NotFound("未找到该授权请求")
    return c


@transaction.atomic
def consent_decide(*, user: User, consent_id: int, action: str) -> Consent:
    """The data subject grants or refuses a pending request, or withdraws a granted consent.
    Withdrawal takes effect for the very next query."""
    c = _own_consent(user=user, consent_id=consent_id)
    found = CONSENT_RULES.get(action)
    if found is None:
        raise ValidationFailed(fields={"action": ["操作应为 grant、refuse 或 withdraw"]})
    CONSENTS.check(obj=c, action=action, roles={SUBJECT})
    now = timezone.now()
    update = {"withdrawn_at": now} if action == "withdraw" else {"decided_at": now, "subject_user": user}
    assert found.target is not None
    return CONSENTS.transition(
        c, action=action, to=found.target, actor=user, role=SUBJECT, update=update, expect_state=True
    )


def _subject_user(*, kind: str, subject_hash: str) -> User | None:
    if kind == SubjectKind.PERSON:
        return User.objects.filter(id_number_hash=subject_hash, kind=AccountKind.PERSON).first()
    return None


def consent_request(
    *,
    subject_hash: str,
    kind: str,
    resource: DataResource,
    consumer: Department,
    purpose: str,
    elements: list[str],
    case_number: str,
) -> Consent:
    """A pending consent request (one open request per subject, consumer, resource and purpose),
    in the caller's transaction (the gateway's record of the refused query)."""
    try:
        with transaction.atomic():
            return Consent.objects.create(
                subject_hash=subject_hash,
                subject_user=_subject_user(kind=kind, subject_hash=subject_hash),
                resource=resource,
                consumer=consumer,
                purpose=purpose,
                elements=elements,
                case_number=case_number[:40],
                ledger_salt=os.urandom(16).hex(),
            )
    except IntegrityError:
        return Consent.objects.get(
            subject_hash=subject_hash,
            resource=resource,
            consumer=consumer,
            purpose=purpose,
            status__in=[ConsentStatus.PENDING, ConsentStatus.GRANTED],
        )
