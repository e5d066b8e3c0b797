"""The real 1,135-item list of 广安市广安区 (../shared/data) imports through the catalogue."""

import csv
import io
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.management import call_command

from yiwang.catalog import services
from yiwang.catalog.item_list import parse_implementation_code
from yiwang.catalog.models import Item, ItemVersion, VersionStatus
from yiwang.organizations.models import Department

from .factories import DepartmentFactory, RegionFactory, make_uscc

pytestmark = pytest.mark.django_db

LIST = Path(__file__).resolve().parent / "data" / "items-sichuan-guang-an-district.csv"


def list_rows():
    with LIST.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def expected_tree(rows):
    """Independent count: (department, main item) pairs that are not a listed row of that department."""
    names = defaultdict(int)
    for r in rows:
        names[(r["department"], r["item_name"])] += 1
    mains = {
        (r["department"], r["main_item"]) for r in rows if r["main_item"] not in ("未分类", r["item_name"])
    }
    synthesized = {m for m in mains if names[m] != 1}
    children = sum(1 for r in rows if r["main_item"] not in ("未分类", r["item_name"]))
    return len(synthesized), children


@pytest.fixture
def guang_an():
    region = RegionFactory(code="511602", name="广安区")
    departments = sorted({r["department"] for r in list_rows()})
    for name in departments:
        DepartmentFactory(name=f"广安市{name}", short_name=name, region=region)
    return region


def as_file(rows):
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=["department", "main_item", "item_name", "implementation_code", "item_type_code"]
    )
    writer.writeheader()
    writer.writerows(rows)
    buf.seek(0)
    return buf


def test_parse_implementation_codes():
    assert parse_implementation_code("511A0138000000-511602000000-000-115113010833722043-1-00") == (
        "511A0138000000",
        "115113010833722043",
    )
    assert (
        parse_implementation_code("G-000007-001-511602000000-000-115113010833722043-1-00")[0]
        == "G-000007-001"
    )
    assert parse_implementation_code("511A0081000003-511602000000-000-00877868-5-1-00") == (
        "511A0081000003",
        "00877868-5",
    )
    assert parse_implementation_code("E-000004-001-11511301008778386B") == (
        "E-000004-001",
        "11511301008778386B",
    )


def test_whole_list_imports_as_drafts_with_tree(guang_an):
    rows = list_rows()
    assert len(rows) == 1135
    synthesized, children = expected_tree(rows)
    with LIST.open(encoding="utf-8") as f:
        report = services.item_list_import(fileobj=f, region_code="511602000000")
    assert report.ok, report.as_text()
    assert report.rows == 1135 and report.drafts == 1135 + synthesized and report.published == 0
    assert Item.objects.count() == 1135 + synthesized
    assert ItemVersion.objects.filter(status=VersionStatus.DRAFT).count() == 1135 + synthesized
    assert Item.objects.filter(parent__isnull=False).count() == children
    assert Item.objects.filter(node_kind="sub").count() == children
    assert not Item.objects.filter(parent__parent__isnull=False).exists()  # two levels
    # 户口登记（包括注销、恢复、变更） is a main item created for its four listed sub-items
    hukou = ItemVersion.objects.get(name="户口登记（包括注销、恢复、变更）").item
    assert hukou.code.startswith("LOCAL-511602000000-") and hukou.node_kind == "main"
    assert sorted(ItemVersion.objects.filter(item__parent=hukou).values_list("name", flat=True)) == [
        "户口变更",
        "户口恢复",
        "户口注销",
        "户口登记",
    ]
    assert hukou.department.short_name == "区公安分局"
    # a listed row that is the main item of others becomes their parent
    notary = Item.objects.get(code="512C0107500002-511602000000-000-00877868-5-1-00")
    assert notary.node_kind == "main" and notary.children.count() == 4
    # local type codes mapped to GB/T 39046
    v = ItemVersion.objects.get(item__code="511A0138000000-511602000000-000-115113010833722043-1-00")
    assert (v.item_type, v.exercise_levels, v.statutory_limit_days) == ("01", ["4"], None)
    types = dict.fromkeys(ItemVersion.objects.values_list("item_type", flat=True).distinct())
    assert set(types) <= {"01", "05", "07", "08", "09", "10", "20"}
    assert ItemVersion.objects.filter(item_type="20", item__node_kind="sub").exists()

    # importing the same list again changes nothing
    with LIST.open(encoding="utf-8") as f:
        again = services.item_list_import(fileobj=f, region_code="511602")
    assert again.ok and again.created == 0 and again.unchanged == 1135 + synthesized
    assert Item.objects.count() == 1135 + synthesized


def test_broken_rows_abort_the_whole_list(guang_an):
    rows = list_rows()
    broken = [
        *rows,
        # line 1137: a new department whose implementation code carries an invalid USCC
        {
            "department": "区新设局",
            "main_item": "未分类",
            "item_name": "测试事项",
            "implementation_code": "511A9-511602000000-000-11511301008778183X-1-00",
            "item_type_code": "1",
        },
        # line 1138: unknown type code
        {
            **rows[0],
            "implementation_code": "511Z99-511602000000-000-11511301008778183N-1-00",
            "item_type_code": "3",
        },
        # line 1139: duplicate implementation code
        dict(rows[1]),
    ]
    report = services.item_list_import(fileobj=as_file(broken), region_code="511602", create_departments=True)
    assert not report.ok
    lines = {e.row: e for e in report.errors}
    assert "区新设局" in lines[1137].message and "统一社会信用代码" in lines[1137].message
    assert Item.objects.count() == 0
    assert not Department.objects.filter(short_name="区新设局").exists()

    # the other broken rows are named in the same report
    assert "3" in next(e.message for e in report.errors if e.row == 1138 and e.field == "item_type")
    assert any(e.row == 1139 and e.message == "实施编码重复（与第 3 行相同）" for e in report.errors)


def test_broken_type_and_duplicate_named(guang_an):
    rows = list_rows()
    broken = [
        *rows,
        {
            **rows[0],
            "implementation_code": "511Z99-511602000000-000-11511301008778183N-1-00",
            "item_type_code": "3",
        },
        dict(rows[1]),
    ]
    report = services.item_list_import(fileobj=as_file(broken), region_code="511602")
    assert not report.ok
    by_line = {(e.row, e.field): e for e in report.errors}
    assert "3" in by_line[(1137, "item_type")].message
    assert by_line[(1138, "code")].message == "实施编码重复（与第 3 行相同）"
    assert len(report.errors) == 2
    assert Item.objects.count() == 0


def test_create_departments_from_codes(capsys):
    region = RegionFactory(code="511602", name="广安区")
    # 区烟草专卖局's codes carry no valid USCC: it needs one given explicitly
    with pytest.raises(SystemExit):
        call_command("catalog_import_list", str(LIST), "--region-code", "511602", "--create-departments")
    out = capsys.readouterr().out
    assert "区烟草专卖局" in out and "未导入任何数据" in out
    assert Department.objects.count() == 0 and Item.objects.count() == 0

    tobacco = make_uscc(77, prefix="11511602")
    call_command(
        "catalog_import_list",
        str(LIST),
        "--region-code",
        "511602",
        "--create-departments",
        "--department-uscc",
        f"区烟草专卖局={tobacco}",
    )
    out = capsys.readouterr().out
    assert "导入完成" in out and "新建部门 34" in out
    assert "不是有效的统一社会信用代码" in out  # warnings name the rows with old organisation codes
    assert Department.objects.filter(region=region).count() == 34
    assert Department.objects.get(short_name="区经信局").uscc == "11511301008778183N"
    assert Department.objects.get(short_name="区烟草专卖局").uscc == tobacco
    assert Item.objects.filter(department__short_name="区经信局").exists()
    assert Item.objects.count() > 1135
