"""证照编号: each licence type's own number, in the format its rule prescribes — printed on the
licence and shown to people — separate from the GB/T 36904 identifier (`identifiers.py`, whose
serial part stays the platform's sequence).

A type's `number_rule` names one of RULES. Rules that count allocate the next value of a counter
per *scope* (the number with its sequence left out: e.g. per county and business kind for
食品经营许可证, per registry and year for 不动产权证书) with one row per scope in
`LicenseNumberCounter`, incremented by an UPDATE in the issuing transaction: concurrent issuance
in one scope waits on that row until the other transaction commits (or rolls back, giving the
value back), so no two licences get one number and numbers have no gaps from rollbacks.
Issuance in different scopes never waits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from stdnum.iso7064 import mod_11_10

from yiwang.core.errors import ValidationFailed

from .models import NUMBER_RULE_CHOICES, LicenseNumberCounter

# 省级行政区简称 by the first two digits of the division code (GB/T 2260), as 不动产权证书 and
# provincial licence numbers use them
PROVINCE_ABBR = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新", "71": "台",
    "81": "港", "82": "澳",
}  # fmt: skip

# 食品经营许可证 主体业态 code (the first digit after JY)
FOOD_KINDS = {"食品销售经营者": "1", "餐饮服务经营者": "2", "单位食堂": "3"}


@dataclass(frozen=True)
class NumberContext:
    """What a number may be made of: the type, the issuer's division code and name, the holder,
    the issue date and the licence's metadata."""

    type_code: str
    region_code: str  # the issuing department's division code (6 or 12 digits), may be ""
    place: str  # the registry's place name for 不动产权证书 ("武汉市", "武汉市江岸区")
    holder_id_type: str
    holder_id: str
    issued_on: date
    metadata: dict


def _region6(ctx: NumberContext) -> str:
    code = (ctx.region_code or "")[:6]
    if len(code) != 6 or not code.isdigit():
        raise ValidationFailed("颁证单位未设置行政区划，无法生成证照编号", code="license_number_region")
    return code


def _abbr(ctx: NumberContext) -> str:
    return PROVINCE_ABBR.get(_region6(ctx)[:2], "")


def next_value(scope: str) -> int:
    """The next value of a scope's counter, in the caller's transaction (1 for a new scope)."""
    assert transaction.get_connection().in_atomic_block, "numbers are allocated in the issuing transaction"
    for _ in range(3):
        if LicenseNumberCounter.objects.filter(scope=scope).update(last=F("last") + 1):
            return LicenseNumberCounter.objects.filter(scope=scope).values_list("last", flat=True).get()
        try:
            with transaction.atomic():  # a savepoint: losing the race to create leaves the caller intact
                LicenseNumberCounter.objects.create(scope=scope, last=1)
            return 1
        except IntegrityError:
            continue  # another transaction created the scope first: increment it
    raise RuntimeError(f"could not allocate a number in {scope}")


def _seq(ctx: NumberContext, scope: str, width: int) -> str:
    value = next_value(f"{ctx.type_code}:{scope}")
    if value >= 10**width:
        raise ValidationFailed("该类证照在此编号范围内的顺序号已用尽", code="license_number_exhausted")
    return f"{value:0{width}d}"


def _uscc(ctx: NumberContext) -> str:
    """The holder's 统一社会信用代码. A case whose applicant is a person (a founder registering a
    company or an individual business, whose new code this platform does not assign) gets a
    sequence number instead, so the case still completes."""
    if ctx.holder_id_type != "001":
        return _sequence(ctx)
    return ctx.holder_id


def _id_number(ctx: NumberContext) -> str:
    return ctx.holder_id


def _food_jy(ctx: NumberContext) -> str:
    """JY + 14 digits: 主体业态 (1), province (2), city (2), county (2), sequence (6), check (1);
    the check digit here is ISO 7064 MOD 11,10 over the 13 digits before it."""
    raw = str(ctx.metadata.get("business_kind") or "")
    kind = FOOD_KINDS.get(raw) or (raw if raw in {"1", "2", "3"} else "2")  # 餐饮服务 when not given
    head = f"{kind}{_region6(ctx)}"
    digits = head + _seq(ctx, head, 6)
    return f"JY{digits}{mod_11_10.calc_check_digit(digits)}"


def _real_estate(ctx: NumberContext) -> str:
    """鄂(2026)武汉市不动产权第0000001号: province abbreviation, year, registry, 7-digit sequence."""
    prefix = f"{_abbr(ctx)}({ctx.issued_on.year}){ctx.place}不动产权第"
    return f"{prefix}{_seq(ctx, prefix, 7)}号"


def _marriage(ctx: NumberContext) -> str:
    """结婚证字号 J + registry's division code (6) - year - sequence (6)."""
    head = f"J{_region6(ctx)}-{ctx.issued_on.year}-"
    return head + _seq(ctx, head, 6)


def _health(word: str) -> Callable[[NumberContext], str]:
    def rule(ctx: NumberContext) -> str:
        """鄂卫公证字〔2026〕第420102000001号: province, kind word, year, county code, sequence."""
        head = f"{_abbr(ctx)}卫{word}字〔{ctx.issued_on.year}〕第{_region6(ctx)}"
        return f"{head}{_seq(ctx, head, 6)}号"

    return rule


def _birth(ctx: NumberContext) -> str:
    """A letter and 9 digits (the form's printed number): R, province code, 7-digit sequence."""
    head = f"R{_region6(ctx)[:2]}"
    return head + _seq(ctx, head, 7)


def _social_security(ctx: NumberContext) -> str:
    """卡号: 9 characters, a letter and 8 digits (province code, 6-digit sequence)."""
    head = f"A{_region6(ctx)[:2]}"
    return head + _seq(ctx, head, 6)


def _sequence(ctx: NumberContext) -> str:
    """No national format: year and an 8-digit sequence per issuing division."""
    head = f"{_region6(ctx)}{ctx.issued_on.year}"
    return head + _seq(ctx, head, 8)


RULES: dict[str, Callable[[NumberContext], str]] = {
    "uscc": _uscc,
    "id_number": _id_number,
    "food_jy": _food_jy,
    "real_estate": _real_estate,
    "marriage": _marriage,
    "health_public": _health("公证"),
    "health_water": _health("水"),
    "birth": _birth,
    "social_security": _social_security,
    "sequence": _sequence,
}
RULE_CHOICES = NUMBER_RULE_CHOICES

# what a number of each rule looks like (import checks, tests)
PATTERNS = {
    "uscc": re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
    "id_number": re.compile(r"^[0-9]{17}[0-9X]$"),
    "food_jy": re.compile(r"^JY[123][0-9]{13}$"),
    "real_estate": re.compile(r"^[\u4e00-\u9fff]\([0-9]{4}\)[\u4e00-\u9fff]+不动产权第[0-9]{7}号$"),
    "marriage": re.compile(r"^J[0-9]{6}-[0-9]{4}-[0-9]{6}$"),
    "health_public": re.compile(r"^[\u4e00-\u9fff]卫公证字〔[0-9]{4}〕第[0-9]{12}号$"),
    "health_water": re.compile(r"^[\u4e00-\u9fff]卫水字〔[0-9]{4}〕第[0-9]{12}号$"),
    "birth": re.compile(r"^R[0-9]{9}$"),
    "social_security": re.compile(r"^A[0-9]{8}$"),
    "sequence": re.compile(r"^[0-9]{18}$"),
}


def food_check_ok(number: str) -> bool:
    return bool(PATTERNS["food_jy"].match(number)) and mod_11_10.is_valid(number[2:])


def allocate(rule: str, ctx: NumberContext) -> str:
    """The number of a new licence under `rule` (in the issuing transaction)."""
    fn = RULES.get(rule or "sequence")
    if fn is None:
        raise ValueError(f"unknown number rule {rule!r}")
    return fn(ctx)
