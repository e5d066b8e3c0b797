"""What the licence services share: the parties they name (a case's applicant, a holder, a
grantee) and how they are found (lookup hash), cleaning of identifiers and free text, whether a
user holds a licence, and how a user is labelled in a use record."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from yiwang.accounts.models import User
from yiwang.core import keys
from yiwang.core.errors import ValidationFailed
from yiwang.core.identifiers import ValidationError as IdValidationError
from yiwang.core.identifiers import validate_ric, validate_uscc
from yiwang.core.masking import mask_name
from yiwang.core.text import reject_markup
from yiwang.organizations.models import Department, Region

from ..models import HolderIdType, License
from ..selectors import holder_hash

log = logging.getLogger("yiwang.licenses")


class IssuingCase(Protocol):
    """What issuance reads of a completed case (cases passes its `Case`; licences never import
    cases): the item version's results, the deciding department, the region, the decision."""

    pk: int
    number: str
    decision: str
    item_id: int
    item_version: Any  # `.results`: [{"name", "type"}] (GB/T 39046 办理结果)
    department: Department
    region: Region | None
    completed_at: datetime | None


class HolderParty(Protocol):
    """The party a licence is issued to (cases passes the case's applicant `CaseParty`)."""

    name: str
    id_type: str  # "001" 统一社会信用代码, otherwise 公民身份号码
    id_number: str
    id_hash: str
    user: User | None


def party_hash(*, id_type: str, id_value: str) -> str:
    """The lookup hash a party is found by: the same kinds as accounts (id_number) and holders (uscc)."""
    if id_type == HolderIdType.USCC:
        return keys.lookup_hash(id_value, kind="uscc")
    from yiwang.accounts.services import id_number_hash

    return id_number_hash(id_value)


def clean_party_id(id_type: str, value: str, *, field: str = "grantee_id") -> str:
    value = keys.normalize(value or "")
    try:
        if id_type == HolderIdType.USCC:
            return validate_uscc(value)
        if id_type == HolderIdType.RIC:
            return validate_ric(value)
    except IdValidationError:
        label = "统一社会信用代码" if id_type == HolderIdType.USCC else "公民身份号码"
        raise ValidationFailed(fields={"grantee_id": [f"{label}格式或校验位有误"]}) from None
    raise ValidationFailed(
        fields={"grantee_id_type": ["代码类型应为 001（统一社会信用代码）或 111（公民身份号码）"]}
    )


def clean_text(field: str, value: str, *, required: bool = True, max_length: int = 200) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(fields={field: ["必填"]})
    if len(value) > max_length:
        raise ValidationFailed(fields={field: [f"不能超过 {max_length} 个字"]})
    reject_markup(field=field, value=value)
    return value


def is_holder(user: User, license: License) -> bool:
    h = holder_hash(user)
    return bool(h) and h == license.holder_id_hash


def user_display(user: User | None) -> str:
    if user is None:
        return ""
    name = user.display_name or user.username
    return name if user.kind in ("legal", "staff") else mask_name(name)
