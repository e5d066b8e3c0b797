"""The applicant's case messages, in Chinese (the 办件进度 category and its kinds, registered from
`CasesConfig.ready`; cases/messages.py sends them): the notices of 《行政许可法》 (受理, 补正,
不予受理, 特别程序, 延期, 决定, 办结 — wording follows the notices) and those of 容缺受理,
告知承诺制 and the 离婚冷静期. Each notice of these procedures is one
message keyed by the notice number (cases/messages.py); the reminder and the commitment receipt
are messages without a notice, keyed by the case and the material or commitment."""

from __future__ import annotations

from yiwang.notifications.kinds import Category, EventKind

_ITEM = "您申请的“{{ item }}”（办件编号 {{ number }}）"
_AGENCY = "{% if department %}{{ department }}{% else %}本机关{% endif %}"
# The remedy named on the decision (cases: organizations.selectors.department_remedy), or the
# general sentence when the caller gives none.
_REMEDY = (
    "{% if review_body %}如不服本决定，可以自收到本决定之日起{{ review_days }}日内向{{ review_body }}"
    "申请行政复议，或者自收到本决定之日起{{ litigation_months }}个月内依法向{{ court }}提起行政诉讼。"
    "{% else %}如不服本决定，可以依法申请行政复议或者提起行政诉讼。{% endif %}"
)

CATEGORY = Category("case", "办件进度", "受理、补齐补正、决定、办结等办件告知")

KINDS = [
    # --- the notices of 《行政许可法》 (legal notices: cannot be switched off) -----------------
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
    # --- 容缺受理, 告知承诺制, 离婚冷静期 ---------------------------------------------------------
    EventKind(
        kind="case.tolerance_accepted",
        category="case",
        label="容缺受理告知",
        legal=True,
        required=("number", "item", "materials", "due_on"),
        title="办件 {{ number }} 已容缺受理，请按期补交材料",
        body=(
            _ITEM + "已容缺受理。请于{{ due_on }}前补交以下材料：\n"
            "{% for m in materials %}{{ forloop.counter }}. {{ m }}\n{% endfor %}"
            "逾期未补交的，{{ lapse }}。容缺受理告知书可在办件详情中查看。"
        ),
    ),
    EventKind(
        kind="case.tolerance_reminder",
        category="case",
        label="容缺材料补交提醒",
        critical=False,
        required=("number", "item", "material", "due_on"),
        title="办件 {{ number }}：请于 {{ due_on }} 前补交{{ material }}",
        body=_ITEM + "容缺受理的材料“{{ material }}”补交期限为{{ due_on }}，请按期补交。",
    ),
    EventKind(
        kind="case.tolerance_lapsed",
        category="case",
        label="容缺材料逾期处理",
        legal=True,
        required=("number", "item", "materials", "outcome"),
        title="办件 {{ number }}：容缺材料逾期未补交",
        body=(
            _ITEM + "容缺受理的材料（{{ materials|join:'、' }}）逾期未补交，{{ outcome }}。"
            "告知书可在办件详情中查看。"
        ),
    ),
    EventKind(
        kind="case.commitment_accepted",
        category="case",
        label="告知承诺已记录",
        legal=True,
        required=("number", "item", "sha256"),
        title="办件 {{ number }}：您的告知承诺书已记录",
        body=(
            _ITEM + "按告知承诺制办理，您签署的告知承诺书已随申请存档（摘要 {{ sha256 }}）。"
            "作出决定后，部门将进行事后核查；承诺不实的，将依法撤销决定并记入失信记录。"
        ),
    ),
    EventKind(
        kind="case.verified",
        category="case",
        label="事后核查结果",
        legal=True,
        required=("number", "item"),
        title="办件 {{ number }}：事后核查完成",
        body=_ITEM
        + "的告知承诺经事后核查属实，决定继续有效。{% if finding %}核查意见：{{ finding }}。{% endif %}",
    ),
    EventKind(
        kind="case.revoked",
        category="case",
        label="撤销许可决定",
        legal=True,
        required=("number", "item", "finding"),
        title="办件 {{ number }}：承诺不实，决定已撤销",
        body=(
            _ITEM + "经事后核查，告知承诺不实：{{ finding }}。"
            "{% if department %}{{ department }}{% else %}本机关{% endif %}依法撤销该决定"
            "{% if licenses %}，相关电子证照（{{ licenses|join:'、' }}）同时撤销{% endif %}，"
            "并记入失信记录。" + _REMEDY
        ),
    ),
    EventKind(
        kind="case.cooling_off",
        category="case",
        label="离婚冷静期告知",
        legal=True,
        required=("number", "item", "withdraw_until", "confirm_until"),
        title="办件 {{ number }}：离婚登记申请已受理，进入冷静期",
        body=(
            _ITEM + "已受理。依照《民法典》第一千零七十七条，冷静期至{{ withdraw_until }}止，"
            "期间任何一方不愿意离婚的，可以到婚姻登记机关撤回申请；冷静期届满后至{{ confirm_until }}，"
            "双方应当亲自到婚姻登记机关确认并申请发给离婚证，未确认的，视为撤回离婚登记申请。"
        ),
    ),
    EventKind(
        kind="case.cooling_off_ended",
        category="case",
        label="离婚登记申请撤回",
        legal=True,
        required=("number", "item", "reason"),
        title="办件 {{ number }}：离婚登记申请已撤回",
        body=_ITEM + "{{ reason }}，离婚登记申请已撤回，办理终止。",
    ),
]
