"""/api/v1/projects and /api/v1/data-ledger, and the staff pages: permissions per role, the
contract's shapes, Turtle and Excel downloads, the filing form."""

from __future__ import annotations

import pytest
import time_machine
from rdflib import Graph

from yiwang.core.testing import PASSWORD
from yiwang.projects.models import Project

from .conftest import ON, file_project

pytestmark = pytest.mark.django_db
BASE = "/api/v1/projects"
BODY = {
    "name": "城市停车诱导平台",
    "purpose": "实时发布停车泊位信息",
    "budget": [{"year": 2026, "amount": "500000", "source": "市级财政"}],
    "systems": [{"name": "停车诱导系统", "functions": "泊位 发布 导航", "mlps_level": 2}],
    "resources": [{"code": "jt.parking", "name": "停车泊位信息"}],
    "implementation_path": "复用城市大脑",
}


@time_machine.travel("2026-03-02 09:00 +0800", tick=False)
def test_file_list_detail_and_transitions(pw, api):
    r = api(pw.dept_admin).post(BASE, BODY)
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    assert r.json()["stage"] == "filed"
    assert api(pw.citizen).post(BASE, BODY).status_code == 403
    assert api(pw.evaluator_user).post(BASE, BODY).status_code == 403
    listing = api(pw.bureau).get(BASE).json()
    assert [i["code"] for i in listing["items"]] == [code]
    assert api(pw.reviewer2).get(f"{BASE}/{code}").status_code == 404  # another department
    d = api(pw.bureau).get(f"{BASE}/{code}").json()
    assert d["actions"] == ["approve", "reject"] and d["budget"][0]["amount"] == "500000.00"
    assert api(pw.dept_admin).get(f"{BASE}/{code}").json()["actions"] == []
    r = api(pw.dept_admin).post(f"{BASE}/{code}/transitions", {"action": "approve", "note": "自批"})
    assert r.status_code == 403 and r.json()["code"] == "not_bureau"
    r = api(pw.bureau).post(
        f"{BASE}/{code}/reviews", {"kind": "security", "passed": True, "opinion": "等保二级"}
    )
    assert r.status_code == 201
    r = api(pw.bureau).post(f"{BASE}/{code}/transitions", {"action": "approve", "note": "同意", "version": 1})
    assert r.status_code == 200, r.content
    assert r.json()["stage"] == "approved" and "可行性" in r.json()["warnings"][0]
    r = api(pw.bureau).post(f"{BASE}/{code}/transitions", {"action": "approve", "note": "同意"})
    assert r.status_code == 409
    r = api(pw.dept_admin).post(f"{BASE}/{code}/transitions", {"action": "start", "note": ""})
    assert r.json()["stage"] == "building"
    r = api(pw.bureau).post(f"{BASE}/{code}/transitions", {"action": "confirm", "note": "确认"})
    assert r.status_code == 422 and r.json()["code"] == "precondition_failed"
    assert api(pw.bureau).post(f"{BASE}/{code}/transitions", {"action": "fly", "note": ""}).status_code == 422


def test_data_ledger_endpoints(pw, api):
    file_project(pw)
    c = api(pw.dept_admin)
    systems = c.get("/api/v1/data-ledger/systems").json()
    assert {s["code"] for s in systems["items"]} >= {pw.existing.code}
    resources = c.get("/api/v1/data-ledger/resources").json()
    assert {r["code"] for r in resources["items"]} == {"scjg.food_license", "wjw.clinic"}
    r = c.get("/api/v1/data-ledger/catalogue.ttl")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/turtle")
    assert len(Graph().parse(data=r.content.decode(), format="turtle")) > 10
    assert api(pw.citizen).get("/api/v1/data-ledger/resources").status_code == 403


def test_pages(pw, client):
    p = file_project(pw, name="食品经营许可审批系统改造")
    client.login(username="dept_admin", password=PASSWORD)
    assert "食品经营许可审批系统改造" in client.get("/workbench/projects/").content.decode()
    page = client.get(f"/workbench/projects/{p.code}/").content.decode()
    assert "疑似重复建设" in page and pw.existing.code in page and "提交决定" not in page
    r = client.post(
        "/workbench/projects/new/",
        {"name": "社区网格化管理系统", "purpose": "网格事件处置", "year": "2026", "amount": "300000",
         "source": "区级财政", "system": "网格管理系统", "mlps_level": "2", "resources": "jt.grid"},
    )  # fmt: skip
    new = Project.objects.get(name="社区网格化管理系统")
    assert r.status_code == 302 and r["Location"].endswith(f"/workbench/projects/{new.code}/")
    assert client.get("/workbench/data-ledger/catalogue.xlsx")["Content-Type"].startswith("application/vnd")
    assert "数据一本账" in client.get("/workbench/data-ledger/").content.decode()
    client.logout()
    client.login(username="bureau", password=PASSWORD)
    r = client.post(f"/workbench/projects/{p.code}/", {"do": "transition", "action": "approve", "note": "同意",
                                                      "version": "1"})  # fmt: skip
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.stage == "approved"
    client.logout()
    client.login(username="cdo", password=PASSWORD)
    assert "年度数据工作评价" in client.get("/workbench/data-ledger/cdo/").content.decode()
    client.logout()
    client.login(username="citizen", password=PASSWORD)
    assert client.get("/workbench/projects/").status_code == 403
    assert ON.year == 2026
