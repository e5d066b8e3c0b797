"""免填写: a registry of prefill providers. Each provider answers "which of these element ids can you
fill for this applicant, with what value, from where, and may the applicant change it".

- `profile`: the account's own real-name data (authoritative when verified at trust level ≥ 3);
- `registers`: department registers through the data-exchange gateway (`exchange.services.
  prefill_lookup`: agreements, consent, every lookup recorded and in the ledger; a register that
  times out or errors leaves its fields to the applicant);
- `previous`: the applicant's previous cases (一键续办; editable).

Providers run in this order; the first value found for an element wins."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction

from yiwang.accounts.models import AccountKind, User
from yiwang.accounts.selectors import profile_elements

log = logging.getLogger("yiwang.bundles.prefill")

PERSON_PARTIES_WITH_ID = ("mother", "father", "spouse", "child", "legal_rep", "rights_holder", "employee")


@dataclass(frozen=True)
class Prefill:
    value: object
    source: str  # where the value comes from, in Chinese
    authoritative: bool
    provider: str

    def out(self) -> dict:
        return {"value": self.value, "source": self.source, "authoritative": self.authoritative}


@dataclass
class PrefillResult:
    values: dict[str, Prefill] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)


def _wanted(plan) -> set[str]:
    return set(plan.schema.get("properties", {}))


class ProfileProvider:
    name = "profile"

    def lookup(self, *, actor: User, applicant: User, wanted: set[str], known: dict, plan, result) -> None:
        pairs, source = profile_elements(applicant)
        for key, (value, authoritative) in pairs.items():
            if key in wanted and key not in result.values:
                result.values[key] = Prefill(value, source, authoritative, self.name)


class RegisterProvider:
    """Registers through the exchange gateway, per party: the applicant's own data (their request
    is their consent for this query), and other people's only when their ID number is known (the
    gateway then requires their consent or a legal basis)."""

    name = "registers"

    def lookup(self, *, actor: User, applicant: User, wanted: set[str], known: dict, plan, result) -> None:
        from yiwang.exchange import services as exchange

        own = actor.pk == applicant.pk  # a clerk looking up the applicant is not the subject asking
        subjects: list[tuple[str, dict, bool]] = []
        if applicant.kind == AccountKind.PERSON and applicant.id_number:
            subjects.append(("applicant", {"id_number": applicant.id_number}, own))
        elif applicant.kind == AccountKind.LEGAL and applicant.uscc:
            subjects.append(("applicant", {"uscc": applicant.uscc}, own))
            subjects.append(("enterprise", {"uscc": applicant.uscc}, own))
        for party in PERSON_PARTIES_WITH_ID:
            id_number = known.get(f"{party}.id_number")
            if isinstance(id_number, str) and id_number.strip():
                subjects.append((party, {"id_number": id_number.strip().upper()}, False))
        for party, subject, is_actor in subjects:
            keys = {k for k in wanted if k.startswith(party + ".") and k not in result.values}
            if not keys:
                continue
            consumer = _consumer_for(plan, keys)
            bases = {k.split(".", 1)[1] for k in keys}
            found = exchange.prefill_lookup(
                consumer=consumer,
                actor=actor,
                subject=subject,
                bases=bases,
                purpose="prefill",
                subject_is_actor=is_actor,
            )
            for base, v in found.values.items():
                key = f"{party}.{base}"
                if key in keys:
                    source = f"{v.department_name}（{v.resource_name}）"
                    result.values[key] = Prefill(v.value, source, v.authoritative, self.name)
            for resource, reason, message in found.failures:
                log.info("prefill: %s unavailable for party %s: %s", resource, party, reason)
                result.failures.append(
                    {"party": party, "resource": resource, "reason": reason, "message": message}
                )


def _consumer_for(plan, keys: set[str]):
    """The department of the first applicable item that asks for any of these fields."""
    props = plan.schema.get("properties", {})
    for comp in plan.components:
        if any(comp.item.code in props[k].get("x-items", []) for k in keys if k in props):
            return comp.item.department
    return plan.bundle.lead_department


class PreviousCaseProvider:
    """一键续办: values from the applicant's latest cases (the newest value of each element)."""

    name = "previous"
    LOOK_BACK = 20

    def lookup(self, *, actor: User, applicant: User, wanted: set[str], known: dict, plan, result) -> None:
        from yiwang.cases.models import Case, Status
        from yiwang.cases.services import form_reveal

        remaining = {k for k in wanted if k not in result.values}
        if not remaining:
            return
        cases = Case.objects.filter(owner=applicant).exclude(status=Status.DRAFT).order_by("-created_at")
        for case in cases.only("number", "form")[: self.LOOK_BACK]:
            form = form_reveal(case.form)
            for key in list(remaining):
                if form.get(key) not in (None, ""):
                    result.values[key] = Prefill(form[key], f"上次办件 {case.number}", False, self.name)
                    remaining.discard(key)
            if not remaining:
                break


PROVIDERS = [ProfileProvider(), RegisterProvider(), PreviousCaseProvider()]


def prefill_for(
    *, actor: User, plan, known: dict | None = None, applicant: User | None = None
) -> PrefillResult:
    """Run the providers over the plan's merged form for `applicant` (default: the actor; a clerk
    at a window acts for someone else, and every register lookup names the clerk). A provider
    that fails leaves its fields to the applicant (logged), never the form."""
    applicant = applicant or actor
    result = PrefillResult()
    wanted = _wanted(plan)
    for provider in PROVIDERS:
        try:
            with transaction.atomic():  # a savepoint: a failed provider leaves the transaction usable
                provider.lookup(
                    actor=actor,
                    applicant=applicant,
                    wanted=wanted,
                    known=known or {},
                    plan=plan,
                    result=result,
                )
        except Exception as exc:  # a broken provider must not break the application form
            log.exception("prefill provider %s failed", provider.name)
            result.failures.append({"provider": provider.name, "reason": "error", "message": str(exc)[:200]})
    return result
