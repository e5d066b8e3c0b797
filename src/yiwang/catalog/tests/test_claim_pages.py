"""The 事项认领 pages through Django's test client: the department's lists, claiming with the form
(errors shown with 422), a change's diff accepted or rejected, and who may see what."""

from __future__ import annotations

import json
from datetime import date

import pytest
import time_machine

from yiwang.catalog import claims
from yiwang.catalog.models import ChangeStatus, ClaimChange, ItemClaim, StandardItem
from yiwang.catalog.tests.province_fixtures import standard_items
from yiwang.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _import(items):
    sync = claims.standard_file_import(data=json.dumps(items, ensure_ascii=False).encode(), kind="json")
    assert sync.status == "ok", sync.detail


def _client(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@time_machine.travel(date(2026, 12, 7), tick=True)
def test_claim_list_claim_form_and_change_decision(world, client, django_assert_max_num_queries):
    items = standard_items(40)
    _import(items)
    c = _client(client, world.dept_admin)
    with django_assert_max_num_queries(14):
        r = c.get("/catalog/claims/")
    assert r.status_code == 200
    html = r.content.decode()
    assert world.dept.name in html and "共 40 个" in html and "第 1 / 2 页" in html
    r = c.get("/catalog/claims/", {"q": items[0]["itemName"][:6]})
    assert items[0]["itemName"] in r.content.decode()

    standard = StandardItem.objects.get(basic_code=items[0]["basicCode"])
    url = f"/catalog/claims/standard/{standard.pk}/"
    r = c.get(url)
    assert r.status_code == 200 and standard.basic_code in r.content.decode()
    bad = c.post(url, {"code": world.item.code, "promised_limit_days": "30", "case_kind": "2"})
    assert bad.status_code == 422
    assert "已被其他事项使用" in bad.content.decode()
    good = c.post(
        url,
        {
            "code": f"{standard.basic_code}-420100000000-000-{world.dept.uscc}-1-00",
            "promised_limit_days": "5",
            "case_kind": "2",
            "handling_forms": ["1"],
            "visits_required": "1",
            "locations": "武汉市民之家",
            "hours": "工作日",
            "consultation": "027-1",
            "complaint": "12345",
        },
    )
    assert good.status_code == 302
    claim = ItemClaim.objects.get()
    assert claim.item.versions.get().locations == "武汉市民之家"
    r = c.get("/catalog/claims/")
    assert "共 39 个" in r.content.decode() and claim.item.code in r.content.decode()

    items[0].update(version=2, legalLimit=10)
    _import(items)
    change = ClaimChange.objects.get()
    r = c.get("/catalog/claims/")
    assert f"/catalog/claims/changes/{change.pk}/" in r.content.decode()
    page = c.get(f"/catalog/claims/changes/{change.pk}/").content.decode()
    assert "20 个工作日" in page and "10 个工作日" in page
    r = c.post(f"/catalog/claims/changes/{change.pk}/", {"action": "reject", "reason": ""})
    assert r.status_code == 422 and "拒绝理由" in r.content.decode()
    r = c.post(f"/catalog/claims/changes/{change.pk}/", {"action": "accept"})
    assert r.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED and change.item_version.statutory_limit_days == 10
    r = c.post(f"/catalog/claims/changes/{change.pk}/", {"action": "accept"})
    assert r.status_code == 409 and "已处理" in r.content.decode()


def test_other_departments_and_non_admins_see_nothing(world, client):
    items = standard_items(2)
    _import(items)
    standard = StandardItem.objects.first()
    claims.item_claim(
        standard_item=standard,
        department=world.dept,
        actor=world.dept_admin,
        code="CLAIM-1",
        fields={},
    )
    items[0].update(version=2, setBasis="新依据")
    items[1].update(version=2, setBasis="新依据")
    _import(items)
    change = ClaimChange.objects.get()
    c = _client(client, world.reviewer2)
    assert c.get("/catalog/claims/").status_code == 404
    assert c.get(f"/catalog/claims/changes/{change.pk}/").status_code == 404
    assert c.post(f"/catalog/claims/changes/{change.pk}/", {"action": "accept"}).status_code == 404
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    client.logout()
    assert client.get("/catalog/claims/").status_code in (302, 403)


def test_the_admin_imports_a_provincial_export_file(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = _client(client, world.platform_admin)
    assert c.get("/admin/catalog/standarditem/").status_code == 200
    items = standard_items(5)
    upload = SimpleUploadedFile("export.json", json.dumps({"items": items}, ensure_ascii=False).encode())
    r = c.post("/admin/catalog/standarditem/import/", {"file": upload})
    assert r.status_code == 200 and "新增 5" in r.content.decode()
    items[0]["itemType"] = "99"
    upload = SimpleUploadedFile("export.json", json.dumps(items, ensure_ascii=False).encode())
    r = c.post("/admin/catalog/standarditem/import/", {"file": upload})
    assert "未导入任何数据" in r.content.decode() and "99" in r.content.decode()
    assert StandardItem.objects.count() == 5
