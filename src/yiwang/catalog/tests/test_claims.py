"""事项认领: standard items imported from the provincial library's export files (JSON, Excel),
claimed by a department (an item with its implementation code and a draft first version), and a
provincial change shown as a diff, accepted into a new published version or rejected with a reason.
A bad file is refused whole with a record."""

from __future__ import annotations

import copy
import io
import json
from datetime import date

import pytest
import time_machine
from openpyxl import Workbook

from yiwang.catalog import claims, province
from yiwang.catalog.models import (
    ChangeStatus,
    ClaimChange,
    Item,
    ItemClaim,
    ItemVersion,
    ProvinceSync,
    StandardItem,
    SyncStatus,
    VersionStatus,
)
from yiwang.catalog.services import item_version_publish, item_version_update
from yiwang.catalog.tests.province_fixtures import standard_items
from yiwang.core.errors import Conflict, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 7)


def _json(items) -> bytes:
    return json.dumps(
        {"code": 200, "data": {"list": items, "total": len(items)}}, ensure_ascii=False
    ).encode()


def _xlsx(items) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "标准事项"
    headers = [h for _, j, h, _ in province.FIELDS]
    ws.append([*headers, "备注"])
    for it in items:
        values = []
        for _, j, _, kind in province.FIELDS:
            v = it.get(j)
            if isinstance(v, list):
                v = "、".join(v)
            if kind in ("code", "int") and isinstance(v, str) and v.isdigit():
                v = int(v)  # provinces' sheets hold codes as numbers
            values.append(v)
        ws.append([*values, "省级导出"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


IMPLEMENTATION = {
    "promised_limit_days": 5,
    "case_kind": "2",
    "handling_forms": ["1", "2"],
    "online_depth": ["1", "2", "3", "4"],
    "visits_required": 1,
    "locations": "武汉市民之家 A 区",
    "hours": "工作日 9:00-17:00",
    "consultation": "027-12345",
    "complaint": "12345",
}


def _claim(world, standard, **over):
    code = claims.implementation_code_suggest(standard_item=standard, department=world.dept)
    return claims.item_claim(
        standard_item=standard,
        department=world.dept,
        actor=world.dept_admin,
        code=over.pop("code", code),
        fields={**IMPLEMENTATION, **over},
    )


def test_json_export_imports_standard_items_with_codes_mapped(world):
    items = standard_items(12)
    sync = claims.standard_file_import(data=_json(items), kind="json")
    assert sync.status == SyncStatus.OK, sync.detail
    assert (sync.received, sync.created, sync.changed) == (12, 12, 0)
    first = StandardItem.objects.get(basic_code=items[0]["basicCode"])
    assert first.source == "province" and first.revision == 1
    assert first.name == items[0]["itemName"]
    # the list's unpadded 行政许可 "1" became the national "01"; 20 公共服务 stays
    types = dict(StandardItem.objects.values_list("basic_code", "item_type"))
    for it in items:
        assert types[it["basicCode"]] == {"1": "01", "5": "05", "7": "07"}.get(it["itemType"], it["itemType"])
    assert first.standard["service_objects"] == ["1", "2"]
    assert first.standard["exercise_levels"] == ["3", "4"]
    assert first.standard["statutory_limit_days"] == 20
    # importing the same file again changes nothing
    again = claims.standard_file_import(data=_json(items), kind="json")
    assert (again.created, again.changed, again.unchanged) == (0, 0, 12)


def test_excel_export_imports_the_same_as_json(world):
    items = standard_items(8)
    sync = claims.standard_file_import(data=_xlsx(items), kind="xlsx")
    assert sync.status == SyncStatus.OK, sync.detail
    assert sync.created == 8
    got = StandardItem.objects.get(basic_code=items[1]["basicCode"])
    assert got.standard["legal_basis"] == items[1]["setBasis"]
    assert got.item_type in ("01", "05", "07", "10", "20")


def test_a_bad_file_is_refused_whole_with_a_record(world):
    items = standard_items(6)
    items[2]["itemType"] = "99"  # no such code, no mapping
    items[4]["legalLimit"] = "二十天"
    del items[5]["basicCode"]
    sync = claims.standard_file_import(data=_json(items), kind="json")
    assert sync.status == SyncStatus.FAILED and sync.error_code == "invalid_items"
    assert "第 3 条" in sync.detail and "99" in sync.detail
    assert "第 5 条" in sync.detail and "应为整数" in sync.detail
    assert "第 6 条" in sync.detail and "基本编码不能为空" in sync.detail
    assert StandardItem.objects.count() == 0
    for bad in (b"\xff\xfe not json", b'{"total": 3}', b"[1, 2]"):
        rec = claims.standard_file_import(data=bad, kind="json")
        assert rec.status == SyncStatus.FAILED
    rec = claims.standard_file_import(data=b"PK not a workbook", kind="xlsx")
    assert rec.status == SyncStatus.FAILED and "Excel" in rec.detail
    assert StandardItem.objects.count() == 0
    assert ProvinceSync.objects.filter(status=SyncStatus.FAILED).count() == 5


def test_duplicate_basic_codes_in_one_file_are_refused(world):
    items = standard_items(3)
    items.append(copy.deepcopy(items[0]))
    sync = claims.standard_file_import(data=_json(items), kind="json")
    assert sync.status == SyncStatus.FAILED and "重复" in sync.detail
    assert not StandardItem.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_claim_creates_the_item_with_its_implementation_code(world):
    claims.standard_file_import(data=_json(standard_items(3)), kind="json")
    standard = StandardItem.objects.order_by("basic_code").first()
    claim = _claim(world, standard)
    item = claim.item
    assert item.code == f"{standard.basic_code}-420100000000-000-{world.dept.uscc}-1-00"
    assert item.basic_code == standard.basic_code and item.department == world.dept
    v1 = item.versions.get()
    assert v1.status == VersionStatus.DRAFT and v1.version == 1
    assert v1.name == standard.name and v1.legal_basis == standard.standard["legal_basis"]
    assert v1.statutory_limit_days == 20 and v1.promised_limit_days == 5
    assert v1.locations == "武汉市民之家 A 区"
    assert claim.accepted_revision == 1 and claim.claimed_by == world.dept_admin
    # once per department; a department admin of another department may not claim for this one
    with pytest.raises(Conflict):
        _claim(world, standard, code="OTHER-1")
    with pytest.raises(PermissionDenied):
        claims.item_claim(
            standard_item=standard, department=world.dept2, actor=world.dept_admin, code="X-1", fields={}
        )


def test_claim_checks_the_implementation_fields(world):
    claims.standard_file_import(data=_json(standard_items(2)), kind="json")
    standard = StandardItem.objects.order_by("basic_code").first()
    with pytest.raises(ValidationFailed) as e:
        _claim(world, standard, promised_limit_days=30)
    assert "promised_limit_days" in e.value.fields
    with pytest.raises(ValidationFailed) as e:
        _claim(world, standard, code=world.item.code, case_kind="7")
    assert set(e.value.fields) == {"code", "case_kind"}
    assert not Item.objects.filter(basic_code=standard.basic_code).exists()
    assert not ItemClaim.objects.exists()


def _publish_claimed(claim):
    v1 = claim.item.versions.get()
    item_version_update(
        item_version=v1,
        form_schema={"type": "object", "properties": {"applicant.name": {"title": "申请人姓名"}}},
        results=[{"name": "准予许可决定书", "type": "20"}],
    )
    return item_version_publish(item_version=v1, valid_from=date(2026, 12, 1))


@time_machine.travel(TODAY, tick=False)
def test_a_provincial_change_is_a_diff_to_accept_into_a_new_version(world):
    items = standard_items(3)
    claims.standard_file_import(data=_json(items), kind="json")
    standard = StandardItem.objects.get(basic_code=items[0]["basicCode"])
    claim = _claim(world, standard)
    v1 = _publish_claimed(claim)

    changed = copy.deepcopy(items)
    changed[0].update(
        version=2, setBasis="《中华人民共和国行政许可法》第十二条", legalLimit=15, useLevel=["3"]
    )
    changed[1].update(version=2, itemName=changed[1]["itemName"] + "（调整）")  # not claimed
    sync = claims.standard_file_import(data=_json(changed), kind="json")
    assert (sync.changed, sync.unchanged, sync.changes_raised) == (2, 1, 1)
    change = ClaimChange.objects.get()
    assert change.status == ChangeStatus.PENDING and change.revision == 2
    diff = {d["field"]: d for d in claims.change_diff(change)}
    assert set(diff) == {"legal_basis", "statutory_limit_days", "exercise_levels"}
    assert diff["statutory_limit_days"]["before"] == "20 个工作日"
    assert diff["statutory_limit_days"]["after"] == "15 个工作日"
    assert diff["exercise_levels"]["before"] == "市级（3）、县级（4）"
    # the item is unchanged until the department accepts
    assert ItemVersion.objects.filter(item=claim.item).count() == 1

    claims.claim_change_accept(change=change, actor=world.dept_admin)
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED and change.decided_by == world.dept_admin
    v2 = change.item_version
    assert v2.version == 2 and v2.status == VersionStatus.PUBLISHED and v2.valid_from == TODAY
    assert v2.legal_basis == "《中华人民共和国行政许可法》第十二条" and v2.statutory_limit_days == 15
    assert v2.locations == v1.locations and v2.promised_limit_days == 5  # the city's fields stay
    v1.refresh_from_db()
    assert v1.valid_until == date(2026, 12, 6)
    claim.refresh_from_db()
    assert claim.accepted_revision == 2 and claim.accepted_standard["statutory_limit_days"] == 15
    with pytest.raises(Conflict):
        claims.claim_change_accept(change=change, actor=world.dept_admin)


@time_machine.travel(TODAY, tick=False)
def test_reject_needs_a_reason_and_a_newer_revision_supersedes_a_pending_change(world):
    items = standard_items(2)
    claims.standard_file_import(data=_json(items), kind="json")
    standard = StandardItem.objects.get(basic_code=items[0]["basicCode"])
    claim = _claim(world, standard)
    items[0].update(version=2, acceptCondition="无")
    claims.standard_file_import(data=_json(items), kind="json")
    first = ClaimChange.objects.get()
    items[0].update(version=3, acceptCondition="申请人具有完全民事行为能力")
    claims.standard_file_import(data=_json(items), kind="json")
    first.refresh_from_db()
    assert first.status == ChangeStatus.SUPERSEDED
    latest = ClaimChange.objects.get(status=ChangeStatus.PENDING)
    assert latest.revision == 3
    with pytest.raises(ValidationFailed):
        claims.claim_change_reject(change=latest, actor=world.dept_admin, reason="  ")
    with pytest.raises(PermissionDenied):
        claims.claim_change_reject(change=latest, actor=world.reviewer, reason="不适用")
    claims.claim_change_reject(change=latest, actor=world.dept_admin, reason="本市受理条件另有地方性法规规定")
    latest.refresh_from_db()
    assert latest.status == ChangeStatus.REJECTED and latest.reason.startswith("本市")
    claim.refresh_from_db()
    assert claim.accepted_revision == 1
    assert claim.item.versions.get().conditions == "申请材料齐全、符合法定形式"
    # an older revision arriving late is ignored, not applied
    items[0].update(version=2, acceptCondition="无")
    late = claims.standard_file_import(data=_json(items), kind="json")
    assert late.stale == 1
    assert StandardItem.objects.get(pk=standard.pk).revision == 3


@time_machine.travel(TODAY, tick=False)
def test_accepting_into_an_open_draft_and_a_limit_conflict(world):
    items = standard_items(1)
    claims.standard_file_import(data=_json(items), kind="json")
    standard = StandardItem.objects.get()
    claim = _claim(world, standard, promised_limit_days=10)
    items[0].update(version=2, legalLimit=8)
    claims.standard_file_import(data=_json(items), kind="json")
    change = ClaimChange.objects.get()
    # the draft promises 10 working days; the province now allows 8: refused, nothing changed
    with pytest.raises(ValidationFailed) as e:
        claims.claim_change_accept(change=change, actor=world.dept_admin)
    assert "承诺" in e.value.message
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING and change.decided_at is None
    draft = claim.item.versions.get()
    item_version_update(item_version=draft, promised_limit_days=8)
    claims.claim_change_accept(change=change, actor=world.dept_admin)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT and draft.statutory_limit_days == 8  # still a draft
    assert claim.item.versions.count() == 1


def test_the_command_imports_an_export_file_and_the_task_waits_for_a_url(world, tmp_path, settings):
    from django.core.management import call_command

    from yiwang.catalog.tasks import province_sync

    path = tmp_path / "province-items.xlsx"
    path.write_bytes(_xlsx(standard_items(4)))
    out = io.StringIO()
    call_command("catalog_province", "import", str(path), stdout=out)
    assert "成功：收到 4，新增 4" in out.getvalue()
    bad = tmp_path / "bad.json"
    bad.write_text('{"items": [{"itemName": "无编码"}]}', encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("catalog_province", "import", str(bad), stdout=io.StringIO())
    settings.YIWANG_ITEM_LIBRARY_URL = ""
    assert province_sync() == {"status": "not_configured"}
    assert StandardItem.objects.count() == 4


def test_an_oversized_file_is_refused_before_it_is_read(world, monkeypatch):
    monkeypatch.setattr(province, "MAX_FILE", 2048)
    for kind, data in (("json", _json(standard_items(30))), ("xlsx", _xlsx(standard_items(30)))):
        assert len(data) > 2048
        sync = claims.standard_file_import(data=data, kind=kind)
        assert (sync.status, sync.error_code) == (SyncStatus.FAILED, "too_large")
    assert not StandardItem.objects.exists()


def test_a_successor_department_takes_over_the_claims(world):
    from yiwang.organizations.models import Department
    from yiwang.organizations.tests.factories import DepartmentFactory

    claims.standard_file_import(data=_json(standard_items(2)), kind="json")
    standard = StandardItem.objects.order_by("basic_code").first()
    claim = _claim(world, standard)
    successor = DepartmentFactory(name="武汉市市场监督管理局（新）", region=world.city)
    from yiwang.catalog.services import items_move_department

    items_move_department(source=world.dept, target=successor)
    claim.refresh_from_db()
    assert claim.department == successor and claim.item.department == successor
    assert Department.objects.filter(pk=world.dept.pk).exists()
