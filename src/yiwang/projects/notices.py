"""The projects' notice kinds (registered in AppConfig.ready): stage decisions to the filing
department's staff, and the deadline reminders of the working-day clock."""

from __future__ import annotations

from yiwang.notifications.kinds import Category, EventKind

CATEGORY = Category("projects", "信息化项目", "项目审批、确认、后评价的决定与期限提醒")
KINDS = [
    EventKind(
        kind="projects.decided",
        category="projects",
        label="项目阶段决定",
        required=("code", "project", "action", "note"),
        title="项目 {{ code }}：{{ action }}",
        body="信息化项目“{{ project }}”（{{ code }}）：{{ action }}。意见：{{ note }}\n详情：{{ url }}",
    ),
    EventKind(
        kind="projects.stage_due",
        category="projects",
        label="项目阶段期限提醒",
        required=("code", "project", "stage", "deadline", "light"),
        title="项目 {{ code }}（{{ stage }}）{{ light }}：期限 {{ deadline }}",
        body=(
            "信息化项目“{{ project }}”（{{ code }}）处于“{{ stage }}”阶段，应于 {{ deadline }} 前办结"
            "（{{ light }}）。请登录工作台办理：{{ url }}"
        ),
    ),
    EventKind(
        kind="projects.quality_issue",
        category="projects",
        label="数据质量问题",
        required=("resource", "deadline"),
        title="数据资源“{{ resource }}”收到质量问题反馈，请于 {{ deadline }} 前整改",
        body="使用部门反馈了数据资源“{{ resource }}”的质量问题，请于 {{ deadline }} 前整改并答复：{{ url }}",
    ),
]
