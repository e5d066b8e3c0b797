"""The workbench's training pages: access, the paper form (without script), marking, statistics,
the bank's import and export, certificates and the competition page."""

import datetime as dt
import io

import pytest
import time_machine
from django.test import Client

from yiwang.core.testing import PASSWORD
from yiwang.training import excel, services
from yiwang.training.models import Answer, Attempt, Certification, Question

from .conftest import T0

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def test_pages_need_staff_and_managers(world, exam):
    assert Client().get("/workbench/training/").status_code == 302
    assert _client(world.citizen).get("/workbench/training/").status_code == 403
    assert _client(world.clerk).get("/workbench/training/marking/").status_code == 403
    assert _client(world.supervisor).get("/workbench/training/marking/").status_code == 200


def test_paper_form_without_script_then_marking(world, exam):
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        clerk = _client(world.clerk)
        page = clerk.get("/workbench/training/")
        assert "窗口业务测试" in page.content.decode()
        r = clerk.post(f"/workbench/training/exams/{exam.pk}/start/")
        a = Attempt.objects.get(user=world.clerk)
        assert r.status_code == 302 and r["Location"].endswith(f"/attempts/{a.pk}/")
        html = clerk.get(f"/workbench/training/attempts/{a.pk}/").content.decode()
        assert "<script src=" in html and "style=" not in html
        form = {}
        for p in a.paper:
            q = Question.objects.get(pk=p["q"])
            form[f"q{q.pk}"] = {"fill": q.answer[0], "short": "先受理后核查"}.get(q.kind, q.answer)
        form["submit"] = "1"
        r = clerk.post(f"/workbench/training/attempts/{a.pk}/", form)
        assert r.status_code == 302
    a.refresh_from_db()
    assert a.status in ("marking", "done") and Answer.objects.filter(attempt=a).count() == 10
    # marking and the result the same morning (the clerk's session is hours old at most)
    with time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False):
        sup = _client(world.supervisor)
        for ans in Answer.objects.filter(attempt=a, score__isnull=True):
            assert (
                sup.post("/workbench/training/marking/", {"answer": ans.pk, "score": "1"}).status_code == 302
            )
        a.refresh_from_db()
        assert a.status == "done" and a.passed
        assert "得分" in clerk.get(f"/workbench/training/attempts/{a.pk}/result/").content.decode()
        assert sup.post(f"/workbench/training/exams/{exam.pk}/statistics/").status_code == 302
        assert "试题分析" in sup.get(f"/workbench/training/exams/{exam.pk}/statistics/").content.decode()


def test_bank_import_and_export(world):
    sup = _client(world.supervisor)
    gift_file = io.BytesIO("::law/1:: 受理凭证应当加盖专用印章并注明日期。{T}\n".encode())
    gift_file.name = "bank.gift"
    assert sup.post("/workbench/training/bank/", {"file": gift_file}).status_code == 302
    assert Question.objects.count() == 1
    r = sup.get("/workbench/training/bank/export.gift")
    assert "::law/1::" in r.content.decode()
    r = sup.get("/workbench/training/bank/export.xlsx")
    assert excel.excel_read(r.content)[0]["answer"] == "true"


def test_certificate_upload_check_and_report(world):
    services.hall_requirement_set(hall=world.hall, required=True)
    clerk = _client(world.clerk)
    r = clerk.post(
        "/workbench/training/certifications/",
        {
            "kind": "行政办事员",
            "number": "420100777",
            "issuer": "武汉市人社局",
            "valid_from": "2025-01-01",
            "valid_until": "2029-12-31",
        },
    )
    assert r.status_code == 302
    cert = Certification.objects.get(number="420100777")
    admin = _client(world.platform_admin)
    page = admin.get("/workbench/training/certifications/").content.decode()
    assert "未持证人员" in page and "武汉市民之家" in page
    assert (
        admin.post("/workbench/training/certifications/", {"check": cert.pk, "approve": "1"}).status_code
        == 302
    )
    cert.refresh_from_db()
    assert cert.status == "verified"


def test_competition_page(world):
    comp = services.competition_create(
        year=2026,
        title="技能竞赛",
        rounds=[{"level": "city", "kind": "practical", "rubric": [{"criterion": "规范", "max": 10}]}],
    )
    rnd = comp.rounds.get()
    e = services.entry_add(round=rnd, user=world.clerk, team="市民之家")
    services.judge_score(judge=world.supervisor, entry=e, scores={"规范": 9})
    services.round_close(round=rnd)
    html = _client(world.clerk).get(f"/workbench/training/competitions/{comp.pk}/").content.decode()
    assert "个人排名" in html and "团体排名" in html and "市民之家" in html
