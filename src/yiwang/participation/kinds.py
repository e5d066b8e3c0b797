"""The messages of 共同缔造 (answers to proposals and their supervision), in Chinese;
registered from `ParticipationConfig.ready`."""

from __future__ import annotations

from yiwang.notifications.kinds import Category, EventKind

CATEGORY = Category("participation", "共同缔造", "建议的部门答复与答复督办")

KINDS = [
    EventKind(
        kind="participation.answer_overdue",
        category="participation",
        label="建议答复超期",
        required=("number", "proposal", "deadline", "department"),
        title="建议 {{ number }} 已超过答复期限，请尽快答复",
        body=(
            "群众建议“{{ proposal }}”（{{ number }}）应于 {{ deadline }} 前由{{ department }}首次答复，"
            "目前尚未答复。请登录工作台办理：{{ url }}"
        ),
    ),
    EventKind(
        kind="participation.answered",
        category="participation",
        label="建议已答复",
        required=("number", "proposal", "department", "action", "answer"),
        title="您的建议 {{ number }} 收到{{ department }}的答复",
        body=(
            "{{ department }}对您的建议“{{ proposal }}”（{{ number }}）作出答复（{{ action }}）：\n"
            "{{ answer }}\n详情：{{ url }}"
        ),
    ),
]
