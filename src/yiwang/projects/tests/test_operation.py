"""What a project's page and API show and take beyond the stage decisions: milestones during
建设, the uploaded documents readable by the reviewers, the third party's scores, the monthly
indicators of 运行效能监管 (who may report them, when, what is refused), and labels instead of
internal codes on the page."""

from __future__ import annotations

from datetime import date

import pytest

from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.projects import services
from yiwang.projects.models import Indicator

from .conftest import ON, PDF
from .test_services import _to_building, _to_self_evaluated

pytestmark = pytest.mark.django_db
BASE = "/api/v1/projects"


def test_milestones_during_building_through_the_api_and_the_page(pw, api, client):
    p = _to_building(pw)
    owner = api(pw.dept_admin)
    r = owner.post(f"{BASE}/{p.code}/milestones", {"name": "上线试运行", "due": "2026-06-30"})
    assert r.status_code == 201, r.content
    mid = r.json()["id"]
    assert (
        api(pw.bureau).post(f"{BASE}/{p.code}/milestones", {"name": "x", "due": "2026-06-30"}).status_code
        == 403
    )
    r = owner.post(f"{BASE}/{p.code}/milestones/{mid}/done", {"done_on": "2026-06-20"})
    assert r.json()["done_on"] == "2026-06-20"
    assert owner.post(f"{BASE}/{p.code}/milestones/{mid}/done", {"done_on": "2026-06-21"}).status_code == 422
    client.force_login(pw.dept_admin)
    r = client.post(
        f"/workbench/projects/{p.code}/", {"do": "milestone", "name": "完成等保测评", "due": "2026-09-30"}
    )
    assert r.status_code == 302
    html = client.get(f"/workbench/projects/{p.code}/").content.decode()
    assert (
        "上线试运行：计划 2026-06-30，2026-06-20 完成" in html
        and "完成等保测评：计划 2026-09-30，未完成" in html
    )
    detail = owner.get(f"{BASE}/{p.code}").json()
    assert [m["name"] for m in detail["milestones"]] == ["上线试运行", "完成等保测评"]


def test_documents_are_readable_by_whoever_sees_the_project(pw, api, client):
    p = _to_building(pw)
    d = services.document_upload(
        actor=pw.dept_admin, project=p, kind="mlps", name="等保测评报告.pdf", data=PDF
    )
    client.force_login(pw.bureau)
    r = client.get(f"/workbench/projects/{p.code}/documents/{d.pk}/")
    assert r.status_code == 200 and r.content == PDF and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment;") and r["X-Content-Type-Options"] == "nosniff"
    page = client.get(f"/workbench/projects/{p.code}/").content.decode()
    assert f'href="/workbench/projects/{p.code}/documents/{d.pk}/"' in page
    assert "（等保测评报告，建设中阶段上传）" in page
    r = api(pw.bureau).get(f"{BASE}/{p.code}/documents/{d.pk}")
    assert r.status_code == 200 and r.content == PDF
    # another department's staff does not see the project, nor its files
    client.force_login(pw.reviewer2)
    assert client.get(f"/workbench/projects/{p.code}/documents/{d.pk}/").status_code == 404
    assert api(pw.reviewer2).get(f"{BASE}/{p.code}/documents/{d.pk}").status_code == 404


def test_the_page_shows_labels_not_internal_codes(pw, client):
    p = _to_building(pw)
    client.force_login(pw.dept_admin)
    html = client.get(f"/workbench/projects/{p.code}/").content.decode()
    assert "批准立项：已申报 → 已立项" in html and "开工建设：已立项 → 建设中" in html
    assert "（产生）" in html and "（creates）" not in html and "approve：" not in html


def test_post_evaluation_and_running_indicators(pw, api, client):
    p = _to_self_evaluated(pw)
    system = p.systems.get()
    services.evaluator_assign(actor=pw.bureau, project=p, evaluator=pw.evaluator)
    services.evaluation_submit(
        actor=pw.evaluator_user,
        project=p,
        scores={"goals": 35, "sharing": 25, "cost": 20},
        conclusion="良好",
        on=ON,
    )
    p.refresh_from_db()
    detail = api(pw.bureau).get(f"{BASE}/{p.code}").json()
    assert detail["post_evaluation"]["total"] == "80.00"
    assert detail["post_evaluation"]["scores"][0] == {
        "code": "goals",
        "name": "目标实现",
        "score": 35.0,
        "points": 40,
    }
    owner, bureau = api(pw.dept_admin), api(pw.bureau)
    body = {"system": system.code, "month": "2026-05", "active_users": 1200, "transactions": 50000,
            "availability": "99.9", "cost": "20000"}  # fmt: skip
    r = owner.post(f"{BASE}/{p.code}/indicators", body)
    assert r.status_code == 201, r.content
    assert r.json() == {**body, "availability": "99.90", "cost": "20000.00"}
    # a second report for the month replaces the first; the bureau may report too
    assert bureau.post(f"{BASE}/{p.code}/indicators", {**body, "active_users": 1300}).status_code == 201
    assert Indicator.objects.get(system=system, month=date(2026, 5, 1)).active_users == 1300
    for bad in ({"availability": "101"}, {"active_users": -1}, {"month": "2026-13"}, {"cost": "-5"}):
        assert owner.post(f"{BASE}/{p.code}/indicators", {**body, **bad}).status_code == 422, bad
    assert api(pw.evaluator_user).post(f"{BASE}/{p.code}/indicators", body).status_code == 403
    assert api(pw.reviewer2).post(f"{BASE}/{p.code}/indicators", body).status_code == 404
    client.force_login(pw.dept_admin)
    r = client.post(
        f"/workbench/projects/{p.code}/",
        {"do": "indicator", "system": system.pk, "month": "2026-06", "active_users": "1400",
         "transactions": "52000", "availability": "99.5", "cost": "21000"},
    )  # fmt: skip
    assert r.status_code == 302
    html = client.get(f"/workbench/projects/{p.code}/").content.decode()
    assert "第三方后评价" in html and "示例咨询评估有限公司" in html and "总分 80.00" in html
    assert "2026-06" in html and "1400" in html and "52000" in html


def test_indicators_wait_for_acceptance(pw):
    p = _to_building(pw)
    with pytest.raises(ValidationFailed):
        services.indicator_record(actor=pw.dept_admin, system=p.systems.get(), month=ON, active_users=1)
    with pytest.raises(PermissionDenied):
        services.indicator_record(actor=pw.evaluator_user, system=p.systems.get(), month=ON)
