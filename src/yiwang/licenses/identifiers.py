"""E-licence identifiers (GB/T 36904 / DESIGN.md §4.5).

Type code = the defining authority's 18-character 统一社会信用代码 + a 3-digit sequence.
Licence identifier = `1.2.156.3005.2.{type code}.{issuer USCC}.{serial}.{version}.{check}`, the
check character by ISO 7064 MOD 37,36 over type code + issuer code + serial + version joined
without dots.
"""

from __future__ import annotations

import re

from stdnum.iso7064 import mod_37_36

from yiwang.core.identifiers import is_valid_uscc
from yiwang.core.text import is_digits

PREFIX = "1.2.156.3005.2"
_SERIAL = re.compile(r"^[0-9A-Z]{1,40}$")
_VERSION = re.compile(r"^[0-9]{3}$")


class InvalidIdentifier(ValueError):
    pass


def validate_type_code(code: str) -> str:
    code = (code or "").strip().upper()
    if len(code) != 21 or not is_digits(code[18:]):
        raise InvalidIdentifier("type code must be an 18-character USCC and a 3-digit sequence")
    if not is_valid_uscc(code[:18]):
        raise InvalidIdentifier("the type code's definer USCC is not valid")
    return code


def type_code_field_validator(value: str) -> None:
    from django.core.exceptions import ValidationError

    try:
        validate_type_code(value)
    except InvalidIdentifier as exc:
        raise ValidationError("证照类型代码应为定义机构统一社会信用代码加三位顺序号") from exc


def check_character(*, type_code: str, issuer_uscc: str, serial: str, version: str) -> str:
    return mod_37_36.calc_check_digit(f"{type_code}{issuer_uscc}{serial}{version}")


def build(*, type_code: str, issuer_uscc: str, serial: str, version: int | str) -> str:
    type_code = validate_type_code(type_code)
    if not is_valid_uscc(issuer_uscc):
        raise InvalidIdentifier("issuer USCC is not valid")
    serial = str(serial).upper()
    if not _SERIAL.match(serial):
        raise InvalidIdentifier("serial must be 1-40 digits or capital letters")
    version = f"{int(version):03d}" if isinstance(version, int) else version
    if not _VERSION.match(version):
        raise InvalidIdentifier("version must be 3 digits")
    check = check_character(type_code=type_code, issuer_uscc=issuer_uscc, serial=serial, version=version)
    return f"{PREFIX}.{type_code}.{issuer_uscc}.{serial}.{version}.{check}"


def parse(identifier: str) -> dict[str, str]:
    """Split and check an identifier; raises InvalidIdentifier."""
    text = (identifier or "").strip().upper()
    if not text.startswith(PREFIX + "."):
        raise InvalidIdentifier("not an e-licence identifier")
    parts = text[len(PREFIX) + 1 :].split(".")
    if len(parts) != 5:
        raise InvalidIdentifier("an identifier has five parts after the prefix")
    type_code, issuer_uscc, serial, version, check = parts
    validate_type_code(type_code)
    if not is_valid_uscc(issuer_uscc) or not _SERIAL.match(serial) or not _VERSION.match(version):
        raise InvalidIdentifier("malformed identifier part")
    if len(check) != 1 or check != check_character(
        type_code=type_code, issuer_uscc=issuer_uscc, serial=serial, version=version
    ):
        raise InvalidIdentifier("check character does not match")
    return {"type_code": type_code, "issuer_uscc": issuer_uscc, "serial": serial, "version": version}


def is_valid(identifier: str) -> bool:
    try:
        parse(identifier)
    except InvalidIdentifier:
        return False
    return True
