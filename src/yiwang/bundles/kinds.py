"""The messages of 一件事 (bundle cases), in Chinese; registered from `BundlesConfig.ready`.

Every template also sees `link` and `url` (notifications.kinds)."""

from __future__ import annotations

from yiwang.notifications.kinds import Category, EventKind

CATEGORY = Category("bundle", "一件事", "一件事办理进度、合并补正告知、统一出件")

KINDS = [
    EventKind(
        kind="bundle.item_failed",
        category="bundle",
        label="事项未获办理",
        required=("number", "bundle", "item"),
        title="一件事 {{ number }}：{{ item }}未获办理",
        body=(
            "您申请的“{{ bundle }}”（编号 {{ number }}）中，事项“{{ item }}”未能办结"
            "{% if reason %}，原因：{{ reason }}{% endif %}"
            "{% if case %}（办件编号 {{ case }}）{% endif %}。其他事项继续办理。"
        ),
    ),
    EventKind(
        kind="bundle.supplement_requested",
        category="bundle",
        label="补齐补正告知（合并）",
        legal=True,
        required=("number", "bundle", "items"),
        title="一件事 {{ number }} 需要补齐补正材料",
        body=(
            "您申请的“{{ bundle }}”（编号 {{ number }}）有以下事项需要补正，请一次提交，"
            "系统将分别送达各相关部门：\n"
            "{% for it in items %}{{ forloop.counter }}. {{ it.item }}（{{ it.department }}）"
            "{% if it.missing %}：{{ it.missing|join:'；' }}{% endif %}{% if it.note %}。{{ it.note }}{% endif %}\n"
            "{% endfor %}"
        ),
    ),
    EventKind(
        kind="bundle.delivered",
        category="bundle",
        label="统一出件",
        legal=True,
        required=("number", "bundle", "items"),
        title="一件事 {{ number }} 已统一出件",
        body=(
            "您申请的“{{ bundle }}”（编号 {{ number }}）各部门办理结果已统一送达：\n"
            "{% for it in items %}{{ it.item }}（{{ it.department }}）：{{ it.status_label }}"
            "{% if it.reason %}，原因：{{ it.reason }}{% endif %}\n{% endfor %}"
            "电子证照可在“我的证照”中查看。"
        ),
    ),
]
