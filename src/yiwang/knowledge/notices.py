"""The knowledge base's notice kind (registered in AppConfig.ready): the answer to a question left
through the question form (留言咨询) goes to the person who asked it, when they were logged in."""

from __future__ import annotations

from yiwang.notifications.kinds import Category, EventKind

CATEGORY = Category("knowledge", "留言咨询", "您在智能问答中留言咨询的答复")
KINDS = [
    EventKind(
        kind="knowledge.answered",
        category="knowledge",
        label="留言咨询已答复",
        required=("number", "question", "answer", "department"),
        title="您的留言咨询 {{ number }} 已答复",
        body="您的问题：{{ question }}\n{{ department }}答复：{{ answer }}\n查看：{{ url }}",
    ),
]
