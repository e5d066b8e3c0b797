"""The messages of the apps this service carries today, in Chinese. Registered once at start-up
(`apps.NotificationsConfig.ready`). Wording follows the notices of 《行政许可法》 (cases) and the
messages evaluations and participation sent before this app existed.

Every template also sees `link` (the path given by the caller) and `url` (the same, absolute).
Dates in the context may be `date` objects (rendered 2026-11-09) or strings."""

from __future__ import annotations

from .kinds import Category, EventKind, category_register, kind_register

CATEGORIES = [
    Category("case", "办件进度", "受理、补齐补正、决定、办结等办件告知"),
    Category("bundle", "一件事", "一件事办理进度、合并补正告知、统一出件"),
    Category("evaluation", "好差评", "评价邀请与提醒、差评工单督办"),
    Category("participation", "共同缔造", "建议的部门答复与答复督办"),
    Category("account", "账户安全", "登录锁定的解除验证码"),
]

_AGENCY = "{% if department %}{{ department }}{% else %}本机关{% endif %}"
# The remedy named on the decision (cases: organizations.selectors.department_remedy), or the
# general sentence when the caller gives none.
_REMEDY = (
    "{% if review_body %}如不服本决定，可以自收到本决定之日起{{ review_days }}日内向{{ review_body }}"
    "申请行政复议，或者自收到本决定之日起{{ litigation_months }}个月内依法向{{ court }}提起行政诉讼。"
    "{% else %}如不服本决定，可以依法申请行政复议或者提起行政诉讼。{% endif %}"
)

KINDS = [
    # --- accounts (security: cannot be switched off) -------------------------------------------
    EventKind(
        kind="account.unlock_code",
        category="account",
        label="解除登录锁定验证码",
        legal=True,
        required=("code",),
        title="解除登录锁定验证码",
        body="您的账户因多次登录失败已暂时锁定。验证码 {{ code }}，10分钟内有效，仅可使用一次。如非本人操作，请勿告知他人。",
        sms="{{ body }}",
    ),
    # --- cases (legal notices: cannot be switched off) -----------------------------------------
    EventKind(
        kind="case.accepted",
        category="case",
        label="受理通知",
        legal=True,
        required=("number", "item"),
        title="办件 {{ number }} 已受理",
        body=(
            "您提出的“{{ item }}”申请（办件编号 {{ number }}），经审查，申请材料齐全、符合法定形式，"
            + _AGENCY
            + "决定予以受理。{% if accepted_on %}受理日期：{{ accepted_on }}。{% endif %}"
            "{% if due_date %}将在{% if limit_days %}{{ limit_days }}个工作日内（{{ due_date }}前）"
            "{% else %}{{ due_date }}前{% endif %}作出决定，法定特别程序所需时间不计算在内。{% endif %}"
            "受理通知书可在办件详情中查看。"
        ),
    ),
    EventKind(
        kind="case.supplement_requested",
        category="case",
        label="补齐补正告知",
        legal=True,
        required=("number", "item", "missing"),
        title="办件 {{ number }} 需要补齐补正材料",
        body=(
            "您提出的“{{ item }}”申请（办件编号 {{ number }}），申请材料不齐全或者不符合法定形式，"
            "请一次性补正以下内容：\n{% for m in missing %}{{ forloop.counter }}. {{ m }}\n{% endfor %}"
            "{% if note %}说明：{{ note }}\n{% endif %}补正后将依法受理。补齐补正告知书可在办件详情中查看。"
        ),
    ),
    EventKind(
        kind="case.refused",
        category="case",
        label="不予受理通知",
        legal=True,
        required=("number", "item", "reason"),
        title="办件 {{ number }} 不予受理",
        body=(
            "您提出的“{{ item }}”申请（办件编号 {{ number }}），经审查，"
            + _AGENCY
            + "决定不予受理。理由：{{ reason }}。"
            "{% if competent_agency %}该申请事项依法不属于本机关职权范围，请向{{ competent_agency }}申请。{% endif %}"
            + _REMEDY
        ),
    ),
    EventKind(
        kind="case.special_procedure",
        category="case",
        label="特别程序告知",
        legal=True,
        required=("number", "item", "procedure"),
        title="办件 {{ number }} 进入特别程序：{{ procedure }}",
        body=(
            "您申请的“{{ item }}”（办件编号 {{ number }}）需进行{{ procedure }}"
            "{% if basis %}，依据：{{ basis }}{% endif %}。"
            "{% if expected_days %}预计所需时间{{ expected_days }}个工作日"
            "{% if planned_end %}（预计于{{ planned_end }}前结束）{% endif %}。{% endif %}"
            "特别程序所需时间不计算在办理期限内。特别程序告知书可在办件详情中查看。"
        ),
    ),
    EventKind(
        kind="case.extended",
        category="case",
        label="延长办理期限告知",
        legal=True,
        required=("number", "item", "reason", "due_date"),
        title="办件 {{ number }} 办理期限已延长",
        body=(
            "您申请的“{{ item }}”（办件编号 {{ number }}）因{{ reason }}，经"
            + _AGENCY
            + "负责人批准，办理期限延长{% if days %}{{ days }}个工作日{% endif %}，"
            "延长后办结期限为{{ due_date }}"
            "{% if statutory_due_date %}（法定办结期限{{ statutory_due_date }}）{% endif %}。"
            "延期告知书可在办件详情中查看。"
        ),
    ),
    EventKind(
        kind="case.decided",
        category="case",
        label="许可决定",
        legal=True,
        required=("number", "item", "decision"),
        title=(
            "办件 {{ number }} 已作出{% if decision_label %}{{ decision_label }}"
            "{% elif decision == 'approve' %}准予许可{% else %}不予许可{% endif %}决定"
        ),
        body=(
            "您提出的“{{ item }}”申请（办件编号 {{ number }}），经审查，"
            "{% if decision == 'approve' %}符合法定条件，" + _AGENCY + "决定"
            "{% if decision_label %}{{ decision_label }}{% else %}准予许可{% endif %}。"
            "{% if note %}说明：{{ note }}。{% endif %}"
            "{% else %}"
            + _AGENCY
            + "决定{% if decision_label %}{{ decision_label }}{% else %}不予许可{% endif %}。"
            "理由：{{ reason }}。" + _REMEDY + "{% endif %}"
            "决定书可在办件详情中查看。"
        ),
    ),
    EventKind(
        kind="case.completed",
        category="case",
        label="办结通知",
        legal=True,
        required=("number", "item", "decision"),
        title="办件 {{ number }} 已办结",
        body=(
            "您申请的“{{ item }}”（办件编号 {{ number }}）已办结，办理结果："
            "{% if decision_label %}{{ decision_label }}"
            "{% elif decision == 'approve' %}准予许可{% elif decision == 'deny' %}不予许可"
            "{% else %}{{ decision }}{% endif %}。"
            "{% if licenses %}本次核发证照：{{ licenses|join:'、' }}。{% endif %}"
            "{% if delivery %}结果送达方式：{{ delivery }}。{% endif %}办结通知书可在办件详情中查看。"
        ),
    ),
    # --- 一件事 -----------------------------------------------------------------------------------
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
    # --- 好差评 -----------------------------------------------------------------------------------
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
    # --- 共同缔造 ---------------------------------------------------------------------------------
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


def register() -> None:
    for category in CATEGORIES:
        category_register(category)
    for spec in KINDS:
        kind_register(spec)
