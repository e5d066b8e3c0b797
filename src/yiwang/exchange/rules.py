"""Exchange rules that only read: who may do what to a sharing agreement or a consent (rule tables
for `core.workflow`), and what each refusal of the query gateway means (HTTP status, Chinese text).

Services act on them through `core.workflow.Workflow`; selectors read them to say what a page
offers (`selectors.agreement_actions`). Nothing here writes or imports the services.
"""

from __future__ import annotations

from yiwang.core.workflow import Rule, rule

from .adapters import ProviderError
from .models import AgreementStatus, ConsentStatus

# --- agreements ---------------------------------------------------------------------------------
PROVIDER = "provider"  # a chief data officer (首席数据官) of the resource's department
CONSUMER = "consumer"  # staff of the consuming department
SYSTEM = "system"  # the platform itself: 无条件共享 is approved on request

AGREEMENT_RULES: dict[str, Rule] = {
    # approve (possibly narrowed) or refuse: the target is the decision's (DECISIONS)
    "decide": rule(
        {AgreementStatus.REQUESTED},
        None,
        {PROVIDER},
        "审批",
        denied="只有数据提供部门的首席数据官可以审批共享申请",
        denied_code="not_cdo",
        refused="该申请已审批",
        stale="该申请已被他人处理，请刷新后重试",
    ),
    "approve_automatically": rule(
        {AgreementStatus.REQUESTED}, AgreementStatus.APPROVED, {SYSTEM}, "自动批准"
    ),
    "revoke": rule(
        {AgreementStatus.APPROVED},
        AgreementStatus.REVOKED,
        {PROVIDER, CONSUMER},
        "终止",
        denied="只有数据提供部门的首席数据官或使用部门可以终止共享协议",
        denied_code="not_cdo",
        refused="只能终止已批准的共享协议",
        stale="该协议已被他人变更，请刷新后重试",
    ),
}
DECISIONS: dict[str, str] = {"approve": AgreementStatus.APPROVED, "refuse": AgreementStatus.REFUSED}
MAX_AGREEMENT_DAYS = 3 * 366

# --- consent ------------------------------------------------------------------------------------
SUBJECT = "subject"  # the data subject, whose own consent it is

_ANSWERED = "该授权请求已处理"
_ANSWERED_STALE = "该授权请求已被处理，请刷新后重试"
CONSENT_RULES: dict[str, Rule] = {
    "grant": rule(
        {ConsentStatus.PENDING},
        ConsentStatus.GRANTED,
        {SUBJECT},
        "同意",
        refused=_ANSWERED,
        stale=_ANSWERED_STALE,
    ),
    "refuse": rule(
        {ConsentStatus.PENDING},
        ConsentStatus.REFUSED,
        {SUBJECT},
        "拒绝",
        refused=_ANSWERED,
        stale=_ANSWERED_STALE,
    ),
    "withdraw": rule(
        {ConsentStatus.GRANTED},
        ConsentStatus.WITHDRAWN,
        {SUBJECT},
        "撤回",
        refused="只能撤回已同意的授权",
        stale="该授权已被撤回，请刷新后重试",
    ),
}

# --- the gateway's answers ------------------------------------------------------------------------
REASONS: dict[str, tuple[int, str]] = {
    "unknown_resource": (404, "未找到该数据资源"),
    "unknown_purpose": (422, "未知的用途"),
    "unknown_element": (422, "请求了该数据资源没有的信息项"),
    "case_required": (422, "按此用途查询须注明所办理的办件编号"),
    "case_not_found": (403, "未找到您可以办理的该办件，不能以其名义查询"),
    "case_not_actionable": (403, "该办件不由您或本部门办理，不能以其名义查询"),
    "subject_not_party": (403, "信息主体不是该办件的当事人"),
    "purpose_not_for_caller": (403, "该用途仅供平台为申请人本人预填表单使用"),
    "invalid_subject": (422, "信息主体标识有误"),
    "not_shared": (403, "该数据资源不予共享"),
    "no_agreement": (403, "本部门没有该数据资源的有效共享协议"),
    "agreement_expired": (403, "本部门对该数据资源的共享协议已过期"),
    "agreement_revoked": (403, "本部门对该数据资源的共享协议已终止"),
    "purpose_not_agreed": (403, "共享协议未包含该用途"),
    "elements_not_agreed": (403, "所请求的信息项均不在共享协议范围内"),
    "consent_required": (403, "需经信息主体本人授权，已向其发送授权请求"),
    "consent_pending": (403, "信息主体尚未确认授权"),
    "consent_refused": (403, "信息主体已拒绝授权"),
    "consent_withdrawn": (403, "信息主体已撤回授权，已重新向其发送授权请求"),
    "subject_not_found": (404, "未查询到该信息主体的数据"),
    "provider_timeout": (504, ProviderError.MESSAGES["provider_timeout"]),
    "provider_unavailable": (502, ProviderError.MESSAGES["provider_unavailable"]),
    "provider_error": (502, ProviderError.MESSAGES["provider_error"]),
    "provider_bad_response": (502, ProviderError.MESSAGES["provider_bad_response"]),
    "provider_signature_invalid": (502, ProviderError.MESSAGES["provider_signature_invalid"]),
    "provider_response_too_large": (502, ProviderError.MESSAGES["provider_response_too_large"]),
    "provider_not_configured": (502, ProviderError.MESSAGES["provider_not_configured"]),
    "circuit_open": (503, ProviderError.MESSAGES["circuit_open"]),
}
