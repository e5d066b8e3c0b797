"""One workflow mechanism for every record that moves through states: cases, bad-review work
orders, proposals, data-sharing agreements, and the round-2 records after them.

Each app keeps its own rule table (which action leads from which states to which, for which
roles) and its own immutable step model; this module does the rest the same way everywhere:

- ``Workflow.rule(action)``: the rule, or 422 for an unknown action;
- ``Workflow.check(obj=…, action=…, roles=…, version=…)``: 403 when none of the actor's roles
  may act, 409 ``stale_version`` when the client saw an older version, 409
  ``invalid_transition`` when the record's state is not a source of the rule;
- ``Workflow.transition(obj, …)``: a conditional UPDATE on ``version`` (and, when given, on the
  expected current state): exactly one of two concurrent writers wins, the other gets 409
  ``stale_version`` and nothing of its transaction is kept; the winner's instance mirrors the
  UPDATE and the app's ``record`` function writes the immutable step row (and its ledger entry)
  in the same transaction.

A rule may word its refusals itself (`denied`/`denied_code`, `refused`, `stale`) where an API
contract older than this mechanism fixed them; otherwise the workflow's defaults apply.

Works the same on SQLite and PostgreSQL (no row locks needed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models import F
from django.utils import timezone

from .errors import InvalidTransition, PermissionDenied, StaleVersion, ValidationFailed

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Rule:
    """An action: from which states, to which state (None: unchanged or decided by the handler),
    who may take it, and how it is called in messages."""

    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]
    label: str
    notice: str | None = None  # the notice kind the action issues, if any
    required: tuple[str, ...] = ()  # fields the action requires
    note_required: bool = False
    # Where an action's refusals are worded apart from the workflow's defaults (an API contract
    # older than this mechanism): the 403 message and code, the 409 invalid_transition message,
    # the 409 stale_version message.
    denied: str | None = None
    denied_code: str = "forbidden"
    refused: str | None = None
    stale: str | None = None


def rule(
    sources: Iterable[str],
    target: str | None,
    roles: Iterable[str],
    label: str,
    *,
    notice: str | None = None,
    required: Iterable[str] = (),
    note_required: bool = False,
    denied: str | None = None,
    denied_code: str = "forbidden",
    refused: str | None = None,
    stale: str | None = None,
) -> Rule:
    return Rule(
        frozenset(sources),
        target,
        frozenset(roles),
        label,
        notice,
        tuple(required),
        note_required,
        denied=denied,
        denied_code=denied_code,
        refused=refused,
        stale=stale,
    )


@dataclass(frozen=True)
class Step:
    """What `Workflow.transition` hands to the app's `record` function."""

    action: str
    frm: str
    to: str
    seq: int  # the record's version after the transition
    actor: Any
    role: str
    note: str = ""
    on: date | None = None
    data: dict = field(default_factory=dict)


class Workflow(Generic[M]):
    def __init__(
        self,
        *,
        model: type[M],
        rules: Mapping[str, Rule],
        record: Callable[[M, Step], object] | None = None,
        noun: str,
        stale_message: str | None = None,
        state_message: str = "{noun}当前状态为“{state}”，不能{label}",
        state_field: str = "status",
    ) -> None:
        self.model = model
        self.rules = rules
        self.record = record
        self.noun = noun
        self.stale_message = stale_message or f"该{noun}已被他人处理，请刷新后重试"
        self.state_message = state_message
        self.state_field = state_field
        self._touch = any(f.name == "updated_at" for f in model._meta.concrete_fields)

    def with_record(self, record: Callable[[M, Step], object]) -> Workflow[M]:
        """The same workflow (model, rules, messages) writing its steps with `record`. An app's
        rules module declares the workflow for the read-only checks, its services take the
        writing copy: `rules.workflow.with_record(step_record)`."""
        return Workflow(
            model=self.model,
            rules=self.rules,
            record=record,
            noun=self.noun,
            stale_message=self.stale_message,
            state_field=self.state_field,
        )

    # --- checks (read only) -------------------------------------------------------------------
    def rule(self, action: str) -> Rule:
        found = self.rules.get(action)
        if found is None:
            raise ValidationFailed(fields={"action": [f"未知的操作：{action}"]})
        return found

    def state_label(self, obj: M) -> str:
        display = getattr(obj, f"get_{self.state_field}_display", None)
        return display() if display else str(getattr(obj, self.state_field))

    def ensure_version(self, obj: M, version: int | None, *, message: str | None = None) -> None:
        if version is not None and version != obj.version:
            raise StaleVersion(message or self.stale_message)

    def ensure_source(self, obj: M, found: Rule, *, label: str | None = None) -> None:
        if getattr(obj, self.state_field) not in found.sources:
            if found.refused and label is None:
                raise InvalidTransition(found.refused)
            raise InvalidTransition(
                self.state_message.format(
                    noun=self.noun, state=self.state_label(obj), label=label or found.label
                )
            )

    def stale_message_for(self, action: str) -> str:
        found = self.rules.get(action)
        return (found.stale if found is not None else None) or self.stale_message

    def check(
        self, *, obj: M, action: str, roles: set[str], version: int | None = None
    ) -> tuple[Rule, set[str]]:
        """403 / 409 stale / 409 invalid, in that order. Returns the rule and the roles of the
        actor that the rule admits."""
        found = self.rule(action)
        acting = set(roles) & found.roles
        if not acting:
            raise PermissionDenied(
                found.denied or f"您无权对该{self.noun}执行“{found.label}”", code=found.denied_code
            )
        self.ensure_version(obj, version, message=found.stale)
        self.ensure_source(obj, found)
        return found, acting

    # --- the one write ------------------------------------------------------------------------
    def transition(self, obj: M, **kwargs: Any) -> M:
        """Move `obj` (see `transition_recorded`) and return the instance, updated in place."""
        return self.transition_recorded(obj, **kwargs)[0]

    def transition_recorded(
        self,
        obj: M,
        *,
        action: str,
        to: str,
        actor: Any = None,
        role: str = "",
        note: str = "",
        on: date | None = None,
        data: dict | None = None,
        update: dict | None = None,
        version: int | None = None,
        expect_state: bool = False,
    ) -> tuple[M, Any]:
        """Move `obj` to `to` if nobody moved it since `version` (default: the version the
        instance holds) and record the step. Returns the instance, updated in place, and what
        the `record` function returned (the step row). With `expect_state` the UPDATE also
        requires the state the instance holds."""
        update = dict(update or {})
        frm = getattr(obj, self.state_field)
        version = obj.version if version is None else version
        where: dict[str, Any] = {"pk": obj.pk, "version": version}
        if expect_state:
            where[self.state_field] = frm
        values: dict[str, Any] = {self.state_field: to, "version": F("version") + 1, **update}
        if self._touch and "updated_at" not in values:
            values["updated_at"] = timezone.now()
        if self.model._default_manager.filter(**where).update(**values) != 1:
            raise StaleVersion(self.stale_message_for(action))
        # Mirror the UPDATE on the instance instead of re-reading it (keeps related objects cached).
        setattr(obj, self.state_field, to)
        obj.version = version + 1
        for name, value in values.items():
            if name not in ("version", self.state_field):
                setattr(obj, name, value)
        recorded = None
        if self.record is not None:
            recorded = self.record(
                obj,
                Step(
                    action=action,
                    frm=frm,
                    to=to,
                    seq=obj.version,
                    actor=actor,
                    role=role,
                    note=note,
                    on=on,
                    data=data or {},
                ),
            )
        return obj, recorded
