import io

import pytest
from django.test import Client

from yiwang.exchange.models import AccessRecord, Agreement, Consent

# Agreements below end on fixed dates (at most three years ahead): the tests run on 1 Dec 2026.
pytestmark = pytest.mark.time_machine("2026-12-01T10:00+08:00")


def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_catalogue_search_and_excel_export(ex):
    c = login(ex.w.reviewer)
    page = c.get("/exchange/", {"q": "婚姻"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "婚姻登记信息" in html and "人口基本信息" not in html
    assert 'label for="q"' in html
    resp = c.get("/exchange/catalogue.xlsx")
    assert resp.status_code == 200
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "资源代码" and rows[0][5] == "共享类型"
    codes = {r[0] for r in rows[1:]}
    assert {"ga.population", "mz.marriage", "scjg.enterprise", "ga.secret"} <= codes
    assert ("ga.population", "household_address") in {(r[0], r[12]) for r in rows[1:]}
    assert login(ex.w.citizen).get("/exchange/").status_code == 403


def test_request_and_cdo_narrows_on_pages(ex):
    c = login(ex.w.dept_admin)
    resp = c.post(
        "/exchange/resources/ga.population/",
        {
            "consumer": ex.w.dept.pk,
            "elements": ["name", "household_address", "gender"],
            "purposes": ["prefill"],
            "legal_basis": "《行政许可法》",
            "valid_until": "2099-01-01",
        },
    )
    assert resp.status_code == 422  # more than three years
    resp = c.post(
        "/exchange/resources/ga.population/",
        {
            "consumer": ex.w.dept.pk,
            "elements": ["name", "household_address", "gender"],
            "purposes": ["prefill"],
            "legal_basis": "《行政许可法》",
            "valid_until": "2027-06-30",
        },
    )
    a = Agreement.objects.get()
    assert resp.status_code == 302 and a.status == "requested"
    # the consumer cannot decide; the provider's CDO can, and must give reasons for narrowing
    assert "审批（首席数据官）" not in c.get(f"/exchange/agreements/{a.pk}/").content.decode()
    cdo = login(ex.cdo)
    assert "待我审批" in cdo.get("/exchange/agreements/").content.decode()
    resp = cdo.post(
        f"/exchange/agreements/{a.pk}/", {"action": "approve", "version": a.version, "elements": ["name"]}
    )
    assert resp.status_code == 422 and "说明理由" in resp.content.decode()
    resp = cdo.post(
        f"/exchange/agreements/{a.pk}/",
        {
            "action": "approve",
            "version": a.version,
            "elements": ["name", "gender"],
            "valid_until": "2027-01-31",
            "reason": "户籍地址非办理所需",
        },
    )
    assert resp.status_code == 302
    a.refresh_from_db()
    assert a.status == "approved" and a.elements == ["name", "gender"] and str(a.valid_until) == "2027-01-31"
    # a CDO of another department sees nothing
    assert login(ex.mz_cdo).get(f"/exchange/agreements/{a.pk}/").status_code == 404


def test_citizen_consent_and_records_pages(ex):
    from yiwang.exchange import services

    ex.agree(ex.marriage)
    services.query_run(
        caller=ex.staff_caller(),
        resource_code="mz.marriage",
        subject={"id_number": ex.ric},
        purpose="case_handling",
        case_number=ex.case,
        elements=["marital_status"],
    )
    c = login(ex.w.citizen)
    html = c.get("/my/data/consents/").content.decode()
    assert "武汉市市场监督管理局 申请使用“婚姻登记信息”" in html and "婚姻状况" in html
    consent = Consent.objects.get()
    assert c.post("/my/data/consents/", {"consent": consent.pk, "action": "grant"}).status_code == 302
    services.query_run(
        caller=ex.staff_caller(),
        resource_code="mz.marriage",
        subject={"id_number": ex.ric},
        purpose="case_handling",
        case_number=ex.case,
        elements=["marital_status"],
    )
    assert c.post("/my/data/consents/", {"consent": consent.pk, "action": "withdraw"}).status_code == 302
    consent.refresh_from_db()
    assert consent.status == "withdrawn"
    html = c.get("/my/data/records/").content.decode()
    assert html.count("武汉市市场监督管理局") >= 2 and "已提供" in html and "已拒绝" in html
    assert "已婚" not in html
    # another citizen sees neither the records nor the consent
    c2 = login(ex.w.citizen2)
    assert "婚姻登记信息" not in c2.get("/my/data/records/").content.decode()
    assert c2.post("/my/data/consents/", {"consent": consent.pk, "action": "grant"}).status_code == 422


def test_api_resources_agreements_queries_and_access_records(ex, api):
    staff = api(ex.w.dept_admin)
    resp = staff.get("/api/v1/exchange/resources", q="人口")
    body = resp.json()
    assert resp.status_code == 200 and body["count"] == 1
    res = body["items"][0]
    assert res["sharing_type"] == "conditional" and res["sharing_type_label"] == "有条件共享"
    assert {
        "code": "household_address",
        "name": "户籍地址",
        "base": "household_address",
        "sensitive": True,
        "authoritative": True,
    } in res["elements"]
    resp = staff.post(
        "/api/v1/exchange/agreements",
        {
            "resource": "ga.population",
            "elements": ["name"],
            "purposes": ["case_handling"],
            "legal_basis": "《行政许可法》",
            "valid_until": "2027-12-31",
        },
    )
    assert resp.status_code == 201, resp.content
    aid = resp.json()["id"]
    assert (
        api(ex.w.dept_admin)
        .post(f"/api/v1/exchange/agreements/{aid}/decision", {"action": "approve", "version": 1})
        .status_code
        == 403
    )
    resp = api(ex.cdo).post(
        f"/api/v1/exchange/agreements/{aid}/decision", {"action": "approve", "version": 1}
    )
    assert resp.status_code == 200 and resp.json()["status"] == "approved"
    assert (
        api(ex.cdo)
        .post(f"/api/v1/exchange/agreements/{aid}/decision", {"action": "approve", "version": 1})
        .status_code
        == 409
    )
    reviewer = api(ex.w.reviewer)
    resp = reviewer.post(
        "/api/v1/exchange/queries",
        {
            "resource": "ga.population",
            "subject": {"id_number": ex.ric},
            "purpose": "case_handling",
            "case": ex.case,
            "elements": ["name", "household_address"],
        },
    )
    assert resp.status_code == 200 and resp.json()["data"] == {"name": "张伟"}
    resp = reviewer.post(
        "/api/v1/exchange/queries",
        {
            "resource": "ga.population",
            "subject": {"id_number": ex.ric},
            "purpose": "statistics",
            "elements": ["name"],
        },
    )
    assert (
        resp.status_code == 422
        and resp.json()["code"] == "unknown_purpose"
        and "用途" in resp.json()["message"]
    )
    resp = reviewer.post(
        "/api/v1/exchange/queries",
        {
            "resource": "mz.marriage",
            "subject": {"id_number": ex.ric},
            "purpose": "case_handling",
            "case": ex.case,
            "elements": ["marital_status"],
        },
    )
    assert resp.status_code == 403 and resp.json()["code"] == "no_agreement"
    assert (
        api(ex.w.citizen)
        .post(
            "/api/v1/exchange/queries",
            {
                "resource": "ga.population",
                "subject": {"id_number": ex.ric},
                "purpose": "case_handling",
                "case": ex.case,
                "elements": ["name"],
            },
        )
        .status_code
        == 403
    )
    mine = api(ex.w.citizen).get("/api/v1/exchange/access-records").json()
    assert mine["count"] == 3
    assert {i["outcome"] for i in mine["items"]} == {"allowed", "refused", "invalid"}
    assert mine["items"][-1]["returned"] == ["姓名"] and mine["items"][-1]["case"] == ex.case
    assert api(ex.w.citizen2).get("/api/v1/exchange/access-records").json()["count"] == 0
    assert api(ex.w.reviewer).get("/api/v1/exchange/access-records").status_code == 403
    assert AccessRecord.objects.count() == 3


def test_access_records_query_count_does_not_grow(ex, api, django_assert_max_num_queries):
    from yiwang.exchange import services

    ex.agree(ex.population)
    for _ in range(3):
        services.query_run(
            caller=ex.staff_caller(),
            resource_code="ga.population",
            subject={"id_number": ex.ric},
            purpose="case_handling",
            case_number=ex.case,
            elements=["name"],
        )
    client = api(ex.w.citizen)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/exchange/access-records").json()["count"] == 3


def test_api_consents(ex, api):
    from yiwang.exchange import services

    ex.agree(ex.marriage)
    services.query_run(
        caller=ex.staff_caller(),
        resource_code="mz.marriage",
        subject={"id_number": ex.ric},
        purpose="case_handling",
        case_number=ex.case,
        elements=["marital_status"],
    )
    c = api(ex.w.citizen)
    items = c.get("/api/v1/exchange/consents").json()["items"]
    assert items[0]["status"] == "pending" and items[0]["elements"] == ["婚姻状况"]
    resp = c.post(f"/api/v1/exchange/consents/{items[0]['id']}/decision", {"action": "grant"})
    assert resp.status_code == 200 and resp.json()["status"] == "granted"
    assert (
        api(ex.w.citizen2)
        .post(f"/api/v1/exchange/consents/{items[0]['id']}/decision", {"action": "withdraw"})
        .status_code
        == 404
    )
