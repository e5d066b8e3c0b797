from datetime import date

from stdnum.cn import ric, uscc

from yiwang.demo.codes import org_code_check, ric_make, uscc_make


def test_org_code_check_gb11714():
    # 3*1+7*2+9*3+10*4+5*5+8*6+4*7+2*8 = 201; 11 - 201 % 11 = 8
    assert org_code_check("12345678") == "8"
    assert org_code_check("00000000") == "0"  # 11 → "0"


def test_uscc_is_valid_deterministic_and_agency_shaped():
    a = uscc_make(seed="武汉市公安局", region_code="420100")
    assert a == uscc_make(seed="武汉市公安局", region_code="420100")
    assert a != uscc_make(seed="武汉市民政局", region_code="420100")
    assert uscc.is_valid(a)
    assert a.startswith("11420100MB")
    assert org_code_check(a[8:16]) == a[16]
    company = uscc_make(seed="示例公司", region_code="420102", registry="9", category="1")
    assert uscc.is_valid(company) and company.startswith("91420102")
    assert org_code_check(company[8:16]) == company[16]


def test_ric_valid_with_birth_date_place_and_gender():
    man = ric_make(seed="x", region_code="420102", birth=date(1988, 6, 15), female=False)
    woman = ric_make(seed="y", region_code="420106", birth=date(1992, 3, 8), female=True)
    for number in (man, woman):
        assert ric.is_valid(number)
    assert ric.get_birth_date(man) == date(1988, 6, 15)
    assert int(man[16]) % 2 == 1 and int(woman[16]) % 2 == 0
    assert ric.get_birth_place(woman)["county"] == "武昌区"
