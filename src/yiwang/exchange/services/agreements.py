"""Sharing agreements (共享协议): a consuming department requests named elements of a resource for
purposes, under a legal basis, for a period; the provider's chief data officer approves (possibly
narrowed: fewer elements, a shorter period, with reasons) or refuses; either side may end an
approved agreement early, with a reason.

Every state change goes through the one workflow mechanism (`core.workflow`) with the rule table
`rules.AGREEMENT_RULES`: a conditional UPDATE on `version` (exactly one of two concurrent
deciders wins, the other gets 409 stale_version), and the immutable record of the step is its
ledger entry (`exchange.agreement.approved|refused|revoked`), written in the same transaction.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.workflow import Step, Workflow
from yiwang.organizations.models import Department

from .. import ledgering
from ..models import PURPOSES, Agreement, AgreementStatus, DataResource, SharingType
from ..rules import AGREEMENT_RULES, CONSUMER, DECISIONS, MAX_AGREEMENT_DAYS, PROVIDER, SYSTEM
from ..selectors import agreement_roles, staff_department_ids
from .catalogue import elements_check


def _record_step(agreement: Agreement, step: Step) -> None:
    """The step's immutable record: the decision's or the revocation's ledger entry."""
    if step.action == "revoke":
        ledgering.record_agreement_revocation(agreement)
    else:
        ledgering.record_agreement(agreement, decision=True)


AGREEMENTS: Workflow[Agreement] = Workflow(
    model=Agreement, rules=AGREEMENT_RULES, record=_record_step, noun="共享协议"
)


def purposes_check(purposes: list[str]) -> list[str]:
    if not purposes:
        raise ValidationFailed(fields={"purposes": ["请选择用途"]})
    unknown = [p for p in purposes if p not in PURPOSES]
    if unknown:
        raise ValidationFailed(
            fields={"purposes": [f"未知的用途：{'、'.join(unknown)}；可选：{'、'.join(PURPOSES)}"]}
        )
    return sorted(set(purposes))


@transaction.atomic
def agreement_request(
    *,
    actor: User,
    resource: DataResource,
    consumer: Department,
    elements: list[str],
    purposes: list[str],
    legal_basis: str,
    valid_until: date,
    valid_from: date | None = None,
    purpose_note: str = "",
    on: date | None = None,
) -> Agreement:
    """A consuming department asks for named elements of a resource. 无条件共享 resources are
    approved at once (still recorded); 不予共享 resources cannot be requested."""
    today = on or timezone.localdate()
    if consumer.pk not in staff_department_ids(actor) and not actor.is_superuser:
        raise PermissionDenied("只能以本部门名义申请共享", code="not_department_staff")
    if resource.sharing_type == SharingType.NONE:
        raise PermissionDenied("该数据资源不予共享，不能申请", code="not_shared")
    elements = elements_check(resource=resource, elements=elements)
    purposes = purposes_check(purposes)
    valid_from = valid_from or today
    errors: dict[str, list[str]] = {}
    if not legal_basis.strip():
        errors["legal_basis"] = ["请填写使用依据（法律法规或“三定”规定等）"]
    if valid_until < valid_from or valid_until < today:
        errors["valid_until"] = ["有效期应晚于生效日期和今天"]
    elif (valid_until - valid_from).days > MAX_AGREEMENT_DAYS:
        errors["valid_until"] = ["有效期最长三年"]
    if errors:
        raise ValidationFailed(fields=errors)
    a = Agreement.objects.create(
        resource=resource,
        consumer=consumer,
        requested_elements=elements,
        requested_until=valid_until,
        purposes=purposes,
        purpose_note=purpose_note.strip()[:300],
        legal_basis=legal_basis.strip()[:300],
        requested_by=actor,
        valid_from=valid_from,
    )
    ledgering.record_agreement(a, decision=False)
    if resource.sharing_type == SharingType.UNCONDITIONAL:
        AGREEMENTS.transition(
            a,
            action="approve_automatically",
            to=AgreementStatus.APPROVED,
            role=SYSTEM,
            update={
                "elements": elements,
                "valid_until": valid_until,
                "decided_at": timezone.now(),
                "decision_reason": "无条件共享，自动批准",
                "automatic": True,
            },
        )
    return a


@transaction.atomic
def agreement_decide(
    *,
    actor: User,
    agreement: Agreement,
    action: str,
    version: int,
    elements: list[str] | None = None,
    valid_until: date | None = None,
    reason: str = "",
) -> Agreement:
    """The provider's chief data officer approves (possibly narrowed: fewer elements, a shorter
    period) or refuses, with reasons."""
    AGREEMENTS.check(obj=agreement, action="decide", roles=agreement_roles(user=actor, agreement=agreement))
    reason = reason.strip()[:500]
    update: dict[str, object]
    if action == "refuse":
        if not reason:
            raise ValidationFailed(fields={"reason": ["拒绝时请说明理由"]})
        update = {"elements": []}
    elif action == "approve":
        chosen = elements_check(
            resource=agreement.resource, elements=elements or agreement.requested_elements
        )
        outside = [e for e in chosen if e not in agreement.requested_elements]
        until = valid_until or agreement.requested_until
        errors: dict[str, list[str]] = {}
        if outside:
            errors["elements"] = [f"只能在申请范围内批准：{'、'.join(outside)} 未申请"]
        if until > agreement.requested_until:
            errors["valid_until"] = ["批准的有效期不能长于申请的有效期"]
        elif until < agreement.valid_from:
            errors["valid_until"] = ["有效期不能早于生效日期"]
        narrowed = len(chosen) < len(agreement.requested_elements) or until < agreement.requested_until
        if narrowed and not reason:
            errors["reason"] = ["缩小范围或缩短期限时请说明理由"]
        if errors:
            raise ValidationFailed(fields=errors)
        update = {"elements": chosen, "valid_until": until}
    else:
        raise ValidationFailed(fields={"action": ["操作应为 approve 或 refuse"]})
    return AGREEMENTS.transition(
        agreement,
        action="decide",
        to=DECISIONS[action],
        actor=actor,
        role=PROVIDER,
        note=reason,
        version=version,
        expect_state=True,
        update={"decided_by": actor, "decided_at": timezone.now(), "decision_reason": reason, **update},
    )


@transaction.atomic
def agreement_revoke(*, actor: User, agreement: Agreement, version: int, reason: str) -> Agreement:
    """End an approved agreement before its term, with a reason: the provider's chief data
    officer (e.g. the consumer misused the data, the legal basis lapsed), or the consuming
    department (it no longer needs the data). Queries under it are refused from the next one on
    (`agreement_revoked`); the revocation is a ledger entry like the request and the decision."""
    _, acting = AGREEMENTS.check(
        obj=agreement, action="revoke", roles=agreement_roles(user=actor, agreement=agreement)
    )
    side = PROVIDER if PROVIDER in acting else CONSUMER
    reason = reason.strip()[:500]
    if not reason:
        raise ValidationFailed(fields={"reason": ["请说明终止理由"]})
    return AGREEMENTS.transition(
        agreement,
        action="revoke",
        to=AgreementStatus.REVOKED,
        actor=actor,
        role=side,
        note=reason,
        version=version,
        expect_state=True,
        update={
            "revoked_by": actor,
            "revoked_at": timezone.now(),
            "revoked_side": side,
            "revoke_reason": reason,
        },
    )


def agreement_valid_q(*, on: date) -> Q:
    return Q(status=AgreementStatus.APPROVED, valid_from__lte=on) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )
