"""证照编号: every demo type's number in its own format, separate from the GB/T 36904 identifier;
counters per scope; no duplicates when licences are issued concurrently (real threads and
transactions, on SQLite and PostgreSQL); each demo type's face items."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction
from stdnum.cn import uscc as uscc_check
from stdnum.iso7064 import mod_11_10

from yiwang.core.testing import make_ric
from yiwang.licenses import identifiers, numbering, sdjwt, selectors, services
from yiwang.licenses.catalogue import DEMO_TYPES
from yiwang.licenses.models import License, LicenseNumberCounter, LicenseType
from yiwang.organizations.tests.factories import DepartmentFactory

DAY = date(2026, 11, 2)


def _import(world, type_name, *, holder_id=None, dept=None, metadata=None, day=DAY, serial=1):
    type_ = LicenseType.objects.get(name=type_name)
    company = type_.number_rule == "uscc"
    return services.license_import(
        type_=type_,
        issuer=dept or world.dept,
        holder_name="武汉示例餐饮管理有限公司" if company else "张伟",
        holder_id_type="001" if company else "111",
        holder_id=holder_id or (world.company.uscc if company else make_ric(serial=serial)),
        issued_on=day,
        metadata=metadata or {},
    )


EXPECTED = {
    "营业执照": None,  # the holder's USCC
    "食品经营许可证": "JY2420100000001",  # + the check digit
    "公共场所卫生许可证": "鄂卫公证字〔2026〕第420100000001号",
    "生活饮用水供水单位卫生许可证": "鄂卫水字〔2026〕第420100000001号",
    "出生医学证明": "R420000001",
    "结婚证": "J420100-2026-000001",
    "不动产权证书": "鄂(2026)武汉市不动产权第0000001号",
    "社会保障卡": "A42000001",
    "建筑垃圾处置核准证书": "420100202600000001",
}


def test_each_type_numbers_in_its_own_format(world):
    for name, expected in EXPECTED.items():
        lic = _import(world, name)
        rule = lic.type.number_rule
        assert numbering.PATTERNS[rule].match(lic.number), (name, lic.number)
        if name == "营业执照":
            assert lic.number == world.company.uscc and uscc_check.is_valid(lic.number)
        elif name == "食品经营许可证":
            assert lic.number[:-1] == expected and numbering.food_check_ok(lic.number)
            assert lic.number[-1] == mod_11_10.calc_check_digit(lic.number[2:-1])
        else:
            assert lic.number == expected, name
        # separate from the identifier, whose serial is the platform's sequence
        assert identifiers.parse(lic.identifier)["serial"] == lic.serial != lic.number
        disclosed = sdjwt.parse(lic.credential)
        sdjwt.resolve_disclosures(disclosed)
        assert disclosed.disclosed["number"] == lic.number
        assert selectors.license_verify(credential=lic.credential)["disclosed"]["number"] == lic.number


def test_counters_per_scope(world):
    a = _import(world, "不动产权证书", serial=1)
    b = _import(world, "不动产权证书", serial=2)
    c = _import(world, "不动产权证书", serial=3, day=date(2027, 1, 4))  # a new year starts again
    assert [a.number, b.number, c.number] == [
        "鄂(2026)武汉市不动产权第0000001号",
        "鄂(2026)武汉市不动产权第0000002号",
        "鄂(2027)武汉市不动产权第0000001号",
    ]
    # a district's registry: its own place name and counter
    district_dept = DepartmentFactory(name="武汉市江岸区自然资源和规划局", region=world.district)
    d = _import(world, "不动产权证书", dept=district_dept, serial=4)
    assert d.number == "鄂(2026)武汉市江岸区不动产权第0000001号"
    # 食品经营许可证: the 主体业态 digit comes from the licence's metadata and has its own counter
    sale = _import(world, "食品经营许可证", metadata={"business_kind": "食品销售经营者"})
    canteen = _import(world, "食品经营许可证", metadata={"business_kind": "单位食堂"})
    food = _import(world, "食品经营许可证")
    assert sale.number.startswith("JY1420100000001") and canteen.number.startswith("JY3420100000001")
    assert food.number.startswith("JY2420100000001")
    assert all(numbering.food_check_ok(x.number) for x in (sale, canteen, food))
    district_food = _import(world, "食品经营许可证", dept=district_dept)
    assert district_food.number.startswith("JY2420102000001")


def test_person_holders_of_a_charter_and_rollback(world):
    # a 营业执照 issued to a person (the registrant; the new entity's code is not assigned here)
    # still gets a number, in the sequence format
    lic = services.license_import(
        type_=LicenseType.objects.get(name="营业执照"),
        issuer=world.dept,
        holder_name="张伟",
        holder_id_type="111",
        holder_id=make_ric(serial=9),
        issued_on=DAY,
    )
    assert lic.number == "420100202600000001" and numbering.PATTERNS["sequence"].match(lic.number)
    # a rolled-back issuance gives its number back: the next licence of the scope is still 1
    with pytest.raises(RuntimeError), transaction.atomic():
        _import(world, "结婚证")
        raise RuntimeError("the completion failed after the licence was issued")
    assert not LicenseNumberCounter.objects.filter(scope__contains="J420100").exists()
    assert _import(world, "结婚证").number == "J420100-2026-000001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuance_never_duplicates_a_number(world):
    threads_n, per_thread = 6, 4
    barrier = threading.Barrier(threads_n)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def run(k):
        try:
            barrier.wait(timeout=20)
            for i in range(per_thread):
                for name in ("不动产权证书", "食品经营许可证"):
                    numbers.append(_import(world, name, serial=k * 10 + i).number)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    total = threads_n * per_thread
    assert len(numbers) == 2 * total and len(set(numbers)) == 2 * total
    estate = sorted(n for n in numbers if "不动产权" in n)
    assert estate == [f"鄂(2026)武汉市不动产权第{i:07d}号" for i in range(1, total + 1)]  # no gaps either
    food = sorted(n[:-1] for n in numbers if n.startswith("JY"))
    assert food == [f"JY2420100{i:06d}" for i in range(1, total + 1)]
    assert License.objects.values("number").distinct().count() == 2 * total


def test_demo_types_carry_their_standards_face_items(world):
    by_name = {t.name: t for t in LicenseType.objects.all()}
    assert len(by_name) == len(DEMO_TYPES)
    must = {
        "营业执照": {
            "domicile",
            "entity_type",
            "legal_representative",
            "registered_capital",
            "business_scope",
        },
        "食品经营许可证": {"address", "business_kind", "business_items", "legal_representative", "domicile"},
        "公共场所卫生许可证": {"address", "legal_representative", "licensed_items"},
        "生活饮用水供水单位卫生许可证": {"address", "sites", "supply_mode"},
        "出生医学证明": {
            "birth_place",
            "sex",
            "born_at",
            "mother_name",
            "father_name",
            "delivery_institution",
        },
        "结婚证": {"spouse", "registered_on"},
        "不动产权证书": {"location", "unit_number", "right_type", "right_nature", "use", "area", "term"},
        "居民身份证": {"sex", "ethnicity", "born_on", "domicile"},
    }
    for name, fields in must.items():
        type_ = by_name[name]
        names = [f["name"] for f in type_.metadata_fields]
        assert fields <= set(names), (name, fields - set(names))
        assert len(names) == len(set(names)) and all(f["title"] for f in type_.metadata_fields)
        assert type_.standard and type_.number_rule in numbering.RULES
