"""The hook registry and the workflow mechanism every stateful record uses."""

from __future__ import annotations

import pytest

from yiwang.core.errors import InvalidTransition, PermissionDenied, StaleVersion, ValidationFailed
from yiwang.core.hooks import Hook, HookError
from yiwang.core.workflow import Workflow, rule


def test_duplicate_registration_is_an_error():
    hook: Hook = Hook("test.hook")
    first = lambda **kw: 1  # noqa: E731
    hook.register("a", first)
    hook.register("a", first)  # the same function again (ready() twice) is harmless
    with pytest.raises(HookError, match="already registered"):
        hook.register("a", lambda **kw: 2)
    assert hook.functions() == [first]
    hook.register("a", second := (lambda **kw: 3), replace=True)
    assert hook.get("a") is second


def test_calls_in_order_and_prefix_lookup():
    hook: Hook = Hook("test.order")
    seen = []
    hook.register("one", lambda: seen.append(1))
    hook.register("two", lambda: seen.append(2))
    for fn in hook:
        fn()
    assert seen == [1, 2]
    assert hook.names() == ["one", "two"]
    kinds: Hook = Hook("test.kinds")
    kinds.register("case.", short := (lambda row: "short"))
    kinds.register("case.special", long := (lambda row: "long"))
    assert kinds.lookup_prefix("case.special.x") is long
    assert kinds.lookup_prefix("case.accepted") is short
    assert kinds.lookup_prefix("licence.issued") is None
    with kinds.registered("case.", other := (lambda row: "other")):
        assert kinds.lookup_prefix("case.accepted") is other
    assert kinds.lookup_prefix("case.accepted") is short


def test_not_callable_is_refused():
    with pytest.raises(HookError):
        Hook("test.bad").register("x", 42)


RULES = {
    "approve": rule({"draft"}, "approved", {"boss"}, "批准"),
    "reopen": rule({"approved"}, "draft", {"boss", "clerk"}, "重新打开"),
}


class FakeRecord:
    """A plain object for the read-only checks (they touch no database); the conditional UPDATE
    is exercised on real rows by the cases, work-order, proposal and agreement tests."""

    def __init__(self, status: str, version: int = 1):
        self.status, self.version = status, version

    def get_status_display(self) -> str:
        return {"draft": "草稿", "approved": "已批准"}[self.status]


def _wf():
    from yiwang.core.models import Key  # the read-only checks need no particular model

    return Workflow(model=Key, rules=RULES, noun="记录")


def test_checks_in_contract_order():
    wf = _wf()
    with pytest.raises(ValidationFailed):
        wf.rule("fly")
    rec = FakeRecord("draft", version=3)
    with pytest.raises(PermissionDenied) as denied:
        wf.check(obj=rec, action="approve", roles={"clerk"}, version=2)
    assert "批准" in denied.value.message  # role first, even with a stale version
    with pytest.raises(StaleVersion) as stale:
        wf.check(obj=rec, action="approve", roles={"boss"}, version=2)
    assert stale.value.message == "该记录已被他人处理，请刷新后重试"
    with pytest.raises(InvalidTransition) as invalid:
        wf.check(obj=rec, action="reopen", roles={"clerk"}, version=3)
    assert invalid.value.message == "记录当前状态为“草稿”，不能重新打开"
    found, acting = wf.check(obj=rec, action="approve", roles={"boss", "clerk"}, version=3)
    assert found.target == "approved" and acting == {"boss"}


def test_with_record_is_the_same_workflow_writing_its_steps():
    wf = _wf()
    steps = []
    writing = wf.with_record(lambda obj, step: steps.append(step))
    assert wf.record is None and writing.record is not None
    assert writing.rules is wf.rules and writing.model is wf.model
    assert writing.stale_message == wf.stale_message == "该记录已被他人处理，请刷新后重试"
    rec = FakeRecord("approved", version=4)
    with pytest.raises(InvalidTransition) as invalid:
        writing.check(obj=rec, action="approve", roles={"boss"}, version=4)
    assert invalid.value.message == "记录当前状态为“已批准”，不能批准"


def test_a_rule_may_word_its_refusals():
    from yiwang.core.errors import Conflict

    rules = {
        "decide": rule(
            {"draft"},
            None,
            {"boss"},
            "审批",
            denied="只有负责人可以审批",
            denied_code="not_boss",
            refused="该记录已审批",
            stale="该记录已被他人审批，请刷新后重试",
        ),
        "reopen": RULES["reopen"],
    }
    from yiwang.core.models import Key

    wf = Workflow(model=Key, rules=rules, noun="记录")
    with pytest.raises(PermissionDenied) as denied:
        wf.check(obj=FakeRecord("draft"), action="decide", roles={"clerk"})
    assert (denied.value.code, denied.value.message) == ("not_boss", "只有负责人可以审批")
    with pytest.raises(StaleVersion, match="该记录已被他人审批"):
        wf.check(obj=FakeRecord("draft", version=2), action="decide", roles={"boss"}, version=1)
    with pytest.raises(InvalidTransition) as invalid:
        wf.check(obj=FakeRecord("approved"), action="decide", roles={"boss"})
    assert invalid.value.message == "该记录已审批" and invalid.value.code == "invalid_transition"
    assert isinstance(invalid.value, Conflict) and invalid.value.status == 409
    assert wf.stale_message_for("decide") == "该记录已被他人审批，请刷新后重试"
    # rules without their own wording keep the workflow's
    assert wf.stale_message_for("reopen") == "该记录已被他人处理，请刷新后重试"
    with pytest.raises(PermissionDenied) as plain:
        wf.check(obj=FakeRecord("approved"), action="reopen", roles={"guest"})
    assert plain.value.code == "forbidden" and "重新打开" in plain.value.message
