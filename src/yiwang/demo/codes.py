"""Deterministic, valid identifiers for demo data: 统一社会信用代码 (GB 32100-2015, with the
organisation code's own GB 11714-1997 check character) and 公民身份号码 (GB 11643-1999)."""

from __future__ import annotations

import hashlib
from datetime import date

from stdnum.cn import ric, uscc

# GB 32100: the characters a USCC may use (no I, O, S, V, Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _seed(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def org_code_check(body: str) -> str:
    """GB 11714-1997 check character of an 8-character organisation code body."""
    if len(body) != 8:
        raise ValueError("organisation code body must have 8 characters")
    total = 0
    for ch, w in zip(body, _ORG_WEIGHTS, strict=True):
        value = int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10
        total += value * w
    c9 = 11 - total % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def uscc_make(*, seed: str, region_code: str, registry: str = "1", category: str = "1") -> str:
    """A valid USCC derived from `seed` (e.g. the organisation's name), so reruns give the same code.

    registry/category: 登记管理部门码 and 机构类别码; "11" = 机构编制 · 机关, "12" = 事业单位,
    "91" = 工商 · 企业, "92" = 个体工商户.
    """
    if len(region_code) != 6 or not region_code.isdigit():
        raise ValueError("region code must have 6 digits")
    digest = _seed(seed)
    # New agencies since 2015 got organisation codes starting "MB"; enterprises get digits.
    if registry == "1":
        body = "MB" + "".join(USCC_ALPHABET[b % 31] for b in digest[:6])
    else:
        body = "".join(str(b % 10) for b in digest[:8])
    body = body[:8]
    org = body + org_code_check(body)
    head = f"{registry}{category}{region_code}{org}"
    code = head + uscc.calc_check_digit(head)
    assert uscc.is_valid(code), code
    return code


def ric_make(*, seed: str, region_code: str, birth: date, female: bool) -> str:
    """A valid 18-digit 公民身份号码 for a person born in `region_code` on `birth`."""
    digest = _seed(seed)
    seq = 100 + int.from_bytes(digest[:2], "big") % 899  # 3-digit 顺序码, odd for men
    if (seq % 2 == 1) == female:
        seq += 1 if seq < 999 else -1
    head = f"{region_code}{birth:%Y%m%d}{seq:03d}"
    code = head + ric.calc_check_digit(head + "0")  # stdnum expects a placeholder check digit
    assert ric.is_valid(code), code
    return code
