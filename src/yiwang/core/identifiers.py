"""National identifiers: 居民身份证号码 (GB 11643) and 统一社会信用代码 (GB 32100), on python-stdnum.

`stdnum.cn.ric.validate` rejects a number whose region code was created after the holder's birth
year. But an ID number carries the code of the place of *registration when the number was first
issued* (1984 onwards), so every Wuhan citizen born before their district's code existed
(e.g. 420102…1950…) would be turned away — the elderly above all. `validate_ric` keeps all of
stdnum's checks (length, digits, check character, real birth date, known region code) except that
one, and adds: the birth date is not in the future and not before 1890.

Every identifier that comes in — forms, parties, registration, the exchange gateway, licence
imports — goes through this module (`identifier_check` / `identifier_clean`): one normalisation
(NFKC, so full-width digits and letters become ASCII; spaces and hyphens dropped; upper case)
and one set of checks, which never raises anything but `ValidationError` (stdnum raises
`ValueError` for letters in the birth-date positions) or, from `identifier_clean`, the API's
`ValidationFailed` with a Chinese message. `core/tests/test_identifiers.py` keeps other modules
from importing stdnum themselves."""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata

from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

__all__ = [
    "ValidationError",
    "identifier_check",
    "identifier_clean",
    "is_valid_ric",
    "is_valid_uscc",
    "normalize",
    "ric_field_validator",
    "uscc_check_digit",
    "uscc_field_validator",
    "validate_ric",
    "validate_uscc",
]


class BirthInFuture(InvalidComponent):
    message = "The birth date is in the future."


SEPARATORS = re.compile(r"[\s\-]+")


def normalize(value: str) -> str:
    """NFKC (full-width to ASCII), without spaces or hyphens, upper case."""
    return SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value))).upper()


def validate_ric(number: str, *, today: datetime.date | None = None) -> str:
    number = normalize(number)
    if len(number) != 18:
        raise InvalidLength()
    if not (number[:-1].isascii() and number[:-1].isdigit()):
        raise InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidChecksum()
    try:
        born = ric.get_birth_date(number)
    except ValueError as exc:  # not a real date (month 13, 30 February)
        raise InvalidComponent() from exc
    if born > (today or datetime.date.today()):
        raise BirthInFuture()
    if born.year < 1890:
        raise InvalidComponent()
    if not _known_division(number[:6]):
        raise InvalidComponent()
    return number


@functools.lru_cache(maxsize=8192)
def _known_division(code: str) -> bool:
    """Whether python-stdnum's database of divisions knows the six-digit birth-place code (its
    look-up walks the database: remembered per code — China has ~3,200 county-level codes)."""
    return any(props for _part, props in numdb.get("cn/loc").info(code))


def is_valid_ric(number: str) -> bool:
    try:
        return bool(validate_ric(number))
    except ValidationError:
        return False


def uscc_check_digit(head: str) -> str:
    """The GB 32100 check character of a code's first 17 characters (for generating codes)."""
    return uscc.calc_check_digit(head)


def is_valid_uscc(number: str) -> bool:
    return not identifier_check("uscc", number)[1]


def validate_uscc(number: str) -> str:
    try:
        return uscc.validate(normalize(number))
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            raise
        raise InvalidFormat() from exc


PHONE = re.compile(r"^1[3-9][0-9]{9}$")
POSTCODE = re.compile(r"^[0-9]{6}$")


def validate_phone(number: str) -> str:
    """A mainland mobile number (11 digits), without a +86/0086 prefix."""
    number = normalize(number).removeprefix("+86").removeprefix("0086")
    if not PHONE.match(number):
        raise InvalidFormat()
    return number


def validate_postcode(number: str) -> str:
    number = normalize(number)
    if not POSTCODE.match(number):
        raise InvalidFormat()
    return number


PROBLEMS = {
    "ric": "不是有效的公民身份号码",
    "uscc": "不是有效的统一社会信用代码",
    "phone": "应为11位手机号码",
    "postcode": "应为6位数字的邮政编码",
}
MESSAGES = {  # without a field title (API parties, registration, the gateway)
    "ric": "公民身份号码格式或校验位有误",
    "uscc": "统一社会信用代码格式或校验位有误",
    "phone": "联系电话应为11位手机号码",
    "postcode": "邮政编码应为6位数字",
}


def identifier_check(kind: str, value: object, *, today: datetime.date | None = None) -> tuple[str, str]:
    """(the normalised identifier, "") or (the text as given, a Chinese problem to put after the
    field's name: "不是有效的公民身份号码"). `kind`: ric, uscc, phone or postcode."""
    text = value if isinstance(value, str) else ""
    try:
        if kind == "ric":
            return validate_ric(text, today=today), ""
        if kind == "uscc":
            return validate_uscc(text), ""
        if kind == "phone":
            return validate_phone(text), ""
        if kind == "postcode":
            return validate_postcode(text), ""
    except BirthInFuture:
        return text, "中的出生日期晚于今天"
    except (ValidationError, ValueError, KeyError, IndexError):
        return text, PROBLEMS[kind]
    raise ValueError(f"unknown identifier kind {kind!r}")


def identifier_clean(kind: str, value: object, *, field: str, title: str = "", today=None) -> str:
    """`identifier_check`, raising the API's 422 (`ValidationFailed`) on `field`."""
    from .errors import ValidationFailed

    number, problem = identifier_check(kind, value, today=today)
    if problem:
        if title:
            message = f"{title}{problem}"
        elif problem == PROBLEMS[kind]:
            message = MESSAGES[kind]
        else:
            message = f"公民身份号码{problem}"
        raise ValidationFailed(message, fields={field: [message]})
    return number


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
