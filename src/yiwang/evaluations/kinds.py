"""The messages of 好差评 (invitations, reminders, work-order escalations), in Chinese;
registered from `EvaluationsConfig.ready`."""

from __future__ import annotations

from yiwang.notifications.kinds import Category, EventKind

CATEGORY = Category("evaluation", "好差评", "评价邀请与提醒、差评工单督办")

KINDS = [
    EventKind(
        kind="evaluation.invitation",
        category="evaluation",
        label="评价邀请",
        required=("number",),
        title="请对办件 {{ number }} 的服务进行评价",
        body=(
            "您好，您申请的办件 {{ number }} 已办结。欢迎对本次政务服务进行评价（好差评）。\n"
            "评价链接：{{ url }}\n此链接仅可使用一次。"
        ),
        sms="{{ title }}：{{ url }}（链接仅可使用一次）",
    ),
    EventKind(
        kind="evaluation.reminder",
        category="evaluation",
        label="评价提醒",
        required=("number",),
        title="提醒：请对办件 {{ number }} 的服务进行评价",
        body=(
            "您好，您申请的办件 {{ number }} 已办结。欢迎对本次政务服务进行评价（好差评）。\n"
            "评价链接：{{ url }}\n此链接仅可使用一次。"
        ),
        sms="{{ title }}：{{ url }}（链接仅可使用一次）",
    ),
    EventKind(
        kind="evaluation.escalation",
        category="evaluation",
        label="差评工单督办",
        required=("number", "reason", "due_date"),
        title="差评工单 {{ number }} 需督办：{{ reason }}",
        body="工单 {{ number }}：{{ reason }}，办结期限 {{ due_date }}。",
    ),
    EventKind(
        kind="evaluation.escalation_unit",
        category="evaluation",
        label="差评工单已提交督办",
        required=("number", "reason"),
        title="差评工单 {{ number }} 已提交督办：{{ reason }}",
        body="工单 {{ number }}：{{ reason }}，请尽快办理：{{ url }}",
    ),
]
