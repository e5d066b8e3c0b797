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


def test_building_to_post_evaluation_through_the_api(pw, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.exchange.models import DataResource, SharingType

    from .conftest import PDF

    owner, bureau = api(pw.dept_admin), api(pw.bureau)
    code = owner.post(BASE, BODY).json()["code"]
    bureau.post(f"{BASE}/{code}/transitions", {"action": "approve", "note": "同意"})
    owner.post(f"{BASE}/{code}/transitions", {"action": "start"})
    r = owner.post(
        f"{BASE}/{code}/contracts",
        {"name": "开发", "supplier": "甲公司", "year": 2026, "amount": "400000", "signed_on": "2026-03-02"},
    )
    assert r.status_code == 201, r.content
    contract = r.json()["id"]
    r = owner.post(
        f"{BASE}/{code}/contracts/{contract}/payments", {"amount": "100000", "paid_on": "2026-04-01"}
    )
    assert r.status_code == 201
    r = owner.post(
        f"{BASE}/{code}/changes", {"description": "增加泊位预约", "year": 2026, "budget_delta": "50000"}
    )
    change = r.json()["id"]
    r = owner.post(f"{BASE}/{code}/changes/{change}/decision", {"approve": True, "reason": "自批"})
    assert r.status_code == 403
    r = bureau.post(f"{BASE}/{code}/changes/{change}/decision", {"approve": True, "reason": "同意"})
    assert r.json()["status"] == "approved"
    budget = bureau.get("/api/v1/data-ledger/budget").json()["years"]
    assert budget == [{"year": 2026, "approved": "550000.00", "contracted": "400000.00", "paid": "100000.00"}]
    assert owner.get("/api/v1/data-ledger/budget").status_code == 403
    DataResource.objects.create(
        code="jt.parking", name="停车泊位信息", department=pw.dept, subject_kind="org",
        sharing_type=SharingType.UNCONDITIONAL, source_system="停车系统", legal_basis="《道路交通安全法》",
    )  # fmt: skip
    system = Project.objects.get(code=code).systems.get()
    r = owner.post(f"/api/v1/data-ledger/systems/{system.code}/registration", {"resources": ["jt.parking"]})
    assert r.json() == {"code": system.code, "registered": True, "resources": ["jt.parking"]}
    upload = owner.client.post(
        f"{BASE}/{code}/documents",
        {"kind": "mlps", "file": SimpleUploadedFile("等保.docx", PDF, content_type="application/pdf")},
        headers=owner.headers,
    )
    assert upload.status_code == 422 and "不符" in str(upload.json())
    for kind in ("mlps", "crypto", "acceptance", "self_evaluation"):
        r = owner.client.post(
            f"{BASE}/{code}/documents",
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf")},
            headers=owner.headers,
        )
        assert r.status_code == 201 and r.json()["content_type"] == "application/pdf"
    assert bureau.post(f"{BASE}/{code}/transitions", {"action": "confirm", "note": "确认"}).status_code == 200
    assert owner.post(f"{BASE}/{code}/transitions", {"action": "accept", "note": "通过"}).status_code == 200
    assert owner.post(f"{BASE}/{code}/transitions", {"action": "self_evaluate"}).status_code == 200
    assert bureau.post(f"{BASE}/{code}/evaluator", {"evaluator": pw.evaluator.pk}).status_code == 200
    scores = {"scores": {"goals": 30, "sharing": 20, "cost": 25}, "conclusion": "较好"}
    assert api(pw.evaluator2_user).post(f"{BASE}/{code}/evaluation", scores).status_code in (403, 404)
    r = api(pw.evaluator_user).post(f"{BASE}/{code}/evaluation", scores)
    assert r.status_code == 201 and r.json() == {"total": "75.00", "stage": "post_evaluated"}
    assert api(pw.evaluator_user).get(BASE).json()["count"] == 1


def test_quality_issues_and_cdo_evaluation_through_the_api(pw, api):
    r = api(pw.reviewer2).post(
        "/api/v1/data-ledger/quality-issues",
        {"resource": "scjg.food_license", "element": "address", "description": "地址过期"},
    )
    assert r.status_code == 201 and r.json()["status"] == "open"
    issue = r.json()["id"]
    assert (
        api(pw.reviewer2)
        .post(f"/api/v1/data-ledger/quality-issues/{issue}/close", {"reply": "x"})
        .status_code
        == 403
    )
    r = api(pw.cdo).post(f"/api/v1/data-ledger/quality-issues/{issue}/close", {"reply": "已更新"})
    assert r.json()["status"] == "closed"
    [e] = (
        api(pw.cdo).get("/api/v1/data-ledger/cdo-evaluation", year=r.json()["closed_on"][:4]).json()["items"]
    )
    assert e["quality_issues"] == 1 and e["quality_closed_on_time"] == 1


def test_building_and_evaluation_forms(pw, client):
    from yiwang.projects import services

    from .conftest import PDF

    p = file_project(pw, resources=[{"code": "scjg.food_license", "role": "creates"}])
    services.project_transition(actor=pw.bureau, project=p, action="approve", note="同意", on=ON)
    services.project_transition(actor=pw.dept_admin, project=p, action="start", on=ON)
    url = f"/workbench/projects/{p.code}/"
    client.login(username="dept_admin", password=PASSWORD)
    r = client.post(url, {"do": "contract", "name": "开发", "supplier": "甲公司", "year": "2026",
                          "amount": "600000", "signed_on": "2026-03-10"})  # fmt: skip
    assert r.status_code == 302
    contract = p.contracts.get()
    r = client.post(url, {"do": "payment", "contract": contract.pk, "amount": "100000", "paid_on": "bad"})
    assert "日期格式" in r.content.decode()
    client.post(url, {"do": "payment", "contract": contract.pk, "amount": "100000", "paid_on": "2026-04-10"})
    client.post(url, {"do": "change", "description": "增加功能", "year": "2026", "budget_delta": "20000"})
    system = p.systems.get()
    client.post(url, {"do": "register", "system": system.pk, "resources": "scjg.food_license"})
    page = client.get(url).content.decode()
    assert "开发（甲公司，2026年，600000.00元；已付 100000.00）" in page and "待审批" in page
    system.refresh_from_db()
    assert system.registered
    for kind in ("mlps", "crypto", "acceptance", "self_evaluation"):
        services.document_upload(actor=pw.dept_admin, project=p, kind=kind, name=f"{kind}.pdf", data=PDF)
    client.logout()
    client.login(username="bureau", password=PASSWORD)
    change = p.changes.get()
    client.post(url, {"do": "change_decide", "change": change.pk, "decision": "approve", "reason": "同意"})
    change.refresh_from_db()
    assert change.status == "approved"
    client.post(url, {"do": "transition", "action": "confirm", "note": "确认"})
    p.refresh_from_db()
    assert p.stage == "confirmed"
    services.project_transition(actor=pw.dept_admin, project=p, action="accept", note="通过", on=ON)
    services.project_transition(actor=pw.dept_admin, project=p, action="self_evaluate", on=ON)
    client.post(url, {"do": "evaluator", "evaluator": pw.evaluator.pk})
    client.logout()
    client.login(username="evaluator", password=PASSWORD)
    assert "后评价评分" in client.get(url).content.decode()
    p.refresh_from_db()
    r = client.post(url, {"do": "evaluate", "score-goals": "36", "score-sharing": "28", "score-cost": "20",
                          "conclusion": "目标实现", "version": p.version})  # fmt: skip
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.stage == "post_evaluated" and str(p.post_evaluation.total) == "84.00"
