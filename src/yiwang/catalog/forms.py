"""Server-side validation of an application form (element id → value) against an item version's
form schema and the element registry. Messages are Chinese and use the item's own wording (the
schema `title`) for each field."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from yiwang.core.errors import ValidationFailed
from yiwang.core.identifiers import identifier_check

from .models import ElementType, ItemVersion, Validator
from .selectors import element_registry

DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2100, 12, 31)
IDENTIFIER_KINDS = {
    Validator.RIC: "ric",
    Validator.USCC: "uscc",
    Validator.PHONE: "phone",
    Validator.POSTCODE: "postcode",
}
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}$")
MARKUP_RE = re.compile(r"</?[a-zA-Z!?]|javascript\s*:|<\s*script", re.IGNORECASE)
INTEGER_RE = re.compile(r"^[+-]?[0-9]+$")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], {})


def form_validate(*, item_version: ItemVersion, form: dict, partial: bool = False) -> dict:
    """Check `form` against the version's schema; return the cleaned values (strings stripped,
    ID numbers and USCCs upper-cased, numbers parsed). Raises ValidationFailed with
    `fields={element id: [中文说明, ...]}`. `partial=True` (drafts) skips required fields."""
    return schema_validate(schema=item_version.form_schema or {}, form=form, partial=partial)


def schema_validate(*, schema: dict, form: dict, partial: bool = False) -> dict:
    """`form_validate` against any form schema keyed by element ids (e.g. a bundle's merged form)."""
    if not isinstance(form, dict):
        raise ValidationFailed("申请表应为 JSON 对象", fields={"form": ["申请表应为 JSON 对象"]})
    props: dict[str, dict] = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    registry = element_registry()
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    for key in form:
        if key not in props:
            errors.setdefault(key, []).append(f"“{key}”不是本事项申请表中的栏目")
    for key, prop in props.items():
        title = prop.get("title") or registry.get(key, {}).get("name") or key
        value = form.get(key)
        if _empty(value):
            if key in required and not partial:
                errors.setdefault(key, []).append(f"请填写{title}")
            continue
        element = registry.get(key)
        if element is None:  # schema validated at publish; a registry change since then
            errors.setdefault(key, []).append(f"{title}暂时无法填写，请联系事项管理部门")
            continue
        value, problems = _check_value(value, prop, element, title)
        if problems:
            errors.setdefault(key, []).extend(problems)
        else:
            cleaned[key] = value
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


def _check_value(value: Any, prop: dict, element: dict, title: str) -> tuple[Any, list[str]]:
    etype = element["type"]
    if prop.get("type") == "integer" and etype == ElementType.NUMBER:
        etype = ElementType.INTEGER
    if etype in (ElementType.STRING, ElementType.TEXT, ElementType.ENUM):
        return _check_text(value, prop, element, title)
    if etype == ElementType.DATE:
        return _check_date(value, title)
    if etype == ElementType.BOOLEAN:
        if isinstance(value, bool):
            return value, []
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true", []
        return None, [f"{title}应为“是”或“否”"]
    if etype in (ElementType.INTEGER, ElementType.NUMBER):
        return _check_number(value, prop, etype, title)
    if etype == ElementType.LIST:
        return _check_list(value, prop, element, title)
    return None, [f"{title}的类型无法识别"]


def _check_text(value: Any, prop: dict, element: dict, title: str) -> tuple[Any, list[str]]:
    if not isinstance(value, str):
        return None, [f"{title}应为文字"]
    text = value.strip()
    problems = []
    max_length = prop.get("maxLength") or element.get("max_length")
    if max_length and len(text) > max_length:
        problems.append(f"{title}不能超过{max_length}个字")
    if MARKUP_RE.search(text):
        problems.append(f"{title}不能包含网页标记或脚本")
    enum = prop.get("enum") or element.get("enum") or []
    if enum and text not in enum:
        problems.append(f"{title}只能选择：{'、'.join(str(e) for e in enum)}")
    kind = IDENTIFIER_KINDS.get(element.get("validator") or "")
    if kind:  # one normalising check for every identifier (core.identifiers)
        text, problem = identifier_check(kind, text, today=timezone.localdate())
        if problem:
            problems.append(f"{title}{problem}")
    if (prop.get("format") or element.get("format")) == "email" and not EMAIL_RE.match(text):
        problems.append(f"{title}不是有效的电子邮箱地址")
    return text, problems


MAX_LIST_ENTRIES = 200


def _check_list(value: Any, prop: dict, element: dict, title: str) -> tuple[Any, list[str]]:
    """A list of short texts (一证多址: the sites one licence covers): 1–200 distinct entries."""
    if isinstance(value, str):  # one per line, as a page's textarea sends it
        value = [line for line in value.splitlines() if line.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None, [f"{title}应为文字清单"]
    limit = prop.get("maxItems") or MAX_LIST_ENTRIES
    entries, problems = [], []
    for i, raw in enumerate(value, 1):
        text, entry_problems = _check_text(
            raw, {"maxLength": prop.get("maxLength")}, element, f"{title}第{i}项"
        )
        problems.extend(entry_problems)
        if text and text not in entries:
            entries.append(text)
    if not entries:
        problems.append(f"请填写{title}")
    elif len(entries) > limit:
        problems.append(f"{title}最多{limit}项")
    return entries, problems


def _check_date(value: Any, title: str) -> tuple[Any, list[str]]:
    if not isinstance(value, str) or not DATE_RE.match(value.strip()):
        return None, [f"{title}应为日期，格式为 YYYY-MM-DD"]
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None, [f"{title}不是有效的日期"]
    if not DATE_MIN <= day <= DATE_MAX:
        return None, [f"{title}应在 1900-01-01 至 2100-12-31 之间"]
    return text, []


def _check_number(value: Any, prop: dict, etype: str, title: str) -> tuple[Any, list[str]]:
    number: int | float | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = value if value == value and abs(value) != float("inf") else None
    elif isinstance(value, str):
        text = value.strip()
        if INTEGER_RE.match(text):
            number = int(text)
        else:
            try:
                d = Decimal(text)
                number = float(d) if d.is_finite() else None
            except InvalidOperation:
                number = None
    if number is None:
        return None, [f"{title}应为{'整数' if etype == ElementType.INTEGER else '数字'}"]
    if etype == ElementType.INTEGER and isinstance(number, float):
        if not number.is_integer():
            return None, [f"{title}应为整数"]
        number = int(number)
    problems = []
    minimum, maximum = prop.get("minimum"), prop.get("maximum")
    if minimum is not None and number < minimum:
        problems.append(f"{title}不能小于{minimum}")
    if maximum is not None and number > maximum:
        problems.append(f"{title}不能大于{maximum}")
    return number, problems
