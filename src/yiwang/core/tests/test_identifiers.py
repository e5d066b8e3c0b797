from datetime import date

import pytest
from stdnum.cn import ric

from yiwang.core.identifiers import ValidationError, is_valid_ric, validate_ric
from yiwang.core.testing import make_ric, make_uscc


def test_elderly_wuhan_citizen_is_accepted_where_stdnum_refuses():
    number = make_ric(region="420102", born=date(1950, 5, 6), serial=77)
    assert not ric.is_valid(number)  # stdnum: 420102 did not exist in 1950
    assert validate_ric(number) == number


@pytest.mark.parametrize(
    "bad",
    [
        "42010219900101123",  # too short
        "42010219900101123A",  # bad check character
        "420102199002301235",  # 30 February
        "990102199001011230",  # unknown region
        "42010230000101123X",  # born in the future
    ],
)
def test_bad_numbers_are_refused(bad):
    assert not is_valid_ric(bad)
    with pytest.raises(ValidationError):
        validate_ric(bad)


def test_test_helpers_make_valid_codes():
    assert is_valid_ric(make_ric())
    from stdnum.cn import uscc

    assert uscc.is_valid(make_uscc("x"))


# --- one normalising validator for every identifier input (issue 22, defect 5) -----------------
@pytest.mark.parametrize(
    "kind,given,expected",
    [
        ("phone", "１３８１２３４５６７８", "13812345678"),
        ("phone", "+86 138-1234-5678", "13812345678"),
        ("postcode", "４３００００", "430000"),
    ],
)
def test_full_width_and_separated_input_is_normalised(kind, given, expected):
    from yiwang.core.identifiers import identifier_check

    assert identifier_check(kind, given) == (expected, "")


def test_full_width_id_numbers_and_codes_are_normalised():
    from yiwang.core.identifiers import identifier_check, validate_uscc

    number = make_ric(born=date(1980, 1, 2), serial=55)
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number).lower()
    assert wide != number and identifier_check("ric", f" {wide} ") == (number, "")
    code = make_uscc("x")
    assert validate_uscc(" " + "".join(chr(ord(c) + 0xFEE0) for c in code)) == code


@pytest.mark.parametrize(
    "bad",
    [
        "4201021990AB011236",
        "420102199O0101123X",
        "42010219900101123\u0661",
        "４２０１０２ＡＢ",
        "",
        "x" * 200,
    ],
)
def test_letters_anywhere_are_a_problem_not_a_crash(bad):
    from yiwang.core.identifiers import identifier_check

    number, problem = identifier_check("ric", bad)
    assert problem == "不是有效的公民身份号码" and number == bad


def test_a_future_birth_date_is_said_plainly():
    from yiwang.core.errors import ValidationFailed
    from yiwang.core.identifiers import identifier_clean

    future = make_ric(born=date(2026, 12, 1), serial=1)
    with pytest.raises(ValidationFailed) as exc:
        identifier_clean("ric", future, field="f", today=date(2026, 11, 1))
    assert exc.value.fields == {"f": ["公民身份号码中的出生日期晚于今天"]}


def test_no_module_checks_identifiers_with_stdnum_itself():
    """The class of defect 5: a module calling stdnum directly skips the normalisation and meets
    stdnum's ValueError. Only core/identifiers.py may; generators of test and demo codes too."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    allowed = {"core/identifiers.py", "core/testing.py", "demo/codes.py"}
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "/tests/" not in str(p)
        and str(p.relative_to(root)) not in allowed
        and re.search(r"^\s*(from|import) stdnum\.cn", p.read_text(encoding="utf-8"), re.M)
    ]
    assert offenders == []


def test_the_birth_place_look_up_is_remembered_per_code_both_ways():
    """The division check is memoised per six-digit code: an unknown code stays refused and a
    known one accepted on every later number (the stdnum look-up runs once per code)."""
    from yiwang.core import identifiers

    body = "990102199001011234"[:17]
    unknown = body + ric.calc_check_digit(body)
    known = make_ric(region="420106", born=date(1990, 1, 1), serial=12)
    identifiers._known_division.cache_clear()
    for _ in range(3):
        with pytest.raises(identifiers.InvalidComponent):
            validate_ric(unknown)
        assert validate_ric(known) == known
    info = identifiers._known_division.cache_info()
    assert (info.misses, info.hits) == (2, 4)
