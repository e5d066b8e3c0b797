"""The One thing endpoints of API.md."""

import pytest

from yiwang.bundles.models import BundleCase
from yiwang.cases.models import Case

from .conftest import newborn_form, pdf


def body(world, **over):
    b = {
        "bundle_code": "newborn",
        "answers": {"insured": "no"},
        "form": newborn_form(world),
        "channel": "online",
        "materials": [pdf("delivery_record"), pdf("id_card")],
    }
    b.update(over)
    return b


def test_list_and_guide_are_public(api, world, newborn):
    r = api().get("/api/v1/bundles")
    assert r.status_code == 200 and r.json()["count"] == 1
    g = api().get("/api/v1/bundles/newborn").json()
    assert [q["id"] for q in g["questionnaire"]] == ["insured"]
    assert g["items"][1]["depends_on"] == ["出生医学证明签发"]
    assert "child.name" in g["form_schema"]["properties"]
    assert api().get("/api/v1/bundles/nope").status_code == 404


def test_preview_needs_login_and_returns_items_schema_materials_and_savings(api, world, newborn):
    assert api().post("/api/v1/bundles/newborn/preview", {"answers": {"insured": "no"}}).status_code == 401
    r = api(world.citizen).post("/api/v1/bundles/newborn/preview", {"answers": {"insured": "yes"}})
    assert r.status_code == 200
    out = r.json()
    assert [i["name"] for i in out["items"]] == ["出生医学证明签发", "出生登记（户口）"]
    assert out["form_schema"]["properties"]["applicant.name"]["x-prefill"]["authoritative"] is True
    assert {m["code"]: m["produced_by"] for m in out["materials"]}["birth_cert"] == "出生医学证明签发"
    assert out["savings"]["fields_saved"] > 0
    bad = api(world.citizen).post("/api/v1/bundles/newborn/preview", {"answers": {"insured": "x"}})
    assert bad.status_code == 422 and "answers.insured" in bad.json()["fields"]


def test_submit_is_idempotent_and_the_detail_shows_each_department(api, world, newborn):
    client = api(world.citizen)
    key = {"Idempotency-Key": "bundle-1"}
    first = client.post("/api/v1/bundle-cases", body(world), headers=key)
    assert first.status_code == 201, first.json()
    again = client.post("/api/v1/bundle-cases", body(world), headers=key)
    assert again.json()["number"] == first.json()["number"]
    assert BundleCase.objects.count() == 1 and Case.objects.count() == 3
    detail = client.get(f"/api/v1/bundle-cases/{first.json()['number']}").json()
    assert detail["status"] == "in_progress" and detail["due_date"]
    assert {c["department"] for c in detail["cases"]} == {world.dept.name, world.dept2.name}
    held = next(c for c in detail["cases"] if c["status"] == "draft")
    assert "出生医学证明签发" in held["waiting_for"]
    assert client.get("/api/v1/bundle-cases").json()["count"] == 1
    other = api(world.citizen2).get(f"/api/v1/bundle-cases/{first.json()['number']}")
    assert other.status_code == 404


@pytest.mark.parametrize(
    "over,status,field",
    [
        ({"channel": "fax"}, 422, "channel"),
        ({"channel": "window"}, 403, None),  # a citizen is no window clerk
        ({"answers": {}}, 422, "answers.insured"),
        ({"form": {"child.name": "<script>"}}, 422, None),
        ({"materials": []}, 422, "materials.delivery_record"),
        ({"bundle_code": "nope"}, 404, None),
    ],
)
def test_bad_submissions_get_clear_errors_and_create_nothing(api, world, newborn, over, status, field):
    r = api(world.citizen).post("/api/v1/bundle-cases", body(world, **over))
    assert r.status_code == status, r.json()
    assert r.json()["message"]
    if field:
        assert field in r.json()["fields"]
    assert BundleCase.objects.count() == 0 and Case.objects.count() == 0


def test_a_company_cannot_apply_for_a_personal_bundle(api, world, newborn):
    r = api(world.company).post("/api/v1/bundle-cases", body(world))
    assert r.status_code == 403 and "个人" in r.json()["message"]


def test_bundle_case_detail_reads_a_fixed_number_of_queries(
    api, world, newborn, django_assert_max_num_queries
):
    """No query per department case beyond the fixed ones (3 cases here, the same with more)."""
    client = api(world.citizen)
    number = client.post("/api/v1/bundle-cases", body(world)).json()["number"]
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/bundle-cases/{number}").status_code == 200


def test_multiple_answers_account_kind_and_next_steps_over_the_api(api, world, change, eatery):
    r = api(world.company).post(
        "/api/v1/bundles/company-change/preview", {"answers": {"changed": ["legal_rep"]}}
    )
    assert r.status_code == 200 and r.json()["account_kind"] == "legal"
    assert [i["name"] for i in r.json()["items"]] == [
        "公司变更登记",
        "印章刻制备案信息变更",
        "银行账户信息变更",
    ]
    r = api(world.company).post("/api/v1/bundles/company-change/preview", {"answers": {"changed": []}})
    assert r.status_code == 422 and "answers.changed" in r.json()["fields"]
    assert (
        api(world.citizen)
        .post("/api/v1/bundles/restaurant/preview", {"answers": {"subject": "individual"}})
        .json()["account_kind"]
        == "person"
    )
    r = api(world.company).post(
        "/api/v1/bundle-cases",
        {
            "bundle_code": "restaurant",
            "answers": {"subject": "individual"},
            "form": {"premises.address": "武汉市江汉区解放大道 100 号"},
            "channel": "online",
        },
        headers={"Idempotency-Key": "k-eatery-1"},
    )
    assert r.status_code == 403 and "请使用自然人账号申请" in r.json()["message"]
    r = api(world.company).post(
        "/api/v1/bundle-cases",
        {
            "bundle_code": "company-change",
            "answers": {"changed": ["name"]},
            "form": {"premises.address": "武汉市江岸区中山大道 1 号"},
            "channel": "online",
        },
        headers={"Idempotency-Key": "k-change-1"},
    )
    assert r.status_code == 201
    detail = api(world.company).get(f"/api/v1/bundle-cases/{r.json()['number']}").json()
    steps = {s["item"]: s for s in detail["next_steps"]}
    assert steps["银行账户信息变更"]["depends_on"] == ["公司变更登记"]
    assert steps["银行账户信息变更"]["state"] == "waiting" and steps["公司变更登记"]["state"] == "active"
