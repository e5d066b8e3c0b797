import copy
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from yiwang.catalog import selectors, services
from yiwang.catalog.models import CodeMapping, Item, ItemVersion, VersionStatus

from .factories import DepartmentFactory, ServiceHallFactory

pytestmark = pytest.mark.django_db


def item_row(department, code="A-1", **over):
    row = {
        "code": code,
        "basic_code": "420A0001",
        "department_uscc": department.uscc,
        "node_kind": "main",
        "name": "食品经营许可",
        "item_type": "01",
        "service_objects": ["1", "2"],
        "exercise_levels": ["4"],
        "power_source": "1",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "conditions": "有与经营的食品品种相适应的场所",
        "statutory_limit_days": 20,
        "promised_limit_days": 5,
        "case_kind": "2",
        "handling_forms": ["1", "2"],
        "online_depth": ["1", "2", "3", "4", "5", "6"],
        "online_grade": "Ⅲ",
        "visits_required": 1,
        "locations": "区政务服务中心",
        "hours": "工作日 9:00-17:00",
        "consultation": "027-12345678",
        "complaint": "12345",
        "fees": [{"name": "不收费", "standard": "0", "basis": "", "waivable": False}],
        "results": [{"name": "食品经营许可证", "type": "10", "sample": ""}],
        "cross_city_scope": "市内",
        "themes": ["餐饮"],
        "tolerance_acceptance": True,
        "commitment_system": False,
        "special_procedures": [{"kind": "2", "name": "现场核查", "basis": "《食品经营许可管理办法》"}],
        "form_schema": {
            "type": "object",
            "required": ["applicant.name", "enterprise.uscc"],
            "properties": {
                "applicant.name": {"title": "经营者名称"},
                "enterprise.uscc": {"title": "统一社会信用代码"},
                "premises.area": {"title": "经营面积", "type": "number", "minimum": 0},
            },
        },
        "materials": [
            {
                "code": "food.application",
                "name": "食品经营许可申请书",
                "material_type": "1",
                "material_form": "3",
                "required": True,
                "copies": 1,
                "source": "applicant",
                "tolerable": False,
                "blank_form": "https://example.org/form.docx",
                "notes": "签字盖章",
            },
            {
                "code": "business.license",
                "name": "营业执照",
                "material_type": "2",
                "material_form": "2",
                "required": True,
                "copies": 1,
                "source": "government",
                "issuing_department": "市场监督管理局",
                "tolerable": True,
            },
        ],
    }
    row.update(over)
    return row


def test_import_publishes_and_is_idempotent():
    dep = DepartmentFactory()
    hall = ServiceHallFactory(region=dep.region)
    main = item_row(dep, "A-1", halls=[hall.name])
    sub = item_row(dep, "A-1-1", node_kind="sub", parent_code="A-1", name="食品经营许可（新办）")
    biz = item_row(
        dep, "A-1-1-c", node_kind="business", business_kind="change", parent_code="A-1-1", name="变更"
    )
    report = services.items_import(data=[biz, sub, main])
    assert report.ok, report.as_text()
    assert (report.created, report.published) == (3, 3)
    item = Item.objects.get(code="A-1-1-c")
    assert item.parent.code == "A-1-1" and item.parent.parent.code == "A-1"
    assert item.business_kind == "change"
    v = selectors.item_version_current(code="A-1")
    assert v.materials.count() == 2 and list(v.halls.all()) == [hall]
    m = v.materials.get(code="business.license")
    assert (m.material_type, m.source, m.tolerable, m.issuing_department) == (
        "2",
        "government",
        True,
        "市场监督管理局",
    )

    again = services.items_import(data=[main, sub, biz])
    assert again.ok and again.unchanged == 3 and again.created == 0
    assert ItemVersion.objects.filter(item__code="A-1").count() == 1

    changed = services.items_import(data=[dict(main, promised_limit_days=3)])
    assert changed.updated == 1
    assert selectors.item_version_current(code="A-1").promised_limit_days == 3
    assert ItemVersion.objects.get(item__code="A-1", version=1).status == VersionStatus.RETIRED


def test_export_round_trip_json():
    dep = DepartmentFactory()
    rows = [item_row(dep, "A-1"), item_row(dep, "A-1-1", node_kind="sub", parent_code="A-1")]
    assert services.items_import(data=rows).ok
    exported = services.items_export()
    assert [r["code"] for r in exported] == ["A-1", "A-1-1"]
    assert exported[0]["materials"][0]["blank_form"] == "https://example.org/form.docx"
    assert exported[1]["parent_code"] == "A-1"
    # the exported rows import back without change
    report = services.items_import(data=json.loads(json.dumps(exported)))
    assert report.ok and report.unchanged == 2


def test_import_errors_abort_everything_with_a_report():
    dep = DepartmentFactory()
    good = item_row(dep, "OK-1")
    bad_uscc = item_row(dep, "BAD-1", department_uscc="91420100MA4KXXXX1A")
    unknown_dep = item_row(dep, "BAD-2", department_uscc="91110000600037341L")
    bad_type = item_row(dep, "BAD-3", item_type="99", case_kind="7")
    dup = item_row(dep, "OK-1")
    bad_schema = item_row(dep, "BAD-4")
    bad_schema["form_schema"]["properties"]["no.such"] = {"title": "x"}
    bad_material = item_row(dep, "BAD-5")
    bad_material["materials"][1]["code"] = "food.application"
    bad_material["materials"][0]["copies"] = 0
    orphan = item_row(dep, "BAD-6", node_kind="sub", parent_code="NOPE")
    limits = item_row(dep, "BAD-7", promised_limit_days=30)
    report = services.items_import(
        data=[good, bad_uscc, unknown_dep, bad_type, dup, bad_schema, bad_material, orphan, limits]
    )
    assert not report.ok
    by_row = {}
    for e in report.errors:
        by_row.setdefault(e.row, []).append((e.field, e.message))
    assert ("department_uscc", "统一社会信用代码 91420100MA4KXXXX1A 无效") in by_row[2]
    assert by_row[3][0][0] == "department_uscc" and "找不到" in by_row[3][0][1]
    assert {f for f, _ in by_row[4]} == {"item_type", "case_kind"}
    assert ("code", "实施编码重复（与第 1 行相同）") in by_row[5]
    assert by_row[6] == [("form_schema.no.such", "字段 no.such 不是已登记的数据元素")]
    assert {m for _, m in by_row[7]} == {"材料编码 food.application 重复", "份数应为 1 到 99 之间的整数"}
    assert ("parent_code", "上级事项 NOPE 不存在") in by_row[8]
    assert ("promised_limit_days", "承诺办结时限不能超过法定办结时限") in by_row[9]
    assert 1 not in by_row
    assert Item.objects.count() == 0
    assert "未导入任何数据" in report.as_text() and "BAD-3" in report.as_text()


def test_drafts_need_structure_only_and_local_codes_map():
    dep = DepartmentFactory()
    CodeMapping.objects.create(system="hubei", table="item_type", local_code="XK", national_code="01")
    CodeMapping.objects.create(system="hubei", table="service_objects", local_code="P", national_code="1")
    row = {
        "code": "D-1",
        "basic_code": "B-1",
        "department_uscc": dep.uscc,
        "node_kind": "main",
        "name": "草稿事项",
        "item_type": "XK",
        "service_objects": ["P"],
    }
    assert not services.items_import(data=[row], publish=True, source="hubei").ok
    report = services.items_import(data=[row], publish=False, source="hubei")
    assert report.ok and report.drafts == 1
    v = ItemVersion.objects.get(item__code="D-1")
    assert (v.status, v.item_type, v.service_objects, v.statutory_limit_days) == ("draft", "01", ["1"], None)
    # the same local codes without the mapping system are errors
    report = services.items_import(data=[dict(row, code="D-2")], publish=False, source="json")
    assert not report.ok and {e.field for e in report.errors} == {"item_type", "service_objects"}
    # local_codes entry
    row3 = dict(
        row,
        code="D-3",
        item_type="",
        service_objects=["1"],
        local_codes={"table": "item_type", "value": "XK"},
    )
    report = services.items_import(data=[row3], publish=False, source="hubei")
    assert report.ok, report.as_text()
    assert ItemVersion.objects.get(item__code="D-3").item_type == "01"
    # re-importing a draft updates it in place
    assert services.items_import(data=[dict(row, name="改名")], publish=False, source="hubei").ok
    assert list(ItemVersion.objects.filter(item__code="D-1").values_list("version", "name")) == [(1, "改名")]


def test_dry_run_writes_nothing():
    dep = DepartmentFactory()
    report = services.items_import(data=[item_row(dep)], dry_run=True)
    assert report.ok and report.created == 1 and report.dry_run
    assert Item.objects.count() == 0


def test_unknown_keys_and_non_list_rejected():
    dep = DepartmentFactory()
    report = services.items_import(data=[item_row(dep, promised_days=3)])
    assert [(e.field, e.message) for e in report.errors] == [("promised_days", "未知字段 promised_days")]
    assert not services.items_import(data={"code": "x"}).ok


def test_xlsx_round_trip():
    dep = DepartmentFactory()
    hall = ServiceHallFactory(region=dep.region)
    rows = [item_row(dep, "A-1", halls=[hall.name]), item_row(dep, "A-2", item_type="20", legal_basis="")]
    assert services.items_import(data=rows).ok
    content = services.items_export_xlsx()
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["事项", "材料", "代码表"]
    headers = [c.value for c in wb["事项"][1]]
    assert headers[:3] == ["实施编码", "基本编码", "本地编码"]
    assert wb["事项"]["I2"].value == "01"  # 事项类型 kept as text
    assert wb["材料"].max_row == 5
    assert any(r[3] == "行政许可" for r in wb["代码表"].iter_rows(values_only=True))

    report = services.items_import_xlsx(fileobj=io.BytesIO(content))
    assert report.ok, report.as_text()
    assert report.unchanged == 2

    # edit a cell: the import creates a new version
    ws = wb["事项"]
    col = headers.index("承诺办结时限（工作日）") + 1
    ws.cell(row=2, column=col, value=2)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    report = services.items_import_xlsx(fileobj=buf)
    assert report.ok and report.updated == 1
    assert selectors.item_version_current(code="A-1").promised_limit_days == 2


def test_xlsx_errors_name_sheet_and_row():
    dep = DepartmentFactory()
    assert services.items_import(data=[item_row(dep, "A-1")]).ok
    wb = load_workbook(io.BytesIO(services.items_export_xlsx()))
    headers = [c.value for c in wb["事项"][1]]
    wb["事项"].cell(row=2, column=headers.index("法定办结时限（工作日）") + 1, value="二十天")
    wb["材料"].cell(row=3, column=1, value="NO-SUCH")
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    report = services.items_import_xlsx(fileobj=buf)
    assert not report.ok
    issues = {(e.sheet, e.row, e.field) for e in report.errors}
    assert ("事项", 2, "statutory_limit_days") in issues
    assert ("材料", 3, "item_code") in issues
    assert not services.items_import_xlsx(fileobj=io.BytesIO(b"not a workbook")).ok


def test_import_and_export_commands(tmp_path, capsys):
    dep = DepartmentFactory()
    path = tmp_path / "items.json"
    path.write_text(json.dumps([item_row(dep, "C-1")], ensure_ascii=False), encoding="utf-8")
    call_command("catalog_import", str(path), "--dry-run")
    assert "校验通过" in capsys.readouterr().out
    assert not Item.objects.exists()
    call_command("catalog_import", str(path))
    assert "导入完成" in capsys.readouterr().out
    assert Item.objects.filter(code="C-1").exists()

    bad = copy.deepcopy(item_row(dep, "C-2", item_type="77"))
    path.write_text(json.dumps([bad], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        call_command("catalog_import", str(path))
    assert exc.value.code == 1
    assert "C-2" in capsys.readouterr().out

    out_json, out_xlsx = tmp_path / "out.json", tmp_path / "out.xlsx"
    call_command("catalog_export", str(out_json))
    call_command("catalog_export", str(out_xlsx))
    assert [r["code"] for r in json.loads(out_json.read_text(encoding="utf-8"))] == ["C-1"]
    call_command("catalog_import", str(out_xlsx))
    assert "未变 1" in capsys.readouterr().out


def test_clock_rules_import_export_and_validation():
    """The §42 extension rule and the acceptance limit after a supplement are catalogue fields
    (issue 12): defaults 10 and 5 working days, exported only when an item differs, so guides
    published before them keep their hash; a special procedure may name its machine kind and
    expected duration."""
    dep = DepartmentFactory()
    plain = item_row(dep, "A-1")
    strict = item_row(
        dep,
        "A-2",
        extension_days=0,
        acceptance_limit_days=3,
        special_procedures=[
            {
                "kind": "2",
                "name": "听证",
                "basis": "《行政许可法》第四十六条",
                "procedure": "hearing",
                "duration_days": 20,
            }
        ],
    )
    report = services.items_import(data=[plain, strict])
    assert report.ok, report.as_text()
    a1, a2 = selectors.item_version_current(code="A-1"), selectors.item_version_current(code="A-2")
    assert (a1.extension_days, a1.acceptance_limit_days) == (10, 5)
    assert (a2.extension_days, a2.acceptance_limit_days) == (0, 3)
    exported = {r["code"]: r for r in services.items_export()}
    assert "extension_days" not in exported["A-1"] and "acceptance_limit_days" not in exported["A-1"]
    assert exported["A-2"]["extension_days"] == 0 and exported["A-2"]["acceptance_limit_days"] == 3
    assert services.items_import(data=json.loads(json.dumps(list(exported.values())))).unchanged == 2
    bad = item_row(
        dep,
        "A-3",
        extension_days=99,
        acceptance_limit_days=0,
        special_procedures=[
            {"kind": "2", "name": "听证", "basis": "x", "procedure": "Hearing!", "duration_days": 0}
        ],
    )
    report = services.items_import(data=[bad])
    assert not report.ok
    text = report.as_text()
    assert "可延长期限应为 0 到 60" in text and "补正后受理时限应为 1 到 30" in text
    assert "特别程序代码" in text and "预计时长" in text
    assert not Item.objects.filter(code="A-3").exists()
