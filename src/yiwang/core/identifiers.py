"""National identifiers: 居民身份证号码 (GB 11643) and 统一社会信用代码 (GB 32100), on python-stdnum.

`stdnum.cn.ric.validate` rejects a number whose region code was created after the holder's birth
year. But an ID number carries the code of the place of *registration when the number was first
issued* (1984 onwards), so every Wuhan citizen born before their district's code existed
(e.g. 420102…1950…) would be turned away — the elderly above all. `validate_ric` keeps all of
stdnum's checks (length, digits, check character, real birth date, known region code) except that
one, and adds: the birth date is not in the future and not before 1890."""

from __future__ import annotations

import datetime

from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

__all__ = [
    "ValidationError",
    "is_valid_ric",
    "ric_field_validator",
    "uscc_field_validator",
    "validate_ric",
    "validate_uscc",
]


def validate_ric(number: str, *, today: datetime.date | None = None) -> str:
    number = ric.compact(number)
    if len(number) != 18:
        raise InvalidLength()
    if not (number[:-1].isascii() and number[:-1].isdigit()):
        raise InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidChecksum()
    born = ric.get_birth_date(number)
    if born > (today or datetime.date.today()) or born.year < 1890:
        raise InvalidComponent()
    results = numdb.get("cn/loc").info(number[:6])
    if not any(props for _part, props in results):
        raise InvalidComponent()
    return number


def is_valid_ric(number: str) -> bool:
    try:
        return bool(validate_ric(number))
    except ValidationError:
        return False


def validate_uscc(number: str) -> str:
    return uscc.validate(number)


def uscc_field_validator(value: str) -> None:
    """Model-field validator (admin forms): a 统一社会信用代码 with a correct check character."""
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        validate_uscc(value)
    except ValidationError as exc:
        raise DjangoValidationError("统一社会信用代码格式或校验位有误") from exc


def ric_field_validator(value: str) -> None:
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        validate_ric(value)
    except ValidationError as exc:
        raise DjangoValidationError("公民身份号码格式或校验位有误") from exc
