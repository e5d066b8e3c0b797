"""API.md "Cases (additions)": `statutory_due_date` and `remedy` on the case; `refuse` with
`competent_agency`; `request_extension` / `approve_extension` with `extend` as the alias for one
approver; the errors of extending twice and of an undeclared special procedure. Pinned to
Mon 2 Nov 2026 (the API's day is the platform's today)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yiwang.cases.models import Case
from yiwang.core.testing import good_form, good_materials


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield


@pytest.fixture
def filed(world, api):
    r = api(world.citizen).post(
        "/api/v1/cases",
        {
            "item_code": world.item.code,
            "form": good_form(),
            "channel": "online",
            "materials": good_materials(),
        },
    )
    assert r.status_code == 201, r.content
    return r.json()["number"]


def move(api, user, number, action, **fields):
    return api(user).post(f"/api/v1/cases/{number}/transitions", {"action": action, **fields})


def test_statutory_due_date_and_two_step_extension(world, api, filed):
    r = move(api, world.clerk, filed, "accept")
    body = r.json()
    assert body["due_date"] == "2026-11-09" and body["statutory_due_date"] == "2026-11-30"
    assert body["remedy"] is None and body["extension_requested_on"] is None
    r = move(
        api, world.reviewer, filed, "request_extension", reason="需组织专家论证", version=body["version"]
    )
    assert r.status_code == 200, r.content
    assert r.json()["extension_requested_on"] == "2026-11-02" and r.json()["due_date"] == "2026-11-09"
    r = move(api, world.approver, filed, "approve_extension", version=r.json()["version"])
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["extension_days"] == 10
    assert body["due_date"] == "2026-11-23" and body["statutory_due_date"] == "2026-12-14"
    assert [e["action"] for e in body["events"]][-2:] == ["request_extension", "approve_extension"]
    notices = api(world.citizen).get(f"/api/v1/cases/{filed}/notices").json()["items"]
    assert "extension" in [n["kind"] for n in notices]
    inbox = api(world.citizen).get("/api/v1/notifications").json()["items"]
    assert any(m["kind"] == "case.extended" and filed in m["subject"] for m in inbox)


def test_the_head_declines_an_extension_over_the_api(world, api, filed):
    move(api, world.clerk, filed, "accept")
    r = move(api, world.approver, filed, "reject_extension", reason="不需要")
    assert r.status_code == 409 and "没有待批准" in r.json()["message"]  # nothing to decline
    move(api, world.reviewer, filed, "request_extension", reason="需组织专家论证")
    r = move(api, world.approver, filed, "reject_extension")
    assert r.status_code == 422 and "reason" in r.json()["fields"]
    r = move(api, world.approver, filed, "reject_extension", reason="专家论证可在期限内完成")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["extension_requested_on"] is None and body["extension_days"] == 0
    assert body["due_date"] == "2026-11-09" and body["events"][-1]["action"] == "reject_extension"
    notices = api(world.citizen).get(f"/api/v1/cases/{filed}/notices").json()["items"]
    assert "extension" not in [n["kind"] for n in notices]


def test_extending_twice_is_409_with_a_chinese_message(world, api, filed):
    move(api, world.clerk, filed, "accept")
    r = move(api, world.approver, filed, "extend", reason="情况复杂")
    assert r.status_code == 200 and r.json()["extension_days"] == 10
    version = r.json()["version"]
    for user, action in [(world.approver, "extend"), (world.reviewer, "request_extension")]:
        r = move(api, user, filed, action, reason="再次延长")
        assert r.status_code == 409, r.content
        err = r.json()
        assert err["code"] == "invalid_transition" and "只能延长一次" in err["message"]
    assert Case.objects.get(number=filed).version == version
    r = move(api, world.approver, filed, "approve_extension")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_undeclared_special_procedure_is_422_naming_the_allowed_kinds(world, api, filed):
    version = move(api, world.clerk, filed, "accept").json()["version"]
    r = move(api, world.reviewer, filed, "start_special_procedure", kind="auction", expected_days=5)
    assert r.status_code == 422
    err = r.json()
    assert err["code"] == "validation_error" and err["message"]
    assert "expert_review（专家评审）" in err["fields"]["kind"][0]
    assert (
        Case.objects.get(number=filed).version == version and not Case.objects.get(number=filed).clock_stopped
    )
    r = move(api, world.reviewer, filed, "start_special_procedure", kind="expert_review", expected_days=5)
    assert r.status_code == 200 and r.json()["clock"] == "stopped"
    assert r.json()["special_procedure_planned_end"] == "2026-11-09"
    assert r.json()["special_procedure_warning_level"] == "normal"


def test_refusal_with_competent_agency_and_remedy(world, api, filed):
    r = move(
        api, world.clerk, filed, "refuse", reason="不属于本机关职权范围", competent_agency=str(world.dept2.pk)
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "refused"
    assert body["remedy"] == {
        "review_body": "武汉市人民政府",
        "review_days": 60,
        "court": "武汉市有管辖权的人民法院",
        "litigation_months": 6,
    }
    assert body["events"][-1]["data"]["competent_agency"] == "武汉市卫生健康委员会"
    assert api(world.citizen).get(f"/api/v1/cases/{filed}").json()["remedy"]["review_days"] == 60


def test_acceptance_deadline_after_a_supplement_in_the_queue(world, api, filed):
    move(api, world.clerk, filed, "request_supplement", missing=["经营场所平面图"])
    r = move(api, world.citizen, filed, "supplement", materials=[good_materials()[1]])
    assert r.status_code == 200 and r.json()["acceptance_due_date"] == "2026-11-09"
    with time_machine.travel(datetime(2026, 11, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        for user in (world.clerk, world.supervisor):
            items = api(user).get("/api/v1/cases", status="submitted").json()["items"]
            row = next(i for i in items if i["number"] == filed)
            assert row["acceptance_warning_level"] == "red" and row["warning_level"] == "red"
