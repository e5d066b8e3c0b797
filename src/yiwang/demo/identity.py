"""Demo data for 电子身份码: the demo citizen's code has been checked once at the city hall's
window 1 two days ago (so "我的身份码使用记录" is not empty), and every demo person and company
has a reference. Idempotent: a second run finds the demo check and adds nothing."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import AccountKind, User
from yiwang.identity import selectors, services
from yiwang.identity.models import IdentityCheck

HOLDERS = ("citizen", "citizen2", "business")
VERIFIER = "clerk"


@transaction.atomic
def demo_load(*, world=None) -> dict:
    """`world`: a core.testing.World (tests) or None (the demo users by username). Returns
    {"references": created, "checks": created}."""
    if world is not None:
        holders = [world.citizen, world.citizen2, world.company]
        verifier = world.clerk
    else:
        users = {u.username: u for u in User.objects.filter(username__in=(*HOLDERS, VERIFIER))}
        holders = [users[n] for n in HOLDERS if n in users]
        verifier = users.get(VERIFIER)
    holders = [u for u in holders if u.kind in (AccountKind.PERSON, AccountKind.LEGAL)]
    created_refs = 0
    for user in holders:
        if selectors.active_reference(user=user) is None:
            services.reference_create(user=user)
            created_refs += 1
    created_checks = 0
    if holders and verifier is not None and verifier.kind == AccountKind.STAFF:
        person = holders[0]
        if not IdentityCheck.objects.filter(person=person, verifier=verifier).exists():
            at = timezone.now() - timedelta(days=2)
            code = services.code_issue(user=person, now=at - timedelta(seconds=5))
            services.code_verify(code=code.code, verifier=verifier, now=at)
            created_checks += 1
    return {"references": created_refs, "checks": created_checks}
