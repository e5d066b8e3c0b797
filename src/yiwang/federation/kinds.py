"""The person's messages about a case received here for another city (异地代收): each status change
the competent city reports back is one message, the supplement request (补齐补正告知) a legal one.
Registered from FederationConfig.ready() in a category of their own."""

from __future__ import annotations

from yiwang.notifications.kinds import Category, EventKind

CATEGORY = Category("federation", "异地通办进度", "在本市代收、由外市办理的办件的进度与补正告知")
_CASE = "您在本市代收、由{{ peer }}办理的“{{ item }}”（代收编号 {{ number }}）"
KINDS = [
    EventKind(
        kind="federation.case_status",
        category="federation",
        label="异地办件进度",
        required=("number", "item", "peer", "status_label"),
        title="异地办件 {{ number }}：{{ status_label }}",
        body=_CASE + "：{{ status_label }}。{% if note %}说明：{{ note }}{% endif %}\n详情：{{ url }}",
    ),
    EventKind(
        kind="federation.supplement_requested",
        category="federation",
        label="异地办件补齐补正告知",
        legal=True,
        required=("number", "item", "peer", "missing"),
        title="异地办件 {{ number }} 需要补齐补正材料",
        body=(
            _CASE + "需要补齐补正。请一次性补正以下内容：\n"
            "{% for m in missing %}{{ forloop.counter }}. {{ m }}\n{% endfor %}"
            "{% if note %}说明：{{ note }}\n{% endif %}"
            "可在本市网上办事大厅或任一政务服务大厅窗口提交，由本市转交{{ peer }}：{{ url }}"
        ),
    ),
]
