"""The applicant's messages of 容缺受理, 告知承诺制 and the 离婚冷静期 (notification kinds of the
case category, registered from `CasesConfig.ready`). Each notice of these procedures is one
message keyed by the notice number (cases/messages.py); the reminder and the commitment receipt
are messages without a notice, keyed by the case and the material or commitment."""

from __future__ import annotations

from yiwang.notifications.kinds import EventKind, kind_register

_ITEM = "您申请的“{{ item }}”（办件编号 {{ number }}）"

KINDS = [
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
            "并记入失信记录。如不服本决定，可以依法申请行政复议或者提起行政诉讼。"
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


def register() -> None:
    for spec in KINDS:
        kind_register(spec)
