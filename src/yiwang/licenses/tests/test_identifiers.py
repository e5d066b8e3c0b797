import pytest
from stdnum.iso7064 import mod_37_36

from yiwang.licenses import identifiers
from yiwang.licenses.catalogue import DEMO_TYPES

TYPE = "11100000MB7680141D002"


@pytest.fixture
def issuer():
    from yiwang.core.testing import make_uscc

    return make_uscc("scjg")


def test_mod_37_36_reference_values():
    # ISO 7064 MOD 37,36 examples published with python-stdnum
    assert mod_37_36.is_valid("A12425GABC1234002M")
    assert mod_37_36.calc_check_digit("A12425GABC1234002") == "M"


def test_build_and_parse_round_trip(issuer):
    ident = identifiers.build(type_code=TYPE, issuer_uscc=issuer, serial="202600000001", version=1)
    assert ident.startswith(f"1.2.156.3005.2.{TYPE}.{issuer}.202600000001.001.")
    check = ident[-1]
    assert check == mod_37_36.calc_check_digit(f"{TYPE}{issuer}202600000001001")
    assert mod_37_36.is_valid(f"{TYPE}{issuer}202600000001001{check}")
    assert identifiers.parse(ident) == {
        "type_code": TYPE,
        "issuer_uscc": issuer,
        "serial": "202600000001",
        "version": "001",
    }


def test_every_single_character_change_is_caught(issuer):
    ident = identifiers.build(type_code=TYPE, issuer_uscc=issuer, serial="7", version=2)
    head = len(identifiers.PREFIX) + 1
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for i in range(head, len(ident)):
        if ident[i] == ".":
            continue
        for c in alphabet:
            if c != ident[i]:
                assert not identifiers.is_valid(ident[:i] + c + ident[i + 1 :]), (i, c)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1.2.156.3005.2",
        "1.2.156.3005.1.11100000MB7680141D002.X.1.001.A",
        "1.2.156.3005.2.11100000MB7680141D002.11420100MB0000001X.1.001",
        "1.2.156.3005.2.11100000MB7680141E002.11420100MB0000001X.1.001.A",  # bad definer check
        "1.2.156.3005.2.11100000MB7680141D02.11420100MB0000001X.1.001.A",  # 2-digit sequence
        "1.2.156.3005.2.11100000MB7680141D002.11420100MB0000001X.1.01.A",  # 2-digit version
        "1.2.156.3005.2.11100000MB7680141D002.11420100MB0000001X.1-2.001.A",
    ],
)
def test_malformed_identifiers_are_refused(bad):
    assert not identifiers.is_valid(bad)


def test_type_codes():
    for (_, uscc), seq, *_ in DEMO_TYPES:
        assert identifiers.validate_type_code(uscc + seq) == uscc + seq
    for bad in ["11100000MB7680141D", "11100000MB7680141DABC", "11100000MB7680141E001", "x" * 21]:
        with pytest.raises(identifiers.InvalidIdentifier):
            identifiers.validate_type_code(bad)
