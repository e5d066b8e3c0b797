"""Message templates: every kind renders in Chinese from the context its callers give; the four
case notices (受理, 补齐补正, 决定, 办结) are legal notices; the registry refuses duplicates."""

from __future__ import annotations

from datetime import date

import pytest
from django.template import TemplateSyntaxError

from yiwang.core.hooks import HookError
from yiwang.notifications import kinds, texts
from yiwang.notifications.kinds import EventKind, render

CASE = {"number": "CP2026111000000001", "item": "食品经营许可（新办）", "department": "武汉市市场监督管理局"}

SAMPLES = {
    "account.unlock_code": {"code": "123456"},
    "case.accepted": {**CASE, "accepted_on": date(2026, 11, 10), "due_date": date(2026, 11, 24), "limit_days": 10},
    "case.supplement_requested": {**CASE, "missing": ["营业场所平面图", "法定代表人身份证明"], "note": "平面图需加盖公章"},
    "case.refused": {**CASE, "reason": "不属于本机关职权范围"},
    "case.decided": {**CASE, "decision": "approve"},
    "case.completed": {**CASE, "decision": "approve", "delivery": "电子送达"},
    "case.special_procedure": {**CASE, "procedure": "专家评审", "basis": "《行政许可法》第四十五条", "expected_days": 10, "planned_end": "2026-11-24"},
    "case.extended": {**CASE, "reason": "需现场核查", "days": 10, "due_date": "2026-11-30", "statutory_due_date": "2026-12-14"},
    "bundle.item_failed": {"number": "YJS2026000001", "bundle": "开办餐饮店", "item": "户外招牌设置", "case": "CP1", "reason": "不予许可"},
    "bundle.supplement_requested": {
        "number": "YJS2026000001", "bundle": "开办餐饮店",
        "items": [{"item": "食品经营许可", "department": "市场监管局", "missing": ["平面图"], "note": ""}],
    },
    "bundle.delivered": {
        "number": "YJS2026000001", "bundle": "开办餐饮店",
        "items": [{"item": "食品经营许可", "department": "市场监管局", "status_label": "已办结", "reason": ""}],
    },
    "evaluation.invitation": {"number": "CP1", "url": "https://x/rate/sms/t/"},
    "evaluation.reminder": {"number": "CP1", "url": "https://x/rate/sms/t/"},
    "evaluation.escalation": {"number": "GD1", "reason": "超期未办结", "due_date": date(2026, 11, 9)},
    "evaluation.escalation_unit": {"number": "GD1", "reason": "超期未办结", "url": "https://x/o/1/"},
    "participation.answer_overdue": {"number": "JY1", "proposal": "建议增加夜间窗口", "deadline": date(2026, 11, 9), "department": "市民之家", "url": "https://x/w/"},
    "participation.answered": {"number": "JY1", "proposal": "建议增加夜间窗口", "department": "市民之家", "action": "采纳", "answer": "将于下月试行", "url": "https://x/p/"},
    # 容缺受理, 告知承诺制, 离婚冷静期 (registered by cases: cases/kinds.py)
    "case.tolerance_accepted": {"number": "CP1", "item": "食品经营许可", "materials": ["经营场所平面图"], "due_on": "2026-11-09", "lapse": "本机关将中止审查，暂停作出决定"},
    "case.tolerance_reminder": {"number": "CP1", "item": "食品经营许可", "material": "经营场所平面图", "due_on": "2026-11-09"},
    "case.tolerance_lapsed": {"number": "CP1", "item": "食品经营许可", "materials": ["经营场所平面图"], "outcome": "本机关中止审查"},
    "case.commitment_accepted": {"number": "CP1", "item": "食品经营许可", "sha256": "0123456789abcdef"},
    "case.verified": {"number": "CP1", "item": "食品经营许可", "finding": "属实"},
    "case.revoked": {"number": "CP1", "item": "食品经营许可", "finding": "经营场所不存在", "licenses": ["L1"]},
    "case.cooling_off": {"number": "CP1", "item": "内地居民离婚登记", "withdraw_until": "2026-12-02", "confirm_until": "2027-01-04"},
    "case.cooling_off_ended": {"number": "CP1", "item": "内地居民离婚登记", "reason": "另一方当事人在冷静期内撤回"},
}  # fmt: skip


def test_every_builtin_kind_has_a_sample_and_renders():
    """The kinds of the account messages (texts.py) and of the categories the apps below the
    halls register (cases/kinds.py, bundles/, evaluations/, participation/kinds.py); halls,
    training and projects test theirs."""
    own = {c.code for c in texts.CATEGORIES} | {"case", "bundle", "evaluation", "participation"}
    names = {k.kind for k in kinds.kinds() if not k.kind.startswith("test.") and k.category in own}
    assert names <= set(SAMPLES), names - set(SAMPLES)
    for name in names:
        out = render(kinds.kind_get(name), SAMPLES[name])
        assert out.title and out.body, name
        assert "{{" not in out.title + out.body and "{%" not in out.body, name


@pytest.mark.parametrize(
    ("kind", "title", "phrases"),
    [
        (
            "case.accepted",
            "办件 CP2026111000000001 已受理",
            ["“食品经营许可（新办）”", "武汉市市场监督管理局决定予以受理", "受理日期：2026-11-10",
             "10个工作日内（2026-11-24前）作出决定"],
        ),
        (
            "case.supplement_requested",
            "办件 CP2026111000000001 需要补齐补正材料",
            ["请一次性补正以下内容", "1. 营业场所平面图", "2. 法定代表人身份证明", "说明：平面图需加盖公章"],
        ),
        ("case.refused", "办件 CP2026111000000001 不予受理", ["理由：不属于本机关职权范围", "行政复议"]),
        ("case.decided", "办件 CP2026111000000001 已作出准予许可决定", ["决定准予许可"]),
        ("case.completed", "办件 CP2026111000000001 已办结", ["办理结果：准予许可", "结果送达方式：电子送达"]),
    ],
)  # fmt: skip
def test_case_notices(kind, title, phrases):
    spec = kinds.kind_get(kind)
    assert spec.legal and spec.category == "case"
    out = render(spec, SAMPLES[kind])
    assert out.title == title
    for phrase in phrases:
        assert phrase in out.body, (phrase, out.body)


def test_case_denial_names_reason_and_remedy():
    out = render(kinds.kind_get("case.decided"), {**CASE, "decision": "deny", "reason": "场所不符合卫生要求"})
    assert out.title == "办件 CP2026111000000001 已作出不予许可决定"
    assert "决定不予许可。理由：场所不符合卫生要求" in out.body
    assert "可以依法申请行政复议或者提起行政诉讼" in out.body
    done = render(kinds.kind_get("case.completed"), {**CASE, "decision": "deny"})
    assert "办理结果：不予许可" in done.body and "送达方式" not in done.body


REMEDY = {
    "review_body": "武汉市人民政府",
    "review_days": 60,
    "court": "武汉市有管辖权的人民法院",
    "litigation_months": 6,
}


def test_adverse_decisions_name_the_remedy_bodies_and_limits():
    refused = render(
        kinds.kind_get("case.refused"),
        {**CASE, "reason": "不属于本机关职权范围", "competent_agency": "武汉市卫生健康委员会", **REMEDY},
    )
    assert "请向武汉市卫生健康委员会申请" in refused.body
    assert "六十" not in refused.body and "60日内向武汉市人民政府申请行政复议" in refused.body
    assert "6个月内依法向武汉市有管辖权的人民法院提起行政诉讼" in refused.body
    denied = render(
        kinds.kind_get("case.decided"),
        {**CASE, "decision": "deny", "decision_label": "不予确认", "reason": "材料不实", **REMEDY},
    )
    assert denied.title == "办件 CP2026111000000001 已作出不予确认决定"
    assert "决定不予确认" in denied.body and "向武汉市人民政府申请行政复议" in denied.body


def test_extension_and_special_procedure_messages():
    ext = render(kinds.kind_get("case.extended"), SAMPLES["case.extended"])
    assert kinds.kind_get("case.extended").legal
    assert ext.title == "办件 CP2026111000000001 办理期限已延长"
    assert "因需现场核查" in ext.body and "延长10个工作日" in ext.body and "2026-11-30" in ext.body
    sp = render(kinds.kind_get("case.special_procedure"), SAMPLES["case.special_procedure"])
    assert kinds.kind_get("case.special_procedure").legal
    assert "需进行专家评审" in sp.body and "预计所需时间10个工作日" in sp.body and "2026-11-24" in sp.body


def test_accepted_without_optional_facts():
    out = render(kinds.kind_get("case.accepted"), {"number": "CP1", "item": "某事项"})
    assert "本机关决定予以受理" in out.body and "受理日期" not in out.body and "工作日" not in out.body


def test_wording_of_the_former_messages_is_kept():
    inv = render(kinds.kind_get("evaluation.invitation"), SAMPLES["evaluation.invitation"])
    assert inv.title == "请对办件 CP1 的服务进行评价"
    assert inv.body.startswith("您好，您申请的办件 CP1 已办结。欢迎对本次政务服务进行评价（好差评）。")
    assert "评价链接：https://x/rate/sms/t/" in inv.body and "此链接仅可使用一次" in inv.body
    assert render(kinds.kind_get("evaluation.reminder"), SAMPLES["evaluation.reminder"]).title.startswith(
        "提醒："
    )
    esc = render(kinds.kind_get("evaluation.escalation"), SAMPLES["evaluation.escalation"])
    assert (esc.title, esc.body) == (
        "差评工单 GD1 需督办：超期未办结",
        "工单 GD1：超期未办结，办结期限 2026-11-09。",
    )
    late = render(kinds.kind_get("participation.answer_overdue"), SAMPLES["participation.answer_overdue"])
    assert late.title == "建议 JY1 已超过答复期限，请尽快答复"
    assert late.body.startswith(
        "群众建议“建议增加夜间窗口”（JY1）应于 2026-11-09 前由市民之家首次答复，目前尚未答复。"
    )


def test_missing_context_is_a_programming_error():
    with pytest.raises(ValueError, match="number"):
        render(kinds.kind_get("case.accepted"), {"item": "某事项"})


def test_registry_refuses_duplicates_and_unknown_categories():
    spec = kinds.kind_get("case.accepted")
    assert kinds.kind_register(spec) is spec  # the same spec again (a ready() run twice) is fine
    with pytest.raises(HookError):
        kinds.kind_register(EventKind(kind="case.accepted", category="case", label="x", title="x", body="x"))
    with pytest.raises(HookError):
        kinds.kind_register(EventKind(kind="test.x", category="nope", label="x", title="x", body="x"))
    with pytest.raises(HookError):
        kinds.kind_get("no.such.kind")
    with pytest.raises(TemplateSyntaxError):
        kinds.kind_register(
            EventKind(kind="test.bad", category="case", label="x", title="{% if %}", body="x")
        )
    assert kinds.kind_find("test.bad") is None
    with pytest.raises(HookError):
        kinds.category_register(kinds.Category("case", "别的名字"))


def test_a_higher_app_registers_its_own_kind():
    spec = EventKind(
        kind="test.turn_near", category="case", label="即将叫号", critical=True,
        title="您的号码 {{ number }} 即将叫到", body="请到 {{ window }} 号窗口等候。", required=("number", "window"),
    )  # fmt: skip
    try:
        kinds.kind_register(spec)
        out = render(kinds.kind_get("test.turn_near"), {"number": "A012", "window": 3})
        assert (out.title, out.body) == ("您的号码 A012 即将叫到", "请到 3 号窗口等候。")
    finally:
        kinds.kind_unregister("test.turn_near")


def test_an_app_registers_its_category_and_kinds_in_one_call(monkeypatch):
    """`kinds_register` (each app's `ready()`): the categories first, then the kinds; running it
    again with the same specs changes nothing; every app's kinds are there after start-up."""
    monkeypatch.setattr(kinds, "_categories", dict(kinds._categories))
    monkeypatch.setattr(kinds, "_kinds", dict(kinds._kinds))
    category = kinds.Category("test_app", "测试", "说明")
    specs = [
        EventKind(kind=f"test_app.k{i}", category="test_app", label="x", title=f"标题{i}", body="x")
        for i in (1, 2)
    ]
    kinds.kinds_register(category, kinds=specs)
    kinds.kinds_register(category, kinds=specs)
    assert kinds.category_get("test_app") == category
    assert [kinds.kind_get(s.kind) for s in specs] == specs
    with pytest.raises(HookError):  # a kind of a category nobody registered
        kinds.kinds_register(
            kinds=[EventKind(kind="other.k", category="other", label="x", title="x", body="x")]
        )
    started = {k.kind: k.category for k in kinds.kinds()}
    for kind, cat in {
        "account.unlock_code": "account",
        "case.accepted": "case",
        "kiosk.login_code": "halls",
        "knowledge.answered": "knowledge",
        "supervision.task_assigned": "supervision",
        "training.certification_expiring": "training",
    }.items():
        assert started.get(kind) == cat, kind


def test_text_is_plain_not_html_escaped():
    out = render(kinds.kind_get("case.refused"), {**CASE, "reason": "A&B <材料> 不符"})
    assert "A&B <材料> 不符" in out.body
