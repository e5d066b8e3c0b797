"""归集 / 修复: import of existing licence records from CSV and Excel with a row-by-row validation
report; valid rows issued in one transaction, rejected rows queued for repair and re-issued."""

import csv
import io
import json
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from openpyxl import Workbook

from yiwang.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from yiwang.core.testing import make_ric, make_uscc
from yiwang.licenses import services
from yiwang.licenses.models import ImportBatch, License, LicenseRepair, LicenseType, RepairStatus
from yiwang.licenses.selectors import license_verify

TODAY = date(2026, 11, 2)
FOOD = "食品经营许可证"
HEAD = [
    "证照类型",
    "持证主体",
    "持证主体代码",
    "颁证单位代码",
    "颁证日期",
    "有效期至",
    "原证照编号",
    "经营场所",
    "经营面积（平方米）",
]


def bad_ric():
    good = make_ric(serial=555)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


def rows(world):
    uscc = world.dept.uscc
    p1, p2 = make_ric(serial=311), make_ric(serial=312)
    co = make_uscc("shop1")
    return [
        [FOOD, "赵敏", p1, uscc, "2024-03-01", "", "JY001", "武汉市江汉区解放大道1号", "60"],  # 2 ok
        [
            FOOD,
            "武汉小吃有限公司",
            co,
            uscc,
            "2025/1/5",
            "",
            "JY002",
            "武汉市江汉区中山大道2号",
            "80",
        ],  # 3 ok
        [FOOD, "钱多", bad_ric(), uscc, "2024-03-01", "", "JY003", "地址", "10"],  # 4 bad id
        [
            FOOD,
            "坏公司",
            co[:-1] + ("0" if co[-1] != "0" else "1"),
            uscc,
            "2024-03-01",
            "",
            "",
            "地址",
            "1",
        ],  # 5
        [FOOD, "孙立", p2, uscc, "2024-03-01", "", "JY005", "", "30"],  # 6 missing 经营场所
        [FOOD, "赵敏", p1, uscc, "2024-03-01", "", "JY001", "武汉市江汉区解放大道1号", "60"],  # 7 dup of 2
        [
            FOOD,
            "周五",
            make_ric(serial=313),
            uscc,
            "2019-01-01",
            "2023-12-31",
            "JY007",
            "地址",
            "5",
        ],  # 8 expired
        [
            "宠物许可证",
            "吴六",
            make_ric(serial=314),
            uscc,
            "2024-03-01",
            "",
            "",
            "地址",
            "5",
        ],  # 9 unknown type
        [
            "居民身份证",
            "郑七",
            make_ric(serial=315),
            uscc,
            "2024-03-01",
            "",
            "",
            "",
            "",
        ],  # 10 not issued here
        [FOOD, "王八", make_ric(serial=316), make_uscc("nobody"), "2024-03-01", "", "", "地址", "5"],  # 11
        [
            FOOD,
            "冯九",
            make_ric(serial=317),
            uscc,
            "2024-03-01",
            "",
            "JY011",
            "武汉市硚口区3号",
            "40",
        ],  # 12 existing
    ]


def to_csv(rows_, head=HEAD, encoding="utf-8-sig") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(head)
    w.writerows(rows_)
    return buf.getvalue().encode(encoding)


def to_xlsx(rows_, head=HEAD) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(head)
    for r in rows_:
        r = list(r)
        if r[4] and "-" in r[4]:
            r[4] = datetime.fromisoformat(r[4])  # a real date cell
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def existing(world):
    food = LicenseType.objects.get(name=FOOD)
    return services.license_import(
        type_=food,
        issuer=world.dept,
        holder_name="冯九",
        holder_id_type="111",
        holder_id=make_ric(serial=317),
        issued_on=date(2024, 3, 1),
        metadata={"address": "武汉市硚口区3号", "area": "40", "original_number": "JY011"},
    )


def codes(batch):
    return {r["row"]: sorted(e["code"] for e in r.get("errors", [])) for r in batch.report}


def test_csv_import_reports_every_row_issues_valid_and_queues_the_rest(world, existing):
    before = License.objects.count()
    batch = services.license_import_file(
        content=to_csv(rows(world)), filename="存量.csv", actor=world.dept_admin, today=TODAY
    )
    assert (batch.total_rows, batch.issued_count, batch.rejected_count) == (11, 2, 9)
    assert codes(batch) == {
        2: [],
        3: [],
        4: ["bad_id_number"],
        5: ["bad_uscc"],
        6: ["missing_metadata"],
        7: ["duplicate_in_file"],
        8: ["expired"],
        9: ["unknown_type"],
        10: ["not_issued_here"],
        11: ["unknown_issuer"],
        12: ["duplicate_existing"],
    }
    assert License.objects.count() == before + 2
    issued = {r["row"]: r["identifier"] for r in batch.report if r["outcome"] == "issued"}
    person = License.objects.get(identifier=issued[2])
    company = License.objects.get(identifier=issued[3])
    assert person.holder_id_type == "111" and company.holder_id_type == "001"
    assert company.issued_on == date(2025, 1, 5) and company.valid_until == date(2030, 1, 4)  # 60 months
    assert person.metadata == {"address": "武汉市江汉区解放大道1号", "area": "60", "original_number": "JY001"}
    r = license_verify(credential=person.credential)
    assert r["valid"] and r["disclosed"]["x_original_number"] == "JY001"
    # the report names people masked and carries no ID numbers; the queue stores them encrypted
    text = json.dumps(batch.report, ensure_ascii=False)
    assert "赵敏" not in text and "赵*" in text and "武汉小吃有限公司" in text
    assert make_ric(serial=311) not in text and bad_ric() not in text
    assert "与第 2 行重复" in text and existing.identifier in text
    repair = LicenseRepair.objects.get(batch=batch, row_number=4)
    assert repair.status == RepairStatus.PENDING and repair.department == world.dept
    with connection.cursor() as c:
        c.execute("SELECT data FROM licenses_licenserepair WHERE id = %s", [repair.pk])
        raw = c.fetchone()[0]
    assert bad_ric() not in raw and raw.startswith("enc1.")
    assert services.repair_values(repair)["holder_id"] == bad_ric()


def test_excel_and_gbk_csv_read_the_same(world):
    data = rows(world)[:2]
    xlsx = services.license_import_file(content=to_xlsx(data), filename="存量.xlsx", actor=None, today=TODAY)
    assert (xlsx.file_format, xlsx.issued_count, xlsx.rejected_count) == ("xlsx", 2, 0)
    # the same records again, as a GBK CSV (Excel's Chinese default): now duplicates of those
    gbk = services.license_import_file(
        content=to_csv(data, encoding="gb18030"), filename="存量.csv", actor=None, today=TODAY
    )
    assert gbk.file_format == "csv" and codes(gbk) == {2: ["duplicate_existing"], 3: ["duplicate_existing"]}


def test_nothing_partial_is_imported(world, monkeypatch):
    calls = []
    real = services.imports._issue_clean

    def failing(clean):
        calls.append(clean)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(clean)

    monkeypatch.setattr(services.imports, "_issue_clean", failing)
    before = (License.objects.count(), ImportBatch.objects.count(), LicenseRepair.objects.count())
    with pytest.raises(RuntimeError):
        services.license_import_file(content=to_csv(rows(world)), filename="x.csv", actor=None, today=TODAY)
    assert len(calls) == 2
    assert (License.objects.count(), ImportBatch.objects.count(), LicenseRepair.objects.count()) == before


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "a.csv", "文件为空"),
        ("持证主体,持证主体代码\n张三,1\n".encode(), "a.csv", "缺少必需的列"),
        (",".join(HEAD).encode() + b"\n", "a.csv", "只有表头"),
        (b"PK\x03\x04garbage", "a.xlsx", "无法读取"),
        (b"hello", "a.pdf", "只支持"),
        ("证照类型,证照类型\n".encode(), "a.csv", "重复"),
    ],
)
def test_unreadable_files_are_refused_whole(world, content, filename, message):
    with pytest.raises(ValidationFailed) as exc:
        services.license_import_file(content=content, filename=filename, actor=None, today=TODAY)
    assert message in exc.value.fields["file"][0]
    assert not ImportBatch.objects.exists()


def test_who_may_import(world):
    with pytest.raises(PermissionDenied):
        services.license_import_file(content=to_csv(rows(world)[:1]), filename="a.csv", actor=world.citizen)
    # a clerk has no department role: the rows are refused for that issuer, not issued
    batch = services.license_import_file(
        content=to_csv(rows(world)[:1]), filename="a.csv", actor=world.clerk, today=TODAY
    )
    assert codes(batch) == {2: ["forbidden_issuer"]}
    # another department's approver neither; the platform admin may
    batch = services.license_import_file(
        content=to_csv(rows(world)[:1]), filename="a.csv", actor=world.approver2, today=TODAY
    )
    assert codes(batch) == {2: ["forbidden_issuer"]}
    batch = services.license_import_file(
        content=to_csv(rows(world)[:1]), filename="a.csv", actor=world.platform_admin, today=TODAY
    )
    assert batch.issued_count == 1


def test_repair_corrects_and_reissues(world):
    batch = services.license_import_file(
        content=to_csv(rows(world)), filename="a.csv", actor=world.dept_admin, today=TODAY
    )
    item = LicenseRepair.objects.get(batch=batch, row_number=4)
    # still wrong: refused with the field, nothing changes
    with pytest.raises(ValidationFailed) as exc:
        services.license_repair_reissue(
            item=item, actor=world.dept_admin, values={"holder_id": "123"}, today=TODAY
        )
    assert "holder_id" in exc.value.fields
    item.refresh_from_db()
    assert item.status == RepairStatus.PENDING and services.repair_values(item)["holder_id"] == bad_ric()
    # another department's staff cannot see it
    from yiwang.core.errors import NotFound

    with pytest.raises(NotFound):
        services.license_repair_reissue(item=item, actor=world.approver2, values={}, today=TODAY)
    fixed = make_ric(serial=555)
    item = services.license_repair_reissue(
        item=item, actor=world.dept_admin, values={"holder_id": fixed, "holder_name": ""}, today=TODAY
    )
    assert item.status == RepairStatus.REISSUED and item.resolved_by == world.dept_admin
    lic = item.license
    assert (
        lic.holder_name == "钱多"
        and lic.holder_id == fixed
        and license_verify(credential=lic.credential)["valid"]
    )
    with pytest.raises(InvalidTransition):
        services.license_repair_reissue(item=item, actor=world.dept_admin, values={}, today=TODAY)
    # missing metadata supplied by its column title
    item6 = LicenseRepair.objects.get(batch=batch, row_number=6)
    item6 = services.license_repair_reissue(
        item=item6, actor=world.dept_admin, values={"经营场所": "武汉市江岸区4号"}, today=TODAY
    )
    assert item6.license.metadata["address"] == "武汉市江岸区4号"
    # a corrected in-file duplicate is still a duplicate — now of a licence already issued
    item7 = LicenseRepair.objects.get(batch=batch, row_number=7)
    with pytest.raises(ValidationFailed) as exc:
        services.license_repair_reissue(item=item7, actor=world.dept_admin, values={}, today=TODAY)
    assert "平台已有该证照" in exc.value.fields["row"][0]
    item7 = services.license_repair_discard(item=item7, actor=world.dept_admin, reason="重复记录")
    assert item7.status == RepairStatus.DISCARDED and item7.note == "重复记录"
    with pytest.raises(InvalidTransition):
        services.license_repair_discard(item=item7, actor=world.dept_admin, reason="again")


def test_api(world, api, existing):
    upload = SimpleUploadedFile("存量.csv", to_csv(rows(world)), content_type="text/csv")
    r = api(world.citizen).client.post(
        "/api/v1/licenses/imports", {"file": upload}, headers=api(world.citizen).headers
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    staff = api(world.dept_admin)
    upload = SimpleUploadedFile("存量.csv", to_csv(rows(world)), content_type="text/csv")
    r = staff.client.post("/api/v1/licenses/imports", {"file": upload}, headers=staff.headers)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["issued"] == 2 and out["rejected"] == 9 and len(out["rows"]) == 11
    assert staff.get(f"/api/v1/licenses/imports/{out['id']}").json()["rows"] == out["rows"]
    assert staff.get("/api/v1/licenses/imports").json()["count"] == 1
    assert api(world.approver2).get(f"/api/v1/licenses/imports/{out['id']}").status_code == 404
    queue = staff.get("/api/v1/licenses/repairs", status="pending").json()
    assert queue["count"] == 9
    row4 = next(i for i in queue["items"] if i["row"] == 4)
    assert row4["values"]["holder_id"] != bad_ric() and "*" in row4["values"]["holder_id"]
    assert row4["values"]["holder_name"] == "钱*"
    r = staff.post(f"/api/v1/licenses/repairs/{row4['id']}/reissue", {"values": {"holder_id": "x"}})
    assert r.status_code == 422 and "holder_id" in r.json()["fields"]
    r = staff.post(
        f"/api/v1/licenses/repairs/{row4['id']}/reissue", {"values": {"holder_id": make_ric(serial=555)}}
    )
    assert r.status_code == 200 and r.json()["status"] == "reissued" and r.json()["license"]
    r = staff.post(f"/api/v1/licenses/repairs/{row4['id']}/discard", {"reason": "x"})
    assert r.status_code == 409
    assert staff.get("/api/v1/licenses/repairs", status="bogus").status_code == 422


def test_pages(world, client):
    client.force_login(world.dept_admin)
    r = client.get("/workbench/licenses/import/")
    assert r.status_code == 200 and 'for="file"' in r.content.decode()
    r = client.post("/workbench/licenses/import/", {"file": SimpleUploadedFile("a.csv", to_csv(rows(world)))})
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "共 11 行" in page and "与第 2 行重复" in page and make_ric(serial=311) not in page
    r = client.post("/workbench/licenses/import/", {"file": SimpleUploadedFile("a.csv", b"")})
    assert r.status_code == 400 and "文件为空" in r.content.decode()
    assert (
        client.get("/workbench/licenses/import/template.csv")
        .content.decode("utf-8-sig")
        .startswith("证照类型代码")
    )
    queue = client.get("/workbench/licenses/repairs/").content.decode()
    assert "公民身份号码格式或校验位有误" in queue
    item = LicenseRepair.objects.get(row_number=4)
    page = client.get(f"/workbench/licenses/repairs/{item.pk}/").content.decode()
    assert bad_ric() not in page and 'for="f-holder_id"' in page and "原值" in page
    r = client.post(f"/workbench/licenses/repairs/{item.pk}/", {"action": "reissue", "holder_id": "123"})
    assert r.status_code == 422 and "仍有问题" in r.content.decode()
    r = client.post(
        f"/workbench/licenses/repairs/{item.pk}/", {"action": "reissue", "holder_id": make_ric(serial=555)}
    )
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.status == RepairStatus.REISSUED
    client.force_login(world.citizen)
    assert client.get("/workbench/licenses/import/").status_code == 403


def test_command(world, tmp_path, existing):
    path = tmp_path / "存量.csv"
    path.write_bytes(to_csv(rows(world)))
    out = io.StringIO()
    call_command("licenses", "import", str(path), "--dry-run", stdout=out)
    assert "11 rows, 2 would be issued, 9 rejected" in out.getvalue()
    assert not ImportBatch.objects.exists() and License.objects.count() == 1
    out = io.StringIO()
    call_command("licenses", "import", str(path), stdout=out)
    text = out.getvalue()
    assert "2 issued, 9 to repair" in text and "row 4: rejected holder_id:" in text
    assert License.objects.count() == 3
