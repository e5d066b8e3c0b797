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
