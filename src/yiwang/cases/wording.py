"""The words of a decision follow the item type (GB/T 39046 事项类型) and who handles it:
准予/不予许可 for 行政许可, 予以/不予确认 for 行政确认, 给付 for 行政给付, and 办结 wording for
公共服务 and for items handled by companies (a water company does not "decide to grant a
licence"). Notices, messages and status labels all take their words from `wording_for`."""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.catalog.models import ItemType
from yiwang.organizations.models import DepartmentKind
from yiwang.organizations.selectors import department_remedy

from .models import Case


@dataclass(frozen=True)
class Wording:
    approve: str  # the decision, short (status label, completion result)
    deny: str
    approve_title: str  # the notice's title
    deny_title: str
    approve_text: str  # the notice's sentence ("{agency}" = 本机关 / the company)
    deny_text: str
    adverse_is_administrative: bool = True  # a refusal is an administrative act: name the remedy


LICENSING = Wording(
    "准予许可",
    "不予许可",
    "准予许可决定书",
    "不予许可决定书",
    "经审查，符合法定条件和标准，{agency}决定准予许可。",
    "经审查，{agency}决定不予许可。",
)
CONFIRMATION = Wording(
    "予以确认",
    "不予确认",
    "予以确认决定书",
    "不予确认决定书",
    "经审查，符合法定条件，{agency}决定予以确认。",
    "经审查，{agency}决定不予确认。",
)
PAYMENT = Wording(
    "准予给付",
    "不予给付",
    "给付决定书",
    "不予给付决定书",
    "经审核，符合给付条件，{agency}决定予以给付。",
    "经审核，不符合给付条件，{agency}决定不予给付。",
)
SERVICE = Wording(
    "已办理",
    "不予办理",
    "办理结果告知书",
    "不予办理告知书",
    "已按规定为你（单位）办理完成。",
    "经核查，不符合办理条件，{agency}不予办理。",
)
COMPANY = Wording(
    "已办理",
    "不予办理",
    "办理结果告知书",
    "不予办理告知书",
    "已按规定为你（单位）办理完成。",
    "经核查，不符合办理条件，{agency}不予办理。",
    adverse_is_administrative=False,
)
OTHER = Wording(
    "准予办理",
    "不予办理",
    "准予办理决定书",
    "不予办理决定书",
    "经审查，符合法定条件，{agency}决定准予办理。",
    "经审查，{agency}决定不予办理。",
)
BY_TYPE = {
    ItemType.LICENSING: LICENSING,
    ItemType.CONFIRMATION: CONFIRMATION,
    ItemType.PAYMENT: PAYMENT,
    ItemType.PUBLIC_SERVICE: SERVICE,
}


def wording_for(case: Case) -> Wording:
    if case.department.kind == DepartmentKind.ENTERPRISE:
        return COMPANY
    return BY_TYPE.get(case.item_version.item_type, OTHER)


def agency(case: Case) -> str:
    """How a notice names the one who decides: 本机关, or the company by name."""
    return case.department.name if case.department.kind == DepartmentKind.ENTERPRISE else "本机关"


def remedy_for(case: Case) -> dict | None:
    """The remedy an adverse decision on `case` names (organizations.selectors.department_remedy),
    as stored with the decision; None where the decision is no administrative act (a company's
    refusal: the item's 监督投诉方式 applies)."""
    if not wording_for(case).adverse_is_administrative:
        return None
    return department_remedy(case.department).as_dict()
