"""Project rules that only read: the stage table for `core.workflow` (which action leads from
which stage to which, for which role), the working-day limit of each stage, the documents a stage
needs, and the duplicate detector's thresholds. Services act through `workflow`; selectors read
the table to say what a page offers. Nothing here writes."""

from __future__ import annotations

from yiwang.core.workflow import Rule, Workflow, rule

from .models import DocumentKind, Project, ReviewKind, Stage

BUREAU = "bureau"  # 政务服务和大数据管理局 (not for its own department's projects)
OWNER = "owner"  # staff of the department that builds the project
EVALUATOR = "evaluator"  # the third-party organisation the bureau named for the post-evaluation

RULES: dict[str, Rule] = {
    "approve": rule(
        {Stage.FILED},
        Stage.APPROVED,
        {BUREAU},
        "批准立项",
        notice="projects.decided",
        note_required=True,
        denied="只有政务服务和大数据管理局可以审批立项，且不得审批本部门的项目",
        denied_code="not_bureau",
    ),
    "reject": rule(
        {Stage.FILED},
        Stage.REJECTED,
        {BUREAU},
        "不予立项",
        notice="projects.decided",
        note_required=True,
        denied="只有政务服务和大数据管理局可以审批立项，且不得审批本部门的项目",
        denied_code="not_bureau",
    ),
    "start": rule({Stage.APPROVED}, Stage.BUILDING, {OWNER}, "开工建设"),
    "confirm": rule(
        {Stage.BUILDING},
        Stage.CONFIRMED,
        {BUREAU},
        "确认",
        notice="projects.decided",
        note_required=True,
        denied="只有政务服务和大数据管理局可以确认项目，且不得确认本部门的项目",
        denied_code="not_bureau",
    ),
    "accept": rule({Stage.CONFIRMED}, Stage.ACCEPTED, {OWNER}, "组织验收", note_required=True),
    "self_evaluate": rule({Stage.ACCEPTED}, Stage.SELF_EVALUATED, {OWNER}, "报送自评报告"),
    "post_evaluate": rule(
        {Stage.SELF_EVALUATED},
        Stage.POST_EVALUATED,
        {EVALUATOR},
        "第三方后评价",
        notice="projects.decided",
        denied="只有受托的第三方评价机构可以对本项目评分",
        denied_code="not_evaluator",
    ),
    "operate": rule(
        {Stage.POST_EVALUATED},
        Stage.OPERATING,
        {BUREAU},
        "转入运行效能监管",
        denied="只有政务服务和大数据管理局可以转入运行效能监管",
        denied_code="not_bureau",
    ),
}

workflow: Workflow[Project] = Workflow(
    model=Project,
    rules=RULES,
    noun="项目",
    state_field="stage",
    stale_message="该项目已被他人处理，请刷新后重试",
)

# Working days each stage may take before its reminder turns red (None: no deadline).
STAGE_DAYS: dict[str, int | None] = {
    Stage.FILED: 20,  # 立项审批
    Stage.APPROVED: 20,  # 开工
    Stage.BUILDING: 250,
    Stage.CONFIRMED: 20,  # 组织验收
    Stage.ACCEPTED: 20,  # 自评
    Stage.SELF_EVALUATED: 40,  # 第三方后评价
    Stage.POST_EVALUATED: 10,
    Stage.REJECTED: None,
    Stage.OPERATING: None,
}

# The expert opinions 立项审批 expects; approving without one only warns.
EXPERT_REVIEWS = (ReviewKind.FEASIBILITY, ReviewKind.NECESSITY, ReviewKind.BUDGET, ReviewKind.PATH)
REQUIRED_REVIEWS = (*EXPERT_REVIEWS, ReviewKind.SHARING, ReviewKind.SECURITY)

# Documents an action needs (at least one of each kind on the project).
ACTION_DOCUMENTS: dict[str, tuple[str, ...]] = {
    "confirm": (DocumentKind.MLPS, DocumentKind.CRYPTO),  # 等保测评, 密评 before acceptance
    "accept": (DocumentKind.ACCEPTANCE,),
    "self_evaluate": (DocumentKind.SELF_EVALUATION,),
}

# Duplicate detection: a name is similar at this Jaccard of character bigrams (or jieba words).
NAME_SIMILAR = 0.5
FUNCTIONS_SIMILAR = 0.4
