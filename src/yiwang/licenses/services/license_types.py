"""Licence types (证照类型, GB/T 36904): the demo catalogue, validity rules, and which types a
completed case results in."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.db import transaction

from .. import identifiers
from ..catalogue import DEMO_TYPES
from ..models import LicenseType
from .base import IssuingCase

LICENSE_RESULT_TYPE = "10"  # 办理结果类型 10 = 证照 (GB/T 39046)


@transaction.atomic
def license_types_load() -> int:
    """Create or update the demo catalogue (idempotent). Returns the number of types."""
    for (definer_name, definer_uscc), seq, name, months, fields, issued_here, rule, standard in DEMO_TYPES:
        code = identifiers.validate_type_code(definer_uscc + seq)
        LicenseType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "definer_name": definer_name,
                "validity_months": months,
                "metadata_fields": fields,
                "issued_here": issued_here,
                "number_rule": rule,
                "standard": standard,
            },
        )
    return len(DEMO_TYPES)


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until_for(*, type_: LicenseType, valid_from: date) -> date | None:
    if not type_.validity_months:
        return None
    return add_months(valid_from, type_.validity_months) - timedelta(days=1)


def license_types_for_case(case: IssuingCase) -> list[LicenseType]:
    """The licence types a case's item version results in (results of type 10 named as a
    catalogue type; a type restricted to some items must list the case's item)."""
    names = [
        r.get("name")
        for r in (case.item_version.results or [])
        if isinstance(r, dict) and str(r.get("type")) == LICENSE_RESULT_TYPE and r.get("name")
    ]
    if not names:
        return []
    found = []
    for type_ in LicenseType.objects.filter(name__in=names, issued_here=True).prefetch_related("items"):
        items = list(type_.items.all())
        if not items or any(i.pk == case.item_id for i in items):
            found.append(type_)
    return found
