"""Masking of personal data for pages, API answers and logs."""

from __future__ import annotations

import re

# an 18-character ID number (region, birth date 19xx/20xx, sequence, check) and a mobile number,
# not inside a longer run of digits; any other run of 12+ digits is hidden as well
ID_NUMBER_IN_TEXT = re.compile(
    r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{2}[0-9]{3}[0-9xX](?![0-9])"
)
PHONE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
LONG_DIGITS = re.compile(r"[0-9]{12,}")


def mask_id_number(value: str | None) -> str:
    """420102199001011234 -> 420102********1234"""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678"""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """张三丰 -> 张*丰, 张三 -> 张*"""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_address(value: str | None) -> str:
    """Keep the first 6 characters (district level), hide the rest."""
    if not value:
        return ""
    return value[:6] + "*" * min(max(len(value) - 6, 0), 8)


def mask_email(value: str | None) -> str:
    """zhang.wei@example.com -> z*******@example.com"""
    if not value:
        return ""
    local, _, domain = value.partition("@")
    return (local[:1] + "*" * max(len(local) - 1, 1)) + ("@" + domain if domain else "")


MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "name": mask_name,
    "address": mask_address,
    "email": mask_email,
}


def mask(kind: str, value: str | None) -> str:
    """Mask by kind; an unknown kind hides everything."""
    return MASKERS.get(kind, lambda v: "*" * len(v or ""))(value)


def mask_personal_data(text: str | None) -> str:
    """Free text (a question, a search) with the ID and mobile numbers in it masked, and any other
    run of 12+ digits hidden: `我的身份证420102199001011234` -> `我的身份证420102********1234`."""
    text = ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text or "")
    text = PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
    return LONG_DIGITS.sub(lambda m: mask_id_number(m.group(0)), text)
